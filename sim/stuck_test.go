package sim_test

import (
	cryptorand "crypto/rand"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/internal/blame"
	"github.com/faultline-dst/faultline/sim"
)

// hanger is a node whose third timer never returns: it spins, or blocks
// on a channel nobody sends on. It ticks every millisecond until then.
type hanger struct {
	env   *sim.Env
	block bool
	ticks int
	stop  *atomic.Bool
}

func (h *hanger) Start()                 { h.env.SetTimer(time.Millisecond, "tick") }
func (h *hanger) Receive(string, []byte) {}
func (h *hanger) Timer(sim.TimerID, string) {
	h.ticks++
	if h.ticks == 3 {
		if h.block {
			hangBlocked()
		}
		hangSpinning(h.stop)
	}
	h.env.SetTimer(time.Millisecond, "tick")
}

// hangSpinning spins without a call (only an asynchronous preemption
// stops it) until the test ends and sets stop, so that the goroutine it
// holds does not spin on through the package's other tests.
func hangSpinning(stop *atomic.Bool) {
	for !stop.Load() {
	}
	select {} // then it stays stuck, blocked
}

// hangBlocked never returns: it waits on a channel nobody sends on.
func hangBlocked() {
	never := make(chan struct{})
	<-never
}

func TestStuckCallbackIsAbandonedWithItsStack(t *testing.T) {
	for _, tc := range []struct {
		name  string
		block bool
		frame string
	}{
		{"spinning", false, "sim_test.hangSpinning"},
		{"blocked", true, "sim_test.hangBlocked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := new(atomic.Bool)
			t.Cleanup(func() { stop.Store(true) })
			cfg := sim.Config{Seed: 3, StuckAfter: 50 * time.Millisecond, Nodes: []sim.NodeSpec{
				{Name: "n1", Factory: func(env *sim.Env) sim.Node { return &hanger{env: env, block: tc.block, stop: stop} }},
			}}
			w := newWorld(t, cfg)
			start := time.Now()
			res, err := w.Run()
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("abandoning took %v; the limit is 50ms", took)
			}
			var se *sim.StuckError
			if !errors.As(err, &se) {
				t.Fatalf("Run: %v (%T), want a *sim.StuckError", err, err)
			}
			if se.Node != "n1" || se.Event != "timer tick" || se.Harness || se.Limit != 50*time.Millisecond {
				t.Errorf("StuckError = node %q event %q harness %v limit %v", se.Node, se.Event, se.Harness, se.Limit)
			}
			if fn, _ := blame.First(se.Frames); !strings.HasSuffix(fn, tc.frame) {
				t.Errorf("frames %q: first owned %s, want %s", se.Frames, fn, tc.frame)
			}
			for _, fn := range se.Frames {
				if strings.Contains(fn, "sim.(*World)") {
					t.Errorf("frames %q reach into the simulator", se.Frames)
				}
			}
			if !strings.Contains(se.Stack, tc.frame) || !strings.Contains(err.Error(), "stuck in "+"github.com/faultline-dst/faultline/sim_test.") {
				t.Errorf("stack %q, error %q", se.Stack, err)
			}
			if res.Stop != sim.StopStuck || res.Seed != 3 || res.SimTime != clock.Time(3*time.Millisecond) || res.Events != 4 || res.TraceHash == 0 {
				t.Errorf("result %+v", res)
			}
			// A second Run answers the same; another world in the
			// process runs (the abandoned one released crypto/rand), and
			// reaches the same stuck call with the same hash.
			if again, err2 := w.Run(); !reflect.DeepEqual(again, res) || err2 != err {
				t.Errorf("second Run: %+v %v", again, err2)
			}
			res2, err := newWorld(t, cfg).Run()
			if !errors.As(err, &se) || res2.TraceHash != res.TraceHash || res2.Records != res.Records {
				t.Errorf("rerun: %+v %v; first %+v", res2, err, res)
			}
			var b [8]byte
			if _, err := cryptorand.Read(b[:]); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestStuckAfterDoesNotChangeARun(t *testing.T) {
	run := func(stuck time.Duration) sim.Result {
		w := newWorld(t, sim.Config{Seed: 9, StuckAfter: stuck, MaxTime: time.Second, Nodes: []sim.NodeSpec{
			{Name: "a", Factory: func(env *sim.Env) sim.Node { return &ticker{env: env} }},
		}})
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		res.HostTime = 0
		return res
	}
	if a, b := run(0), run(time.Minute); !reflect.DeepEqual(a, b) {
		t.Errorf("without a watchdog %+v, with one %+v", a, b)
	}
}

func TestStuckAfterNegativeIsRefused(t *testing.T) {
	_, err := sim.New(sim.Config{StuckAfter: -1, Nodes: []sim.NodeSpec{{Name: "a", Factory: func(env *sim.Env) sim.Node { return &ticker{env: env} }}}})
	if err == nil || !strings.Contains(err.Error(), "StuckAfter") {
		t.Errorf("New: %v", err)
	}
}

// sleeper is a node whose every timer takes d of host time and re-arms,
// until it has fired n times.
type sleeper struct {
	env  *sim.Env
	d    time.Duration
	left int
}

func (s *sleeper) Start()                 { s.env.SetTimer(time.Millisecond, "tick") }
func (s *sleeper) Receive(string, []byte) {}
func (s *sleeper) Timer(sim.TimerID, string) {
	time.Sleep(s.d)
	if s.left--; s.left > 0 {
		s.env.SetTimer(time.Millisecond, "tick")
	}
}

// slowWriter takes d of host time over its first Write.
type slowWriter struct {
	d      time.Duration
	writes int
}

func (w *slowWriter) Write(p []byte) (int, error) {
	if w.writes++; w.writes == 1 {
		time.Sleep(w.d)
	}
	return len(p), nil
}

// TestStuckAfterTimesEachCall: calls that each return within the limit
// are not abandoned however long they take together, and neither is a
// world waiting on its trace's writer. The margins are wide (a call
// takes a twentieth of the limit) so that a loaded host does not make a
// call look stuck.
func TestStuckAfterTimesEachCall(t *testing.T) {
	t.Run("slow calls", func(t *testing.T) {
		// 30 calls of 50ms: 1.5s in calls, none of them near 1s.
		const limit = time.Second
		w := newWorld(t, sim.Config{Seed: 1, StuckAfter: limit, Nodes: []sim.NodeSpec{
			{Name: "a", Factory: func(env *sim.Env) sim.Node { return &sleeper{env: env, d: 50 * time.Millisecond, left: 30} }},
		}})
		start := time.Now()
		res, err := w.Run()
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if took := time.Since(start); took < 30*50*time.Millisecond || res.Events != 31 {
			t.Errorf("took %v, %d events; want 1.5s or more, 31", took, res.Events)
		}
	})
	t.Run("slow trace writer", func(t *testing.T) {
		// 2,000 timer events write far more than the trace's 64 KiB
		// buffer, so the writer is called during the run, and it takes
		// twice the limit the first time.
		const limit = 500 * time.Millisecond
		sw := &slowWriter{d: 2 * limit}
		w := newWorld(t, sim.Config{Seed: 1, StuckAfter: limit, MaxTime: 2 * time.Second, Trace: sw, Nodes: []sim.NodeSpec{
			{Name: "a", Factory: func(env *sim.Env) sim.Node { return &ticker{env: env} }},
		}})
		res, err := w.Run()
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if sw.writes < 2 || res.Stop != sim.StopTimeLimit {
			t.Errorf("%d writes, stop %s; want the writer called before the end of the run, which ends at its time limit", sw.writes, res.Stop)
		}
	})
}
