package sim

import (
	"errors"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
)

// These tests break the harness on purpose, from inside the package, and
// check that the World notices and stops with a HarnessError: a run in
// which faultline misbehaved must never be charged to the SUT.

type quiet struct{ env *Env }

func (q *quiet) Start() {
	if q.env.Name() == "a" {
		q.env.Send("b", []byte("x"))
		q.env.SetTimer(time.Millisecond, "t")
	}
}
func (q *quiet) Receive(string, []byte) {}
func (q *quiet) Timer(TimerID, string)  {}

func twoNodes(t *testing.T) *World {
	t.Helper()
	f := func(env *Env) Node { return &quiet{env: env} }
	w, err := New(Config{Nodes: []NodeSpec{{Name: "a", Factory: f}, {Name: "b", Factory: f}}, MaxTime: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func wantHarness(t *testing.T, err error, invariant string) {
	t.Helper()
	var he *HarnessError
	if !errors.As(err, &he) || he.Invariant != invariant {
		t.Fatalf("got %v, want harness invariant %q", err, invariant)
	}
}

func TestHarnessCatchesTimeGoingBackwards(t *testing.T) {
	w := twoNodes(t)
	if _, err := w.RunUntil(clock.Time(500 * time.Microsecond)); err != nil {
		t.Fatal(err)
	}
	// A buggy scheduler pushes an event into the past.
	w.agenda.Push(w.now-1, event{kind: evAction, node: -1, id: uint64(len(w.actions))})
	w.actions = append(w.actions, func(*World) {})
	w.labels = append(w.labels, "late")
	res, err := w.Run()
	wantHarness(t, err, "time-backwards")
	if res.Stop != StopError {
		t.Errorf("stop %s", res.Stop)
	}
}

func TestHarnessCatchesDeliveryToCrashedNode(t *testing.T) {
	w := twoNodes(t)
	if _, err := w.RunUntil(0); err != nil {
		t.Fatal(err)
	}
	// A buggy crash marks b down but forgets to end its incarnation, so
	// the message in flight to it still looks deliverable.
	w.nodes[1].up = false
	_, err := w.Run()
	wantHarness(t, err, "delivery-to-crashed-node")
}

func TestHarnessCatchesTimerAfterCrash(t *testing.T) {
	w := twoNodes(t)
	if _, err := w.RunUntil(0); err != nil {
		t.Fatal(err)
	}
	// A buggy crash marks a down without discarding its timers.
	w.nodes[0].up = false
	w.nodes[1].up = false // keep the message from tripping first
	w.nodes[1].inc++
	_, err := w.Run()
	wantHarness(t, err, "timer-after-crash")
}
