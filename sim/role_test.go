package sim_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// TestRolesAreTracedClearedByCrashAndOrderedByClaim: SetRole records only
// changes, RoleHolders puts the latest claimant first, a crash clears the
// role (with a trace record), and observers see every change.
func TestRolesAreTracedClearedByCrashAndOrderedByClaim(t *testing.T) {
	var log []string
	on := func(p *probe, what string) {
		switch {
		case what == "start" && p.env.Incarnation() == 0:
			p.env.SetTimer(time.Duration(1+strings.Index("abc", p.env.Name()))*10*time.Millisecond, "claim")
		case what == "timer claim":
			p.env.SetRole("leader")
			p.env.SetRole("leader") // no change: not recorded
		}
	}
	var trace bytes.Buffer
	w := newWorld(t, sim.Config{Seed: 1, Trace: &trace, Net: fixedNet(netsim.Datagram), Nodes: []sim.NodeSpec{
		{Name: "a", Factory: probes(&log, on)}, {Name: "b", Factory: probes(&log, on)}, {Name: "c", Factory: probes(&log, on)}}})
	var seen []string
	w.OnRoleChange(func(node, role string) { seen = append(seen, node+"="+role) })
	var holders [][]string
	w.At(clock.Time(25*time.Millisecond), "look", func(w *sim.World) { holders = append(holders, w.RoleHolders("leader")) })
	w.At(clock.Time(35*time.Millisecond), "crash c", func(w *sim.World) {
		holders = append(holders, w.RoleHolders("leader"))
		if err := w.Crash("c"); err != nil {
			t.Error(err)
		}
		holders = append(holders, w.RoleHolders("leader"))
	})
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"b", "a"}, {"c", "b", "a"}, {"b", "a"}}
	if !slices.EqualFunc(holders, want, slices.Equal) {
		t.Errorf("holders = %v, want %v", holders, want)
	}
	if got := []string{"a=leader", "b=leader", "c=leader", "c="}; !slices.Equal(seen, got) {
		t.Errorf("observed %v, want %v", seen, got)
	}
	if n := strings.Count(trace.String(), "\trole\t"); n != 4 {
		t.Errorf("%d role records in the trace, want 4:\n%s", n, trace.String())
	}
	if w.Role("c") != "" || w.Role("a") != "leader" {
		t.Errorf("roles after the run: a=%q c=%q", w.Role("a"), w.Role("c"))
	}
}

// TestCrashAccounting: a crash of a running node counts as one that lost
// volatile memory, one of a node restarted at the same instant (its Start
// not run yet) does not, and messages sent to a down node are lost to it,
// client requests among them.
func TestCrashAccounting(t *testing.T) {
	var log []string
	on := func(p *probe, what string) {
		if what == "start" && p.env.Name() == "client" {
			p.env.SetTimer(15*time.Millisecond, "send")
		}
		if what == "timer send" {
			p.env.Send("a", []byte("req"))
		}
	}
	w := newWorld(t, sim.Config{Seed: 1, Net: fixedNet(netsim.Datagram), Nodes: []sim.NodeSpec{
		{Name: "a", Factory: probes(&log, on)}, {Name: "client", Factory: probes(&log, on), Harness: true}}})
	var booted []bool
	w.At(clock.Time(10*time.Millisecond), "crash a", func(w *sim.World) { _ = w.Crash("a") })
	w.At(clock.Time(20*time.Millisecond), "restart and crash a", func(w *sim.World) {
		_ = w.Restart("a")
		booted = append(booted, w.Booted("a"))
		_ = w.Crash("a")
		_ = w.Restart("a")
		// An action scheduled now runs after the Start the restart queued.
		w.At(w.Now(), "look", func(w *sim.World) { booted = append(booted, w.Booted("a")) })
	})
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	st := w.Stats("a")
	if st.Crashes != 2 || st.CrashesRunning != 1 {
		t.Errorf("crashes %d, while running %d; want 2, 1", st.Crashes, st.CrashesRunning)
	}
	if st.MessagesLost != 1 || st.RequestsLost != 1 {
		t.Errorf("messages lost %d, requests lost %d; want 1, 1 (the request sent while a was down)", st.MessagesLost, st.RequestsLost)
	}
	if !slices.Equal(booted, []bool{false, true}) {
		t.Errorf("booted = %v, want [false true]", booted)
	}
}
