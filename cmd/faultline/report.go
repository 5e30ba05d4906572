package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/report"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

const reportHelp = `Turn sweep results files into the findings report: Markdown for the
reviewer and JSON for machines, from the same data. Several files (shards)
are merged; a (scenario, seed) recorded twice with different outcomes is
an error.

Usage:
  faultline report RESULTS.jsonl... [--md FILE] [--json-out FILE] [--json]
                   [--plan PLAN.md] [--tier smoke|hardening|release]

Without --md or --json-out the Markdown goes to standard output (--json:
the JSON instead). The exit code is the session's: 0 clean, 1 a finding
against the SUT, 3 inconclusive or not the SUT's fault.

Examples:
  faultline report results.jsonl
  faultline report shard-*.jsonl --md report.md --json-out report.json --tier hardening
  faultline report results.jsonl --md out/report.md --pages out/pages
`

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := flags("report", reportHelp, stderr)
	md := fs.String("md", "", "write the Markdown report to `FILE`")
	jsonOut := fs.String("json-out", "", "write the JSON report to `FILE`")
	asJSON := fs.Bool("json", false, "print the JSON report instead of the Markdown")
	plan := fs.String("plan", "", "the test plan the results came from, named in the header (default: the plans the result lines record)")
	tier := fs.String("tier", "hardening", "the budget tier of the sweep: smoke, hardening or release")
	pages := fs.String("pages", "", "replay each finding's first seed into `DIR`/<scenario>-<seed>/ and link its pictures")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() == 0 {
		return fail(stderr, "report", usagef("name at least one results file"))
	}
	t, err := report.ParseTier(*tier)
	if err != nil {
		return fail(stderr, "report", usageError{err.Error()})
	}
	for _, path := range fs.Args() {
		// Bounded and kind-checked first: a torn last line or a file that is
		// not a regular file is reported here, before the strict read.
		if _, err := sweep.ReadResults(path); err != nil {
			return fail(stderr, "report", usageError{err.Error()})
		}
	}
	results, err := report.ReadFiles(fs.Args()...)
	if err != nil {
		return fail(stderr, "report", usageError{err.Error()})
	}
	if *pages != "" {
		if err := findingPages(results, *plan, *pages, stderr); err != nil {
			return fail(stderr, "report", err)
		}
	}
	rev := revision()
	planName := *plan
	if planName == "" {
		planName = resultPlans(results)
	}
	r := report.Build(report.Meta{
		Plan: planName, SUTVersion: rev, FaultlineVersion: rev, Tier: t,
		Date:    time.Now().UTC().Format("2006-01-02"), // the report's date, not part of any run
		Command: "faultline report " + strings.Join(args, " "),
	}, results, nil, nil)
	js, err := r.JSON()
	if err != nil {
		return fail(stderr, "report", err)
	}
	wrote := false
	if *md != "" {
		if err := writeOutput("--md", *md, r.Markdown()); err != nil {
			return fail(stderr, "report", err)
		}
		wrote = true
	}
	if *jsonOut != "" {
		if err := writeOutput("--json-out", *jsonOut, js); err != nil {
			return fail(stderr, "report", err)
		}
		wrote = true
	}
	switch {
	case *asJSON:
		fmt.Fprintf(stdout, "%s\n", js)
	case !wrote:
		_, _ = stdout.Write(r.Markdown())
	default:
		fmt.Fprintf(stdout, "%s: %d results, status %s\n", strings.Join(fs.Args(), ", "), len(results), r.Summary.Status)
	}
	return r.ExitCode()
}

// revision is the VCS revision faultline was built from, when known.
func revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			return info.Main.Version
		}
		return "unknown"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

// findingPages replays the first seed of every finding into dir, from
// the package and plan its result line records (--plan for lines that
// record none), and records the artifacts and pictures on its result, so
// that the report links them.
func findingPages(results []scenario.Result, plan, dir string, stderr io.Writer) error {
	srcs := map[scenario.Source]*source{}
	used := map[string]bool{}
	defer func() {
		for _, s := range srcs {
			s.close()
		}
	}()
	for _, f := range scenario.Group(results) {
		at := f.First.Source
		if at.Plan == "" {
			at.Plan = plan
		}
		src, ok := srcs[at]
		if !ok {
			var err error
			if src, err = openSource(at.Package, at.Plan, stderr); err != nil {
				return fmt.Errorf("finding %s: %w", f.ID, err)
			}
			srcs[at] = src
		}
		if err := src.known(f.Scenario); err != nil {
			return usagef("finding %s: %v (pass the plan the results came from with --plan)", f.ID, err)
		}
		// SCENARIO-SEED, or with the finding's id when a scenario of the
		// same name from another source has the name already.
		name := fmt.Sprintf("%s-%d", f.Scenario, f.First.Seed)
		if used[name] {
			name += "-" + f.ID
		}
		used[name] = true
		out := filepath.Join(dir, name)
		res, err := src.run(f.Scenario, f.First.Seed, runOptions{out: out})
		if err != nil {
			return fmt.Errorf("finding %s: %w", f.ID, err)
		}
		for i := range results {
			if results[i].Scenario == f.Scenario && results[i].Seed == f.First.Seed && results[i].Source == f.First.Source {
				results[i].Artifacts = res.Artifacts
			}
		}
	}
	return nil
}

// resultPlans names the plans the results came from, as their lines
// record them ("" when none does): the report's header without --plan.
func resultPlans(results []scenario.Result) string {
	var plans []string
	for _, r := range results {
		if r.Plan != "" && !slices.Contains(plans, r.Plan) {
			plans = append(plans, r.Plan)
		}
	}
	slices.Sort(plans)
	return strings.Join(plans, ", ")
}
