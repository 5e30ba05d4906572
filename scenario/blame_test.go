package scenario_test

import (
	"strings"
	"testing"
	"time"

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
		{"send to an unknown node", "send-unknown", nil, scenario.BlameSUT, "misuse:send-to-unknown-node:" + here + "rogueSystems.func2", `"nowhere", which is not a node`},
		{"a misuse the node recovers still counts", "send-unknown-recovered", nil, scenario.BlameSUT, "misuse:send-to-unknown-node:" + here + "rogueSystems.func3", "not a node"},
		{"true time on an SUT node", "true-time", nil, scenario.BlameSUT, "misuse:true-time-on-sut-node:" + here + "rogueSystems.func4", "TrueNow called by SUT node n2"},
		{"a factory that returns nil", "nil-node", nil, scenario.BlameSUT, "misuse:factory-returned-nil:" + here + "rogueSystems.func5.1", "returned a nil Node"},
		{"acting through another node's Env", "foreign-env", nil, scenario.BlameSUT, "misuse:env-of-another-node:" + here + "rogueSystems.func7", "node n3 acted through the Env of node n2"},
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

// here is the prefix of this package's functions: the sites of the
// rogues' misuses.
const here = "github.com/faultline-dst/faultline/scenario_test."

// One misuse bug met by whichever node gets there first is one finding:
// its signature is the rule and the code's site, not the node.
func TestOneMisuseOnSeveralNodesIsOneFinding(t *testing.T) {
	r := registry(t)
	sendNowhere := func(env *sim.Env) sim.Node { return &timed{env: env} }
	sys := memSystem("racing-rogues", "")
	sys.Build = func(scenario.Build) (scenario.Cluster, error) {
		cl := memCluster(1, memstore.BugNone)
		cl.Nodes = append(cl.Nodes, sim.NodeSpec{Name: "n2", Factory: sendNowhere}, sim.NodeSpec{Name: "n3", Factory: sendNowhere})
		return cl, nil
	}
	if err := r.AddSystem(sys); err != nil {
		t.Fatal(err)
	}
	s := base("racing")
	s.System = "racing-rogues"
	var rs []scenario.Result
	nodes := map[string]bool{}
	for seed := uint64(1); seed <= 8; seed++ {
		res, err := r.Run(s, seed, scenario.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict != scenario.FailReproducible || res.Blame != scenario.BlameSUT || res.Anomaly != "misuse:send-to-unknown-node:"+here+"(*timed).Timer" {
			t.Fatalf("seed %d: %s/%s %q: %s", seed, res.Verdict, res.Blame, res.Anomaly, res.Reason)
		}
		nodes[strings.Fields(strings.TrimPrefix(res.Reason, "sim: node "))[0]] = true
		rs = append(rs, res)
	}
	if len(nodes) != 2 {
		t.Fatalf("the bug was met on %v over 8 seeds; the test needs both n2 and n3", nodes)
	}
	if fs := scenario.Group(rs); len(fs) != 1 || len(fs[0].Seeds) != 8 {
		t.Errorf("%d findings, want 1 of 8 seeds: %+v", len(fs), fs)
	}
}

// timed is a node that sends to a node that does not exist, on a timer
// its random stream sets (so which node does first depends on the seed).
type timed struct{ env *sim.Env }

func (n *timed) Start() {
	n.env.SetTimer(time.Duration(1+n.env.Rand().Intn(1000))*time.Microsecond, "fire")
}
func (n *timed) Receive(string, []byte)    {}
func (n *timed) Timer(sim.TimerID, string) { n.env.Send("nowhere", []byte("hi")) }

// A node that uses its Env from a goroutine it started breaks the
// contract: the run stops with a misuse blamed on the SUT at the site of
// the call, and the process goes on (the goroutine is ended, not the
// process).
func TestEnvFromANodesGoroutineIsMisuse(t *testing.T) {
	r := registry(t)
	sys := memSystem("goroutine-sender", "")
	sys.Build = func(scenario.Build) (scenario.Cluster, error) {
		cl := memCluster(1, memstore.BugNone)
		// n2 starts a goroutine that sends through n2's Env once n3's
		// timer lets it, and n3's timer waits for it: the send happens
		// while the world's goroutine is in n3's event, whatever the
		// host's scheduling.
		let, sent := make(chan struct{}), make(chan struct{})
		cl.Nodes = append(cl.Nodes,
			sim.NodeSpec{Name: "n2", Factory: func(env *sim.Env) sim.Node {
				return rogue{func() { go sendFromGoroutine(env, let, sent) }}
			}},
			sim.NodeSpec{Name: "n3", Factory: func(env *sim.Env) sim.Node {
				return &waiter{env: env, let: let, sent: sent}
			}})
		return cl, nil
	}
	if err := r.AddSystem(sys); err != nil {
		t.Fatal(err)
	}
	s := base("goroutine")
	s.System = "goroutine-sender"
	res, err := r.Run(s, 1, scenario.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verdict.IsFail() || res.Blame != scenario.BlameSUT || res.Anomaly != "misuse:env-off-the-world-goroutine:"+here+"sendFromGoroutine" ||
		!strings.Contains(res.Reason, "used from a goroutine other than the world's") {
		t.Errorf("got %s/%s %q: %s", res.Verdict, res.Blame, res.Anomaly, res.Reason)
	}
	t.Logf("%s/%s: %s", res.Verdict, res.Blame, res.Reason)
}

// sendFromGoroutine is what a node's goroutine does: send through the
// node's Env, off the world's goroutine, when let is closed; sent is
// closed when it ends (the Env ends it there).
func sendFromGoroutine(env *sim.Env, let, sent chan struct{}) {
	defer close(sent)
	<-let
	env.Send("n1", []byte("from a goroutine"))
}

// waiter lets the goroutine send on its timer and waits for it.
type waiter struct {
	env       *sim.Env
	let, sent chan struct{}
}

func (w *waiter) Start()                 { w.env.SetTimer(time.Millisecond, "let") }
func (w *waiter) Receive(string, []byte) {}
func (w *waiter) Timer(sim.TimerID, string) {
	close(w.let)
	<-w.sent
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
