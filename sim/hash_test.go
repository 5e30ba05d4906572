package sim_test

import (
	"testing"

	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// A trace hash identifies the execution, payloads included: two runs that
// differ only in one byte of one message must not share a hash.
func TestTraceHashCoversMessagePayloads(t *testing.T) {
	hash := func(payload string) uint64 {
		on := func(p *probe, what string) {
			if what == "start" && p.env.Name() == "a" {
				p.env.Send("b", []byte(payload))
			}
		}
		w := newWorld(t, sim.Config{Seed: 1, Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}, {Name: "b", Factory: probes(new([]string), nil)}}, Net: fixedNet(netsim.Datagram)})
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		return res.TraceHash
	}
	if a, b := hash("value=1"), hash("value=2"); a == b {
		t.Errorf("payloads value=1 and value=2 give the same trace hash %016x", a)
	}
	if a, b := hash("value=1"), hash("value=1"); a != b {
		t.Errorf("the same payload gives two hashes %016x %016x", a, b)
	}
}
