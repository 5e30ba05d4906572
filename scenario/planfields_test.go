package scenario_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/workloads"
)

// reachPlan says in a plan block everything reachGo says in Go.
const reachPlan = "```faultline\n" +
	"scenario: reach\n" +
	"falsifies: C1\n" +
	"system: mem\n" +
	"model: kv\n" +
	"checker: linearizable\n" +
	"nemesis:\n" +
	"  kinds: pause, partition\n" +
	"  max_down: 1\n" +
	"  max_faults: 4\n" +
	"  targets: n1, n2\n" +
	"  window: 300ms..1500ms\n" +
	"  min_duration: 100ms\n" +
	"  max_duration: 300ms\n" +
	"  max_drift_ppm: 200\n" +
	"  max_offset: 20ms\n" +
	"  max_jump: 30ms\n" +
	"  max_delay: 40ms\n" +
	"  max_net_p: 0.25\n" +
	"  shapes: isolate, halves\n" +
	"network:\n" +
	"  latency: uniform 1ms 3ms\n" +
	"  loss: 0.01\n" +
	"  duplicate: 0.02\n" +
	"  reorder: 0.03\n" +
	"  mode: datagram\n" +
	"disk:\n" +
	"  crash: tear\n" +
	"  sector_size: 512\n" +
	"  capacity: 1048576\n" +
	"  sync_latency: uniform 1ms 3ms\n" +
	"  write_latency: 100us\n" +
	"clocks:\n" +
	"  n1: offset=5ms, drift_ppm=100\n" +
	"  n2: drift_ppm=-50\n" +
	"checker_options:\n" +
	"  max_partition_ops: 5000\n" +
	"  max_steps: 100000\n" +
	"workload:\n" +
	"  clients: 2\n" +
	"  operations: 20\n" +
	"  timeout: 100ms\n" +
	"run:\n" +
	"  time: 2s\n" +
	"```\n"

func reachGo() scenario.Scenario {
	return scenario.Scenario{
		Name:    "reach",
		Claim:   scenario.Claim{IDs: []string{"C1"}, Kind: "safety"},
		System:  "mem",
		Model:   history.KV,
		Checker: "linearizable",
		Options: checkers.Options{MaxPartitionOps: 5000, MaxSteps: 100000},
		Nemesis: scenario.NemesisSpec{Budget: nemesis.Budget{
			Kinds: []nemesis.Kind{nemesis.Pause, nemesis.Partition}, MaxDown: 1, MaxFaults: 4,
			Targets: []string{"n1", "n2"}, WarmUp: clock.Time(300 * time.Millisecond), HealBy: clock.Time(1500 * time.Millisecond),
			MinDuration: 100 * time.Millisecond, MaxDuration: 300 * time.Millisecond, MaxDriftPPM: 200,
			MaxOffset: 20 * time.Millisecond, MaxJump: 30 * time.Millisecond, MaxDelay: 40 * time.Millisecond, MaxNetP: 0.25,
			Shapes: []nemesis.Shape{nemesis.Isolate, nemesis.Halves},
		}},
		Net: netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond},
			Loss: 0.01, Duplicate: 0.02, Reorder: 0.03}},
		Disk: disk.Config{Crash: disk.Tear, SectorSize: 512, Capacity: 1 << 20,
			SyncLatency: disk.Latency{Min: time.Millisecond, Max: 3 * time.Millisecond}, WriteLatency: disk.Latency{Min: 100 * time.Microsecond, Max: 100 * time.Microsecond}},
		Clocks:   []scenario.NodeClock{{Node: "n1", Offset: 5 * time.Millisecond, DriftPPM: 100}, {Node: "n2", DriftPPM: -50}},
		Workload: workloads.Config{Clients: 2, OpsPerClient: 20, Timeout: 100 * time.Millisecond},
		SimTime:  2 * time.Second,
	}
}

// TestPlanReachesWhatGoReaches: a plan block gives the same scenario as
// the Go declaration, field for field, and the two run to the same trace.
func TestPlanReachesWhatGoReaches(t *testing.T) {
	r := registry(t)
	got, err := r.ParsePlan(strings.NewReader(reachPlan), "plan.md")
	if err != nil {
		t.Fatal(err)
	}
	want := reachGo()
	if s := got[0].Scenario; !reflect.DeepEqual(s, want) {
		t.Fatalf("plan gives\n%+v\nGo gives\n%+v", s, want)
	}
	a, err := r.Run(got[0].Scenario, 3, scenario.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Run(want, 3, scenario.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.TraceHash != b.TraceHash || a.Verdict != b.Verdict {
		t.Errorf("plan run %s %s, Go run %s %s", a.TraceHash, a.Verdict, b.TraceHash, b.Verdict)
	}
	// The clocks and the network reach the run: without them it differs.
	plain := want
	plain.Clocks, plain.Net = nil, netsim.Config{}
	c, err := r.Run(plain, 3, scenario.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.TraceHash == a.TraceHash {
		t.Errorf("clocks and network made no difference to the trace (%s)", a.TraceHash)
	}
}

func TestPlanFieldErrors(t *testing.T) {
	r := registry(t)
	tests := []struct{ old, new, want string }{
		{"  targets: n1, n2\n", "  targets: n1, n9\n", `plan.md:11: nemesis.targets: system mem has no node "n9"; its nodes: n1, n2`},
		{"  window: 300ms..1500ms\n", "  window: 1500ms..300ms\n", `plan.md:12: nemesis.window: "1500ms..300ms" is not FROM..TO`},
		{"  window: 300ms..1500ms\n", "  window: 300ms..5s\n", "plan.md:12: nemesis.window: ends at 5s, after the run's 2s"},
		{"  max_duration: 300ms\n", "  max_duration: 50ms\n", "plan.md:14: nemesis.max_duration: 50ms is below min_duration 100ms"},
		{"  max_net_p: 0.25\n", "  max_net_p: 1.5\n", `plan.md:19: nemesis.max_net_p: "1.5" is not a probability in [0, 1]`},
		{"  shapes: isolate, halves\n", "  shapes: isolate, circle\n", `plan.md:20: nemesis.shapes: unknown partition shape "circle"; valid: isolate, halves, majority-minority`},
		{"  latency: uniform 1ms 3ms\n", "  latency: uniform 3ms 1ms\n", "plan.md:22: network.latency: uniform 3ms 1ms: want MIN <= MAX durations"},
		{"  latency: uniform 1ms 3ms\n", "  latency: gaussian 1ms\n", `plan.md:22: network.latency: "gaussian 1ms"; valid: DURATION, fixed DURATION, uniform MIN MAX, longtail MIN MEDIAN MAX`},
		{"  mode: datagram\n", "  mode: carrier-pigeon\n", `plan.md:26: network.mode: "carrier-pigeon"; valid: datagram, stream`},
		{"  mode: datagram\n", "  jitter: 1ms\n", `plan.md:26: unknown network field "jitter"; valid: latency, loss, duplicate, reorder, mode`},
		{"  crash: tear\n", "  crash: explode\n", `plan.md:28: disk.crash: unknown crash mode "explode"; valid: lose-some, lose-unsynced, tear`},
		{"  sector_size: 512\n", "  sector_size: 500\n", "plan.md:29: disk.sector_size: 500 is not a power of two"},
		{"  sync_latency: uniform 1ms 3ms\n", "  sync_latency: longtail 1ms 1ms 3ms\n", `plan.md:31: disk.sync_latency: "longtail 1ms 1ms 3ms"; valid: DURATION, uniform MIN MAX, or longtail MIN MEDIAN MAX, at most 1m0s`},
		{"  write_latency: 100us\n", "  write_latency: 2m\n", `plan.md:32: disk.write_latency: "2m"; valid: DURATION, uniform MIN MAX, or longtail MIN MEDIAN MAX`},
		{"  n2: drift_ppm=-50\n", "  n7: drift_ppm=-50\n", `plan.md:35: clocks: system mem has no node "n7"; its nodes: n1, n2`},
		{"  n2: drift_ppm=-50\n", "  n2: skew=3\n", `plan.md:35: clocks.n2: "skew=3"; valid: offset=DURATION, drift_ppm=N`},
		{"  n2: drift_ppm=-50\n", "  n2: drift_ppm=-995000\n", `plan.md:35: clocks.n2: drift_ppm "-995000" is not a whole number within [-990000, 99000000]`},
		{"  max_steps: 100000\n", "  max_steps: 100000\n  fifo: maybe\n", `plan.md:39: checker_options.fifo: "maybe" is not true or false`},
		{"  max_steps: 100000\n", "  max_stepz: 1\n", `plan.md:38: unknown checker_options field "max_stepz"; valid: fifo, drift_bound, recovery`},
	}
	for _, tt := range tests {
		t.Run(tt.want[:min(len(tt.want), 40)], func(t *testing.T) {
			plan := strings.Replace(reachPlan, tt.old, tt.new, 1)
			if plan == reachPlan {
				t.Fatalf("edit %q not found", tt.old)
			}
			_, err := r.ParsePlan(strings.NewReader(plan), "plan.md")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
}
