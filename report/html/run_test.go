package html

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// memstoreRegistry is a registry with the in-memory store of
// examples/memstore on three nodes (n1 serves), the system the pictures
// are tested on: a real run that is small and fast.
func memstoreRegistry(t testing.TB) *scenario.Registry {
	t.Helper()
	var r scenario.Registry
	sys := scenario.System{
		Name:   "memstore",
		Models: []history.Model{history.KV, history.Register, history.Queue},
		Faults: []nemesis.Kind{nemesis.Partition, nemesis.Pause, nemesis.ClockJump, nemesis.Clog, nemesis.Loss},
		Bugs: []scenario.Bug{
			{Name: string(memstore.BugDropWrites)},
			{Name: string(memstore.BugLoseEnqueue)},
		},
		DefaultNodes: 3,
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			cfg := memstore.Config{Leader: "n1"}
			if len(b.Bugs) == 1 {
				cfg.Bug = memstore.Bug(b.Bugs[0])
			}
			f := memstore.New(cfg)
			var nodes []sim.NodeSpec
			for i := 1; i <= b.Nodes; i++ {
				nodes = append(nodes, sim.NodeSpec{Name: fmt.Sprintf("n%d", i), Factory: f})
			}
			return scenario.Cluster{Nodes: nodes, Targets: []string{"n1"}}, nil
		},
	}
	if err := r.AddSystem(sys); err != nil {
		t.Fatal(err)
	}
	return &r
}

// pictureRun runs one memstore scenario on seed 1 and returns its result,
// history and trace.
func pictureRun(t testing.TB, model history.Model, checker string, bug memstore.Bug) (scenario.Result, history.History, []byte) {
	t.Helper()
	r := memstoreRegistry(t)
	s := scenario.Scenario{
		Name: "pictures_" + string(model), System: "memstore", Model: model, Checker: checker,
		Workload: workloads.Config{Clients: 3, OpsPerClient: 30, Keys: 3, Timeout: 200 * time.Millisecond},
		Nemesis: scenario.NemesisSpec{Budget: nemesis.Budget{
			Kinds: []nemesis.Kind{nemesis.Pause, nemesis.ClockJump, nemesis.Partition}, MaxDown: 1, MaxFaults: 5}},
		Net:     netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: time.Millisecond, Max: time.Millisecond}}},
		SimTime: 3 * time.Second,
	}
	if checkers.NeedsDelivery(checker) {
		s.Options.Delivery = checkers.ExactlyOnce // a scenario states its delivery claim
	}
	if bug != "" {
		s.Name += "@" + string(bug)
		s.Bugs = []string{string(bug)}
	}
	if checkers.NeedsDelivery(checker) {
		s.Options.Delivery = checkers.ExactlyOnce
	}
	if err := r.AddScenario(s); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := r.Run(s, pictureSeed, scenario.RunOptions{OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	h, err := history.ReadFile(filepath.Join(dir, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	trace, err := os.ReadFile(filepath.Join(dir, "trace.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return res, h, trace
}

func TestWriteDirOnARun(t *testing.T) {
	res, h, trace := pictureRun(t, history.KV, "linearizable", memstore.BugDropWrites)
	if res.Checker == nil || res.Checker.Outcome != "anomaly" {
		t.Fatalf("want a linearizability anomaly to draw, got %+v", res.Checker)
	}
	dir := t.TempDir()
	files, err := WriteDir(dir, FromResult(res, h, bytes.NewReader(trace)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{files.History, files.Trace} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("<!doctype html>")) || !bytes.Contains(b, []byte(`<script type="application/json" id="data">`)) {
			t.Errorf("%s: not a page with a data island", p)
		}
		t.Logf("%s: %d bytes", filepath.Base(p), len(b))
	}
}

// pictureSeed is the seed of the pictured runs: its schedule partitions, pauses the
// serving node and jumps clocks.
var pictureSeed uint64 = 2
