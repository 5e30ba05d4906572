package pbkv

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

const ms = time.Millisecond

// cluster is a test world: a pbkv cluster, a kv workload and the view
// manager's object, to find the primary at run time.
type cluster struct {
	t        testing.TB
	w        *sim.World
	wl       *workloads.Workload
	vm       *vm
	replicas map[string]*replica
	views    []View // every view installed, in order
	res      sim.Result
}

// fault is an explicit fault a test schedules on a cluster.
type fault func(c *cluster)

func newCluster(t testing.TB, seed uint64, cfg Config, link netsim.LinkConfig, faults ...fault) *cluster {
	t.Helper()
	c := &cluster{t: t, replicas: map[string]*replica{}}
	specs, err := NodeSpecs(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range specs {
		f := specs[i].Factory
		specs[i].Factory = func(env *sim.Env) sim.Node {
			n := f(env)
			switch n := n.(type) {
			case *vm:
				c.vm = n
			case *replica:
				c.replicas[env.Name()] = n
			}
			return n
		}
	}
	c.wl, err = workloads.New(workloads.Config{
		Model: history.KV, Clients: 3, OpsPerClient: 80, Keys: 3, Mix: map[string]int{"read": 3, "write": 2, "cas": 1},
		Targets: Replicas(cfg), Timeout: 300 * ms, StartAfter: 100 * ms,
		Epoch: func() []string { return c.w.Network().FaultIDs() },
	})
	if err != nil {
		t.Fatal(err)
	}
	if link.Latency.Kind == 0 && link.Latency.Min == 0 {
		link.Latency = netsim.Latency{Kind: netsim.Uniform, Min: 500 * time.Microsecond, Max: 2 * ms}
	}
	c.w, err = sim.New(sim.Config{Seed: seed, Nodes: append(specs, c.wl.Nodes()...), Net: netsim.Config{Default: link},
		Disk: disk.Config{Crash: disk.LoseUnsynced}, MaxTime: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range faults {
		f(c)
	}
	return c
}

// run runs until the workload has taken its final reads.
func (c *cluster) run() *cluster {
	c.t.Helper()
	for at := 100 * ms; ; at += 100 * ms {
		if at > 30*time.Second {
			c.t.Fatalf("workload not done: %+v", c.wl.Stats())
		}
		var err error
		if c.res, err = c.w.RunUntil(clock.Time(at)); err != nil {
			c.t.Fatalf("run: %v", err)
		}
		if c.vm != nil && (len(c.views) == 0 || c.views[len(c.views)-1].Num != c.vm.view.Num) {
			c.views = append(c.views, c.vm.view)
		}
		if c.wl.Stats().FinalsDone {
			break
		}
	}
	if err := history.WellFormed(c.wl.History()); err != nil {
		c.t.Fatal(err)
	}
	if st := c.wl.Stats(); st.BadReplies != 0 {
		c.t.Fatalf("bad replies: %v", c.wl.BadReplies())
	}
	for name, r := range c.replicas {
		if r.halted != nil {
			c.t.Fatalf("%s halted: %v", name, r.halted)
		}
	}
	return c
}

// check judges the history with the linearizable checker.
func (c *cluster) check() checkers.Result {
	lin, err := checkers.Lookup("linearizable")
	if err != nil {
		c.t.Fatal(err)
	}
	return lin.Check(c.wl.History(), checkers.Options{})
}

// primaries returns the distinct primaries of the views installed.
func (c *cluster) primaries() []string {
	var out []string
	for _, v := range c.views {
		if len(out) == 0 || out[len(out)-1] != v.Primary {
			out = append(out, v.Primary)
		}
	}
	return out
}

func (c *cluster) must(err error) {
	if err != nil {
		c.t.Error(err)
	}
}

// crashPrimary crashes the primary at instant at and restarts it d later.
func crashPrimary(at, d time.Duration) fault {
	return func(c *cluster) {
		c.w.At(clock.Time(at), "crash primary", func(w *sim.World) {
			p := c.vm.view.Primary
			c.must(w.Crash(p))
			w.At(w.Now()+clock.Time(d), "restart "+p, func(w *sim.World) { c.must(w.Restart(p)) })
		})
	}
}

// isolatePrimary cuts the primary off from the view manager and the other
// replicas (clients still reach it) at instant at, for d.
func isolatePrimary(id string, at, d time.Duration) fault {
	return func(c *cluster) {
		c.w.At(clock.Time(at), "isolate primary", func(w *sim.World) {
			p := c.vm.view.Primary
			var me, others []netsim.Node
			for i, n := range w.Names() {
				switch {
				case n == p:
					me = append(me, netsim.Node(i))
				case n == ViewManager || strings.HasPrefix(n, "n"):
					others = append(others, netsim.Node(i))
				}
			}
			c.must(w.InstallNetFault(id, netsim.Fault{Kind: netsim.Cut, Links: netsim.LinksBetween(me, others)}))
			w.At(w.Now()+clock.Time(d), "heal "+id, func(w *sim.World) { c.must(w.RemoveNetFault(id)) })
		})
	}
}

func TestConfig(t *testing.T) {
	if _, err := New(Config{Bugs: []string{"async-replication", "nope"}}); err == nil || !strings.Contains(err.Error(), `unknown bug "nope"`) {
		t.Errorf("unknown bug: got %v", err)
	}
	if _, err := New(Config{LeaseTerm: 5 * ms, PingInterval: 10 * ms}); err == nil {
		t.Error("a lease shorter than the ping interval was accepted")
	}
	if _, err := New(Config{DriftBound: 0.7}); err == nil {
		t.Error("drift bound 0.7 was accepted")
	}
	specs, err := NodeSpecs(Config{Replicas: 5})
	if err != nil || len(specs) != 6 || specs[0].Name != ViewManager || specs[5].Name != "n5" {
		t.Errorf("NodeSpecs: %v, %v", specs, err)
	}
	for _, b := range Catalog() {
		if _, err := checkers.Lookup(b.Checker); err != nil || b.Claim == "" || b.Fault == "" {
			t.Errorf("%+v: %v", b, err)
		}
	}
	r := &replica{cfg: &resolved{Config: Config{DriftBound: 0.25}}}
	if got := r.leaseFor(100 * ms); got != 60*ms {
		t.Errorf("lease of 100ms at ρ=0.25: primary serves %v, want 60ms", got)
	}
}

// TestNoFaults: without faults every operation succeeds, the history is
// linearizable, and every replica ends with the primary's state.
func TestNoFaults(t *testing.T) {
	c := newCluster(t, 1, Config{}, netsim.LinkConfig{}).run()
	wantOK(t, "no faults", c.check())
	st := c.wl.Stats()
	if st.OK != st.Invoked {
		t.Errorf("%d of %d ok without faults", st.OK, st.Invoked)
	}
	c.res, _ = c.w.RunUntil(c.w.Now() + clock.Time(100*ms))
	p := c.replicas[c.vm.view.Primary]
	if len(c.vm.view.Backups) != 2 {
		t.Fatalf("final %v, want two backups", c.vm.view)
	}
	for _, b := range c.vm.view.Backups {
		if got, want := fmt.Sprint(c.replicas[b].d.KV), fmt.Sprint(p.d.KV); got != want {
			t.Errorf("backup %s holds %s, primary %s", b, got, want)
		}
	}
}

func wantOK(t *testing.T, what string, res checkers.Result) {
	t.Helper()
	if res.Outcome != checkers.OK || res.Checked != res.Recorded {
		t.Errorf("%s: %s %s (checked %d of %d): %s", what, res.Outcome, res.Kind, res.Checked, res.Recorded, res.Explanation)
	}
}
