package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/sweep"
)

const planHelp = `Validate the scenario blocks of a Markdown test plan: every fenced
` + "```faultline" + ` block is parsed strictly; unknown or missing fields, unknown
systems, models, checkers and fault kinds, and bad values are reported with
the file, the line and the valid choices.

Usage:
  faultline plan check [PKG] PLAN.md... [--json]

With PKG (a directory or import path), blocks may name the systems and
scenarios the package's test binary registers.

Examples:
  faultline plan check docs/plan.md
  faultline plan check ./internal/mystore docs/mystore-plan.md
`

func cmdPlan(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "check" && !strings.HasPrefix(args[0], "-")) {
		got := "nothing"
		if len(args) > 0 {
			got = fmt.Sprintf("%q", args[0])
		}
		fmt.Fprintf(stderr, "faultline plan: want a subcommand, got %s; valid: check\n", got)
		return exitUsage
	}
	if args[0] == "check" {
		args = args[1:]
	}
	fs := flags("plan check", planHelp, stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per scenario")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() == 0 {
		return fail(stderr, "plan check", usagef("name at least one plan file"))
	}
	var pkg string
	var plans []string
	for _, a := range fs.Args() {
		if isPackageArg(a) {
			if pkg != "" {
				return fail(stderr, "plan check", usagef("want at most one package, got %q and %q", pkg, a))
			}
			pkg = a
			continue
		}
		plans = append(plans, a)
	}
	if len(plans) == 0 {
		return fail(stderr, "plan check", usagef("name at least one plan file"))
	}
	var w *pkgWorker
	if pkg != "" {
		src, err := openSource(pkg, "", stderr)
		if err != nil {
			return fail(stderr, "plan check", err)
		}
		defer src.close()
		w = src.w
	}
	code := exitOK
	for _, path := range plans {
		var es []sweep.PlanEntry
		var err error
		if w != nil {
			es, err = w.plan(path)
		} else {
			es, err = readPlanEntries(path)
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitUsage
			continue
		}
		for _, e := range es {
			if *asJSON {
				_ = printJSON(stdout, map[string]any{"file": e.File, "line": e.Line, "scenario": e.Name, "system": e.System, "model": e.Model, "checker": e.Checker, "claims": e.Claims, "ok": true})
			} else {
				fmt.Fprintf(stdout, "%s:%d: ok: %s (%s, %s, %s)\n", e.File, e.Line, e.Name, e.System, e.Model, e.Checker)
			}
		}
	}
	return code
}

// readPlanEntries reads a plan with the built-in systems and scenarios.
func readPlanEntries(path string) ([]sweep.PlanEntry, error) {
	ps, err := reference.Registry().ReadPlan(path)
	if err != nil {
		return nil, err
	}
	var out []sweep.PlanEntry
	for _, p := range ps {
		s := p.Scenario
		out = append(out, sweep.PlanEntry{File: p.File, Line: p.Line, ScenarioInfo: sweep.ScenarioInfo{
			Name: s.Name, System: s.System, Model: string(s.Model), Checker: s.Checker, Claims: s.Claim.IDs, Bugs: s.Bugs, Seeds: s.Seeds}})
	}
	return out, nil
}

// isPackageArg tells a package argument of plan check from a plan file:
// a directory, or a name that is neither a file nor ends in .md (an
// import path).
func isPackageArg(a string) bool {
	st, err := os.Stat(a)
	if err == nil {
		return st.IsDir()
	}
	return !strings.HasSuffix(a, ".md") && !strings.HasSuffix(a, ".markdown")
}
