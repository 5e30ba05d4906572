package scenario_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
)

const goodPlan = "# Test plan: memstore\n\nSome prose.\n\n```go\nnot: a block\n```\n\n## C1\n\n" +
	"```faultline\n" +
	"scenario: kv_reads_see_writes_under_pauses\n" +
	"falsifies: C1, C2\n" +
	"claim: reads see the latest acknowledged write\n" +
	"system: mem\n" +
	"model: kv\n" +
	"checker: linearizable\n" +
	"history: op_id, process, key, input, output, node_seen, fault_epoch, timeout_marker\n" +
	"# a comment\n" +
	"nemesis:\n" +
	"  kinds: pause\n" +
	"  max_down: 1\n" +
	"  evidence: required\n" +
	"workload:\n" +
	"  clients: 2\n" +
	"  operations: 40\n" +
	"  keys: 3\n" +
	"  mix: read=1, write=1\n" +
	"  timeout: 200ms\n" +
	"topology:\n" +
	"  nodes: 1\n" +
	"run:\n" +
	"  time: 2s\n" +
	"seeds: 7\n" +
	"```\n"

func TestParsePlan(t *testing.T) {
	r := registry(t)
	got, err := r.ParsePlan(strings.NewReader(goodPlan), "plan.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Line != 11 {
		t.Fatalf("got %+v", got)
	}
	s := got[0].Scenario
	if s.Name != "kv_reads_see_writes_under_pauses" || len(s.Claim.IDs) != 2 || s.System != "mem" || s.Model != history.KV ||
		s.Nodes != 1 || s.SimTime != 2*time.Second || s.Seeds != 7 || s.Workload.Clients != 2 || s.Workload.OpsPerClient != 40 ||
		s.Workload.Mix["read"] != 1 || len(s.Nemesis.Budget.Kinds) != 1 || s.Nemesis.Budget.Kinds[0] != nemesis.Pause ||
		!s.History.Has(history.FieldNodeSeen) || s.History.Has(history.FieldError) {
		t.Errorf("parsed %+v", s)
	}
	// The parsed scenario runs.
	res, err := r.Run(s, 1, scenario.RunOptions{})
	if err != nil || res.Verdict != scenario.PassHardening {
		t.Errorf("run: %s %s %v", res.Verdict, res.Reason, err)
	}
}

func TestPlanErrorsNameLineAndChoices(t *testing.T) {
	r := registry(t)
	tests := []struct {
		name, edit, want string
	}{
		{"unknown field", "seeds: 7\n", "plan.md:35: unknown field \"nemsis\"; valid: base, bugs, checker, checker_options, claim, clocks"},
		{"missing field", "checker: linearizable\n", "plan.md:11: scenario block lacks required field \"checker\""},
		{"unknown system", "system: mem\n", "plan.md:15: unknown system \"memz\"; valid: flaky, flaky-once, mem, mem-drop-writes"},
		{"unknown model", "model: kv\n", "plan.md:16: unknown model \"kvv\""},
		{"unknown checker", "checker: linearizable\n", "plan.md:17: unknown checker \"linearisable\"; valid: "},
		{"unknown fault kind", "  kinds: pause\n", "plan.md:21: nemesis.kinds: unknown fault kind \"paws\""},
		{"fault the system cannot take", "  kinds: pause\n", "cannot be tested under fault crash"},
		{"bad number", "  clients: 2\n", "plan.md:25: workload.clients: \"two\" is not a positive whole number"},
		{"bad mix", "  mix: read=1, write=1\n", "unknown section"},
		{"bad duration", "  time: 2s\n", "plan.md:33: run.time: \"2 s\" is not a positive duration"},
		{"unknown section field", "  nodes: 1\n", "plan.md:31: unknown topology field \"replicas\"; valid: nodes"},
		{"history field", "history: op_id, process, key, input, output, node_seen, fault_epoch, timeout_marker\n", "plan.md:18: history: "},
		{"unclosed", "```\n", "plan.md:11: faultline block is never closed"},
	}
	repl := map[string]string{
		"unknown field":                "nemsis: x\n",
		"missing field":                "",
		"unknown system":               "system: memz\n",
		"unknown model":                "model: kvv\n",
		"unknown checker":              "checker: linearisable\n",
		"unknown fault kind":           "  kinds: paws\n",
		"fault the system cannot take": "  kinds: crash\n",
		"bad number":                   "  clients: two\n",
		"bad mix":                      "  mix: read=1, write=1\n",
		"bad duration":                 "  time: 2 s\n",
		"unknown section field":        "  replicas: 1\n",
		"history field":                "history: op_id, nodeseen\n",
		"unclosed":                     "",
	}
	for _, tt := range tests {
		if tt.name == "bad mix" {
			continue // covered below with the workload's own message
		}
		t.Run(tt.name, func(t *testing.T) {
			plan := strings.Replace(goodPlan, tt.edit, repl[tt.name], 1)
			if tt.name == "unknown field" {
				plan = strings.Replace(goodPlan, "seeds: 7\n", "seeds: 7\nnemsis: x\n", 1)
			}
			if tt.name == "unclosed" {
				plan = strings.TrimSuffix(goodPlan, "```\n")
			}
			_, err := r.ParsePlan(strings.NewReader(plan), "plan.md")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
	plan := strings.Replace(goodPlan, "mix: read=1, write=1", "mix: read=1, put=1", 1)
	if _, err := r.ParsePlan(strings.NewReader(plan), "plan.md"); err == nil || !strings.Contains(err.Error(), "plan.md:24: workload:") || !strings.Contains(err.Error(), "valid: cas, read, write") {
		t.Errorf("bad mix: %v", err)
	}
	if _, err := r.ParsePlan(strings.NewReader("# nothing\n"), "empty.md"); err == nil || !strings.Contains(err.Error(), "no ```faultline block") {
		t.Errorf("empty plan: %v", err)
	}
}

func TestPlanExplicitSchedule(t *testing.T) {
	r := registry(t)
	dir := t.TempDir()
	sched := `[{"id":"f1","kind":"pause","nodes":["n1"],"start":"300ms","end":"500ms"}]`
	if err := os.WriteFile(filepath.Join(dir, "faults.json"), []byte(sched), 0o644); err != nil {
		t.Fatal(err)
	}
	plan := strings.Replace(goodPlan, "  evidence: required\n", "  evidence: required\n  schedule: faults.json\n", 1)
	path := filepath.Join(dir, "plan.md")
	if err := os.WriteFile(path, []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := got[0].Scenario.Nemesis.Schedule; len(s) != 1 || s[0].ID != "f1" {
		t.Fatalf("schedule %+v", s)
	}
}

// TestPlanIndentedBlock: a block inside a Markdown list item is indented
// as a whole; its fields count their indentation from the fence.
func TestPlanIndentedBlock(t *testing.T) {
	r := registry(t)
	var b strings.Builder
	b.WriteString("- A scenario in a list:\n\n")
	for _, l := range strings.SplitAfter(goodPlan[strings.Index(goodPlan, "```faultline"):], "\n") {
		if l != "" {
			b.WriteString("  " + l)
		}
	}
	got, err := r.ParsePlan(strings.NewReader(b.String()), "plan.md")
	if err != nil {
		t.Fatal(err)
	}
	if s := got[0].Scenario; s.Nodes != 1 || s.Workload.Clients != 2 || len(s.Nemesis.Budget.Kinds) != 1 {
		t.Errorf("parsed %+v", s)
	}
	bad := strings.Replace(b.String(), "  model: kv\n", "model: kv\n", 1)
	if _, err := r.ParsePlan(strings.NewReader(bad), "plan.md"); err == nil || !strings.Contains(err.Error(), "plan.md:8: line \"model: kv\" is indented less than its block's opening fence") {
		t.Errorf("under-indented line: %v", err)
	}
}

// TestPlanRunTimeTooShort: plan check refuses a run time that leaves the
// workload no room for its timeouts and final reads, as the run would.
func TestPlanRunTimeTooShort(t *testing.T) {
	r := registry(t)
	plan := strings.Replace(goodPlan, "  timeout: 200ms\n", "", 1)
	plan = strings.Replace(plan, "  time: 2s\n", "  time: 3s\n", 1)
	_, err := r.ParsePlan(strings.NewReader(plan), "plan.md")
	if err == nil || !strings.Contains(err.Error(), "plan.md:31: run time 3s is too short for the workload") {
		t.Fatalf("got %v", err)
	}
	plan = strings.Replace(plan, "  time: 3s\n", "  time: 4s\n", 1)
	if _, err := r.ParsePlan(strings.NewReader(plan), "plan.md"); err != nil {
		t.Errorf("4s with the default 1s timeout: %v", err)
	}
}

// TestPlanDeliveryClaim: a queue or log scenario states its delivery claim
// in the plan; the checker has no default to fall back on.
func TestPlanDeliveryClaim(t *testing.T) {
	r := registry(t)
	queue := strings.NewReplacer("model: kv\n", "model: queue\n", "checker: linearizable\n", "checker: queue\n",
		"history: op_id, process, key, input, output, node_seen, fault_epoch\n", "", "  mix: read=1, write=1\n", "").Replace(goodPlan)
	tests := []struct {
		name, add, want string
		delivery        checkers.Delivery
	}{
		{"at-least-once", "delivery: at-least-once\n", "", checkers.AtLeastOnce},
		{"exactly-once", "delivery: exactly-once\n", "", checkers.ExactlyOnce},
		{"no claim", "", `plan.md:17: checker queue judges a delivery claim: state it with "delivery: exactly-once" or "delivery: at-least-once"`, ""},
		{"unknown claim", "delivery: at-most-twice\n", `plan.md:18: delivery: unknown delivery claim "at-most-twice"; valid: exactly-once, at-least-once`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := strings.Replace(queue, "checker: queue\n", "checker: queue\n"+tt.add, 1)
			got, err := r.ParsePlan(strings.NewReader(plan), "plan.md")
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got %v\nwant %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := got[0].Scenario.Options.Delivery; d != tt.delivery {
				t.Errorf("delivery %q, want %q", d, tt.delivery)
			}
		})
	}
	kv := strings.Replace(goodPlan, "checker: linearizable\n", "checker: linearizable\ndelivery: at-least-once\n", 1)
	if _, err := r.ParsePlan(strings.NewReader(kv), "plan.md"); err == nil || !strings.Contains(err.Error(), "plan.md:18: delivery: checker linearizable judges no delivery claim") {
		t.Errorf("delivery on a kv scenario: %v", err)
	}
	// Go declarations state it too.
	s := base("queue_without_claim")
	s.Model, s.Checker = history.Queue, "queue"
	if err := r.AddScenario(s); err == nil || !strings.Contains(err.Error(), "checker queue judges a delivery claim") {
		t.Errorf("AddScenario without a claim: %v", err)
	}
}

// A plan block declares a failover scenario with "failover: true": its
// runs count failovers for the sweep-level check, and plan check refuses
// a bad value, a block with no faults and a history without node_seen.
func TestPlanFailover(t *testing.T) {
	r := registry(t)
	plan := strings.Replace(goodPlan, "seeds: 7\n", "seeds: 7\nfailover: true\n", 1)
	got, err := r.ParsePlan(strings.NewReader(plan), "plan.md")
	if err != nil {
		t.Fatal(err)
	}
	s := got[0].Scenario
	if !s.Failover {
		t.Fatalf("failover: true parsed as %v", s.Failover)
	}
	res, err := r.Run(s, 1, scenario.RunOptions{})
	if err != nil || res.Failovers == nil {
		t.Fatalf("a run of the failover block counts no failovers: %v %v", res.Failovers, err)
	}
	if c := scenario.SweepChecks([]scenario.Result{res}); len(c) != 1 || c[0].Name != "failovers-seen" || c[0].OK {
		t.Errorf("sweep checks over one seed of memstore (which never fails over): %+v", c)
	}
	for _, tt := range []struct{ from, to, want string }{
		{"seeds: 7\n", "seeds: 7\nfailover: yes\n", `plan.md:35: failover: "yes" is not true or false`},
		{"  kinds: pause\n", "  kinds: none\n", "plan.md:35: failover: true, but nemesis kinds: none"},
		{"history: op_id, process, key, input, output, node_seen, fault_epoch, timeout_marker\n", "history: op_id, process, key, input, output\n", "plan.md:35: failover: true needs the history field node_seen"},
	} {
		bad := strings.Replace(plan, tt.from, tt.to, 1)
		if tt.to == "seeds: 7\nfailover: yes\n" {
			bad = strings.Replace(goodPlan, tt.from, tt.to, 1)
		}
		if _, err := r.ParsePlan(strings.NewReader(bad), "plan.md"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v\nwant an error containing %q", err, tt.want)
		}
	}
	// Without the field, a block is no failover scenario.
	got, err = r.ParsePlan(strings.NewReader(goodPlan), "plan.md")
	if err != nil || got[0].Scenario.Failover {
		t.Errorf("no failover field: %v %v", got[0].Scenario.Failover, err)
	}
}

// TestPlanCatchesWhatARunRefuses: a block that reads well but that a run
// would refuse (what only the built system knows, the workload with its
// defaults, the fault schedule) is an error of the plan, at the line of
// the field it comes from, with what would make it run.
func TestPlanCatchesWhatARunRefuses(t *testing.T) {
	const head = "```faultline\nscenario: s\nfalsifies: C1\nmodel: kv\nchecker: linearizable\n"
	tests := []struct {
		name, block string
		line        int // of the error, counted from the fence (1)
		want        string
	}{
		{"no nemesis at all", "system: mem\n", 1, "the budget allows no fault kind; name them in the nemesis section (kinds: one or more of partition, pause, clog), or kinds: none"},
		{"a nemesis without kinds", "system: mem\nnemesis:\n  max_down: 1\n", 7, "the budget allows no fault kind"},
		{"a start delay that leaves no run time", "system: slow-start\nnemesis:\n  kinds: pause\nworkload:\n  timeout: 500ms\nrun:\n  time: 1700ms\n", 11,
			"run time 1.7s is too short for the workload: it needs its start (300ms), a quiet period (500ms) and two timeouts (500ms) for the final reads; give run.time more"},
		{"a start delay, no run section", "system: slow-start\nnemesis:\n  kinds: pause\nworkload:\n  timeout: 6600ms\n", 9,
			"run time 20s is too short for the workload: it needs its start (300ms), a quiet period (6.6s) and two timeouts (6.6s) for the final reads; give it more with a run section"},
		{"a fault on a node the system lacks", "system: mem\nnemesis:\n  schedule: faults.json\n", 7, `"n9": not a node of the world`},
		{"a topology the system refuses", "system: slow-start\nnemesis:\n  kinds: pause\ntopology:\n  nodes: 4\n", 9, "system slow-start: at most 3 nodes"},
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "faults.json"), []byte(`[{"id":"f1","kind":"pause","nodes":["n9"],"start":"300ms","end":"500ms"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := registry(t)
			slow := memSystem("slow-start", "")
			slow.Build = func(b scenario.Build) (scenario.Cluster, error) {
				if b.Nodes > 3 {
					return scenario.Cluster{}, fmt.Errorf("at most 3 nodes, asked for %d", b.Nodes)
				}
				cl := memCluster(b.Nodes, "")
				cl.StartAfter = 300 * time.Millisecond
				return cl, nil
			}
			if err := r.AddSystem(slow); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "plan.md")
			if err := os.WriteFile(path, []byte(head+tt.block+"```\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := r.ReadPlan(path)
			want := fmt.Sprintf("%s:%d: a run would refuse this scenario: ", path, tt.line)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant %q ... %q", err, want, tt.want)
			}
		})
	}
}

// TestRunnableIsWhatRunRefuses: Runnable refuses exactly what Run
// refuses, with the same words, and passes every built-in scenario.
func TestRunnableIsWhatRunRefuses(t *testing.T) {
	r := registry(t)
	noFaults := base("no-faults")
	noFaults.Nemesis = scenario.NemesisSpec{}
	short := base("short")
	short.SimTime = 150 * time.Millisecond
	badNode := base("bad-node")
	badNode.Nemesis = pause()
	badNode.Nemesis.Schedule[0].Nodes = []string{"n9"}
	for _, s := range []scenario.Scenario{base("fine"), noFaults, short, badNode} {
		_, runErr := r.Run(s, 1, scenario.RunOptions{})
		err := r.Runnable(s)
		if (runErr == nil) != (err == nil) || (err != nil && !strings.Contains(runErr.Error(), err.Error())) {
			t.Errorf("%s: Run refuses with %v, Runnable with %v", s.Name, runErr, err)
		}
		if s.Name != "fine" && err == nil {
			t.Errorf("%s: Runnable accepts it", s.Name)
		}
	}
	ref := reference.Registry()
	for _, s := range ref.Scenarios() {
		if err := ref.Runnable(s); err != nil {
			t.Errorf("built-in %s: %v", s.Name, err)
		}
	}
}
