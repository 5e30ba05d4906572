package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// These tests break a run the way a green-but-broken check must notice,
// each in a real run, and check both the verdict and the check that
// caught it: a check made always OK fails them.

// deaf is a memstore node that stops answering at a true instant: an SUT
// that never recovers after a fault healed then.
type deaf struct {
	sim.Node
	env  *sim.Env
	from clock.Time
}

func (d deaf) Receive(from string, msg []byte) {
	if d.env.Now() < d.from { // no drift: the node clock is true time
		d.Node.Receive(from, msg)
	}
}

// refuser answers every request with a definite failure.
type refuser struct{ env *sim.Env }

func (refuser) Start()                    {}
func (refuser) Timer(sim.TimerID, string) {}
func (r refuser) Receive(from string, msg []byte) {
	req, err := workloads.DecodeRequest(msg)
	if err != nil {
		return
	}
	r.env.Send(from, workloads.EncodeReply(workloads.Reply{ID: req.ID, Status: workloads.StatusFail, Error: "refused"}))
}

func checksRegistry(t *testing.T) *scenario.Registry {
	t.Helper()
	r := registry(t)
	deafSys := memSystem("mem-deaf-after-heal", "")
	deafSys.Build = func(b scenario.Build) (scenario.Cluster, error) {
		c := memCluster(b.Nodes, "")
		f := memstore.New(memstore.Config{Leader: "n1"})
		c.Nodes[0].Factory = func(env *sim.Env) sim.Node { return deaf{Node: f(env), env: env, from: 600 * ms} }
		return c, nil
	}
	refuseSys := memSystem("refuser", "")
	refuseSys.Build = func(b scenario.Build) (scenario.Cluster, error) {
		c := memCluster(b.Nodes, "")
		c.Nodes[0].Factory = func(env *sim.Env) sim.Node { return refuser{env} }
		return c, nil
	}
	for _, s := range []scenario.System{deafSys, refuseSys} {
		if err := r.AddSystem(s); err != nil {
			t.Fatal(err)
		}
	}
	// lying reports OK over 0 of 0 operations, whatever it is given.
	lying := checkers.Checker{Name: "lying", Models: []history.Model{history.KV}, Check: func(h history.History, o checkers.Options) checkers.Result {
		return checkers.Result{Checker: "lying", Outcome: checkers.OK, Explanation: "0 operations: no anomaly"}
	}}
	if err := r.AddChecker(lying); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGreenButBrokenChecksCatchBrokenRuns(t *testing.T) {
	r := checksRegistry(t)
	tests := []struct {
		name    string
		s       func() scenario.Scenario
		verdict scenario.Verdict
		blame   scenario.Blame
		check   string // the check that must fail
		reason  string
	}{
		{"an SUT that never recovers after the last heal", func() scenario.Scenario {
			s := base("deaf")
			s.System = "mem-deaf-after-heal"
			s.Nemesis = pause()
			s.Nemesis.Schedule[0].Start, s.Nemesis.Schedule[0].End = 400*ms, 600*ms // heals when the node goes deaf
			return s
		}, scenario.PartialModel, scenario.BlameNone, "recovered-after-heal", "last fault healed at 600ms"},
		{"an SUT whose every operation fails", func() scenario.Scenario {
			s := base("refuse")
			s.System = "refuser"
			return s
		}, scenario.InconclusiveOracleTooWeak, scenario.BlameHarness, "workload-ran", "0 ok"},
		{"a fault that never starts", func() scenario.Scenario {
			s := base("late-fault")
			s.Nemesis = scenario.NemesisSpec{
				Budget:   nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Pause}, MaxDown: 1, WarmUp: 10 * ms, HealBy: 9000 * ms},
				Schedule: nemesis.Schedule{{ID: "f1", Kind: nemesis.Pause, Start: 5000 * ms, End: 6000 * ms, Nodes: []string{"n1"}}},
			}
			return s
		}, scenario.InconclusiveFaultNotProven, scenario.BlameHarness, "faults-landed", "f1 (pause, never started: scheduled at 5s, the run ended at 2s)"},
		{"a checker that reports OK over 0 of 0 operations of a 35-operation history", func() scenario.Scenario {
			s := base("lying")
			s.Checker = "lying"
			return s
		}, scenario.InconclusiveOracleTooWeak, scenario.BlameChecker, "checker-counts-match-history", "the harness gave it 35 operations"},
		{"every client paused at once: the workload stalls", func() scenario.Scenario {
			s := base("stall")
			s.SimTime = 4 * time.Second
			clients := []string{"client0", "client1", "client2"}
			s.Nemesis = scenario.NemesisSpec{
				Budget:   nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Pause}, MaxDown: 3, Targets: clients, WarmUp: 10 * ms, HealBy: 3000 * ms},
				Schedule: nemesis.Schedule{{ID: "f1", Kind: nemesis.Pause, Start: 500 * ms, End: 1600 * ms, Nodes: clients}},
			}
			return s
		}, scenario.PartialModel, scenario.BlameNone, "workload-throughout", "no operation invoked in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Run(tt.s(), 1, scenario.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			failed := false
			for _, c := range res.Checks {
				failed = failed || (c.Name == tt.check && !c.OK)
			}
			if res.Verdict != tt.verdict || res.Blame != tt.blame || !strings.Contains(res.Reason, tt.reason) || !failed {
				t.Fatalf("got %s/%q: %s\nwant %s/%q with %q and check %s failing\nchecks: %+v", res.Verdict, res.Blame, res.Reason, tt.verdict, tt.blame, tt.reason, tt.check, res.Checks)
			}
		})
	}
}

// TestFaultWithNoClientOperationInFlightIsNotProven: the default raftkv
// scenario, its clients done by 3s and its final reads after 9s, with a
// partition 5s-8s. The partition drops raft's own traffic, but no client
// waited on the system while it lasted: it proves nothing about what
// clients see, so the run is INCONCLUSIVE-fault-not-proven, never PASS.
func TestFaultWithNoClientOperationInFlightIsNotProven(t *testing.T) {
	r := reference.Registry()
	s, err := r.Scenario(reference.Default)
	if err != nil {
		t.Fatal(err)
	}
	s.Workload.Until = 3 * time.Second
	s.Workload.Quiet = 6 * time.Second
	s.Nemesis.Budget.HealBy = clock.Time(9 * time.Second)
	s.Nemesis.Schedule = nemesis.Schedule{{ID: "f1", Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n1"},
		Start: clock.Time(5 * time.Second), End: clock.Time(8 * time.Second)}}
	res, err := r.Run(s, 1, scenario.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != scenario.InconclusiveFaultNotProven || !strings.Contains(res.Reason, "f1 (partition, window 5s–8s") || !strings.Contains(res.Reason, "no client operation was in flight") {
		t.Fatalf("got %s: %s", res.Verdict, res.Reason)
	}
	if len(res.Faults) != 1 || res.Faults[0].Landed || res.Faults[0].Counter("dropped") == 0 {
		t.Errorf("the fault's evidence should show it dropped raft's traffic yet did not land: %+v", res.Faults)
	}
}

// TestCrossCheckRunsOnARealFinding: raftkv's stale-read bug on seed 2
// violates keys of 80 to 110 operations. The brute-force cross-check
// searches them (it used to skip any key over 14 operations, so it never
// ran on a real finding) and its outcome is in the Result.
func TestCrossCheckRunsOnARealFinding(t *testing.T) {
	r := reference.Registry()
	s, err := r.Scenario("reads_linearizable_under_partition@stale-read")
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(s, 2, scenario.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cc := res.CrossCheck
	if res.Verdict != scenario.FailReproducible || res.Blame != scenario.BlameSUT || cc == nil || !cc.Ran || !cc.Agrees ||
		!strings.Contains(cc.Detail, "searched exhaustively") || !strings.Contains(cc.Detail, "minimal non-linearizable prefix") {
		t.Fatalf("%s/%s: cross-check %+v", res.Verdict, res.Blame, cc)
	}
}

// TestFailoversCounted: pbkv's failover scenario declares itself one, and
// its history shows the primary serving writes change; a scenario that
// does not declare it carries no count.
func TestFailoversCounted(t *testing.T) {
	r := reference.Registry()
	for _, tt := range []struct {
		name string
		seed uint64
		want int // -1: not counted
	}{
		{"acked_writes_survive_primary_failover", 1, 2},
		{"memstore_kv_linearizable_under_pauses", 1, -1},
	} {
		s, err := r.Scenario(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Run(s, tt.seed, scenario.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := -1
		if res.Failovers != nil {
			got = *res.Failovers
		}
		if got != tt.want {
			t.Errorf("%s seed %d: %d failovers, want %d", tt.name, tt.seed, got, tt.want)
		}
	}
	h := history.History{Ops: []history.Op{
		{Type: history.OK, OpType: "write", NodeSeen: "n1", CompleteTS: 1},
		{Type: history.OK, OpType: "read", NodeSeen: "n2", CompleteTS: 2},
		{Type: history.Fail, OpType: "write", NodeSeen: "n2", CompleteTS: 3},
		{Type: history.OK, OpType: "write", NodeSeen: "n2", CompleteTS: 5},
		{Type: history.OK, OpType: "cas", NodeSeen: "n1", CompleteTS: 4},
		{Type: history.OK, OpType: "write", NodeSeen: "n2", CompleteTS: 6},
	}}
	if n := scenario.Failovers(h); n != 1 { // n1 (1), n1 (4), n2 (5), n2 (6): reads and failures do not count
		t.Errorf("Failovers = %d, want 1", n)
	}
}

// TestShrunkRunIsCrossChecked: the shrinker's final run cross-checks the
// shrunk history, and the reproducer carries the outcome.
func TestShrunkRunIsCrossChecked(t *testing.T) {
	r := registry(t)
	s := base("drop-writes")
	s.System = "mem-drop-writes"
	s.Workload.OpsPerClient = 20
	s.Nemesis = pause()
	sh, _, err := r.Shrink(s, 3, scenario.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cc := sh.CrossCheck; cc == nil || !cc.Ran || !cc.Agrees || cc.Name != "brute-force" {
		t.Fatalf("shrunk cross-check %+v", cc)
	}
}
