package sim

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/internal/blame"
)

// StuckError reports a node callback (or a node factory, a Dropper, a
// harness action) that did not return within Config.StuckAfter of host
// time: a loop that never ends or a block that never wakes. The world
// gave up on it and the run was abandoned there. Go cannot stop a
// goroutine from outside: the stuck code keeps its goroutine (spinning or
// blocked) for as long as the process lives, so a process that meets one
// should end once it has reported it (faultline's sweep workers and the
// faultline command do).
type StuckError struct {
	At     clock.Time
	Node   string // "" for a harness action
	Event  string // "start", "receive from n2", "timer tick", "factory", ...
	Events int64  // events dispatched, the stuck one included
	Limit  time.Duration
	// Stack is the stuck goroutine's stack as the runtime printed it,
	// taken when the limit expired, and Frames its function names,
	// innermost first, down to the simulator's call into the code
	// (excluded): what blame is decided from (internal/blame).
	Stack  string
	Frames []string
	// Harness says the code called was faultline's (a harness node or a
	// harness action).
	Harness bool
}

func (e *StuckError) Error() string {
	where := "the stack was not found"
	if fn, _ := blame.First(e.Frames); fn != "" {
		where = "stuck in " + fn
	} else if len(e.Frames) > 0 {
		where = "stuck in " + e.Frames[0]
	}
	if e.Node == "" {
		return fmt.Sprintf("sim: harness %s did not return within %v of host time (at simulated %v): %s", e.Event, e.Limit, e.At, where)
	}
	return fmt.Sprintf("sim: node %s did not return from %s within %v of host time (at simulated %v): %s", e.Node, e.Event, e.Limit, e.At, where)
}

// calling is what the world's goroutine publishes when it calls into code
// that is not the simulator's, for the watchdog (runWatched) to read if
// that code never returns. It is written before seq is stored, and read
// only after seq was loaded with the value that followed the write.
type calling struct {
	n       *nodeState // nil for a harness action
	k       callKind
	peer    string
	tag     string
	h       uint64 // the trace hash accumulator and record count at the call
	records uint64
	// at and events are the simulated instant and the events dispatched
	// at the call, so that the watchdog never reads the world's live
	// fields (the call may return while it looks).
	at     clock.Time
	events int64
}

// watch is the state of the host-time watchdog on callbacks.
//
// The world's goroutine pays one atomic store per call into code that is
// not the simulator's (enter) and nothing when it returns: seq counts the
// calls, and the watchdog's ticker samples it. A number that has not
// changed for StuckAfter means the world's goroutine has not entered
// another call since: either that call never returned, or the world is
// stuck between calls, which the stuck goroutine's stack tells apart
// (abandon). Between calls the simulator runs its own code for
// microseconds; where it waits on purpose (RealTime pacing) it stores 0,
// which the watchdog never times.
type watch struct {
	on    bool          // Config.StuckAfter > 0
	seq   atomic.Uint64 // the number of the last call entered; 0 while the world waits
	calls uint64        // calls made so far (the world's goroutine only)
	cur   calling
	gid   uint64      // the world goroutine's id
	quit  atomic.Bool // set when the run was abandoned: stop at the next event
	stuck *StuckError // set when the run was abandoned
	res   Result      // the abandoned run's result
	// restore puts crypto/rand.Reader back and releases its lock, once,
	// whichever goroutine gets there first.
	restore func()
}

// enter records that the world's goroutine calls into code of node n
// (nil: a harness action) for event k: a copy of a few words and one
// atomic store, and nothing without a watchdog. There is no leave: the
// next call's number replaces this one's (see watch).
func (w *World) enter(n *nodeState, k callKind, peer, tag string) {
	if !w.watch.on {
		return
	}
	w.watch.calls++
	// Field by field: a composite literal is built on the stack and
	// copied, and reading back what was just stored stalls the copy.
	c := &w.watch.cur
	c.n, c.k, c.peer, c.tag = n, k, peer, tag
	c.h, c.records, c.at, c.events = w.trace.h, w.trace.n, w.now, w.res.Events
	w.watch.seq.Store(w.watch.calls)
}

// idle tells the watchdog that the world's goroutine is about to wait on
// purpose (RealTime pacing), outside any call: no call is timed until the
// next enter.
func (w *World) idle() {
	if w.watch.on {
		w.watch.seq.Store(0)
	}
}

// resume tells the watchdog that the world's goroutine, back from a
// wait it announced with idle, is in the call it entered last (if it is
// in one, a call's timing restarts here; if not, the next enter replaces
// the number).
func (w *World) resume() {
	if w.watch.on && w.watch.calls > 0 {
		w.watch.seq.Store(w.watch.calls)
	}
}

// waitingWriter is Config.Trace under a watchdog: the world waits for
// the trace's reader (a pipe may block for as long as its reader
// pleases), which is no call into node code being stuck, so no call is
// timed while it writes.
type waitingWriter struct {
	out io.Writer
	w   *World
}

func (ww waitingWriter) Write(p []byte) (int, error) {
	ww.w.idle()
	defer ww.w.resume()
	return ww.out.Write(p)
}

// runWatched runs run on a goroutine of its own and watches it: when one
// call into code outside the simulator has not returned after
// Config.StuckAfter of host time, it takes that goroutine's stack and
// abandons the run (w.watch.stuck). The goroutine is left where it is.
func (w *World) runWatched(run func()) {
	done := make(chan struct{})
	var pv any
	var pstack []byte
	gid := make(chan uint64, 1)
	go func() {
		defer close(done)
		defer func() {
			// A panic in the simulator itself: handed to Run's caller,
			// as it would be without a watchdog.
			if v := recover(); v != nil {
				pv = v
				pstack = make([]byte, 64<<10)
				pstack = pstack[:runtime.Stack(pstack, false)]
			}
		}()
		gid <- goid()
		run()
	}()
	w.watch.gid = <-gid
	limit := w.cfg.StuckAfter
	tick := min(max(limit/4, time.Millisecond), time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	var last uint64
	var since time.Time
	for {
		select {
		case <-done:
			if pv != nil {
				panic(fmt.Sprintf("%v\n\n(raised on the world's goroutine:)\n%s", pv, pstack))
			}
			return
		case now := <-t.C:
			s := w.watch.seq.Load()
			if s == 0 || s != last {
				last, since = s, now
				continue
			}
			if now.Sub(since) < limit {
				continue
			}
			w.abandon(s)
			return
		}
	}
}

// abandon gives up on the run whose call number seq has not returned within
// StuckAfter: it builds the StuckError from what the world's goroutine published
// before the call and the goroutine's stack, and releases the process-wide
// state the run holds.
func (w *World) abandon(seq uint64) {
	c := w.watch.cur // published before seq (see calling)
	w.watch.quit.Store(true)
	stack := goroutineStack(w.watch.gid)
	boundary := callBoundary
	switch c.k {
	case callAction:
		boundary = actionBoundary
	case callFactory:
		boundary = bootBoundary
	}
	var frames []string
	if gs := blame.ParseTrace(strings.Split(stack, "\n")); len(gs) > 0 {
		frames = blame.Until(gs[0], boundary)
		if len(frames) == len(gs[0]) {
			stack, frames = "", nil // not in the call (below)
		}
	}
	if w.watch.seq.Load() != seq {
		stack, frames = "", nil
	}
	// With no stack, the call returned after all: it was slow, not
	// stuck, or the world is stuck between calls (no call has begun
	// since). The run is abandoned all the same (the limit is the
	// limit), but the world's stack is not the call's.
	se := &StuckError{At: c.at, Event: describeCall(c.k, c.peer, c.tag), Events: c.events, Limit: w.cfg.StuckAfter, Stack: stack, Frames: frames, Harness: true}
	if c.n != nil {
		se.Node, se.Harness = c.n.name, c.n.harness
	}
	w.watch.stuck = se
	t := tracer{h: c.h}
	w.watch.res = Result{Seed: w.cfg.Seed, TraceHash: t.sum(), Records: c.records, Events: c.events, SimTime: c.at, Stop: StopStuck}
	if w.watch.restore != nil {
		w.watch.restore()
	}
}

// goroutineStack returns the stack of goroutine id as runtime.Stack
// prints it (its header line included), or "" when it is not found.
func goroutineStack(id uint64) string {
	buf := make([]byte, 256<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 64<<20 {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	head := []byte("goroutine " + strconv.FormatUint(id, 10) + " [")
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.HasPrefix(g, head) {
			return string(g)
		}
	}
	return ""
}

// onceFunc returns f made safe to call from several goroutines, running
// it once.
func onceFunc(f func()) func() {
	var once sync.Once
	return func() { once.Do(f) }
}
