package scenario_test

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// probeNode measures its disk when it starts: how long a write and its
// fsync took, and a read, on the node's own clock (which a disk's latency
// moves), written to the trace; then it is the memstore node it wraps.
type probeNode struct {
	sim.Node
	env *sim.Env
}

func (p probeNode) Start() {
	t0 := p.env.Mono()
	f, err := p.env.Disk().Create("probe")
	if err != nil {
		p.env.Fail("create: %v", err)
		return
	}
	f.Write([]byte("probe"))
	f.Sync()
	t1 := p.env.Mono()
	f.ReadAt(make([]byte, 5), 0)
	t2 := p.env.Mono()
	p.env.Logf("disk-probe sync=%v read=%v", time.Duration(t1-t0), time.Duration(t2-t1))
	p.Node.Start()
}

// diskSystem is memstore whose nodes probe their disks at start, and
// that can be tested under disk faults.
func diskSystem() scenario.System {
	s := memSystem("mem-disk", "")
	s.Faults = append(s.Faults, nemesis.Disk)
	s.Build = func(b scenario.Build) (scenario.Cluster, error) {
		cl := memCluster(b.Nodes, "")
		for i := range cl.Nodes {
			inner := cl.Nodes[i].Factory
			cl.Nodes[i].Factory = func(env *sim.Env) sim.Node { return probeNode{inner(env), env} }
		}
		return cl, nil
	}
	return s
}

const disksPlan = "```faultline\n" +
	"scenario: slow_disk\n" +
	"falsifies: C1\n" +
	"system: mem-disk\n" +
	"model: kv\n" +
	"checker: linearizable\n" +
	"nemesis:\n" +
	"  kinds: disk\n" +
	"  disk_kinds: SyncFail, slow\n" +
	"  max_disk_p: 0.2\n" +
	"disk:\n" +
	"  sync_latency: 5ms\n" +
	"  read_latency: uniform 1ms 2ms\n" +
	"disks:\n" +
	"  n2: sync_latency=longtail 20ms 30ms 1s, read_latency=3ms\n" +
	"  n3: write_latency=fixed 1ms\n" +
	"topology:\n" +
	"  nodes: 3\n" +
	"workload:\n" +
	"  clients: 2\n" +
	"  operations: 10\n" +
	"  timeout: 100ms\n" +
	"run:\n" +
	"  time: 2s\n" +
	"```\n"

func disksGo() scenario.Scenario {
	lt := disk.Latency{Min: 20 * time.Millisecond, Median: 30 * time.Millisecond, Max: time.Second}
	r3 := disk.Latency{Min: 3 * time.Millisecond, Max: 3 * time.Millisecond}
	w1 := disk.Latency{Min: time.Millisecond, Max: time.Millisecond}
	return scenario.Scenario{
		Name:    "slow_disk",
		Claim:   scenario.Claim{IDs: []string{"C1"}, Kind: "safety"},
		System:  "mem-disk",
		Model:   history.KV,
		Checker: "linearizable",
		Nodes:   3,
		Nemesis: scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Disk},
			DiskKinds: []disk.FaultKind{disk.SyncFail, disk.Slow}, MaxDiskP: 0.2}},
		Disk: disk.Config{SyncLatency: disk.Latency{Min: 5 * time.Millisecond, Max: 5 * time.Millisecond},
			ReadLatency: disk.Latency{Min: time.Millisecond, Max: 2 * time.Millisecond}},
		Disks:    []scenario.NodeDisk{{Node: "n2", SyncLatency: &lt, ReadLatency: &r3}, {Node: "n3", WriteLatency: &w1}},
		Workload: workloads.Config{Clients: 2, OpsPerClient: 10, Timeout: 100 * time.Millisecond},
		SimTime:  2 * time.Second,
	}
}

func diskRegistry(t *testing.T) *scenario.Registry {
	t.Helper()
	r := registry(t)
	if err := r.AddSystem(diskSystem()); err != nil {
		t.Fatal(err)
	}
	return r
}

var probeLine = regexp.MustCompile(`log\t(n\d)\t-\t0\t-\t"disk-probe sync=(\S+) read=(\S+)"`)

// probes returns each node's first disk probe from a run's trace.
func probes(t *testing.T, trace string) map[string][2]time.Duration {
	t.Helper()
	out := map[string][2]time.Duration{}
	for _, m := range probeLine.FindAllStringSubmatch(trace, -1) {
		if _, ok := out[m[1]]; ok {
			continue
		}
		s, err1 := time.ParseDuration(m[2])
		r, err2 := time.ParseDuration(m[3])
		if err1 != nil || err2 != nil {
			t.Fatalf("probe %q", m[0])
		}
		out[m[1]] = [2]time.Duration{s, r}
	}
	return out
}

// TestPerNodeDiskLatency: the disks section gives one node a slow,
// long-tailed fsync and another its own write latency, the others keep
// the disk section's; the plan is the Go declaration field for field,
// runs to the same trace, and each node's disk takes the time its line
// says (measured by the node on its own clock).
func TestPerNodeDiskLatency(t *testing.T) {
	r := diskRegistry(t)
	got, err := r.ParsePlan(strings.NewReader(disksPlan), "plan.md")
	if err != nil {
		t.Fatal(err)
	}
	want := disksGo()
	if s := got[0].Scenario; !reflect.DeepEqual(s, want) {
		t.Fatalf("plan gives\n%+v\nGo gives\n%+v", s, want)
	}
	var ta, tb bytes.Buffer
	a, err := r.Run(got[0].Scenario, 4, scenario.RunOptions{Trace: &ta})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Run(want, 4, scenario.RunOptions{Trace: &tb})
	if err != nil {
		t.Fatal(err)
	}
	if a.TraceHash != b.TraceHash {
		t.Errorf("plan run %s, Go run %s", a.TraceHash, b.TraceHash)
	}
	p := probes(t, ta.String())
	if len(p) != 3 {
		t.Fatalf("probes %v, want one per node n1..n3", p)
	}
	// n1: the disk section's 5ms fsync (the write is instantaneous), a
	// uniform 1-2ms read. n2: its own long tail (20ms at least) and 3ms
	// read. n3: its 1ms write before the 5ms fsync.
	if s, rd := p["n1"][0], p["n1"][1]; s != 5*time.Millisecond || rd < time.Millisecond || rd > 2*time.Millisecond {
		t.Errorf("n1 probe sync=%v read=%v, want 5ms and within [1ms, 2ms]", s, rd)
	}
	if s, rd := p["n2"][0], p["n2"][1]; s < 20*time.Millisecond || s > time.Second || rd != 3*time.Millisecond {
		t.Errorf("n2 probe sync=%v read=%v, want within [20ms, 1s] and 3ms", s, rd)
	}
	// Pinned: n2's disk draws from its own stream ("disk/n2", split
	// "latency"), so seed 4 always gives this fsync.
	if s := p["n2"][0]; s.String() != "44.386777ms" {
		t.Errorf("n2's fsync on seed 4 took %v, pinned 44.386777ms", s)
	}
	if s := p["n3"][0]; s != 6*time.Millisecond {
		t.Errorf("n3 probe sync=%v, want 6ms (1ms write + 5ms fsync)", s)
	}
	// Without the disks section the slow node is gone from the trace.
	plain := want
	plain.Disks = nil
	var tc bytes.Buffer
	c, err := r.Run(plain, 4, scenario.RunOptions{Trace: &tc})
	if err != nil {
		t.Fatal(err)
	}
	if c.TraceHash == a.TraceHash {
		t.Errorf("the disks section made no difference to the trace (%s)", a.TraceHash)
	}
	if s := probes(t, tc.String())["n2"][0]; s != 5*time.Millisecond {
		t.Errorf("without disks, n2 probe sync=%v, want the disk section's 5ms", s)
	}
}

// TestLongTailDiskSeeds: a node's long-tailed fsync latency is drawn from
// its own stream: the same seed draws the same, another seed another.
func TestLongTailDiskSeeds(t *testing.T) {
	r := diskRegistry(t)
	s := disksGo()
	s.Nemesis = scenario.NemesisSpec{None: true}
	sync := func(seed uint64) time.Duration {
		var tr bytes.Buffer
		if _, err := r.Run(s, seed, scenario.RunOptions{Trace: &tr}); err != nil {
			t.Fatal(err)
		}
		return probes(t, tr.String())["n2"][0]
	}
	seen := map[time.Duration]bool{}
	for seed := uint64(1); seed <= 6; seed++ {
		d := sync(seed)
		if again := sync(seed); again != d {
			t.Fatalf("seed %d drew %v, then %v", seed, d, again)
		}
		seen[d] = true
	}
	if len(seen) < 4 {
		t.Errorf("6 seeds drew %d distinct fsync latencies on n2: %v", len(seen), seen)
	}
}

func TestDisksPlanErrors(t *testing.T) {
	r := diskRegistry(t)
	tests := []struct{ old, new, want string }{
		{"  disk_kinds: SyncFail, slow\n", "  disk_kinds: SyncFail, melt\n", `plan.md:9: nemesis.disk_kinds: unknown disk fault kind "melt"; valid: ReadError, WriteError, NoSpace, SyncFail, Corrupt, LatentSector, Misdirect, Slow`},
		{"  disk_kinds: SyncFail, slow\n", "  disk_kinds: Slow, slow\n", `plan.md:9: nemesis.disk_kinds: Slow given twice`},
		{"  disk_kinds: SyncFail, slow\n", "", `plan.md:7: nemesis.kinds allows disk, but no disk fault is named: add disk_kinds (one or more of ReadError, WriteError`},
		{"  kinds: disk\n", "  kinds: partition\n", `plan.md:9: nemesis.disk_kinds: kinds does not allow disk; add disk to kinds, or drop disk_kinds`},
		{"  max_disk_p: 0.2\n", "  max_disk_p: 2\n", `plan.md:10: nemesis.max_disk_p: "2" is not a probability in [0, 1]`},
		{"  read_latency: uniform 1ms 2ms\n", "  read_latency: longtail 3ms 2ms 4ms\n", `plan.md:13: disk.read_latency: "longtail 3ms 2ms 4ms"; valid: DURATION, uniform MIN MAX, or longtail MIN MEDIAN MAX, at most 1m0s`},
		{"  sync_latency: 5ms\n", "  sync_latency: 2m\n", `plan.md:12: disk.sync_latency: "2m"; valid: DURATION, uniform MIN MAX, or longtail MIN MEDIAN MAX, at most 1m0s`},
		{"  n3: write_latency=fixed 1ms\n", "  n7: write_latency=fixed 1ms\n", `plan.md:16: disks: system mem-disk has no node "n7"; its nodes: n1, n2, n3`},
		{"  n3: write_latency=fixed 1ms\n", "  n3: flush_latency=1ms\n", `plan.md:16: disks.n3: "flush_latency=1ms"; valid: sync_latency=LATENCY, write_latency=LATENCY, read_latency=LATENCY`},
		{"  n3: write_latency=fixed 1ms\n", "  n3: write_latency=1ms, write_latency=2ms\n", `plan.md:16: disks.n3: write_latency given twice`},
		{"  n3: write_latency=fixed 1ms\n", "  n3: write_latency=uniform 2ms 1ms\n", `plan.md:16: disks.n3: write_latency: "uniform 2ms 1ms"; valid: DURATION, uniform MIN MAX, or longtail`},
		{"  n3: write_latency=fixed 1ms\n", "  n2: write_latency=1ms\n", `plan.md:16: disks.n2 given twice (also line 15)`},
		{"  n3: write_latency=fixed 1ms\n", "  n3:\n", `plan.md:16: disks.n3 has no value`},
		{"disks:\n  n2: sync_latency=longtail 20ms 30ms 1s, read_latency=3ms\n  n3: write_latency=fixed 1ms\n", "disks: n2\n", `plan.md:14: disks is a section: put its fields on the indented lines below it (NODE: sync_latency=L, write_latency=L, read_latency=L)`},
	}
	for _, tt := range tests {
		t.Run(tt.want[:min(len(tt.want), 50)], func(t *testing.T) {
			plan := strings.Replace(disksPlan, tt.old, tt.new, 1)
			if plan == disksPlan {
				t.Fatalf("edit %q not found", tt.old)
			}
			_, err := r.ParsePlan(strings.NewReader(plan), "plan.md")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
}

// TestDisksGoErrors: a Go scenario's Disks are checked when the run is
// set up: a node the system lacks, a node twice, a bad latency.
func TestDisksGoErrors(t *testing.T) {
	r := diskRegistry(t)
	bad := disk.Latency{Min: 2, Median: 1, Max: 3}
	for _, c := range []struct {
		disks []scenario.NodeDisk
		want  string
	}{
		{[]scenario.NodeDisk{{Node: "n9"}}, `disk for node "n9": the system has no such node; its nodes: n1, n2, n3`},
		{[]scenario.NodeDisk{{Node: "n1"}, {Node: "n1"}}, `disk for node "n1" given twice`},
		{[]scenario.NodeDisk{{Node: "n1", ReadLatency: &bad}}, `disk for node "n1": ReadLatency: latency longtail 2ns 1ns 3ns; a long tail needs Min < Median <= Max`},
	} {
		s := disksGo()
		s.Disks = c.disks
		err := r.Runnable(s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Disks %s: got %v, want %q", fmt.Sprint(c.disks), err, c.want)
		}
	}
}
