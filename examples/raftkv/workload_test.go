package raftkv

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// wlSpec is one run of a cluster driven by a workloads.Workload: the
// cluster's Config, the workload (Targets and Epoch are filled in), the
// disk, an optional nemesis schedule applied with nemesis.Apply (budget:
// the schedule's kinds on the replicas), and explicit faults that setup
// schedules on the world.
type wlSpec struct {
	seed     uint64
	cfg      Config
	wl       workloads.Config
	disk     disk.Config
	schedule nemesis.Schedule
	budget   func(*nemesis.Budget)
	setup    func(r *wlRun)
	limit    time.Duration
}

// wlRun is a running (then finished) world of a wlSpec.
type wlRun struct {
	t     testing.TB
	w     *sim.World
	wl    *workloads.Workload
	nem   *nemesis.Nemesis
	nodes map[string]*node // the current incarnation of each replica
	res   sim.Result
}

// runWorkload builds and runs the world of s until the workload has taken
// its final reads (checked every 100ms of simulated time), and returns it.
func runWorkload(t testing.TB, s wlSpec) *wlRun {
	t.Helper()
	r := &wlRun{t: t, nodes: map[string]*node{}}
	specs, err := NodeSpecs(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for i := range specs {
		f := specs[i].Factory
		targets = append(targets, specs[i].Name)
		specs[i].Factory = func(env *sim.Env) sim.Node {
			n := f(env)
			r.nodes[env.Name()] = n.(*node)
			return n
		}
	}
	wc := s.wl
	wc.Targets = targets
	wc.Epoch = func() []string {
		if r.nem != nil {
			return r.nem.Epoch()
		}
		return r.w.Network().FaultIDs()
	}
	if wc.StartAfter == 0 {
		wc.StartAfter = 300 * ms // a leader is elected by then
	}
	if wc.Timeout == 0 {
		wc.Timeout = 300 * ms
	}
	if r.wl, err = workloads.New(wc); err != nil {
		t.Fatal(err)
	}
	limit := s.limit
	if limit == 0 {
		limit = 30 * time.Second
	}
	r.w, err = sim.New(sim.Config{
		Seed:    s.seed,
		Nodes:   append(specs, r.wl.Nodes()...),
		Net:     netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Uniform, Min: 500 * time.Microsecond, Max: 2 * ms}}},
		Disk:    s.disk,
		MaxTime: limit + time.Second,
		Trace:   traceOut(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.schedule != nil {
		b := nemesis.Budget{Targets: targets, MaxDown: 1, HealBy: clock.Time(limit), MaxFaults: len(s.schedule),
			MaxDriftPPM: clock.MaxDriftPPM, MaxOffset: time.Hour, MaxJump: time.Hour, MaxDelay: time.Second, MaxNetP: 1}
		for _, f := range s.schedule {
			if !b.Allows(f.Kind) {
				b.Kinds = append(b.Kinds, f.Kind)
			}
		}
		if s.budget != nil {
			s.budget(&b)
		}
		if r.nem, err = nemesis.Apply(r.w, s.schedule, nemesis.Options{Budget: b}); err != nil {
			t.Fatal(err)
		}
	}
	if s.setup != nil {
		s.setup(r)
	}
	for at := 100 * ms; ; at += 100 * ms {
		if at > limit {
			t.Fatalf("seed %d: workload not done by %v: %+v", s.seed, limit, r.wl.Stats())
		}
		if r.res, err = r.w.RunUntil(clock.Time(at)); err != nil {
			t.Fatalf("seed %d: run: %v", s.seed, err)
		}
		if r.wl.Stats().FinalsDone {
			break
		}
	}
	if r.nem != nil {
		if err := r.nem.Err(); err != nil {
			t.Fatalf("seed %d: nemesis: %v", s.seed, err)
		}
		for _, e := range r.nem.Evidence() {
			if !e.Landed {
				t.Fatalf("seed %d: fault %s did not land: %+v", s.seed, e.ID, e)
			}
		}
	}
	h := r.wl.History()
	if err := history.WellFormed(h); err != nil {
		t.Fatalf("seed %d: %v", s.seed, err)
	}
	if st := r.wl.Stats(); st.BadReplies != 0 {
		t.Fatalf("seed %d: bad replies: %v", s.seed, r.wl.BadReplies())
	}
	return r
}

// check judges the run's history with the named checker.
func (r *wlRun) check(name string, opts checkers.Options) checkers.Result {
	r.t.Helper()
	c, err := checkers.Lookup(name)
	if err != nil {
		r.t.Fatal(err)
	}
	return c.Check(r.wl.History(), opts)
}

// leader returns the replica that believes it leads, or "".
func (r *wlRun) leader() string {
	for _, name := range sortedKeys(r.nodes) {
		if n := r.nodes[name]; r.w.IsUp(name) && n.halted == nil && n.leader {
			return name
		}
	}
	return ""
}

// must fails the test on err, from inside an action.
func (r *wlRun) must(err error) {
	if err != nil {
		r.t.Error(err)
	}
}

// isolateLeader cuts the leader at true instant at from the other
// replicas (clients still reach it) for d, under fault id id.
func (r *wlRun) isolateLeader(id string, at, d time.Duration) {
	r.w.At(clock.Time(at), "isolate leader", func(w *sim.World) {
		l := r.leader()
		if l == "" {
			r.t.Errorf("no leader at %v", at)
			return
		}
		n := len(r.nodes)
		var others []netsim.Node
		for i := 0; i < n; i++ {
			if NodeName(uint64(i+1)) != l {
				others = append(others, netsim.Node(i))
			}
		}
		me := []netsim.Node{netsim.Node(nodeID(l, n) - 1)}
		r.must(w.InstallNetFault(id, netsim.Fault{Kind: netsim.Cut, Links: netsim.LinksBetween(me, others)}))
		w.At(w.Now()+clock.Time(d), "heal "+id, func(w *sim.World) { r.must(w.RemoveNetFault(id)) })
	})
}

// netIndices returns the netsim indices of the named nodes.
func (r *wlRun) netIndices(names []string) []netsim.Node {
	var out []netsim.Node
	for i, n := range r.w.Names() {
		for _, m := range names {
			if n == m {
				out = append(out, netsim.Node(i))
			}
		}
	}
	return out
}

// kinds returns the kinds of a result's violations.
func kinds(res checkers.Result) map[string]bool {
	out := map[string]bool{}
	for _, v := range res.Violations {
		out[v.Kind] = true
	}
	return out
}

// wantOKResult fails unless res is ok having decided every operation.
func wantOKResult(t testing.TB, what string, res checkers.Result) {
	t.Helper()
	if res.Outcome != checkers.OK || res.Checked != res.Recorded {
		t.Errorf("%s: %s checker: %s %s (checked %d of %d): %s", what, res.Checker, res.Outcome, res.Kind, res.Checked, res.Recorded, res.Explanation)
	}
}
