package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/report/html"
	"github.com/faultline-dst/faultline/scenario"
)

const runHelp = `Run one scenario on one seed and print its verdict, blame, trace hash and
figures. The same seed always gives the same run and the same hash.

Usage:
  faultline run [--scenario NAME | --plan PLAN.md] [--seed N] [--json]
                [--trace FILE] [--out DIR]
  faultline run PKG [--scenario NAME] [--seed N] [--json]

With no scenario named, runs the built-in reference scenario
(kv_linearizable_under_partitions_and_crashes: raftkv key-value,
linearizable under partitions and crashes).

Examples:
  faultline run --seed 7
  faultline run --scenario reads_linearizable_under_partition@stale-read --seed 2 --json
  faultline run --seed 7 --trace /tmp/seed7.trace
  faultline run --plan plan.md --seed 3 --out artifacts/seed3
  faultline run ./examples/userpkg --scenario userstore_linearizable_under_pauses@forget --seed 1
`

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flags("run", runHelp, stderr)
	name := fs.String("scenario", "", "the scenario to run (default: the built-in reference scenario)")
	plan := fs.String("plan", "", "take scenarios from the faultline blocks of `PLAN.md`")
	seed := fs.Uint64("seed", 1, "the seed")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	tracePath := fs.String("trace", "", "write the full trace to `FILE`")
	out := fs.String("out", "", "write artifacts (trace, history, result, pages) to `DIR`")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if err := checkScenarioNames(fs, *name); err != nil {
		return fail(stderr, "run", err)
	}
	if fs.NArg() > 1 {
		return fail(stderr, "run", usagef("want at most one package, got %q", fs.Args()))
	}
	if fs.NArg() == 1 {
		if *plan != "" || *tracePath != "" || *out != "" {
			return fail(stderr, "run", usagef("a package's scenarios run in its test binary: --plan, --trace and --out do not apply"))
		}
		res, err := runInPackage(fs.Arg(0), *name, *seed, stderr)
		if err != nil {
			return fail(stderr, "run", err)
		}
		if *asJSON {
			_ = printJSON(stdout, res)
		} else {
			printResult(stdout, res, "")
		}
		return exitFor(res)
	}
	src, err := loadSource(*plan)
	if err != nil {
		return fail(stderr, "run", err)
	}
	s, err := src.pick(*name)
	if err != nil {
		return fail(stderr, "run", err)
	}
	res, err := runOne(src.reg, s, *seed, *tracePath, *out)
	if err != nil {
		return fail(stderr, "run", err)
	}
	if *asJSON {
		if err := printJSON(stdout, res); err != nil {
			return fail(stderr, "run", err)
		}
	} else {
		printResult(stdout, res, *plan)
	}
	return exitFor(res)
}

// runOne runs a seed, writing the trace and the artifacts when asked.
func runOne(reg *scenario.Registry, s scenario.Scenario, seed uint64, tracePath, out string) (scenario.Result, error) {
	opts := scenario.RunOptions{OutDir: out}
	if out != "" {
		if err := outputDir("--out", out); err != nil {
			return scenario.Result{}, err
		}
	}
	var tf *os.File
	if tracePath != "" {
		f, err := createOutput("--trace", tracePath)
		if err != nil {
			return scenario.Result{}, err
		}
		tf = f
		opts.Trace = f
	}
	res, err := reg.Run(s, seed, opts)
	if err != nil {
		err = usageError{err.Error()} // Run fails only for a scenario that cannot run as written
	}
	if tf != nil {
		serr := tf.Sync()
		if cerr := tf.Close(); serr == nil {
			serr = cerr
		}
		if err == nil && serr != nil {
			err = fmt.Errorf("--trace: %w", serr)
		}
	}
	if err != nil {
		return res, err
	}
	if out != "" {
		if err := writePages(out, &res); err != nil {
			return res, err
		}
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(filepath.Join(out, "result.json"), append(b, '\n'), 0o644); err != nil {
			return res, err
		}
	}
	return res, nil
}

// writePages writes the HTML pictures of a run (history.html,
// trace.html) next to its artifacts.
func writePages(dir string, res *scenario.Result) error {
	h, err := history.ReadFile(res.Artifacts.History)
	if err != nil {
		return err
	}
	f, err := os.Open(res.Artifacts.Trace)
	if err != nil {
		return err
	}
	defer f.Close()
	files, err := html.WriteDir(dir, html.FromResult(*res, h, f))
	if err != nil {
		return err
	}
	res.Artifacts.HistoryPage, res.Artifacts.TracePage = files.History, files.Trace
	return nil
}
