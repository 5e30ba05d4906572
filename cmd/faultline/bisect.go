package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

// exitBisectAbort is bisect's exit code for a usage or input error: git
// bisect run reads 1 to 127 (but 125) as "bad", so a mistyped flag must
// not exit 2 and mark a revision bad; any code of 128 or more aborts the
// bisect run instead.
const exitBisectAbort = 128

const bisectHelp = `Judge this revision for 'git bisect run': run a scenario on one or more
seeds and exit 0 if the system under test is good, 1 if it is bad, 125 to
skip this revision, and 128 (which aborts 'git bisect run') on a usage or
input error, so that a mistyped command never marks a revision bad.

The rule:
  bad   some seed fails with the SUT to blame (FAIL-*, blame SUT);
  good  no seed fails with the SUT to blame, and at least --min-conclusive
        of the seeds are conclusive: PASS-* or PARTIAL-* (a run that was
        judged and showed no anomaly);
  skip  otherwise: too many seeds INCONCLUSIVE-* (a fault that did not
        land, a checker that could not decide), failed with the harness,
        checker or environment to blame, or could not run at all, so this
        revision is not the system's to judge.

Usage:
  faultline bisect [PKG] [--scenario NAME] [--plan PLAN.md] [--seed N | --seeds N|A..B]
                   [--min-conclusive FRACTION] [--json]

With PKG, the package's test binary is built at this revision and runs
the seeds (a revision where it does not build is skipped).

Examples:
  git bisect start BAD GOOD
  git bisect run go run ./cmd/faultline bisect --scenario reads_linearizable_under_partition --seeds 20
  git bisect run faultline bisect ./internal/mystore --scenario mystore_linearizable --seeds 20
`

// bisectSeed is one seed's outcome in bisect's --json output.
type bisectSeed struct {
	Seed       uint64           `json:"seed"`
	Verdict    scenario.Verdict `json:"verdict"`
	Blame      scenario.Blame   `json:"blame,omitempty"`
	Reason     string           `json:"reason,omitempty"`
	TraceHash  string           `json:"trace_hash,omitempty"`
	Conclusive bool             `json:"conclusive"`
}

// bisectOutput is bisect's --json object.
type bisectOutput struct {
	Decision      string       `json:"decision"` // good, bad or skip
	ExitCode      int          `json:"exit_code"`
	Reason        string       `json:"reason"`
	Scenario      string       `json:"scenario"`
	Conclusive    int          `json:"conclusive"`
	MinConclusive int          `json:"min_conclusive"`
	Seeds         []bisectSeed `json:"seeds"`
}

func cmdBisect(args []string, stdout, stderr io.Writer) int {
	code := bisect(args, stdout, stderr)
	if code == exitUsage {
		return exitBisectAbort
	}
	return code
}

func bisect(args []string, stdout, stderr io.Writer) int {
	fs := flags("bisect", bisectHelp, stderr)
	name := fs.String("scenario", "", "the scenario (default: the built-in reference scenario)")
	plan := fs.String("plan", "", "take scenarios from the faultline blocks of `PLAN.md`")
	seed := fs.Uint64("seed", 0, "run only this seed")
	seeds := fs.String("seeds", "1", "seeds to run: N (1..N) or A..B")
	minConclusive := fs.Float64("min-conclusive", 0.5, "the share of seeds, above 0 and at most 1, that must be conclusive for good")
	asJSON := fs.Bool("json", false, "print the decision and every seed's outcome as one JSON object")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	for _, err := range []error{checkScenarioNames(fs, *name), checkExclusive(fs, "seed", "seeds")} {
		if err != nil {
			return fail(stderr, "bisect", err)
		}
	}
	if math.IsNaN(*minConclusive) || *minConclusive <= 0 || *minConclusive > 1 {
		return fail(stderr, "bisect", usagef("--min-conclusive %v: want a share above 0 and at most 1, such as 0.5", *minConclusive))
	}
	if fs.NArg() > 1 {
		return fail(stderr, "bisect", usagef("want at most one package, got %q", fs.Args()))
	}
	list, err := sweep.ParseSeeds(*seeds)
	if err != nil {
		return fail(stderr, "bisect", usageError{err.Error()})
	}
	if fs.Changed("seed") {
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
	out := bisectOutput{Scenario: s, MinConclusive: int(math.Ceil(*minConclusive * float64(len(list))))}
	decide := func(decision string, code int, reason string) int {
		out.Decision, out.ExitCode, out.Reason = decision, code, reason
		if *asJSON {
			_ = printJSON(stdout, out)
		} else {
			fmt.Fprintf(stdout, "%s: %s\n", decision, reason)
		}
		return code
	}
	for _, sd := range list {
		res, err := src.run(s, sd, runOptions{})
		if err != nil {
			// This revision cannot even run the scenario: not the system's
			// to judge.
			return decide("skip", exitSkip, fmt.Sprintf("seed %d could not run: %v", sd, err))
		}
		bs := bisectSeed{Seed: sd, Verdict: res.Verdict, Blame: res.Blame, Reason: res.Reason, TraceHash: res.TraceHash, Conclusive: conclusive(res.Verdict)}
		out.Seeds = append(out.Seeds, bs)
		if bs.Conclusive {
			out.Conclusive++
		}
		if !*asJSON {
			fmt.Fprintf(stdout, "seed %d: %s %s\n", sd, res.Verdict, res.Blame)
		}
		if exitFor(res) == exitFinding {
			return decide("bad", exitFinding, fmt.Sprintf("seed %d fails with SUT blame: %s", sd, res.Reason))
		}
	}
	if out.Conclusive < out.MinConclusive {
		return decide("skip", exitSkip, fmt.Sprintf("only %d of %d seeds are conclusive, fewer than the %d --min-conclusive asks; the others are inconclusive or failed with blame not on the SUT",
			out.Conclusive, len(list), out.MinConclusive))
	}
	return decide("good", exitOK, fmt.Sprintf("no seed fails with SUT blame, and %d of %d seeds are conclusive (at least %d wanted)", out.Conclusive, len(list), out.MinConclusive))
}

// conclusive reports whether a seed's verdict judges the system: it ran,
// was checked and showed no anomaly (PASS-* or PARTIAL-*).
func conclusive(v scenario.Verdict) bool {
	return strings.HasPrefix(string(v), "PASS-") || strings.HasPrefix(string(v), "PARTIAL-")
}
