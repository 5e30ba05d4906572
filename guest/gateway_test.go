package guest

import (
	"bytes"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// TestWorkloadClientsReachGuest: faultline's kv workload clients drive an
// ordinary Go service over newline-delimited JSON and over HTTP/1.1; the
// history is complete and linearizable, and replays.
func TestWorkloadClientsReachGuest(t *testing.T) {
	m := testModule(t, Compiler)
	for _, wire := range []Wire{NDJSON, HTTP} {
		t.Run(wire.String(), func(t *testing.T) {
			run := func() (sim.Result, *workloads.Workload, string) {
				wl, err := workloads.New(workloads.Config{
					Model: history.KV, Clients: 3, OpsPerClient: 15, Keys: 2,
					Targets: []string{"g1"}, Timeout: 500 * time.Millisecond,
				})
				if err != nil {
					t.Fatal(err)
				}
				var tr bytes.Buffer
				cfg := Config{Args: []string{"kvserver", wire.String()}, Clients: &Clients{Port: 7000, Wire: wire}}
				w, err := sim.New(sim.Config{
					Seed:  4,
					Nodes: append([]sim.NodeSpec{{Name: "g1", Factory: m.Factory(cfg)}}, wl.Nodes()...),
					Net:   netsim.Config{Default: netsim.LinkConfig{Mode: netsim.Stream, Latency: netsim.Latency{Kind: netsim.Uniform, Min: time.Millisecond, Max: 4 * time.Millisecond}}},
					Trace: &tr,
				})
				if err != nil {
					t.Fatal(err)
				}
				res, err := w.Run()
				if err != nil {
					t.Fatalf("run: %v\n%s", err, tr.String())
				}
				return res, wl, tr.String()
			}
			res, wl, trace := run()
			st := wl.Stats()
			h := wl.History()
			ok := 0
			for _, op := range h.Ops {
				if op.Type == history.OK {
					ok++
				}
			}
			if len(wl.BadReplies()) > 0 || ok < 45 {
				t.Fatalf("%d ok operations of %d, bad replies %v, stats %+v\n%s", ok, len(h.Ops), wl.BadReplies(), st, trace)
			}
			if r := checkers.Linearizable(h, checkers.Options{}); r.Outcome != checkers.OK {
				t.Fatalf("checker: %+v", r)
			}
			if res2, _, _ := run(); res2.TraceHash != res.TraceHash {
				t.Fatalf("seed 4 twice: hashes %x and %x", res.TraceHash, res2.TraceHash)
			}
		})
	}
}
