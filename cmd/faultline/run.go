package main

import (
	"io"
	"os"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/report/html"
	"github.com/faultline-dst/faultline/scenario"
)

const runHelp = `Run one scenario on one seed and print its verdict, blame, trace hash and
figures. The same seed always gives the same run and the same hash.

Usage:
  faultline run [--scenario NAME | --plan PLAN.md] [--seed N] [--json]
                [--trace FILE] [--out DIR] [--stuck-after D]
  faultline run PKG [--scenario NAME | --plan PLAN.md] [--seed N] [--json]
                [--trace FILE] [--out DIR] [--stuck-after D]

PKG is a Go package whose test binary registers the scenarios (its
TestMain calls sweep.WorkerMain when FAULTLINE_WORKER=1); a plan's blocks
may then name the package's systems and scenarios.

With no scenario named, runs the built-in reference scenario
(kv_linearizable_under_partitions_and_crashes: raftkv key-value,
linearizable under partitions and crashes).

A node callback that does not return within --stuck-after of host time
(a loop that never ends, a block that never wakes) is abandoned and
blamed from its stack: FAIL on the code it is stuck in when the rerun
hangs there too, INCONCLUSIVE-env when it does not. Go cannot stop the
stuck goroutine; the command ends after printing.

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
	stuckAfter := fs.Duration("stuck-after", scenario.DefaultStuckAfter, "host-time limit for one call into a node: a callback that never returns is abandoned after it and blamed from its stack")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	for _, err := range []error{checkScenarioNames(fs, *name), checkPositiveDuration("stuck-after", *stuckAfter)} {
		if err != nil {
			return fail(stderr, "run", err)
		}
	}
	src, err := sourceArg(fs.Args(), *plan, stderr)
	if err != nil {
		return fail(stderr, "run", err)
	}
	defer src.close()
	name2, err := src.pick(*name)
	if err != nil {
		return fail(stderr, "run", err)
	}
	res, err := src.run(name2, *seed, runOptions{trace: *tracePath, out: *out, stuckAfter: *stuckAfter})
	if err != nil {
		return fail(stderr, "run", err)
	}
	if *asJSON {
		if err := printJSON(stdout, res); err != nil {
			return fail(stderr, "run", err)
		}
	} else {
		printResult(stdout, res)
	}
	return exitFor(res)
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
