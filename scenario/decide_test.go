package scenario

import (
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/sim"
)

// TestDecideOrder walks METHOD.md's decision order rule by rule on
// hand-made observations; scenario tests produce the same verdicts from
// real runs.
func TestDecideOrder(t *testing.T) {
	ok := &checkers.Result{Checker: "linearizable", Outcome: checkers.OK, Checked: 10, Recorded: 10}
	anomaly := &checkers.Result{Checker: "linearizable", Outcome: checkers.Anomaly, Kind: "not-linearizable", Checked: 10, Recorded: 10}
	landed := []FaultLanding{{ID: "f1", Kind: "crash", Landed: true}}
	sutPanic := &sim.PanicError{Node: "n1", Event: "timer", Value: "boom", Frames: []string{"strings.Repeat", "example.com/sut.(*Node).Timer"}}
	ourPanic := &sim.PanicError{Node: "n1", Event: "timer", Value: "boom", Frames: []string{"runtime.panicmem", "github.com/faultline-dst/faultline/sim.(*World).deliver"}}
	tests := []struct {
		name  string
		o     Observation
		want  Verdict
		blame Blame
	}{
		{"not run", Observation{NotRun: "filtered out", Check: ok}, NotRun, BlameNone},
		{"env", Observation{EnvMissing: "system lacks model queue"}, InconclusiveEnv, BlameEnvironment},
		{"watchdog", Observation{RunErr: &sim.WatchdogError{}}, InconclusiveEnv, BlameEnvironment},
		{"anomaly reproduced", Observation{TraceHash: 7, Check: anomaly, Faults: landed, Rerun: &Rerun{TraceHash: 7, Anomaly: "anomaly:linearizable:not-linearizable"}}, FailReproducible, BlameSUT},
		{"anomaly, checker disagrees", Observation{TraceHash: 7, Check: anomaly, CrossCheck: &CrossCheck{Name: "brute-force", Ran: true, Agrees: false}, Rerun: &Rerun{TraceHash: 7, Anomaly: "anomaly:linearizable:not-linearizable"}}, FailReproducible, BlameChecker},
		{"anomaly, rerun diverged in SUT", Observation{TraceHash: 7, Check: anomaly, Rerun: &Rerun{TraceHash: 8}, Divergence: &Divergence{Seq: 5}}, FailNondeterministic, BlameSUT},
		{"anomaly, rerun diverged in harness", Observation{TraceHash: 7, Check: anomaly, Rerun: &Rerun{TraceHash: 8}, Divergence: &Divergence{Seq: 5, Harness: true}}, FailNondeterministic, BlameHarness},
		{"anomaly, divergence unknown", Observation{TraceHash: 7, Check: anomaly, Rerun: &Rerun{TraceHash: 8}}, FailNondeterministic, BlameUnknown},
		{"harness invariant", Observation{TraceHash: 1, RunErr: &sim.HarnessError{Invariant: "time-backwards"}, Rerun: &Rerun{TraceHash: 1, Anomaly: "harness:time-backwards"}}, FailReproducible, BlameHarness},
		{"budget breach", Observation{TraceHash: 1, RunErr: &BudgetError{Detail: "2 down"}, Rerun: &Rerun{TraceHash: 1, Anomaly: "harness:fault-outside-budget"}}, FailReproducible, BlameHarness},
		{"SUT panic", Observation{TraceHash: 1, RunErr: sutPanic, Rerun: &Rerun{TraceHash: 1, Anomaly: PanicSignature(sutPanic)}}, FailReproducible, BlameSUT},
		{"panic in faultline", Observation{TraceHash: 1, RunErr: ourPanic, Rerun: &Rerun{TraceHash: 1, Anomaly: "panic:harness"}}, FailReproducible, BlameHarness},
		{"fault not proven", Observation{Check: ok, Faults: []FaultLanding{{ID: "f1", Kind: "partition"}}}, InconclusiveFaultNotProven, BlameHarness},
		{"surface", Observation{Faults: landed}, PartialSurface, BlameNone},
		{"too weak", Observation{Check: &checkers.Result{Checker: "linearizable", Outcome: checkers.Unknown, Kind: "too-weak"}}, InconclusiveOracleTooWeak, BlameHarness},
		{"work limit", Observation{Check: &checkers.Result{Checker: "linearizable", Outcome: checkers.Unknown, Kind: "work-limit"}}, InconclusiveOracleTooWeak, BlameChecker},
		{"partial model", Observation{Check: &checkers.Result{Checker: "linearizable", Outcome: checkers.OK, Checked: 5, Recorded: 10}, Faults: landed}, PartialModel, BlameNone},
		{"green but broken", Observation{Check: ok, Faults: landed, Checks: []Check{{Name: "ops-throughout", OK: false, Demote: PartialModel}}}, PartialModel, BlameNone},
		{"smoke", Observation{Check: ok}, PassSmoke, BlameNone},
		{"hardening", Observation{Check: ok, Faults: landed, Checks: []Check{{Name: "x", OK: true}}}, PassHardening, BlameNone},
	}
	seen := map[Verdict]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.o)
			if d.Verdict != tt.want || d.Blame != tt.blame {
				t.Fatalf("got %s/%q (%s), want %s/%q", d.Verdict, d.Blame, d.Reason, tt.want, tt.blame)
			}
			if d.Reason == "" {
				t.Error("no reason given")
			}
		})
		seen[tt.want] = true
	}
	for _, v := range Verdicts() {
		if !seen[v] {
			t.Errorf("verdict %s not covered", v)
		}
	}
}

func TestWorstFollowsSweepOrder(t *testing.T) {
	if got := Worst(PassHardening, PassSmoke); got != PassSmoke {
		t.Errorf("got %s", got)
	}
	if got := Worst(PassHardening, PartialModel, InconclusiveOracleTooWeak); got != InconclusiveOracleTooWeak {
		t.Errorf("got %s", got)
	}
	if got := Worst(FailNondeterministic, FailReproducible, PassSmoke); got != FailReproducible {
		t.Errorf("got %s", got)
	}
	if _, err := ParseVerdict("PASS"); err == nil || !strings.Contains(err.Error(), "PASS-hardening") {
		t.Errorf("ParseVerdict error lists no choices: %v", err)
	}
}
