package main

import (
	"fmt"
	"io"

	"github.com/faultline-dst/faultline/sweep"
)

const bisectHelp = `Judge this revision for 'git bisect run': run a scenario on one or more
seeds and exit 0 if the system under test is good, 1 if it fails, and 125
(skip this revision) when the harness, checker or environment is to blame
or the run is inconclusive, so that bisecting never lands on a revision for
a reason that is not the system's.

Usage:
  faultline bisect [PKG] [--scenario NAME] [--plan PLAN.md] [--seed N | --seeds N|A..B] [--json]

With PKG, the package's test binary is built at this revision and runs
the seeds (a revision where it does not build is skipped).

Examples:
  git bisect start BAD GOOD
  git bisect run go run ./cmd/faultline bisect --scenario reads_linearizable_under_partition --seeds 20
  git bisect run faultline bisect ./internal/mystore --scenario mystore_linearizable --seeds 20
`

func cmdBisect(args []string, stdout, stderr io.Writer) int {
	fs := flags("bisect", bisectHelp, stderr)
	name := fs.String("scenario", "", "the scenario (default: the built-in reference scenario)")
	plan := fs.String("plan", "", "take scenarios from the faultline blocks of `PLAN.md`")
	seed := fs.Uint64("seed", 0, "run only this seed")
	seeds := fs.String("seeds", "1", "seeds to run: N (1..N) or A..B")
	asJSON := fs.Bool("json", false, "print each result as one JSON line")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	list, err := sweep.ParseSeeds(*seeds)
	if err != nil {
		return fail(stderr, "bisect", usageError{err.Error()})
	}
	if *seed != 0 {
		list = []uint64{*seed}
	}
	src, err := sourceArg(fs.Args(), *plan, stderr)
	if err != nil {
		if fs.NArg() == 1 {
			fmt.Fprintf(stderr, "faultline bisect: %v\n", err)
			return exitSkip // the package does not build at this revision
		}
		return fail(stderr, "bisect", err)
	}
	defer src.close()
	s, err := src.pick(*name)
	if err != nil {
		return fail(stderr, "bisect", err)
	}
	skip := false
	for _, sd := range list {
		res, err := src.run(s, sd, runOptions{})
		if err != nil {
			fmt.Fprintf(stderr, "faultline bisect: %v\n", err)
			return exitSkip // this revision cannot even run the scenario
		}
		if *asJSON {
			_ = printJSON(stdout, res)
		} else {
			fmt.Fprintf(stdout, "seed %d: %s %s\n", sd, res.Verdict, res.Blame)
		}
		switch exitFor(res) {
		case exitFinding:
			fmt.Fprintf(stdout, "bad: seed %d fails with SUT blame: %s\n", sd, res.Reason)
			return exitFinding
		case exitInconclusive:
			skip = true
		}
	}
	if skip {
		fmt.Fprintln(stdout, "skip: inconclusive, or a failure not blamed on the SUT")
		return exitSkip
	}
	fmt.Fprintln(stdout, "good")
	return exitOK
}
