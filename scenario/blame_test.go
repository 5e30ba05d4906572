package scenario_test

import (
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/examples/raftkv"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
)

// These tests check blame from real runs: who broke the Env contract, whose
// frames panicked, a checker's panic and a harness action's.

// rogue is a node that does what its start function says, then nothing.
type rogue struct{ start func() }

func (r rogue) Start() {
	if r.start != nil {
		r.start()
	}
}
func (rogue) Receive(string, []byte)    {}
func (rogue) Timer(sim.TimerID, string) {}

// withRogues is memstore's n1, serving the clients, next to extra nodes
// built by the given factories (n2, n3, ...).
func withRogues(name string, extra ...func(shared *[]*sim.Env) sim.Factory) scenario.System {
	s := memSystem(name, "")
	s.Build = func(b scenario.Build) (scenario.Cluster, error) {
		cl := memCluster(1, memstore.BugNone)
		var shared []*sim.Env // what the rogues share through a "global"
		for i, f := range extra {
			cl.Nodes = append(cl.Nodes, sim.NodeSpec{Name: "n" + string(rune('2'+i)), Factory: f(&shared)})
		}
		return cl, nil
	}
	return s
}

func rogueSystems() []scenario.System {
	do := func(act func(env *sim.Env, shared *[]*sim.Env)) func(*[]*sim.Env) sim.Factory {
		return func(shared *[]*sim.Env) sim.Factory {
			return func(env *sim.Env) sim.Node { return rogue{func() { act(env, shared) }} }
		}
	}
	return []scenario.System{
		withRogues("send-unknown", do(func(env *sim.Env, _ *[]*sim.Env) { env.Send("nowhere", []byte("hi")) })),
		withRogues("send-unknown-recovered", do(func(env *sim.Env, _ *[]*sim.Env) {
			defer func() { _ = recover() }() // the node swallows the panic: the run still fails
			env.Send("nowhere", []byte("hi"))
		})),
		withRogues("true-time", do(func(env *sim.Env, _ *[]*sim.Env) { env.Logf("now %v", env.TrueNow()) })),
		withRogues("nil-node", func(*[]*sim.Env) sim.Factory { return func(*sim.Env) sim.Node { return nil } }),
		withRogues("foreign-env",
			do(func(env *sim.Env, shared *[]*sim.Env) { *shared = append(*shared, env) }),
			do(func(env *sim.Env, shared *[]*sim.Env) { (*shared)[0].Send("n1", []byte("from n2, says n3")) })),
	}
}

func blameRegistry(t *testing.T) *scenario.Registry {
	t.Helper()
	r := registry(t)
	systems := rogueSystems()
	// A reference SUT that panics in its own code: raftkv's replica
	// factory given a node that is not one of its replicas.
	f, err := raftkv.New(raftkv.Config{Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	misnamed := memSystem("raftkv-misnamed", "")
	misnamed.Build = func(scenario.Build) (scenario.Cluster, error) {
		return scenario.Cluster{Nodes: []sim.NodeSpec{{Name: "x9", Factory: f}}, Targets: []string{"x9"}}, nil
	}
	systems = append(systems, misnamed)
	for _, s := range systems {
		if err := r.AddSystem(s); err != nil {
			t.Fatal(err)
		}
	}
	lin, _ := checkers.Lookup("linearizable")
	err = r.AddChecker(checkers.Checker{Name: "panicky", Models: lin.Models, Needs: lin.Needs, Summary: "panics on every history",
		Check: func(h history.History, _ checkers.Options) checkers.Result {
			return checkers.Result{Checker: h.Ops[len(h.Ops)].Key} // a checker bug: index out of range
		}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBlameFromRealRuns(t *testing.T) {
	r := blameRegistry(t)
	tests := []struct {
		name    string
		system  string
		edit    func(*scenario.Scenario)
		blame   scenario.Blame
		anomaly string
		reason  string
	}{
		{"send to an unknown node", "send-unknown", nil, scenario.BlameSUT, "misuse:send-to-unknown-node:n2", `"nowhere", which is not a node`},
		{"a misuse the node recovers still counts", "send-unknown-recovered", nil, scenario.BlameSUT, "misuse:send-to-unknown-node:n2", "not a node"},
		{"true time on an SUT node", "true-time", nil, scenario.BlameSUT, "misuse:true-time-on-sut-node:n2", "TrueNow called by SUT node n2"},
		{"a factory that returns nil", "nil-node", nil, scenario.BlameSUT, "misuse:factory-returned-nil:n2", "returned a nil Node"},
		{"acting through another node's Env", "foreign-env", nil, scenario.BlameSUT, "misuse:env-of-another-node:n3", "node n3 acted through the Env of node n2"},
		{"a reference SUT panics in its own code", "raftkv-misnamed", nil, scenario.BlameSUT,
			"panic:github.com/faultline-dst/faultline/examples/raftkv.newNode: raftkv: the replica factory was used for node xN; replicas are named nN..nN",
			"examples/raftkv.newNode is code of the system under test"},
		{"a checker panics", "mem", func(s *scenario.Scenario) { s.Checker = "panicky" }, scenario.BlameChecker, "checker-panic:panicky", "index out of range"},
		{"a harness action panics", "mem", func(s *scenario.Scenario) { s.SelfTest = "action-panic" }, scenario.BlameHarness, "panic:harness", "is faultline code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base("blame-" + tt.system)
			s.System = tt.system
			if tt.edit != nil {
				tt.edit(&s)
			}
			res, err := r.Run(s, 1, scenario.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != scenario.FailReproducible || res.Blame != tt.blame || res.Anomaly != tt.anomaly || !strings.Contains(res.Reason, tt.reason) {
				t.Fatalf("got %s/%s %q: %s\nwant %s/%s %q with %q", res.Verdict, res.Blame, res.Anomaly, res.Reason, scenario.FailReproducible, tt.blame, tt.anomaly, tt.reason)
			}
		})
	}
}

var builds int // nondeterminism on purpose: counts builds across runs

// TestReproducibleNeedsTheSameTraceAndARerun: a FAIL is reproducible only
// when a rerun happened and gave the same trace hash as well as the same
// anomaly.
func TestReproducibleNeedsTheSameTraceAndARerun(t *testing.T) {
	r := registry(t)
	// Drops writes on every run (the same anomaly each time), and logs
	// how many times it was built (a different trace each time).
	noisy := memSystem("noisy-drop-writes", memstore.BugDropWrites)
	noisy.Build = func(b scenario.Build) (scenario.Cluster, error) {
		builds++
		n := builds
		cl := memCluster(b.Nodes, memstore.BugDropWrites)
		cl.Nodes = append(cl.Nodes, sim.NodeSpec{Name: "log", Factory: func(env *sim.Env) sim.Node {
			return rogue{func() { env.Logf("built %d times", n) }}
		}})
		return cl, nil
	}
	if err := r.AddSystem(noisy); err != nil {
		t.Fatal(err)
	}
	s := base("noisy")
	s.System = "noisy-drop-writes"
	res, err := r.Run(s, 1, scenario.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != scenario.FailNondeterministic || res.Anomaly != "anomaly:linearizable:not-linearizable" || res.Rerun == res.TraceHash || res.Rerun == "" {
		t.Errorf("same anomaly, different trace: got %s %q (trace %s, rerun %s): %s", res.Verdict, res.Anomaly, res.TraceHash, res.Rerun, res.Reason)
	}

	s = base("drop-writes")
	s.System = "mem-drop-writes"
	res, err = r.Run(s, 1, scenario.RunOptions{NoRerun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != scenario.FailNondeterministic || res.Rerun != "" || !strings.Contains(res.Reason, "not re-run") {
		t.Errorf("never re-run: got %s (rerun %q): %s", res.Verdict, res.Rerun, res.Reason)
	}
	res, err = r.Run(s, 1, scenario.RunOptions{})
	if err != nil || res.Verdict != scenario.FailReproducible || res.Rerun != res.TraceHash {
		t.Errorf("re-run: got %s (trace %s, rerun %s), %v", res.Verdict, res.TraceHash, res.Rerun, err)
	}
}
