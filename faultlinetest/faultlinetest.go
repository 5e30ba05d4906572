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
// ExpectBug is the other way round, for known-bug scenarios: it passes
// when the bug is found with its expected anomaly, and fails, with the
// replay command, when it is not; a corpus of known bugs stays green in
// `go test ./...` only while faultline keeps finding them.
//
// Only PASS-smoke and PASS-hardening pass Run by default. Each weaker outcome
// fails the test unless its option says otherwise (AllowInconclusive,
// AllowPartialSurface, AllowPartialModel, AllowNotRun); FAIL verdicts
// always fail it. The log names the verdict, the blame, the reason and the
// replay command: `faultline replay PKG --scenario NAME --seed N`, PKG the
// test's import path when its TestMain serves as a worker (see
// sweep.WorkerMain), and the `go test` line that reruns the seed.
package faultlinetest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
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
	pkg := callerPackage()
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
			name, seed, res.Verdict, blameText(res.Blame), res.Reason, replayCommand(pkg, name, seed), t.Name(), seed)
		if bad {
			t.Error(msg)
		} else if testing.Verbose() || (res.Verdict != scenario.PassSmoke && res.Verdict != scenario.PassHardening) {
			t.Logf("faultline: %s seed %d: %s (allowed by Options): %s", name, seed, res.Verdict, res.Reason)
		}
	}
	return out
}

// replayCommand is the faultline command that replays a seed: from the
// test's package when its test binary serves as a faultline worker that
// registers the scenario, else as a built-in scenario.
func replayCommand(pkg, name string, seed uint64) string {
	r := scenario.Result{Scenario: name, Seed: seed}
	if pkg != "" && workerServes(name) {
		r.Package = pkg
	}
	return r.ReplayCommand()
}

var (
	workerOnce      sync.Once
	workerScenarios map[string]bool
)

// workerServes reports whether this test binary, started as faultline
// starts it (WorkerEnv set), answers as a worker that registers the
// scenario. It asks once per process, on the first failure.
func workerServes(name string) bool {
	workerOnce.Do(func() {
		workerScenarios = map[string]bool{}
		self, err := os.Executable()
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, self, "-test.run=^$")
		cmd.Env = append(os.Environ(), sweep.WorkerEnv+"=1")
		cmd.Stdin = strings.NewReader("") // end of input: a worker exits after its Hello
		out, _ := cmd.Output()
		line, _, _ := strings.Cut(string(out), "\n")
		var h sweep.Hello
		if json.Unmarshal([]byte(line), &h) != nil || h.Protocol == 0 {
			return
		}
		for _, s := range h.Scenarios {
			workerScenarios[s.Name] = true
		}
	})
	return workerScenarios[name]
}

// callerPackage is the import path of the package whose test called Run
// (an external test package's without its _test suffix): the package
// `faultline replay PKG` builds, whose TestMain serves as a worker.
func callerPackage() string {
	// The first caller outside this package and the front door (package
	// fl, whose Test and ExpectBug call in here for the user's test).
	for skip := 2; ; skip++ {
		pc, _, _, ok := runtime.Caller(skip)
		if !ok {
			return ""
		}
		fn := runtime.FuncForPC(pc)
		if fn == nil {
			return ""
		}
		name := fn.Name() // path/to/pkg.TestX, path/to/pkg.TestX.func1
		dot := strings.LastIndexByte(name, '/') + 1
		if i := strings.IndexByte(name[dot:], '.'); i >= 0 {
			name = name[:dot+i]
		}
		if name == frontDoor || name == thisPackage {
			continue
		}
		return strings.TrimSuffix(name, "_test")
	}
}

// The packages callerPackage looks past.
const (
	thisPackage = "github.com/faultline-dst/faultline/faultlinetest"
	frontDoor   = "github.com/faultline-dst/faultline/fl"
)

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
