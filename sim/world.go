package sim

import (
	"fmt"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/internal/blame"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/rng"
)

// StopReason says why a run ended.
type StopReason string

// Why a run stopped. Only StopError carries an error, but for a
// *TraceWriteError, which leaves the run whole.
const (
	StopQuiescent  StopReason = "quiescent"   // nothing left on the agenda
	StopTimeLimit  StopReason = "time-limit"  // reached Config.MaxTime
	StopEventLimit StopReason = "event-limit" // reached Config.MaxEvents
	StopError      StopReason = "error"       // harness breach, node panic or watchdog
	StopDone       StopReason = "done"        // Config.Done said the run's work is finished
	StopStuck      StopReason = "stuck"       // a callback did not return within Config.StuckAfter (StuckError)
)

// Result summarises a run. Everything but HostTime is a pure function of
// the configuration and the seed.
type Result struct {
	Seed      uint64
	TraceHash uint64
	Records   uint64 // trace records written
	Events    int64  // events dispatched
	SimTime   clock.Time
	Stop      StopReason
	Sent      int64 // messages sent by nodes
	Delivered int64 // messages delivered
	Dropped   int64 // messages lost, for any reason
	HostTime  time.Duration
	// Fingerprints has one entry per trace record when
	// Config.Fingerprint is set, and Nodes the node names its indices
	// refer to.
	Fingerprints []Fingerprint
	Nodes        []string
	// ForeignCryptoReads counts reads of crypto/rand.Reader from
	// goroutines other than the world's while it ran (see package doc):
	// served from the host's reader, but a sign that something outside
	// the simulation ran alongside it.
	ForeignCryptoReads int64
}

type evKind uint8

const (
	evStart evKind = iota + 1
	evDeliver
	evTimer
	evBroken
	evAction
	evSend // a message a node sent after a disk operation that took time
)

// event is the agenda's payload, kept small and pointer-free so the
// agenda's steady state allocates nothing.
type event struct {
	kind evKind
	node int32
	gen  uint32 // incarnation (start, broken) or arm (timer)
	id   uint64 // message slot, timer slot, peer index or action index
}

type message struct {
	from, to int32
	toInc    uint32
	epoch    uint64
	payload  []byte
}

type timerRec struct {
	node int32
	inc  uint32
	gen  uint32 // identity of the slot's current timer (in its TimerID)
	arm  uint32 // which agenda entry is current; bumped on free and re-arm
	live bool
	mono clock.Time // deadline on the node's monotonic clock
	tag  string
}

// TimerID identifies a timer set by a node.
type TimerID uint64

type nodeState struct {
	idx     int32
	name    string
	factory Factory
	node    Node
	env     *Env
	up      bool
	paused  bool
	inc     uint32
	clk     clock.Clock
	disk    *disk.FS
	rand    *rng.Stream
	crypto  *rng.Stream
	bug     *rng.Stream
	parked  []event
	harness bool
	stats   NodeStats
	booted  bool // Start has run since the last boot or restart
	// busyUntil is when the disk operations of the node's latest event
	// complete: its next events wait until then (see Env.Disk).
	busyUntil clock.Time
	role      string // declared with Env.SetRole; cleared by a crash
	roleSeq   uint64 // when the role was claimed (World.roleSeq)
}

// World is a simulation: nodes, network, disks, clocks and the agenda.
type World struct {
	cfg     Config
	now     clock.Time
	agenda  clock.Agenda[event]
	nodes   []*nodeState
	byName  map[string]int32
	names   []string
	sut     []string // names of the nodes that are not harness nodes, in index order
	net     *netsim.Network
	trace   tracer
	logBuf  []byte // Env.Logf formats here (the trace keeps no copy)
	msgs    []message
	freeMsg []uint64
	timers  []timerRec
	freeTmr []uint64
	actions []func(*World)
	labels  []string
	crypto  *rng.Stream
	sites   map[string]bool
	cur     *nodeState
	foreign atomic.Int64 // crypto/rand reads from other goroutines
	res     Result
	err     error
	done    bool
	// roleSeq counts role claims; roleWatch are the OnRoleChange observers.
	roleSeq   uint64
	roleWatch []func(node, role string)
	// watch is the host-time watchdog on callbacks (Config.StuckAfter).
	watch watch
	// running is set while the agenda runs, on the goroutine gid; a
	// misuse of an Env from any other goroutine is parked in offGoroutine
	// until the world's goroutine stops the run with it (Env.offEvent).
	running      atomic.Bool
	gid          atomic.Uint64
	offGoroutine atomic.Pointer[MisuseError]
}

// New builds a world from cfg. Nodes boot at instant 0 when Run starts.
func New(cfg Config) (*World, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.MaxTime == 0 {
		cfg.MaxTime = defaultMaxTime
	}
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = defaultMaxEvents
	}
	if cfg.BuggifySiteP == 0 {
		cfg.BuggifySiteP = 0.25
	}
	if cfg.BuggifyFireP == 0 {
		cfg.BuggifyFireP = 0.05
	}
	w := &World{
		cfg:    cfg,
		byName: make(map[string]int32, len(cfg.Nodes)),
		crypto: rng.New(cfg.Seed, "crypto"),
		sites:  map[string]bool{},
	}
	w.watch.on = cfg.StuckAfter > 0
	for i, spec := range cfg.Nodes {
		w.names = append(w.names, spec.Name)
		if !spec.Harness {
			w.sut = append(w.sut, spec.Name)
		}
		w.byName[spec.Name] = int32(i)
	}
	if cfg.Net.Default.Latency == (netsim.Latency{}) {
		cfg.Net.Default.Latency = netsim.Latency{Kind: netsim.Fixed, Min: time.Millisecond, Max: time.Millisecond}
	}
	net, err := netsim.New(w.names, cfg.Net, rng.New(cfg.Seed, "net"))
	if err != nil {
		return nil, fmt.Errorf("sim: Net: %w", err)
	}
	w.net = net
	for i, spec := range cfg.Nodes {
		dcfg := cfg.Disk
		if spec.Disk != nil {
			dcfg = *spec.Disk
		}
		d, err := disk.New(dcfg, rng.New(cfg.Seed, "disk/"+spec.Name))
		if err != nil {
			return nil, fmt.Errorf("sim: Disk: %w", err)
		}
		n := &nodeState{
			idx:     int32(i),
			name:    spec.Name,
			factory: spec.Factory,
			disk:    d,
			rand:    rng.New(cfg.Seed, "node/"+spec.Name),
			crypto:  rng.New(cfg.Seed, "crypto/"+spec.Name),
			bug:     rng.New(cfg.Seed, "buggify/"+spec.Name),
			harness: spec.Harness,
		}
		n.clk.SetOffset(spec.ClockOffset)
		_ = n.clk.SetDrift(0, spec.DriftPPM) // validated above
		w.nodes = append(w.nodes, n)
		if !spec.Down {
			n.up = true
			w.agenda.Push(0, event{kind: evStart, node: n.idx, gen: n.inc})
		}
	}
	harness := make([]bool, len(cfg.Nodes))
	for i, spec := range cfg.Nodes {
		harness[i] = spec.Harness
	}
	out := cfg.Trace
	if out != nil && w.watch.on {
		out = waitingWriter{out, w} // a blocked trace reader is not a stuck call
	}
	w.trace.init(w.names, harness, out, cfg.Fingerprint)
	if cfg.Fingerprint {
		w.trace.prints = cfg.FingerprintBuffer[:0]
	}
	return w, nil
}

// Now returns the current true simulated instant.
func (w *World) Now() clock.Time { return w.now }

// Names returns the node names in index order.
func (w *World) Names() []string { return append([]string(nil), w.names...) }

// Stream returns the run's random stream called name, for harness users
// such as the nemesis and workload clients. Names used by the World itself
// ("net", "crypto", "node/...", "disk/...", "crypto/...", "buggify/...")
// must not be reused.
func (w *World) Stream(name string) *rng.Stream { return rng.New(w.cfg.Seed, name) }

// Network returns the simulated network, for reading counters. Install and
// remove network faults through World.InstallNetFault so that stream breaks
// reach the nodes.
func (w *World) Network() *netsim.Network { return w.net }

// Disk returns the disk of the named node, or nil if there is none.
func (w *World) Disk(name string) *disk.FS {
	if i, ok := w.byName[name]; ok {
		return w.nodes[i].disk
	}
	return nil
}

// At schedules fn to run at true instant t (not before now) as a harness
// action, recorded in the trace with label. Actions may change the world:
// crash, restart, pause, install faults, schedule more actions.
func (w *World) At(t clock.Time, label string, fn func(*World)) {
	if t < w.now {
		t = w.now
	}
	w.actions = append(w.actions, fn)
	w.labels = append(w.labels, label)
	w.agenda.Push(t, event{kind: evAction, node: -1, id: uint64(len(w.actions) - 1)})
}

// Run runs the world until the agenda is empty, MaxTime or MaxEvents is
// reached, or an error stops it. A second call returns the first result.
// When it returns, nodes still up that implement Dropper are dropped.
//
// With Config.StuckAfter, a call into a node that does not return in
// time abandons the run: Run returns a *StuckError and a Result that
// stops at that call (StopStuck), with the trace hash of the records
// before it; the world must not be used further (see StuckError).
func (w *World) Run() (Result, error) {
	if w.watch.stuck != nil {
		return w.watch.res, w.watch.stuck
	}
	if w.done {
		return w.res, w.err
	}
	w.loop(clock.Time(w.cfg.MaxTime))
	if w.watch.stuck != nil {
		return w.watch.res, w.watch.stuck
	}
	w.done = true
	for _, n := range w.nodes {
		if n.up {
			drop(n.node)
		}
	}
	reason := w.res.Stop
	w.record(Record{Kind: KindStop, Node: -1, Peer: -1, Detail: string(reason)})
	if err := w.trace.flush(); err != nil && w.err == nil {
		w.err = &TraceWriteError{Err: err} // the run itself ran to its end: Stop stands
	}
	w.res.TraceHash = w.trace.sum()
	w.res.Records = w.trace.n
	w.res.Fingerprints = w.trace.prints
	if w.trace.keep {
		w.res.Nodes = w.names
	}
	return w.res, w.err
}

// RunUntil runs events up to and including instant t (bounded by MaxTime
// and MaxEvents) and returns the result so far; Run may follow it.
func (w *World) RunUntil(t clock.Time) (Result, error) {
	if t > clock.Time(w.cfg.MaxTime) {
		t = clock.Time(w.cfg.MaxTime)
	}
	if w.watch.stuck != nil {
		return w.watch.res, w.watch.stuck
	}
	if !w.done {
		w.loop(t)
	}
	if w.watch.stuck != nil {
		return w.watch.res, w.watch.stuck
	}
	if err := w.trace.flush(); err != nil && w.err == nil {
		w.err = &TraceWriteError{Err: err}
	}
	r := w.res
	r.TraceHash = w.trace.sum()
	r.Records = w.trace.n
	return r, w.err
}

// loop runs the agenda up to limit: on the calling goroutine, or, with
// a watchdog on callbacks, on a goroutine of its own (runWatched).
func (w *World) loop(limit clock.Time) {
	if w.watch.on {
		w.runWatched(func() { w.run(limit) })
		return
	}
	w.run(limit)
}

func (w *World) run(limit clock.Time) {
	restore := onceFunc(w.swapCryptoRand())
	w.watch.restore = restore
	defer restore()
	w.gid.Store(goid())
	w.running.Store(true)
	defer w.running.Store(false)
	start := time.Now()                      // host time: watchdog, RealTime pacing and HostTime only
	base := start.Add(-time.Duration(w.now)) // host instant of simulated 0, for RealTime
	defer func() { w.res.HostTime += time.Since(start) }()
	w.res.Seed = w.cfg.Seed
	for w.err == nil {
		at, ok := w.agenda.Peek()
		if !ok {
			w.res.Stop = StopQuiescent
			break
		}
		if at > limit {
			if limit >= clock.Time(w.cfg.MaxTime) {
				w.res.Stop = StopTimeLimit
			}
			if w.now < limit {
				w.now = limit
			}
			break
		}
		if w.res.Events >= w.cfg.MaxEvents {
			w.res.Stop = StopEventLimit
			break
		}
		if w.cfg.RealTime {
			if d := time.Until(base.Add(time.Duration(at))); d > 0 {
				w.idle()
				time.Sleep(d)
			}
		}
		_, _, ev, _ := w.agenda.Pop()
		w.dispatch(at, ev)
		if me := w.offGoroutine.Load(); me != nil && w.err == nil {
			w.offEnv(me)
		}
		if w.watch.on && w.watch.quit.Load() {
			break // abandoned: a call stuck past StuckAfter came back
		}
		if w.cfg.Done != nil && w.err == nil && w.cfg.Done() {
			w.res.Stop = StopDone
			break
		}
		if w.cfg.BreakInvariant != "" && w.res.Events == 100 {
			w.breakInvariant()
		}
		if w.cfg.Watchdog > 0 && w.res.Events&1023 == 0 && time.Since(start) > w.cfg.Watchdog {
			w.fail(&WatchdogError{At: w.now, Events: w.res.Events, Limit: w.cfg.Watchdog.String()})
		}
	}
	if me := w.offGoroutine.Load(); me != nil && w.err == nil {
		w.offEnv(me)
	}
	if w.err != nil {
		w.res.Stop = StopError
	}
	w.res.SimTime = w.now
	w.res.ForeignCryptoReads = w.foreign.Load()
}

// offEnv stops the run with a misuse of an Env off the world's goroutine
// (Env.offEvent), noticed at an event boundary.
func (w *World) offEnv(me *MisuseError) {
	w.fail(me)
	if i, ok := w.byName[me.Node]; ok {
		w.record(Record{Kind: KindPanic, Node: i, Peer: -1, Detail: "misuse: " + me.Rule})
	}
}

func (w *World) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *World) harness(invariant, format string, args ...any) {
	w.fail(&HarnessError{At: w.now, Invariant: invariant, Detail: fmt.Sprintf(format, args...)})
}

func (w *World) record(r Record) {
	r.At = w.now
	w.trace.add(&r)
}

func (w *World) dispatch(at clock.Time, ev event) {
	if at < w.now {
		w.harness("time-backwards", "event at %v after %v", at, w.now)
		return
	}
	w.now = at
	switch ev.kind {
	case evStart:
		n := w.nodes[ev.node]
		if !n.up || n.inc != ev.gen {
			return // crashed before it could boot
		}
		w.res.Events++
		w.boot(n)
	case evDeliver:
		w.deliver(ev)
	case evTimer:
		w.fire(ev)
	case evBroken:
		n := w.nodes[ev.node]
		if !n.up || n.inc != ev.gen {
			return
		}
		if n.paused {
			n.parked = append(n.parked, ev)
			return
		}
		if w.busy(n, ev) {
			return
		}
		w.res.Events++
		peer := w.names[ev.id]
		w.record(Record{Kind: KindBroken, Node: n.idx, Peer: int32(ev.id)})
		if _, ok := n.node.(StreamWatcher); ok {
			w.call(n, callBroken, peer, nil, 0, "")
		}
	case evAction:
		w.res.Events++
		w.record(Record{Kind: KindAction, Node: -1, Peer: -1, Detail: w.labels[ev.id]})
		w.runAction(ev.id)
	case evSend:
		m := w.msgs[ev.id]
		n := w.nodes[m.from]
		if n.up && n.inc == ev.gen && n.paused { // frozen before its disk returned: it sends on resume
			n.parked = append(n.parked, ev)
			return
		}
		w.freeMessage(ev.id)
		if !n.up || n.inc != ev.gen {
			return // it crashed before its disk returned: the send never happened
		}
		w.res.Events++
		w.send(n, m.to, m.payload)
	}
}

// busy re-schedules event ev of node n at the instant n's disk
// operations complete, if they have not yet: a node blocked in a write or
// an fsync runs no callback. It reports whether it did.
func (w *World) busy(n *nodeState, ev event) bool {
	if n.busyUntil <= w.now {
		return false
	}
	w.agenda.Push(n.busyUntil, ev)
	return true
}

func (w *World) boot(n *nodeState) {
	n.env = &Env{w: w, n: n, inc: n.inc}
	n.disk.Begin(w.now)
	w.record(Record{Kind: KindStart, Node: n.idx, Peer: -1, Len: int(n.inc)})
	var built Node
	func() {
		w.cur = n
		w.enter(n, callFactory, "", "")
		defer func() {
			w.cur = nil
			if v := recover(); v != nil {
				w.recovered(n, "factory", v, bootBoundary)
			}
		}()
		built = n.factory(n.env)
	}()
	if w.err != nil {
		return
	}
	if built == nil {
		site := runtime.FuncForPC(reflect.ValueOf(n.factory).Pointer()).Name()
		w.fail(&MisuseError{At: w.now, Node: n.name, Harness: n.harness, Rule: MisuseNilNode, Detail: "the factory of node " + n.name + " returned a nil Node", Site: site})
		w.record(Record{Kind: KindPanic, Node: n.idx, Peer: -1, Detail: "misuse: " + MisuseNilNode})
		return
	}
	n.node = built
	n.booted = true
	w.call(n, callStart, "", nil, 0, "")
}

func (w *World) deliver(ev event) {
	m := &w.msgs[ev.id]
	n := w.nodes[m.to]
	if m.toInc != n.inc {
		w.res.Events++
		w.res.Dropped++
		w.countLost(n, m.from)
		w.record(Record{Kind: KindDrop, Node: m.from, Peer: m.to, Len: len(m.payload), Digest: Digest(m.payload), Detail: "receiver-crashed"})
		w.freeMessage(ev.id)
		return
	}
	if !n.up {
		w.harness("delivery-to-crashed-node", "message %s->%s addressed to incarnation %d of a crashed node", w.names[m.from], n.name, m.toInc)
		return
	}
	if n.paused {
		n.parked = append(n.parked, ev)
		n.stats.Parked++
		return
	}
	if w.busy(n, ev) {
		return
	}
	w.res.Events++
	if cause, fault := w.net.Arrival(w.now, netsim.Node(m.from), netsim.Node(m.to), m.epoch); cause != "" {
		w.res.Dropped++
		w.record(Record{Kind: KindDrop, Node: m.from, Peer: m.to, Len: len(m.payload), Digest: Digest(m.payload), Detail: "in-flight " + cause + " " + fault})
		w.freeMessage(ev.id)
		return
	}
	payload, from := m.payload, w.names[m.from]
	w.record(Record{Kind: KindDeliver, Node: m.to, Peer: m.from, Len: len(payload), Digest: Digest(payload)})
	w.freeMessage(ev.id)
	w.res.Delivered++
	n.stats.Received++
	w.call(n, callReceive, from, payload, 0, "")
}

func (w *World) fire(ev event) {
	t := &w.timers[ev.id]
	if !t.live || t.arm != ev.gen {
		return // cancelled or re-armed
	}
	n := w.nodes[t.node]
	if t.inc != n.inc {
		w.harness("timer-after-crash", "timer %q of %s outlived incarnation %d", t.tag, n.name, t.inc)
		return
	}
	if !n.up {
		w.harness("timer-after-crash", "timer %q fired on crashed node %s", t.tag, n.name)
		return
	}
	if n.paused {
		n.parked = append(n.parked, ev)
		n.stats.Parked++
		return
	}
	if w.busy(n, ev) {
		return
	}
	w.res.Events++
	n.stats.TimersFired++
	id := TimerID(uint64(t.gen)<<32 | ev.id)
	tag := t.tag
	w.freeTimer(ev.id)
	w.record(Record{Kind: KindTimer, Node: n.idx, Peer: -1, Detail: tag})
	w.call(n, callTimer, "", nil, id, tag)
}

type callKind uint8

const (
	callStart callKind = iota
	callReceive
	callTimer
	callBroken
	callFactory
	callAction
)

// describeCall names a call into a node or action for people.
func describeCall(k callKind, peer, tag string) string {
	switch k {
	case callStart:
		return "start"
	case callReceive:
		return "receive from " + peer
	case callTimer:
		return "timer " + tag
	case callBroken:
		return "stream broken to " + peer
	case callFactory:
		return "factory"
	}
	return "action " + strconv.Quote(tag)
}

// call runs one node callback, recovering a panic into a PanicError.
// The node is busy afterwards for as long as its disk operations took.
func (w *World) call(n *nodeState, k callKind, peer string, msg []byte, id TimerID, tag string) {
	if k != callStart { // boot began the disk's event before the factory ran
		n.disk.Begin(w.now)
	}
	w.cur = n
	w.enter(n, k, peer, tag)
	defer func() {
		if el := n.disk.Elapsed(); el > 0 && n.up {
			n.busyUntil = max(n.busyUntil, w.now+clock.Time(el))
		}
		w.cur = nil
		if v := recover(); v != nil {
			w.recovered(n, describeCall(k, peer, tag), v, callBoundary)
		}
	}()
	switch k {
	case callStart:
		n.node.Start()
	case callReceive:
		n.node.Receive(peer, msg)
	case callTimer:
		n.node.Timer(id, tag)
	case callBroken:
		n.node.(StreamWatcher).StreamBroken(peer)
	}
}

// The simulator's frames that call into node code and harness actions:
// a panic's frames are cut there, since what called the code owns no
// part of its failure.
const (
	callBoundary   = blame.Module + "sim.(*World).call"
	bootBoundary   = blame.Module + "sim.(*World).boot"
	actionBoundary = blame.Module + "sim.(*World).runAction"
)

// recovered turns a panic recovered from the code of node n (nil for a
// harness action) during event what into the run's error. It must be
// called from the deferred function that recovered v: it reads the
// panicking stack.
func (w *World) recovered(n *nodeState, what string, v any, boundary string) {
	if me, ok := v.(*MisuseError); ok {
		w.fail(me) // recorded by Env already, unless another error came first
		if n != nil {
			w.record(Record{Kind: KindPanic, Node: n.idx, Peer: -1, Detail: "misuse: " + me.Rule})
		}
		return
	}
	pe := &PanicError{At: w.now, Event: what, Value: v, Stack: string(debug.Stack()), Frames: blame.Until(blame.Panicking(), boundary), Harness: true}
	idx := int32(-1)
	if n != nil {
		pe.Node, pe.Harness, idx = n.name, n.harness, n.idx
	}
	w.fail(pe)
	w.record(Record{Kind: KindPanic, Node: idx, Peer: -1, Detail: fmt.Sprint(v)})
}

// runAction runs harness action i, recovering a panic in it.
func (w *World) runAction(i uint64) {
	fn := w.actions[i]
	w.actions[i] = nil
	w.enter(nil, callAction, "", w.labels[i])
	defer func() {
		if v := recover(); v != nil {
			w.recovered(nil, "action "+strconv.Quote(w.labels[i]), v, actionBoundary)
		}
	}()
	fn(w)
}

func (w *World) allocMessage(m message) uint64 {
	if k := len(w.freeMsg); k > 0 {
		id := w.freeMsg[k-1]
		w.freeMsg = w.freeMsg[:k-1]
		w.msgs[id] = m
		return id
	}
	w.msgs = append(w.msgs, m)
	return uint64(len(w.msgs) - 1)
}

func (w *World) freeMessage(id uint64) {
	w.msgs[id] = message{}
	w.freeMsg = append(w.freeMsg, id)
}

func (w *World) allocTimer(node int32, inc uint32, mono clock.Time, tag string) (uint64, *timerRec) {
	var id uint64
	if k := len(w.freeTmr); k > 0 {
		id = w.freeTmr[k-1]
		w.freeTmr = w.freeTmr[:k-1]
	} else {
		w.timers = append(w.timers, timerRec{})
		id = uint64(len(w.timers) - 1)
	}
	t := &w.timers[id]
	t.node, t.inc, t.mono, t.tag, t.live = node, inc, mono, tag, true
	t.gen++
	t.arm++
	return id, t
}

func (w *World) freeTimer(id uint64) {
	t := &w.timers[id]
	t.live = false
	t.arm++
	t.tag = ""
	w.freeTmr = append(w.freeTmr, id)
}
