package userpkg

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// corrupt is a node with one bug: the first request it is asked to serve
// finds its index corrupt, and it panics saying which node and request.
type corrupt struct {
	env    *sim.Env
	prefix string // a system option: how the message starts
}

func (c *corrupt) Start()                    {}
func (c *corrupt) Timer(sim.TimerID, string) {}
func (c *corrupt) Receive(from string, msg []byte) {
	req, err := workloads.DecodeRequest(msg)
	if err != nil {
		return
	}
	c.lookup(req.ID)
}

func (c *corrupt) lookup(id uint64) {
	panic(fmt.Sprintf("%s index on %s serving request %d", c.prefix, c.env.Name(), id))
}

func corruptSystem() scenario.System {
	return scenario.System{
		Name: "corrupt", Models: []history.Model{history.KV}, DefaultNodes: 3,
		Options: map[string]string{"prefix": "how the panic message starts (default: corrupt)"},
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			prefix := b.Options["prefix"]
			if prefix == "" {
				prefix = "corrupt"
			}
			var nodes []sim.NodeSpec
			for i := 1; i <= b.Nodes; i++ {
				nodes = append(nodes, sim.NodeSpec{Name: fmt.Sprintf("n%d", i), Factory: func(env *sim.Env) sim.Node { return &corrupt{env: env, prefix: prefix} }})
			}
			return scenario.Cluster{Nodes: nodes}, nil
		},
	}
}

func corruptScenario() scenario.Scenario {
	return scenario.Scenario{Name: "corrupt_index", System: "corrupt", Model: history.KV, Checker: "linearizable",
		Workload: workloads.Config{Clients: 3, OpsPerClient: 5, Timeout: 100 * time.Millisecond, Targeting: workloads.TargetRandom},
		Nemesis:  scenario.NemesisSpec{None: true}, SimTime: 2 * time.Second}
}

// TestOnePanicBugIsOneFinding (a user's system that panics): whichever node a client reaches first
// panics, so the panicking node varies with the seed; the findings group
// every seed into one, named by the panic's site and message, and the
// finding carries the message and the frames.
func TestOnePanicBugIsOneFinding(t *testing.T) {
	var r scenario.Registry
	if err := r.AddSystem(corruptSystem()); err != nil {
		t.Fatal(err)
	}
	s := corruptScenario()
	if err := r.AddScenario(s); err != nil {
		t.Fatal(err)
	}
	var results []scenario.Result
	nodes := map[string]bool{}
	for seed := uint64(1); seed <= 8; seed++ {
		res, err := r.Run(s, seed, scenario.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict != scenario.FailReproducible || res.Blame != scenario.BlameSUT || res.Panic == nil {
			t.Fatalf("seed %d: %s %s %q panic %+v", seed, res.Verdict, res.Blame, res.Anomaly, res.Panic)
		}
		nodes[res.Panic.Node] = true
		results = append(results, res)
	}
	if len(nodes) < 2 {
		t.Fatalf("the panic hit only %v over 8 seeds; the test needs it to move", nodes)
	}
	fs := scenario.Group(results)
	if len(fs) != 1 || len(fs[0].Seeds) != 8 {
		t.Fatalf("%d findings (want 1 of 8 seeds): %+v", len(fs), fs)
	}
	f := fs[0]
	if want := "panic:github.com/faultline-dst/faultline/examples/userpkg.(*corrupt).lookup: corrupt index on nN serving request N"; f.Anomaly != want {
		t.Errorf("signature %q, want %q", f.Anomaly, want)
	}
	p := f.First.Panic
	if !strings.HasPrefix(p.Message, "corrupt index on n") || len(p.Frames) < 2 ||
		!strings.HasPrefix(p.Frames[0], "github.com/faultline-dst/faultline/examples/userpkg.(*corrupt).lookup (") ||
		!strings.Contains(p.Frames[0], "panic_test.go:") || !strings.Contains(p.Frames[1], "(*corrupt).Receive") {
		t.Errorf("panic info %+v", p)
	}
}

// TestShrinkMovesAPanic: the shrinker drops nodes although the node that
// panicked first then no longer exists: the signature does not name it.
func TestShrinkMovesAPanic(t *testing.T) {
	var r scenario.Registry
	if err := r.AddSystem(corruptSystem()); err != nil {
		t.Fatal(err)
	}
	s := corruptScenario()
	if err := r.AddScenario(s); err != nil {
		t.Fatal(err)
	}
	first, err := r.Run(s, 1, scenario.RunOptions{})
	if err != nil || first.Panic == nil {
		t.Fatalf("%v %+v", err, first)
	}
	sh, _, err := r.Shrink(s, 1, scenario.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.After.Nodes != 1 || sh.Anomaly != first.Anomaly {
		t.Errorf("shrunk to %d nodes (want 1) with %q (want %q); first panic on %s", sh.After.Nodes, sh.Anomaly, first.Anomaly, first.Panic.Node)
	}
}

// TestFixedTopologyAndSystemOptions: a system that declares a fixed
// topology keeps its nodes through shrinking, and a scenario sets the
// system's own options, in Go and in a plan, checked against what the
// system declares.
func TestFixedTopologyAndSystemOptions(t *testing.T) {
	var r scenario.Registry
	sys := corruptSystem()
	sys.FixedTopology = true
	if err := r.AddSystem(sys); err != nil {
		t.Fatal(err)
	}
	s := corruptScenario()
	s.SystemOptions = map[string]string{"prefix": "torn"}
	if err := r.AddScenario(s); err != nil {
		t.Fatal(err)
	}
	sh, _, err := r.Shrink(s, 1, scenario.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.After.Nodes != 3 {
		t.Errorf("a fixed topology shrunk to %d nodes", sh.After.Nodes)
	}
	res, err := r.Run(s, 1, scenario.RunOptions{})
	if err != nil || res.Panic == nil || !strings.HasPrefix(res.Panic.Message, "torn index") {
		t.Errorf("the option did not reach the system: %v %+v", err, res.Panic)
	}
	bad := corruptScenario()
	bad.Name, bad.SystemOptions = "bad", map[string]string{"prefx": "x"}
	if err := r.AddScenario(bad); err == nil || !strings.Contains(err.Error(), `system corrupt has no option "prefx"; valid: prefix`) {
		t.Errorf("unknown option: %v", err)
	}
	plan := "```faultline\nscenario: p\nfalsifies: C1\nsystem: corrupt\nmodel: kv\nchecker: linearizable\nsystem_options:\n  prefix: torn\nnemesis:\n  kinds: none\n```\n"
	got, err := r.ParsePlan(strings.NewReader(plan), "plan.md")
	if err != nil || got[0].Scenario.SystemOptions["prefix"] != "torn" {
		t.Errorf("plan: %v %+v", err, got)
	}
	_, err = r.ParsePlan(strings.NewReader(strings.Replace(plan, "  prefix:", "  prefx:", 1)), "plan.md")
	if err == nil || !strings.Contains(err.Error(), `plan.md:8: system_options: system corrupt has no option "prefx"; valid: prefix`) {
		t.Errorf("plan with an unknown option: %v", err)
	}
}
