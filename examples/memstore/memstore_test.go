package memstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// checkerFor is METHOD.md's model -> checker table.
func checkerFor(m history.Model) string {
	switch m {
	case history.Register, history.KV:
		return "linearizable"
	}
	return string(m) // set, counter, queue, log, lock, lease, ledger
}

const opening = 100 // every ledger account's opening balance

// setup is one end-to-end run: nodes n1..nodes of a memstore configured
// by sc, a workload of model m, and, with faults, a lossy network and a
// partition of the node clients ask.
type setup struct {
	model   history.Model
	nodes   int
	sc      memstore.Config
	faults  bool
	retries int
	mix     map[string]int
}

// run runs the setup and judges the history with the model's checker.
func run(t *testing.T, seed uint64, s setup) (*workloads.Workload, checkers.Result) {
	t.Helper()
	if s.nodes == 0 {
		s.nodes = 1
	}
	var sut []sim.NodeSpec
	var targets []string
	for i := 1; i <= s.nodes; i++ {
		name := fmt.Sprintf("n%d", i)
		sut = append(sut, sim.NodeSpec{Name: name, Factory: memstore.New(s.sc)})
		targets = append(targets, name)
	}
	var world *sim.World
	w, err := workloads.New(workloads.Config{Model: s.model, Clients: 4, OpsPerClient: 60, Keys: 3, Targets: targets,
		KeyDist: workloads.KeysZipf, Timeout: 50 * time.Millisecond, Retries: s.retries, Mix: s.mix,
		Epoch: func() []string { return world.Network().FaultIDs() }})
	if err != nil {
		t.Fatal(err)
	}
	link := netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Uniform, Min: 100 * time.Microsecond, Max: 3 * time.Millisecond}}
	if s.faults {
		link.Loss, link.Duplicate, link.Reorder = 0.05, 0.05, 0.1
	}
	world, err = sim.New(sim.Config{Seed: seed, Nodes: append(sut, w.Nodes()...), Net: netsim.Config{Default: link}})
	if err != nil {
		t.Fatal(err)
	}
	if s.faults {
		n := s.nodes + 4
		world.At(clock.Time(100*time.Millisecond), "partition n1", func(world *sim.World) {
			if err := world.InstallNetFault("p1", netsim.Fault{Kind: netsim.Cut, Links: netsim.Isolate(n, 0)}); err != nil {
				t.Error(err)
			}
		})
		world.At(clock.Time(300*time.Millisecond), "heal", func(world *sim.World) {
			if err := world.RemoveNetFault("p1"); err != nil {
				t.Error(err)
			}
		})
	}
	res, err := world.Run()
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != sim.StopQuiescent {
		t.Fatalf("run stopped by %s, want quiescent", res.Stop)
	}
	h := w.History()
	if err := history.WellFormed(h); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if !st.FinalsDone || st.Pending != 0 || st.BadReplies != 0 || st.Invoked != len(h.Ops) || (st.Info == 0) == s.faults {
		t.Fatalf("stats %+v for %d ops", st, len(h.Ops))
	}
	c, err := checkers.Lookup(checkerFor(s.model))
	if err != nil {
		t.Fatal(err)
	}
	balances := map[string]int64{}
	for _, a := range w.Keys() {
		balances[a] = opening
	}
	return w, c.Check(h, checkers.Options{InitialBalances: balances, Delivery: checkers.ExactlyOnce})
}

func withBalances(c memstore.Config, w []string) memstore.Config {
	c.InitialBalances = map[string]int64{}
	for _, a := range w {
		c.InitialBalances[a] = opening
	}
	return c
}

// TestEveryModelPasses runs every model against the correct store: its
// checker must answer ok having decided every operation.
func TestEveryModelPasses(t *testing.T) {
	for _, m := range history.Models() {
		t.Run(string(m), func(t *testing.T) {
			for seed := uint64(1); seed <= 3; seed++ {
				sc := withBalances(memstore.Config{LockTTL: 30 * time.Millisecond}, workloads.KeyNames(m, 3))
				w, res := run(t, seed, setup{model: m, sc: sc})
				if res.Outcome != checkers.OK || res.Checked != res.Recorded || res.Recorded != len(w.History().Ops) {
					t.Fatalf("seed %d: %s: %s %s: %s (checked %d of %d)", seed, res.Checker, res.Outcome, res.Kind, res.Explanation, res.Checked, res.Recorded)
				}
				st := w.Stats()
				if st.OK < st.Invoked/2 {
					t.Fatalf("seed %d: only %d of %d ok: the run exercised little", seed, st.OK, st.Invoked)
				}
				if m == history.Lock && !rejectedStale(w.History()) {
					t.Fatalf("seed %d: the resource never rejected a stale token: the fencing path went unexercised", seed)
				}
			}
		})
	}
}

// rejectedStale reports whether the protected resource refused a use with
// a stale token: lock holders outlive their TTL, and fencing stops them.
func rejectedStale(h history.History) bool {
	for _, o := range h.Ops {
		if o.OpType == "use" && o.Type == history.Fail && strings.HasPrefix(o.Error, "stale token") {
			return true
		}
	}
	return false
}

// TestEveryModelPassesUnderFaults runs every model against the correct
// store over a lossy, duplicating, reordering network with a partition:
// operations end as info, and the checker must still answer ok on every
// operation. Only idempotent operations are retried (a retried enqueue or
// append is a duplicate a checker of exactly-once rightly rejects).
func TestEveryModelPassesUnderFaults(t *testing.T) {
	for _, m := range history.Models() {
		t.Run(string(m), func(t *testing.T) {
			retries := 0
			if m == history.Ledger || m == history.KV || m == history.Register || m == history.Set {
				retries = 1
			}
			var mix map[string]int
			if m == history.Queue {
				// A dequeue whose reply is lost consumed an item nobody
				// saw, which the queue checker counts as lost: enqueue only.
				mix = map[string]int{"enqueue": 1}
			}
			for seed := uint64(1); seed <= 3; seed++ {
				sc := withBalances(memstore.Config{LockTTL: 30 * time.Millisecond}, workloads.KeyNames(m, 3))
				w, res := run(t, seed, setup{model: m, sc: sc, faults: true, retries: retries, mix: mix})
				if res.Outcome != checkers.OK || res.Checked != res.Recorded || res.Recorded != len(w.History().Ops) {
					t.Fatalf("seed %d: %s: %s %s: %s (checked %d of %d)", seed, res.Checker, res.Outcome, res.Kind, res.Explanation, res.Checked, res.Recorded)
				}
			}
		})
	}
}

// TestRedirectsToLeader runs three nodes of which only n2 serves: clients
// follow redirects and every completed operation was served by n2.
func TestRedirectsToLeader(t *testing.T) {
	w, res := run(t, 7, setup{model: history.KV, nodes: 3, sc: memstore.Config{Leader: "n2"}})
	if res.Outcome != checkers.OK || res.Checked != res.Recorded {
		t.Fatalf("%s %s: %s", res.Outcome, res.Kind, res.Explanation)
	}
	if w.Stats().Redirects == 0 {
		t.Fatal("no redirect was followed")
	}
	for _, o := range w.History().Ops {
		if o.NodeSeen != "n2" {
			t.Fatalf("op %d served by %q, want n2", o.ID, o.NodeSeen)
		}
	}
}

// TestBugsAreCaught runs the store with each known bug: the model's
// checker must find an anomaly of the expected kind, on every seed.
func TestBugsAreCaught(t *testing.T) {
	tests := []struct {
		bug   memstore.Bug
		model history.Model
		kinds []string
	}{
		{memstore.BugDropWrites, history.KV, []string{"not-linearizable"}},
		{memstore.BugLoseEnqueue, history.Queue, []string{"lost-write"}},
		{memstore.BugDoubleApply, history.Ledger, []string{"duplicate-apply", "stale-read", "invalid-balance", "below-floor"}},
		{memstore.BugStaleToken, history.Lock, []string{"duplicate-token", "token-order"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.bug), func(t *testing.T) {
			for seed := uint64(1); seed <= 3; seed++ {
				sc := withBalances(memstore.Config{Bug: tt.bug}, workloads.KeyNames(tt.model, 3))
				_, res := run(t, seed, setup{model: tt.model, sc: sc})
				if res.Outcome != checkers.Anomaly {
					t.Fatalf("seed %d: %s answered %s %s: %s", seed, res.Checker, res.Outcome, res.Kind, res.Explanation)
				}
				found := false
				for _, k := range tt.kinds {
					found = found || res.Kind == k
				}
				if !found {
					t.Fatalf("seed %d: anomaly %s, want one of %v: %s", seed, res.Kind, tt.kinds, res.Explanation)
				}
			}
		})
	}
}
