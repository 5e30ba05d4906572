package netsim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

// Node identifies a node by its dense index 0..n-1, in the order of the
// names given to New.
type Node int

// Link is a directed link between two nodes.
type Link struct{ From, To Node }

// String renders the link as "from->to" with node indices.
func (l Link) String() string { return strconv.Itoa(int(l.From)) + "->" + strconv.Itoa(int(l.To)) }

// MaxNodes bounds the number of nodes; link state is kept for every
// directed pair.
const MaxNodes = 256

// Reserved counter ids (see Counters). Install refuses them as fault ids.
const (
	BaseID  = "base"  // the configuration's own loss, duplication, reordering
	CrashID = "crash" // crashed or down nodes (CrashNode)
)

// Causes of a drop, reported in Fate.Cause and by Arrival.
const (
	CauseLoss         = "loss"          // a loss draw (base config or a Loss fault)
	CausePartition    = "partition"     // a Cut fault on the link
	CauseStreamBroken = "stream-broken" // the stream's epoch changed, or its retransmissions ran out
	CauseNodeDown     = "node-down"     // an end is crashed (between CrashNode and RestartNode)
	CauseInvalid      = "invalid"       // a node index or epoch netsim never issued; not counted
)

// Fate is netsim's decision about one sent message.
type Fate struct {
	// Count is the number of deliveries: 0 (dropped), 1, or 2 (duplicated).
	Count int
	// At holds the delivery instants At[:Count], ascending, each after
	// the send instant.
	At [2]clock.Time
	// Epoch is the link's epoch at send, an opaque token: pass it back to
	// Arrive. For streams it names the connection the message rode on.
	Epoch uint64
	// Dropped is Count == 0.
	Dropped bool
	// Cause is the reason for a drop (one of the Cause constants), or ""
	// when the message is delivered.
	Cause string
	// Fault is the counter id charged with the drop: a fault id, BaseID
	// or CrashID; "" when delivered.
	Fault string
	// Broken reports that this send broke the stream between From and To
	// (retransmissions exhausted); tell both ends, as for Install's list.
	Broken bool
}

// Network is the state of the simulated network: per-link configuration,
// epochs and stream positions, active faults, down nodes and counters. It
// is not safe for concurrent use; a simulation is single-threaded.
type Network struct {
	n     int
	names []string
	index map[string]Node // name lookup only; never iterated
	r     *rng.Stream
	links []link // n*n, index from*n+to
	down  []bool

	seq        uint64            // install sequence, orders faults
	active     []*fault          // active faults in install order
	byID       map[string]*fault // active faults; never iterated
	counters   map[string]*Counters
	counterIDs []string // sorted keys of counters
	base       *fault   // pseudo-fault owning base-config effects
	crash      *fault   // pseudo-fault owning crash effects
}

// link is one directed link's state.
type link struct {
	cfg     *LinkConfig
	window  int64 // resolved reorder window, ns
	epoch   uint64
	lastAt  clock.Time // stream: latest delivery instant in this epoch
	cuts    []*fault   // active Cut faults, install order
	faults  []*fault   // active non-Cut faults, install order
	breaks  []brk      // breaks[e]: what ended epoch e
	traffic traffic    // recent sends (Traffic)
}

// brk records what ended an epoch, for attributing drops in Arrive.
type brk struct {
	cause string
	f     *fault
}

// New builds a network of len(names) nodes; node i is called names[i].
// Every random choice is drawn from r, which the network then owns.
// Errors wrap ErrInvalid and name the offending field and value.
func New(names []string, cfg Config, r *rng.Stream) (*Network, error) {
	if r == nil {
		return nil, errors.New("netsim: New: nil random stream")
	}
	if len(names) == 0 || len(names) > MaxNodes {
		return nil, invalid("len(names)", len(names), fmt.Sprintf("need 1 to MaxNodes=%d nodes", MaxNodes))
	}
	net := &Network{
		n:        len(names),
		names:    append([]string(nil), names...),
		index:    make(map[string]Node, len(names)),
		r:        r,
		links:    make([]link, len(names)*len(names)),
		down:     make([]bool, len(names)),
		byID:     make(map[string]*fault),
		counters: make(map[string]*Counters),
	}
	for i, name := range names {
		field := "names[" + strconv.Itoa(i) + "]"
		if name == "" {
			return nil, invalid(field, name, "empty node name")
		}
		if j, dup := net.index[name]; dup {
			return nil, invalid(field, name, fmt.Sprintf("duplicate node name (also names[%d])", j))
		}
		net.index[name] = Node(i)
	}
	if err := cfg.Default.validate("Default"); err != nil {
		return nil, err
	}
	cfgs := make([]LinkConfig, 1+len(cfg.Links)) // stable storage links point into
	cfgs[0] = cfg.Default
	for i := range net.links {
		net.links[i].cfg = &cfgs[0]
	}
	seen := make(map[int]int, len(cfg.Links))
	for i, o := range cfg.Links {
		field := "Links[" + strconv.Itoa(i) + "]"
		from, ok := net.index[o.From]
		if !ok {
			return nil, invalid(field+".From", o.From, "unknown node name")
		}
		to, ok := net.index[o.To]
		if !ok {
			return nil, invalid(field+".To", o.To, "unknown node name")
		}
		if err := o.LinkConfig.validate(field); err != nil {
			return nil, err
		}
		k := net.key(from, to)
		if j, dup := seen[k]; dup {
			return nil, invalid(field, o.From+"->"+o.To, fmt.Sprintf("link overridden twice (also Links[%d])", j))
		}
		seen[k] = i
		cfgs[1+i] = o.LinkConfig
		net.links[k].cfg = &cfgs[1+i]
	}
	for i := range net.links {
		net.links[i].window = net.links[i].cfg.reorderWindow()
	}
	net.base = &fault{id: BaseID, seq: 0, c: net.countersFor(BaseID)}
	net.crash = &fault{id: CrashID, seq: 0, c: net.countersFor(CrashID)}
	return net, nil
}

// Nodes returns the number of nodes.
func (n *Network) Nodes() int { return n.n }

// Name returns node x's name, or "" if x is not a node.
func (n *Network) Name(x Node) string {
	if !n.valid(x) {
		return ""
	}
	return n.names[x]
}

// Lookup returns the node called name.
func (n *Network) Lookup(name string) (Node, bool) {
	x, ok := n.index[name]
	return x, ok
}

func (n *Network) valid(x Node) bool        { return x >= 0 && int(x) < n.n }
func (n *Network) key(from, to Node) int    { return int(from)*n.n + int(to) }
func (n *Network) link(from, to Node) *link { return &n.links[n.key(from, to)] }

// Send decides the fate of one message sent at now from -> to. Draw order,
// pinned because it is part of every trace: datagram: loss (base, then
// Loss faults in install order, first hit wins), latency, reorder (same
// order; the hit draws its extra delay), duplicate (same order; the hit
// draws the copy's latency). Stream: per attempt a loss draw and, if lost,
// a retransmission latency; then the latency. Clogs draw nothing.
// Dropped messages (cut, down node, lost datagram) draw no latency.
func (n *Network) Send(now clock.Time, from, to Node) Fate {
	if !n.valid(from) || !n.valid(to) {
		return Fate{Dropped: true, Cause: CauseInvalid}
	}
	l := n.link(from, to)
	if n.down[from] || n.down[to] {
		n.crash.c.Dropped++
		return Fate{Epoch: l.epoch, Dropped: true, Cause: CauseNodeDown, Fault: CrashID}
	}
	l.traffic.count(now)
	if f := n.cutBy(from, to, l); f != nil {
		n.creditCuts(from, to, l)
		return Fate{Epoch: l.epoch, Dropped: true, Cause: CausePartition, Fault: f.id}
	}
	if l.cfg.Mode == Stream {
		return n.sendStream(now, from, to, l)
	}
	return n.sendDatagram(now, l)
}

func (n *Network) sendDatagram(now clock.Time, l *link) Fate {
	fate := Fate{Epoch: l.epoch}
	if f := n.draw(l, Loss, l.cfg.Loss); f != nil {
		f.c.Dropped++
		fate.Dropped, fate.Cause, fate.Fault = true, CauseLoss, f.id
		return fate
	}
	d := l.cfg.Latency.sample(n.r)
	extra := n.clog(l)
	if f := n.draw(l, Reorder, l.cfg.Reorder); f != nil {
		w := l.window
		if f != n.base {
			w = f.delay
		}
		d += n.r.Int64Range(1, w)
		f.c.Reordered++
	}
	fate.Count = 1
	fate.At[0] = deliverAt(now, d+extra)
	if f := n.draw(l, Duplicate, l.cfg.Duplicate); f != nil {
		f.c.Duplicated++
		fate.Count = 2
		fate.At[1] = deliverAt(now, l.cfg.Latency.sample(n.r)+extra)
		if fate.At[1] < fate.At[0] {
			fate.At[0], fate.At[1] = fate.At[1], fate.At[0]
		}
	}
	return fate
}

// draw runs the base probability p, then every active fault of kind k on
// l in install order, and returns the owner of the first hit, or nil.
func (n *Network) draw(l *link, k FaultKind, p float64) *fault {
	if n.r.Chance(p) {
		return n.base
	}
	for _, f := range l.faults {
		if f.kind == k && n.r.Chance(f.p) {
			return f
		}
	}
	return nil
}

// clog sums the delays of the Clog faults on l, counting one delayed
// message against each.
func (n *Network) clog(l *link) int64 {
	var d int64
	for _, f := range l.faults {
		if f.kind == Clog {
			d += f.delay
			f.c.Delayed++
		}
	}
	return d
}

// deliverAt is now+d, at least 1ns after now, saturating below Never.
func deliverAt(now clock.Time, d int64) clock.Time {
	if d < 1 {
		d = 1
	}
	if now > clock.Never-1-clock.Time(d) {
		return clock.Never - 1
	}
	return now + clock.Time(d)
}

// Arrive is asked when a message sent with Fate.Epoch is due at its
// destination. It reports false if the message must be dropped now — the
// link was cut since the send, the stream broke, or the destination is
// down — and counts the drop against the responsible fault (or CrashID).
// Call it exactly once per delivery (or call Arrival instead).
func (n *Network) Arrive(now clock.Time, from, to Node, epoch uint64) bool {
	cause, _ := n.Arrival(now, from, to, epoch)
	return cause == ""
}

// Arrival is Arrive with the reason: cause is "" to deliver, else one of
// the Cause constants, and fault the counter id charged with the drop.
func (n *Network) Arrival(now clock.Time, from, to Node, epoch uint64) (cause, fault string) {
	if !n.valid(from) || !n.valid(to) {
		return CauseInvalid, ""
	}
	l := n.link(from, to)
	switch {
	case epoch > l.epoch:
		return CauseInvalid, ""
	case epoch < l.epoch:
		b := l.breaks[epoch]
		b.f.c.Dropped++
		if l.cfg.Mode == Stream {
			return CauseStreamBroken, b.f.id
		}
		return b.cause, b.f.id
	case n.down[to]:
		// Unreachable while every crash bumps incoming epochs; kept so a
		// down node never receives.
		n.crash.c.Dropped++
		return CauseNodeDown, CrashID
	}
	return "", ""
}

// Reachable reports whether a message sent now from -> to could be
// delivered: both ends up, the link not cut and, for a stream link, the
// reverse link not cut either (a stream needs both directions).
func (n *Network) Reachable(from, to Node) bool {
	if !n.valid(from) || !n.valid(to) || n.down[from] || n.down[to] {
		return false
	}
	return n.cutBy(from, to, n.link(from, to)) == nil
}

// creditCuts counts a message refused at send against every Cut that
// would have refused it alone: overlapping partitions each get the
// landing evidence, though Fate names only the earliest.
func (n *Network) creditCuts(from, to Node, l *link) {
	for _, f := range l.cuts {
		f.c.Dropped++
	}
	if l.cfg.Mode == Stream {
		for _, f := range n.link(to, from).cuts {
			if !slices.Contains(l.cuts, f) {
				f.c.Dropped++
			}
		}
	}
}

// cutBy returns the earliest-installed Cut fault silencing from -> to:
// one on the link itself or, for a stream, on the reverse link.
func (n *Network) cutBy(from, to Node, l *link) *fault {
	var f *fault
	if len(l.cuts) > 0 {
		f = l.cuts[0]
	}
	if l.cfg.Mode == Stream {
		if r := n.link(to, from); len(r.cuts) > 0 && (f == nil || r.cuts[0].seq < f.seq) {
			f = r.cuts[0]
		}
	}
	return f
}
