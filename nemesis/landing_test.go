package nemesis_test

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// TestCrashAndDiskLandingEvidence: a crash of a running node lands with
// what it cost (its timers; for an idle node, its volatile memory alone),
// one of a node that was never up does not (and says why); a disk fault lands only when a disk operation matched
// it, not on a file nobody opens.
func TestCrashAndDiskLandingEvidence(t *testing.T) {
	var w *sim.World
	specs := []sim.NodeSpec{
		{Name: "n1", Factory: chatterFactory("v1", talkers, &w, nil)},
		{Name: "n2", Factory: chatterFactory("v1", talkers, &w, nil)},
		{Name: "n3", Factory: chatterFactory("v1", talkers, &w, nil)},
		{Name: "n4", Factory: chatterFactory("v1", nil, &w, nil), Down: true}, // never boots
		{Name: "n5", Factory: func(*sim.Env) sim.Node { return idle{} }},      // up, holding nothing
	}
	var err error
	w, err = sim.New(sim.Config{
		Seed:    5,
		Nodes:   specs,
		Net:     netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: time.Millisecond, Max: time.Millisecond}}},
		MaxTime: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 200 * ms, End: 300 * ms},
		{ID: "f2", Kind: nemesis.Crash, Nodes: []string{"n4"}, Start: 400 * ms, End: 500 * ms},
		{ID: "f3", Kind: nemesis.Disk, Nodes: []string{"n2"}, DiskKind: disk.ReadError, P: 1, File: "log", Start: 600 * ms, End: 700 * ms},
		{ID: "f4", Kind: nemesis.Disk, Nodes: []string{"n3"}, DiskKind: disk.WriteError, P: 1, File: "nobody-opens-this", Start: 600 * ms, End: 700 * ms},
		{ID: "f5", Kind: nemesis.Crash, Nodes: []string{"n5"}, Start: 800 * ms, End: 900 * ms},
	}
	b := testBudget()
	b.Targets = append(b.Targets, "n5")
	nem, err := nemesis.Apply(w, s, nemesis.Options{Budget: b})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	ev := nem.Evidence()
	if !ev[0].Landed || ev[0].Counter("running") != 1 || ev[0].Counter("timers_discarded") == 0 {
		t.Errorf("crashing running n1 did not land with its costs: %+v", ev[0])
	}
	if ev[1].Landed || ev[1].Counter("running") != 0 || ev[1].Detail == "" {
		t.Errorf("crashing n4, which never booted, landed: %+v", ev[1])
	}
	if !ev[2].Landed || ev[2].Counter("fired") == 0 {
		t.Errorf("a read error on the log n2 reads every tick did not land: %+v", ev[2])
	}
	if ev[3].Landed || ev[3].Counter("fired") != 0 || ev[3].Detail != "no disk operation matched it" {
		t.Errorf("a write error on a file nobody opens landed: %+v", ev[3])
	}
	// n5 held no timer, no message and no unsynced byte: what the crash
	// cost is its volatile memory, which a running node always has.
	if !ev[4].Landed || ev[4].Counter("running") != 1 || ev[4].Counter("timers_discarded")+ev[4].Counter("messages_lost") != 0 {
		t.Errorf("crashing running, idle n5 did not land on its running count alone: %+v", ev[4])
	}
}

// idle is a node that, once started, does nothing and holds nothing.
type idle struct{}

func (idle) Start()                    {}
func (idle) Receive(string, []byte)    {}
func (idle) Timer(sim.TimerID, string) {}
