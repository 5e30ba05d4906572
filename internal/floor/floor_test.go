package floor

import (
	"runtime"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/internal/floor/bare"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/workloads"
)

// TestSameWork runs both sides on a few seeds: each completes the whole
// workload and its final reads, and faultline's verdict is a PASS.
func TestSameWork(t *testing.T) {
	reg := Registry()
	s, err := reg.Scenario(ScenarioName)
	if err != nil {
		t.Fatal(err)
	}
	wl := bare.Default
	for seed := uint64(1); seed <= 2; seed++ {
		b := bare.Run(seed, wl)
		ok := 0
		for _, o := range b.Ops {
			if o.Type == 'o' {
				ok++
			}
		}
		regular := wl.Clients * wl.Ops
		if len(b.Ops) < regular+wl.Keys || ok < regular {
			t.Errorf("seed %d: bare ran %d operations, %d ok; want at least %d, all %d regular ones ok", seed, len(b.Ops), ok, regular+wl.Keys, regular)
		}
		res, err := reg.Run(s, seed, scenario.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Verdict.IsPass() || res.OpsOK < regular {
			t.Errorf("seed %d: faultline: %s (%s), %d operations, %d ok; want a PASS with at least %d ok", seed, res.Verdict, res.Reason, res.Operations, res.OpsOK, regular)
		}
	}
}

// side is what one side of the floor did over the benchmark's runs.
type side struct {
	cpu, allocs, bytes, gcs, events, msgs, ops, simNS int64
}

// run is one seed on one side: its events, messages, operations and
// simulated time.
type run func(seed uint64) (events, msgs, ops, simNS int64)

// measure runs seeds one after another on one side and adds their CPU
// time (every thread of the process: the garbage collector's workers
// too), allocations and garbage collections to s. The collector runs as
// it would in a sweep, when allocation triggers it: a side that
// allocates more pays for more cycles. No collection is forced inside
// the window: a forced full collection costs about the same on both
// sides and so would pull the ratio towards 1.
func (s *side) measure(f run, seeds []uint64) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := cpuNS()
	for _, seed := range seeds {
		ev, msgs, ops, simNS := f(seed)
		s.events += ev
		s.msgs += msgs
		s.ops += ops
		s.simNS += simNS
	}
	c1 := cpuNS()
	runtime.ReadMemStats(&m1)
	s.cpu += c1 - c0
	s.allocs += int64(m1.Mallocs - m0.Mallocs)
	s.bytes += int64(m1.TotalAlloc - m0.TotalAlloc)
	s.gcs += int64(m1.NumGC - m0.NumGC)
}

func (s *side) report(b *testing.B, name string) {
	n := float64(b.N)
	b.ReportMetric(float64(s.cpu)/n/1e6, name+"-cpu-ms/run")
	b.ReportMetric(float64(s.allocs)/n, name+"-allocs/run")
	b.ReportMetric(float64(s.bytes)/n/1e3, name+"-kB/run")
	b.ReportMetric(float64(s.gcs)/n, name+"-gcs/run")
	b.ReportMetric(float64(s.events)/n, name+"-events/run")
	b.ReportMetric(float64(s.msgs)/n, name+"-msgs/run")
	b.ReportMetric(float64(s.ops)/n, name+"-ops/run")
	b.ReportMetric(float64(s.simNS)/n/1e6, name+"-sim-ms/run")
}

// BenchmarkFloor runs seed after seed of the same workload on the bare
// event loop and on faultline with every feature on, in blocks of the
// same seeds on each side (the order alternating per block), and reports
// each side's CPU time, allocations, bytes, garbage collections,
// events, messages, operations and simulated time per run, and the ratio
// of CPU times (faultline / bare). The ns/op figure is both sides
// together.
func BenchmarkFloor(b *testing.B) {
	reg := Registry()
	s, err := reg.Scenario(ScenarioName)
	if err != nil {
		b.Fatal(err)
	}
	floor(b, reg, s)
}

// BenchmarkFloorRaftkv is BenchmarkFloor with faultline's side running
// the example raftkv system (its own replicas with a WAL on the simulated
// disk, JSON commands and the JSON client wire) on the same workload: the
// reference system on the full path, per seed.
func BenchmarkFloorRaftkv(b *testing.B) {
	s := Scenario()
	s.Name, s.System = "floor_raftkv", "raftkv"
	reg := reference.Registry()
	if err := reg.AddScenario(s); err != nil {
		b.Fatal(err)
	}
	floor(b, reg, s)
}

// block is how many seeds one side runs in a row: a collection cycle
// that one side's allocation starts and the other's window finishes is
// rare against a block's cycles.
const block = 5

func floor(b *testing.B, reg *scenario.Registry, s scenario.Scenario) {
	var bs, fs side
	bareRun := func(seed uint64) (int64, int64, int64, int64) {
		r := bare.Run(seed, bare.Default)
		return r.Events, r.Messages, int64(len(r.Ops)), int64(r.SimTime)
	}
	fullRun := func(seed uint64) (int64, int64, int64, int64) {
		res, err := reg.Run(s, seed, scenario.RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Verdict.IsPass() {
			b.Fatalf("seed %d: %s: %s", seed, res.Verdict, res.Reason)
		}
		return res.Events, res.Messages, int64(res.Operations), res.SimNS
	}
	runtime.GC()
	b.ResetTimer()
	seeds := make([]uint64, 0, block)
	for i := 0; i < b.N; i += block {
		seeds = seeds[:0]
		for k := i; k < min(i+block, b.N); k++ {
			seeds = append(seeds, uint64(k%20+1))
		}
		// The same seeds on both sides, the order alternating per block.
		if (i/block)%2 == 0 {
			bs.measure(bareRun, seeds)
			fs.measure(fullRun, seeds)
		} else {
			fs.measure(fullRun, seeds)
			bs.measure(bareRun, seeds)
		}
	}
	bs.report(b, "bare")
	fs.report(b, "full")
	b.ReportMetric(float64(fs.cpu)/float64(bs.cpu), "ratio")
	b.ReportMetric(float64(fs.allocs)/float64(fs.events), "full-allocs/event")
}

func TestToBare(t *testing.T) {
	for _, tc := range []struct {
		op, input string
		want      bare.Request
		err       string
	}{
		{"read", "", bare.Request{ID: 9, Key: "k", Op: bare.OpRead}, ""},
		{"write", `{"value":-42}`, bare.Request{ID: 9, Key: "k", Op: bare.OpWrite, To: bare.Value{V: -42}}, ""},
		{"write", `{"value":null}`, bare.Request{ID: 9, Key: "k", Op: bare.OpWrite, To: bare.Value{Null: true}}, ""},
		{"cas", `{"to":5,"from":null}`, bare.Request{ID: 9, Key: "k", Op: bare.OpCAS, From: bare.Value{Null: true}, To: bare.Value{V: 5}}, ""},
		{"cas", `{"from":999999999999999999,"to":0}`, bare.Request{ID: 9, Key: "k", Op: bare.OpCAS, From: bare.Value{V: 999999999999999999}}, ""},
		{"write", `{"value":1.5}`, bare.Request{}, "want integers or null"},
		{"write", `{"value":"1"}`, bare.Request{}, "want integers or null"},
		{"write", `{"value":1234567890123456789}`, bare.Request{}, "want integers or null"},
		{"write", `{"value": 1}`, bare.Request{}, "want integers or null"},
		{"cas", `{"from":1}`, bare.Request{}, "want integers or null"},
		{"add", `{"value":1}`, bare.Request{}, `op "add" is not one of`},
	} {
		r := workloads.Request{ID: 9, Key: "k", Op: tc.op}
		if tc.input != "" {
			r.Input = []byte(tc.input)
		}
		got, err := toBare(r)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s %s: got %+v, %v; want an error saying %q", tc.op, tc.input, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%s %s: got %+v, %v; want %+v", tc.op, tc.input, got, err, tc.want)
		}
	}
}
