// Package faultlinetest runs faultline scenarios from Go tests, the way
// httptest serves HTTP from them: Run sweeps a scenario over seeds inside
// `go test` and prints the command that replays a failure; Fuzz lets `go
// test -fuzz` choose fault schedules, with coverage as its guide.
//
//	func TestKVLinearizable(t *testing.T) {
//		faultlinetest.Run(t, myRegistry(), "kv_linearizable_under_partitions")
//	}
//
// Flags (after -args, or in go test's own flag list):
//
//	-faultline.seed N     run only seed N
//	-faultline.seeds N    run seeds 1..N (default 10)
//
// Only PASS-smoke and PASS-hardening pass by default. Each weaker outcome
// fails the test unless its option says otherwise (AllowInconclusive,
// AllowPartialSurface, AllowPartialModel, AllowNotRun); FAIL verdicts
// always fail it. The log names the verdict, the blame, the reason and the
// replay command.
package faultlinetest

import (
	"flag"
	"fmt"
	"testing"

	"github.com/faultline-dst/faultline/scenario"
)

// The flags. They are registered on the standard flag set, like the
// testing package's own, so that `go test -args -faultline.seed=7` works.
var (
	seedFlag  = flag.Uint64("faultline.seed", 0, "run only this seed of each faultline scenario")
	seedsFlag = flag.Int("faultline.seeds", 10, "run seeds 1..N of each faultline scenario")
)

// Options adjust Run. Each Allow option lets one weaker outcome pass (it
// is still logged); none of them lets a FAIL verdict pass.
type Options struct {
	// AllowInconclusive lets INCONCLUSIVE-env, INCONCLUSIVE-fault-not-proven
	// and INCONCLUSIVE-oracle-too-weak pass.
	AllowInconclusive bool
	// AllowPartialSurface lets PARTIAL-surface pass: no model-level
	// checker ran.
	AllowPartialSurface bool
	// AllowPartialModel lets PARTIAL-model pass: the checker decided only
	// part of the history, or a green-but-broken check demoted the run.
	AllowPartialModel bool
	// AllowNotRun lets NOT-RUN pass.
	AllowNotRun bool
	// Run are the options of each run.
	Run scenario.RunOptions
}

// passes reports whether verdict v lets the test pass under o.
func (o Options) passes(v scenario.Verdict) bool {
	switch v {
	case scenario.PassSmoke, scenario.PassHardening:
		return true
	case scenario.InconclusiveEnv, scenario.InconclusiveFaultNotProven, scenario.InconclusiveOracleTooWeak:
		return o.AllowInconclusive
	case scenario.PartialSurface:
		return o.AllowPartialSurface
	case scenario.PartialModel:
		return o.AllowPartialModel
	case scenario.NotRun:
		return o.AllowNotRun
	}
	return false // FAIL-*, and any verdict this package does not know
}

// Run runs the named scenario of reg over the seeds the flags select and
// fails t on a finding, logging the exact command that replays it.
func Run(t testing.TB, reg *scenario.Registry, name string, opts ...Options) []scenario.Result {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s, err := reg.Scenario(name)
	if err != nil {
		t.Fatal(err)
		return nil
	}
	seeds := scenario.Seeds(1, *seedsFlag)
	if *seedFlag != 0 {
		seeds = []uint64{*seedFlag}
	}
	var out []scenario.Result
	for _, seed := range seeds {
		res, err := reg.Run(s, seed, o.Run)
		if err != nil {
			t.Fatalf("faultline: %s seed %d: %v", name, seed, err)
			return out
		}
		out = append(out, res)
		bad := !o.passes(res.Verdict)
		msg := fmt.Sprintf("faultline: %s seed %d: %s (blame %s): %s\n\treplay: %s\n\tor: go test -run '%s' -args -faultline.seed=%d",
			name, seed, res.Verdict, blameText(res.Blame), res.Reason, scenario.ReplayCommand(name, seed), t.Name(), seed)
		if bad {
			t.Error(msg)
		} else if testing.Verbose() || (res.Verdict != scenario.PassSmoke && res.Verdict != scenario.PassHardening) {
			t.Logf("faultline: %s seed %d: %s (allowed by Options): %s", name, seed, res.Verdict, res.Reason)
		}
	}
	return out
}

func blameText(b scenario.Blame) string {
	if b == "" {
		return "none"
	}
	return string(b)
}

// Fuzz runs the named scenario under `go test -fuzz`: the fuzzer's input
// bytes are the entropy the nemesis draws its fault schedule from (the
// seed's own stream takes over when they run out), so coverage of the
// system under test guides the search for schedules. A FAIL verdict is a
// crash the fuzzer minimises and keeps under testdata/fuzz.
func Fuzz(f *testing.F, reg *scenario.Registry, name string) {
	f.Helper()
	s, err := reg.Scenario(name)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint64(1), []byte{})
	f.Add(uint64(2), []byte{0xff, 0, 0x80, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, seed uint64, entropy []byte) {
		res, err := reg.Run(s, seed, scenario.RunOptions{Entropy: entropy})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict.IsFail() {
			t.Errorf("faultline: %s seed %d with fuzz entropy: %s (blame %s): %s", name, seed, res.Verdict, blameText(res.Blame), res.Reason)
		}
	})
}
