package sim

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/internal/blame"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/rng"
)

// Env is everything a node may touch. Each incarnation of a node gets its
// own Env; calls on the Env of a crashed incarnation do nothing (sends are
// dropped, timers are not set), since that code no longer exists.
type Env struct {
	w   *World
	n   *nodeState
	inc uint32
}

func (e *Env) live() bool { return e.n.up && e.n.inc == e.inc }

// misuse records that the running node broke the Env contract and panics
// with the error (see MisuseError).
func (e *Env) misuse(rule, format string, args ...any) {
	by := e.n
	if c := e.w.cur; c != nil {
		by = c
	}
	err := &MisuseError{At: e.w.now, Node: by.name, Harness: by.harness, Rule: rule, Detail: fmt.Sprintf(format, args...), Site: callerSite()}
	e.w.fail(err)
	panic(err)
}

// acting checks that the node acting through e is e's own, on the world's
// goroutine: a node that calls another node's Env (state shared between
// nodes through a global, say) breaks the contract, and so does a
// goroutine the node started (see onWorld).
func (e *Env) acting() {
	if c := e.w.cur; c != e.n {
		e.offEvent(c, true)
	}
}

// onWorld checks that e is used on the world's goroutine, for the Env
// methods that only read (clocks, streams, the disk).
func (e *Env) onWorld() {
	if c := e.w.cur; c != e.n {
		e.offEvent(c, false)
	}
}

// offEvent handles a call on e outside e's node's own event: with cur,
// the node whose event runs (nil: none). It is the slow path of acting
// and onWorld, so only it pays for the goroutine's identity (goid).
//
// A call from a goroutine other than the world's while it runs (one the
// node started) is recorded as a *MisuseError the run stops with at the
// next event boundary (World.offGoroutine), and that goroutine ends there
// (runtime.Goexit, which runs its deferred calls): it must not touch the
// world, and a panic would end the whole process. A call from the world's
// goroutine outside any node's event is harness code (an action, a
// Dropper), allowed; inside another node's event, with foreign, it is
// that node acting through e (MisuseForeignEnv).
//
// Not detected: a goroutine that calls while its own node's event runs
// (telling it from the event itself would cost the goroutine's identity
// on every call).
func (e *Env) offEvent(cur *nodeState, foreign bool) {
	w := e.w
	if !w.running.Load() {
		return // before or after a run: set-up or inspection code
	}
	if goid() != w.gid.Load() {
		err := &MisuseError{At: w.now, Node: e.n.name, Harness: e.n.harness, Rule: MisuseOffGoroutine, Site: callerSite(),
			Detail: fmt.Sprintf("the Env of node %s was used from a goroutine other than the world's (one the node started?); a node acts only in its callbacks", e.n.name)}
		w.offGoroutine.CompareAndSwap(nil, err)
		runtime.Goexit()
	}
	if cur != nil && foreign {
		e.misuse(MisuseForeignEnv, "node %s acted through the Env of node %s", cur.name, e.n.name)
	}
}

// callerSite returns the function of the node's code that called into
// the Env: the first frame of the stack outside package sim, the Go
// runtime and the standard library.
func callerSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if fn := f.Function; !strings.HasPrefix(fn, blame.Module+"sim.") && !blame.Skipped(fn) && fn != "" {
			return fn
		}
		if !more {
			return ""
		}
	}
}

// Name returns the node's name.
func (e *Env) Name() string { return e.n.name }

// Incarnation counts the node's crashes so far: 0 at first boot.
func (e *Env) Incarnation() int { return int(e.inc) }

// Nodes returns the names of the system's nodes, in index order: a node's
// peers are these but itself. The harness's own nodes (workload clients)
// are not listed, so a node that sends to every name it gets here never
// writes into a client's wire; a harness node gets every node's name.
func (e *Env) Nodes() []string {
	if e.n.harness {
		return e.w.Names()
	}
	return append([]string(nil), e.w.sut...)
}

// Now returns the node's wall-clock reading (offset, drift and jumps).
// After a disk operation that took time, in the same event, it reads the
// instant the operation returned.
func (e *Env) Now() clock.Time {
	e.onWorld()
	e.n.stats.ClockReads++
	return e.n.clk.Now(e.at())
}

// Mono returns the node's monotonic reading (drift only), the clock its
// timers run on.
func (e *Env) Mono() clock.Time {
	e.onWorld()
	e.n.stats.ClockReads++
	return e.n.clk.Mono(e.at())
}

// at is the true instant the node's code is at: the event's instant plus
// what its disk operations in this event took.
func (e *Env) at() clock.Time {
	if e.w.cur == e.n {
		return e.w.now + clock.Time(e.n.disk.Elapsed())
	}
	return e.w.now
}

// TrueNow returns true simulated time, for harness nodes (NodeSpec.Harness)
// such as workload clients, which stamp histories with it. SUT code must
// not see true time: on an SUT node TrueNow panics.
func (e *Env) TrueNow() clock.Time {
	if !e.n.harness {
		e.misuse(MisuseTrueTime, "TrueNow called by SUT node %s; SUT nodes read Now or Mono", e.n.name)
	}
	return e.w.now
}

// Send sends msg to the node called to. msg is copied; the caller may reuse
// it. Sending to an unknown node is a bug in the node: it stops the run
// with a *MisuseError.
func (e *Env) Send(to string, msg []byte) {
	e.acting()
	if !e.live() {
		return
	}
	w := e.w
	ti, ok := w.byName[to]
	if !ok {
		e.misuse(MisuseUnknownNode, "%s sent %d bytes to %q, which is not a node (nodes: %v)", e.n.name, len(msg), to, w.names)
	}
	if at := e.at(); at > w.now {
		// Sent after a write or fsync that took time: it leaves when
		// the disk returns, and never if the node crashes first.
		p := make([]byte, len(msg))
		copy(p, msg)
		id := w.allocMessage(message{from: e.n.idx, to: ti, payload: p})
		w.agenda.Push(at, event{kind: evSend, node: e.n.idx, gen: e.inc, id: id})
		return
	}
	w.send(e.n, ti, msg)
}

// send sends msg from node n to node ti now.
func (w *World) send(n *nodeState, ti int32, msg []byte) {
	from := n.idx
	w.res.Sent++
	d := Digest(msg)
	w.record(Record{Kind: KindSend, Node: from, Peer: ti, Len: len(msg), Digest: d})
	dst := w.nodes[ti]
	fate := w.net.Send(w.now, netsim.Node(from), netsim.Node(ti))
	if fate.Count == 0 {
		w.res.Dropped++
		if fate.Cause == netsim.CauseNodeDown && !dst.up {
			w.countLost(dst, from) // addressed to a node that is down
		}
		w.record(Record{Kind: KindDrop, Node: from, Peer: ti, Len: len(msg), Digest: d, Detail: fate.Cause + " " + fate.Fault})
		if fate.Broken {
			w.notifyBroken([]netsim.Link{{From: netsim.Node(from), To: netsim.Node(ti)}})
		}
		return
	}
	for i := 0; i < fate.Count; i++ {
		p := make([]byte, len(msg))
		copy(p, msg)
		id := w.allocMessage(message{from: from, to: ti, toInc: dst.inc, epoch: fate.Epoch, payload: p})
		w.agenda.Push(fate.At[i], event{kind: evDeliver, node: ti, id: id})
	}
}

// SetTimer sets a timer that fires after d has elapsed on the node's
// monotonic clock (so drift moves it in true time) and returns its id.
// tag is passed back to Node.Timer and written in the trace.
func (e *Env) SetTimer(d time.Duration, tag string) TimerID {
	e.acting()
	if !e.live() {
		return 0
	}
	if d < 0 {
		d = 0
	}
	w, n := e.w, e.n
	mono := n.clk.Mono(e.at()) + clock.Time(d)
	id, t := w.allocTimer(n.idx, n.inc, mono, tag)
	w.record(Record{Kind: KindSetTimer, Node: n.idx, Peer: -1, Digest: uint64(d), Detail: tag})
	w.agenda.Push(n.clk.TrueAtMono(w.now, mono), event{kind: evTimer, node: n.idx, gen: t.arm, id: id})
	return TimerID(uint64(t.gen)<<32 | id)
}

// CancelTimer stops a pending timer. It reports whether the timer was
// pending (false if it fired, was cancelled, or is not this node's).
func (e *Env) CancelTimer(id TimerID) bool {
	e.acting()
	if !e.live() {
		return false
	}
	slot := uint64(id) & 0xffffffff
	if slot >= uint64(len(e.w.timers)) {
		return false
	}
	t := &e.w.timers[slot]
	if !t.live || t.gen != uint32(uint64(id)>>32) || t.node != e.n.idx || t.inc != e.inc {
		return false
	}
	e.w.freeTimer(slot)
	return true
}

// Disk returns the node's disk. It survives crashes; open files do not.
//
// Disk operations may take time (disk.Config.SyncLatency, WriteLatency
// and ReadLatency, Slow disk faults; sim.NodeSpec.Disk gives one node a
// disk of its own). A node is an event-driven callback, so
// a call does not block: it returns at once, and the time it took is
// charged to the node. Within the event, Now, Mono and timers read the
// instant the operation returned, and messages sent after it leave at that
// instant; after the event, the node runs no callback until its disk
// operations complete (messages and timers wait, as when paused). A sync's
// data becomes durable when the sync completes: a crash before then cuts
// it, deciding from the seed which of its writes survive, and drops the
// messages the node sent after it, which never left.
func (e *Env) Disk() *disk.FS {
	e.onWorld()
	return e.n.disk
}

// Rand returns the node's private random stream.
func (e *Env) Rand() *rng.Stream {
	e.onWorld()
	return e.n.rand
}

// Log writes line into the trace as it is, attributed to the node: the
// record Logf("%s", line) makes, without formatting.
func (e *Env) Log(line string) {
	e.acting()
	if !e.live() {
		return
	}
	e.w.record(Record{Kind: KindLog, Node: e.n.idx, Peer: -1, Detail: line})
}

// Logf writes a line into the trace, attributed to the node.
func (e *Env) Logf(format string, args ...any) {
	e.acting()
	if !e.live() {
		return
	}
	if len(args) > 0 || strings.IndexByte(format, '%') >= 0 {
		// Formatted into the world's scratch: the trace hashes the text
		// and keeps no copy unless it writes the line out.
		e.w.logBuf = fmt.Appendf(e.w.logBuf[:0], format, args...)
		e.w.record(Record{Kind: KindLog, Node: e.n.idx, Peer: -1, detail: e.w.logBuf})
		return
	}
	e.w.record(Record{Kind: KindLog, Node: e.n.idx, Peer: -1, Detail: format})
}

// Fail stops the run because the node found one of its own invariants
// broken (an assertion, a state it could not have reached, a disk it could
// not have written): the run ends with an *AssertionError, which is blamed
// on the system under test. It is for bugs, not for faults the node is
// meant to survive: a node that meets an injected disk error should stop
// or recover, not Fail.
func (e *Env) Fail(format string, args ...any) {
	e.acting()
	if !e.live() {
		return
	}
	msg := fmt.Sprintf(format, args...)
	e.w.record(Record{Kind: KindPanic, Node: e.n.idx, Peer: -1, Detail: "fail: " + msg})
	e.w.fail(&AssertionError{At: e.w.now, Node: e.n.name, Message: msg})
}

// Buggify reports whether the code at site should take its unusual path
// now. When the world enables buggify, each site is active in a run with
// probability BuggifySiteP (decided by the seed and the site's name alone)
// and an active site fires on each call with probability BuggifyFireP,
// drawn from the node's own buggify stream. Firings are traced.
func (e *Env) Buggify(site string) bool {
	e.acting()
	w := e.w
	if !w.cfg.Buggify || !e.live() {
		return false
	}
	active, ok := w.sites[site]
	if !ok {
		active = rng.New(w.cfg.Seed, "buggify-site/"+site).Chance(w.cfg.BuggifySiteP)
		w.sites[site] = active
	}
	if !active || !e.n.bug.Chance(w.cfg.BuggifyFireP) {
		return false
	}
	w.record(Record{Kind: KindBuggify, Node: e.n.idx, Peer: -1, Detail: site})
	return true
}
