package scenario_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// These tests produce every verdict and every blame value from real runs
// of purpose-built scenarios: nothing here constructs a Result by hand.

const ms = clock.Time(time.Millisecond)

// memSystem is memstore as a registered system: n1 serves, n2 is a spare
// that redirects to n1 and that clients never ask.
func memSystem(name string, bug memstore.Bug) scenario.System {
	return scenario.System{
		Name:         name,
		Models:       []history.Model{history.KV, history.Register, history.Queue, history.Ledger, history.Lock},
		Faults:       []nemesis.Kind{nemesis.Partition, nemesis.Pause, nemesis.Clog},
		DefaultNodes: 2,
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			return memCluster(b.Nodes, bug), nil
		},
	}
}

// memCluster is n memstore nodes n1..nN of which n1 serves.
func memCluster(n int, bug memstore.Bug) scenario.Cluster {
	f := memstore.New(memstore.Config{Leader: "n1", Bug: bug})
	var nodes []sim.NodeSpec
	for i := 1; i <= n; i++ {
		nodes = append(nodes, sim.NodeSpec{Name: fmt.Sprintf("n%d", i), Factory: f})
	}
	return scenario.Cluster{Nodes: nodes, Targets: []string{"n1"}}
}

var global int // nondeterminism on purpose: state that outlives a run

// flaky is an SUT with a determinism hazard: package state shared between
// runs decides whether it drops writes, so a rerun of a failing seed
// differs from the first run.
func flakySystem(name string, everyRun bool) scenario.System {
	s := memSystem(name, "")
	s.Build = func(b scenario.Build) (scenario.Cluster, error) {
		global++
		bug := memstore.BugNone
		if global%2 == 1 {
			bug = memstore.BugDropWrites
		}
		if !everyRun && global > 1 {
			bug = memstore.BugNone // only the first run misbehaves
		}
		return memCluster(b.Nodes, bug), nil
	}
	return s
}

// wrongModel is a linearizability checker given the wrong model: a
// register whose writes do not change its value. Real porcupine, wrong
// specification: it rejects correct histories, and the brute-force
// cross-check must say so.
func wrongModel() checkers.Checker {
	c, _ := checkers.Lookup("linearizable")
	c.Name = "linearizable-wrong-model"
	type in struct{ op, v string }
	model := porcupine.Model{
		Init: func() any { return "null" },
		Step: func(state, input, output any) (bool, any) {
			i := input.(in)
			if i.op == "read" {
				return output.(string) == state.(string), state
			}
			return true, state // the mistake: writes are ignored
		},
	}
	c.Check = func(h history.History, o checkers.Options) checkers.Result {
		res := checkers.Result{Checker: c.Name, Outcome: checkers.OK, Recorded: len(h.Ops)}
		for _, part := range h.ByKey() {
			var ops []porcupine.Operation
			for _, op := range part.Ops {
				if op.Type != history.OK || op.OpType == "cas" {
					continue
				}
				i := in{op: op.OpType}
				out := ""
				if op.OpType == "write" {
					i.v = field(op.Input)
				} else {
					out = field(op.Output)
				}
				ops = append(ops, porcupine.Operation{ClientId: op.Process, Input: i, Call: op.InvokeTS, Output: out, Return: op.CompleteTS})
			}
			res.Checked += len(part.Ops)
			if porcupine.CheckOperations(model, ops) != true {
				res.Outcome, res.Kind = checkers.Anomaly, "not-linearizable"
				res.Explanation = "key " + part.Key + ": no order of its operations explains the reads"
				res.Violations = append(res.Violations, checkers.Violation{Kind: "not-linearizable", Key: part.Key})
			}
		}
		return res
	}
	return c
}

// field returns the canonical JSON of {"value": v}'s v.
func field(raw []byte) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "?"
	}
	v, _ := history.CanonicalJSON(m["value"])
	return v
}

func registry(t *testing.T) *scenario.Registry {
	t.Helper()
	var r scenario.Registry
	for _, s := range []scenario.System{memSystem("mem", ""), memSystem("mem-drop-writes", memstore.BugDropWrites), flakySystem("flaky", true), flakySystem("flaky-once", false)} {
		if err := r.AddSystem(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.AddChecker(wrongModel()); err != nil {
		t.Fatal(err)
	}
	return &r
}

// base is a small kv scenario against memstore.
func base(name string) scenario.Scenario {
	return scenario.Scenario{
		Name:     name,
		Claim:    scenario.Claim{IDs: []string{"C1"}, Text: "reads see the latest acknowledged write", Kind: "safety"},
		System:   "mem",
		Model:    history.KV,
		Checker:  "linearizable",
		Workload: workloads.Config{Clients: 3, OpsPerClient: 10, Keys: 5, Timeout: 100 * time.Millisecond},
		SimTime:  2 * time.Second,
		Nemesis:  scenario.NemesisSpec{None: true},
	}
}

// pause pauses the serving node for 200ms: clients time out and the
// node's deliveries are held back (landing evidence).
func pause() scenario.NemesisSpec {
	return scenario.NemesisSpec{
		Budget:   nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Pause}, MaxDown: 1, WarmUp: 10 * ms, HealBy: 1000 * ms},
		Schedule: nemesis.Schedule{{ID: "f1", Kind: nemesis.Pause, Start: 50 * ms, End: 250 * ms, Nodes: []string{"n1"}}},
	}
}

func TestEveryVerdictAndBlameFromRealRuns(t *testing.T) {
	r := registry(t)
	tests := []struct {
		name    string
		s       func() scenario.Scenario
		verdict scenario.Verdict
		blame   scenario.Blame
		reason  string
	}{
		{"smoke", func() scenario.Scenario { return base("smoke") }, scenario.PassSmoke, scenario.BlameNone, "no fault"},
		{"hardening", func() scenario.Scenario {
			s := base("hardening")
			s.Nemesis = pause()
			return s
		}, scenario.PassHardening, scenario.BlameNone, "1 faults landed"},
		{"fault not proven: isolate a node nobody talks to", func() scenario.Scenario {
			s := base("isolated-spare")
			s.Nemesis = scenario.NemesisSpec{
				Budget:   nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Partition}, MaxDown: 1, WarmUp: 10 * ms, HealBy: 1000 * ms},
				Schedule: nemesis.Schedule{{ID: "f1", Kind: nemesis.Partition, Shape: nemesis.Isolate, Start: 50 * ms, End: 250 * ms, Nodes: []string{"n2"}}},
			}
			return s
		}, scenario.InconclusiveFaultNotProven, scenario.BlameHarness, "no landing evidence for f1"},
		{"fault not proven: a cut shorter than the client timeout says so", func() scenario.Scenario {
			s := base("isolated-spare-briefly")
			s.Nemesis = scenario.NemesisSpec{
				Budget:   nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Partition}, MaxDown: 1, WarmUp: 10 * ms, HealBy: 1000 * ms},
				Schedule: nemesis.Schedule{{ID: "f1", Kind: nemesis.Partition, Shape: nemesis.Isolate, Start: 50 * ms, End: 90 * ms, Nodes: []string{"n2"}}},
			}
			return s
		}, scenario.InconclusiveFaultNotProven, scenario.BlameHarness, "the cut lasted 40ms, less than the client timeout 100ms"},
		{"oracle too weak: history without node_seen", func() scenario.Scenario {
			s := base("no-node-seen")
			s.History = history.AllFields.Minus(history.Fields(history.FieldNodeSeen))
			return s
		}, scenario.InconclusiveOracleTooWeak, scenario.BlameHarness, "node_seen"},
		{"surface: no model checker", func() scenario.Scenario {
			s := base("surface")
			s.Checker = scenario.NoChecker
			return s
		}, scenario.PartialSurface, scenario.BlameNone, "no model-level checker"},
		{"partial model: run cut short by its event budget", func() scenario.Scenario {
			s := base("cut-short")
			s.MaxEvents = 40
			return s
		}, scenario.PartialModel, scenario.BlameNone, "planned-duration"},
		{"env: system lacks the model", func() scenario.Scenario {
			s := base("no-counter")
			s.Model = history.Counter
			s.Checker = "counter"
			return s
		}, scenario.InconclusiveEnv, scenario.BlameEnvironment, "does not implement model counter"},
		{"fail reproducible: SUT drops writes", func() scenario.Scenario {
			s := base("drop-writes")
			s.System = "mem-drop-writes"
			return s
		}, scenario.FailReproducible, scenario.BlameSUT, "not-linearizable"},
		{"harness: broken invariant", func() scenario.Scenario {
			s := base("self-test")
			s.SelfTest = "time-backwards"
			return s
		}, scenario.FailReproducible, scenario.BlameHarness, "time-backwards"},
		{"checker: wrong model, brute force disagrees", func() scenario.Scenario {
			s := base("wrong-model")
			s.Checker = "linearizable-wrong-model"
			return s
		}, scenario.FailReproducible, scenario.BlameChecker, "brute-force"},
		{"fail nondeterministic: SUT keeps state across runs", func() scenario.Scenario {
			s := base("flaky")
			s.System = "flaky"
			return s
		}, scenario.FailNondeterministic, scenario.BlameSUT, "SUT code"},
		{"fail nondeterministic: only the first run differs, and runs 1 and 2 are compared", func() scenario.Scenario {
			s := base("flaky-once")
			s.System = "flaky-once"
			return s
		}, scenario.FailNondeterministic, scenario.BlameSUT, "the first run and its rerun diverged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s()
			global = 0
			res, err := r.Run(s, 1, scenario.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != tt.verdict || res.Blame != tt.blame || !strings.Contains(res.Reason, tt.reason) {
				t.Fatalf("got %s/%q: %s\nwant %s/%q with %q\nchecks: %+v", res.Verdict, res.Blame, res.Reason, tt.verdict, tt.blame, tt.reason, res.Checks)
			}
		})
	}
}

func TestNotRunWhenTheSweepBudgetIsExhausted(t *testing.T) {
	r := registry(t)
	var streamed []scenario.Result
	res, err := r.Sweep(base("smoke"), scenario.SweepOptions{Seeds: scenario.Seeds(1, 3), MaxRuns: 2, Emit: func(r scenario.Result) error {
		streamed = append(streamed, r)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || len(streamed) != 3 {
		t.Fatalf("got %d results, %d streamed", len(res), len(streamed))
	}
	if res[0].Verdict != scenario.PassSmoke || res[1].Verdict != scenario.PassSmoke || res[2].Verdict != scenario.NotRun || !strings.Contains(res[2].Reason, "budget") {
		t.Errorf("verdicts %s %s %s (%s; %s)", res[0].Verdict, res[1].Verdict, res[2].Verdict, res[1].Reason, res[2].Reason)
	}
	if res[0].TraceHash == res[1].TraceHash {
		t.Error("seeds 1 and 2 gave the same trace")
	}
}

func TestSameSeedSameResult(t *testing.T) {
	r := registry(t)
	s := base("hardening")
	s.Nemesis = pause()
	a, err := r.Run(s, 9, scenario.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.Run(s, 9, scenario.RunOptions{})
	a.HostNS, b.HostNS = 0, 0
	var ja, jb strings.Builder
	_ = scenario.WriteResult(&ja, a)
	_ = scenario.WriteResult(&jb, b)
	if ja.String() != jb.String() {
		t.Errorf("same seed, different results:\n%s\n%s", ja.String(), jb.String())
	}
}

func TestShrinkKeepsTheAnomalyAndDropsTheRest(t *testing.T) {
	r := registry(t)
	s := base("drop-writes")
	s.System = "mem-drop-writes"
	s.Workload.OpsPerClient = 20
	s.Nemesis = pause()
	sh, shrunk, err := r.Shrink(s, 3, scenario.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.Before.Faults != 1 || sh.After.Faults != 0 {
		t.Errorf("faults %d -> %d; the pause is not needed to drop writes", sh.Before.Faults, sh.After.Faults)
	}
	if sh.After.Operations >= sh.Before.Operations || sh.After.Clients > sh.Before.Clients {
		t.Errorf("did not shrink: %+v -> %+v", sh.Before, sh.After)
	}
	res, err := r.Run(shrunk, 3, scenario.RunOptions{})
	if err != nil || res.Verdict != scenario.FailReproducible || res.Anomaly != sh.Anomaly {
		t.Fatalf("shrunk scenario does not reproduce alone: %s %s %v", res.Verdict, res.Anomaly, err)
	}
	t.Logf("shrunk %+v -> %+v in %d runs", sh.Before, sh.After, sh.Runs)
}

func TestShrunkPlanReplaysAlone(t *testing.T) {
	r := registry(t)
	s := base("drop-writes-base")
	s.System = "mem-drop-writes"
	s.Workload.OpsPerClient = 20
	s.Nemesis = pause()
	if err := r.AddScenario(s); err != nil {
		t.Fatal(err)
	}
	sh, _, err := r.Shrink(s, 3, scenario.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sched, _ := json.Marshal(sh.Schedule)
	if err := os.WriteFile(filepath.Join(dir, "faults.json"), sched, 0o644); err != nil {
		t.Fatal(err)
	}
	plan := scenario.FormatShrunkPlan(s, sh, "faults.json", "")
	path := filepath.Join(dir, "shrunk.md")
	if err := os.WriteFile(path, []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := r.ReadPlan(path)
	if err != nil {
		t.Fatalf("%v\n%s", err, plan)
	}
	res, err := r.Run(ps[0].Scenario, 3, scenario.RunOptions{})
	if err != nil || res.Verdict != scenario.FailReproducible || res.Anomaly != sh.Anomaly || res.Operations != sh.After.Operations {
		t.Fatalf("shrunk plan: %s %s ops %d (want %d) %v\n%s", res.Verdict, res.Anomaly, res.Operations, sh.After.Operations, err, plan)
	}
}

// TestShrunkPlanOfAPlanBlockReplaysAlone: shrinking a scenario a plan
// declares writes a plan that needs nothing of the original one (not its
// blocks, not its fault list file): read from another directory, it runs
// the shrunk scenario to the same trace.
func TestShrunkPlanOfAPlanBlockReplaysAlone(t *testing.T) {
	tests := []struct{ name, block string }{
		{"whole block", "scenario: plan_drops\nfalsifies: C1\nclaim: reads see writes\nsystem: mem-drop-writes\nmodel: kv\nchecker: linearizable\n" +
			"nemesis:\n  kinds: pause\n  schedule: orig-faults.json\n  jitter: 20ms\n  max_down: 1\n" +
			"workload:\n  clients: 3\n  operations: 20\n  keys: 5\n  timeout: 100ms\n" +
			"network:\n  latency: uniform 1ms 3ms\nclocks:\n  n2: offset=5ms, drift_ppm=100\n" +
			"disk:\n  sync_latency: longtail 1ms 2ms 20ms\ndisks:\n  n2: sync_latency=5ms, read_latency=uniform 100us 1ms\n" +
			"checker_options:\n  max_steps: 1000000\nrun:\n  time: 2s\nseeds: 9\n"},
		{"based on a registered scenario", "scenario: plan_based\nbase: registered_drops\nworkload:\n  operations: 15\n"},
		{"no workload or topology", "scenario: plan_bare\nfalsifies: C1\nsystem: mem-drop-writes\nmodel: kv\nchecker: linearizable\nnemesis:\n  kinds: pause\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := registry(t)
			reg := base("registered_drops")
			reg.System = "mem-drop-writes"
			reg.Workload.OpsPerClient = 20
			reg.Nemesis = pause()
			if err := r.AddScenario(reg); err != nil {
				t.Fatal(err)
			}
			orig := t.TempDir()
			sched := `[{"id":"f1","kind":"pause","nodes":["n1"],"start":"300ms","end":"500ms"}]`
			if err := os.WriteFile(filepath.Join(orig, "orig-faults.json"), []byte(sched), 0o644); err != nil {
				t.Fatal(err)
			}
			planPath := filepath.Join(orig, "plan.md")
			if err := os.WriteFile(planPath, []byte("# plan\n\n```faultline\n"+tt.block+"```\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			ps, err := r.ReadPlan(planPath)
			if err != nil {
				t.Fatal(err)
			}
			sh, shrunk, err := r.Shrink(ps[0].Scenario, 3, scenario.ShrinkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := r.Run(shrunk, 3, scenario.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// The shrunk plan in a directory of its own, with its fault
			// list, read by a registry that never saw the original plan.
			dir := t.TempDir()
			b, _ := json.Marshal(sh.Schedule)
			if err := os.WriteFile(filepath.Join(dir, "faults.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			text := ps[0].FormatShrunk(sh, "faults.json", "")
			if strings.Contains(text, "base: "+ps[0].Scenario.Name) || strings.Contains(text, "orig-faults.json") {
				t.Errorf("the shrunk plan refers to the original one:\n%s", text)
			}
			path := filepath.Join(dir, "shrunk.md")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			fresh := registry(t)
			if err := fresh.AddScenario(reg); err != nil {
				t.Fatal(err)
			}
			got, err := fresh.ReadPlan(path)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if g, o := got[0].Scenario, ps[0].Scenario; !reflect.DeepEqual(g.Disk, o.Disk) || !reflect.DeepEqual(g.Disks, o.Disks) || !reflect.DeepEqual(g.Clocks, o.Clocks) {
				t.Errorf("the shrunk plan's disks and clocks differ: %+v %+v %+v, want %+v %+v %+v\n%s", g.Disk, g.Disks, g.Clocks, o.Disk, o.Disks, o.Clocks, text)
			}
			if got[0].Scenario.Name != ps[0].Scenario.Name+"-shrunk" || got[0].Scenario.Seeds != 1 {
				t.Errorf("shrunk block: name %q, seeds %d", got[0].Scenario.Name, got[0].Scenario.Seeds)
			}
			res, err := fresh.Run(got[0].Scenario, 3, scenario.RunOptions{})
			if err != nil || res.Verdict != scenario.FailReproducible || res.Anomaly != sh.Anomaly || res.TraceHash != want.TraceHash {
				t.Fatalf("shrunk plan: %s %s hash %s (want %s %s) %v\n%s", res.Verdict, res.Anomaly, res.TraceHash, sh.Anomaly, want.TraceHash, err, text)
			}
		})
	}
}

// TestShrinkDoesNotClaimATopologyTheSystemIgnores: a system whose Build
// always builds the same two nodes, whatever Build.Nodes asks, still
// reproduces when asked for one; the shrinker must not report (nor write
// into the shrunk plan) a one-node topology that never ran.
func TestShrinkDoesNotClaimATopologyTheSystemIgnores(t *testing.T) {
	r := registry(t)
	sys := memSystem("mem-fixed", memstore.BugDropWrites)
	sys.Build = func(scenario.Build) (scenario.Cluster, error) { return memCluster(2, memstore.BugDropWrites), nil }
	if err := r.AddSystem(sys); err != nil {
		t.Fatal(err)
	}
	s := base("drop-writes-fixed")
	s.System = "mem-fixed"
	s.Workload.OpsPerClient = 20
	sh, shrunk, err := r.Shrink(s, 3, scenario.ShrinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sh.After.Nodes != 2 || sh.Nodes != 2 || shrunk.Nodes != 2 {
		t.Errorf("shrunk to %d nodes (plan %d, scenario %d), but the system always builds 2", sh.After.Nodes, sh.Nodes, shrunk.Nodes)
	}
}
