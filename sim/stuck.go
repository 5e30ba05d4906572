package sim

import (
	"bytes"
	"fmt"
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
type watch struct {
	on    bool          // Config.StuckAfter > 0
	seq   atomic.Uint64 // the running call's number, 0 between calls
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
// (nil: a harness action) for event k; leave, that the code returned.
// Both cost a few nanoseconds, and nothing without a watchdog.
func (w *World) enter(n *nodeState, k callKind, peer, tag string) {
	if !w.watch.on {
		return
	}
	w.watch.calls++
	w.watch.cur = calling{n: n, k: k, peer: peer, tag: tag, h: w.trace.h, records: w.trace.n, at: w.now, events: w.res.Events}
	w.watch.seq.Store(w.watch.calls)
}

func (w *World) leave() {
	if w.watch.on {
		w.watch.seq.Store(0)
	}
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
	if w.watch.seq.Load() != seq {
		// It returned just now, after all: it was slow, not stuck. The
		// run is abandoned all the same (the limit is the limit), but
		// its stack is not the call's.
		stack = ""
	}
	se := &StuckError{At: c.at, Event: describeCall(c.k, c.peer, c.tag), Events: c.events, Limit: w.cfg.StuckAfter, Stack: stack, Harness: true}
	boundary := callBoundary
	switch c.k {
	case callAction:
		boundary = actionBoundary
	case callFactory:
		boundary = bootBoundary
	}
	if c.n != nil {
		se.Node, se.Harness = c.n.name, c.n.harness
	}
	if gs := blame.ParseTrace(strings.Split(stack, "\n")); len(gs) > 0 {
		se.Frames = blame.Until(gs[0], boundary)
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
