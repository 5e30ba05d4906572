package guestkv_test

import (
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/faultline-dst/faultline/examples/guestkv"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

// TestMain serves as a faultline sweep worker when faultline asks it to,
// so that `faultline sweep ./examples/guestkv` runs the scenarios.
func TestMain(m *testing.M) {
	if os.Getenv(sweep.WorkerEnv) == "1" {
		sweep.WorkerMain(guestkv.Registry(), sweep.ServeOptions{})
	}
	os.Exit(m.Run())
}

// seeds is GUESTKV_SEEDS if set, else short (with -short) or long.
func seeds(short, long int) int {
	if v, err := strconv.Atoi(os.Getenv("GUESTKV_SEEDS")); err == nil && v > 0 {
		return v
	}
	if testing.Short() {
		return short
	}
	return long
}

func needGo(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: cannot build the wasip1 service")
	}
}

// TestCorrectPasses: the correct service earns a PASS (or an honest
// INCONCLUSIVE) on every seed; never a FAIL.
func TestCorrectPasses(t *testing.T) {
	needGo(t)
	r := guestkv.Registry()
	s, err := r.Scenario("guestkv_linearizable")
	if err != nil {
		t.Fatal(err)
	}
	pass := 0
	for seed := uint64(1); seed <= uint64(seeds(3, 8)); seed++ {
		res, err := r.Run(s, seed, scenario.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: %s %s", seed, res.Verdict, res.Reason)
		if res.Verdict.IsFail() {
			t.Errorf("seed %d: the correct service failed: %s blamed on %s: %s", seed, res.Verdict, res.Blame, res.Reason)
		}
		if res.Verdict == scenario.PassHardening || res.Verdict == scenario.PassSmoke {
			pass++
		}
	}
	if pass == 0 {
		t.Errorf("no seed earned a PASS")
	}
}

// TestBugsFound: a short sweep finds each bug as FAIL-reproducible with
// SUT blame.
func TestBugsFound(t *testing.T) {
	needGo(t)
	r := guestkv.Registry()
	for _, bug := range []string{guestkv.BugAckBeforeFsync, guestkv.BugFollowerRead} {
		t.Run(bug, func(t *testing.T) {
			s, err := r.Scenario("guestkv_linearizable@" + bug)
			if err != nil {
				t.Fatal(err)
			}
			for seed := uint64(1); seed <= uint64(seeds(25, 40)); seed++ {
				res, err := r.Run(s, seed, scenario.RunOptions{})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("seed %d: %s %s %s", seed, res.Verdict, res.Blame, res.Reason)
				if res.Verdict.IsFail() {
					if res.Verdict != scenario.FailReproducible || res.Blame != scenario.BlameSUT {
						t.Fatalf("seed %d: %s blamed on %q; want FAIL-reproducible blamed on the SUT", seed, res.Verdict, res.Blame)
					}
					return
				}
			}
			t.Fatalf("no seed found the bug")
		})
	}
}
