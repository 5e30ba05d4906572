package netsim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Sentinel errors of Install and Remove.
var (
	ErrUnknownFault = errors.New("netsim: unknown fault id")
	ErrFaultActive  = errors.New("netsim: fault id already active")
)

// FaultKind selects what a fault does to the messages on its links.
type FaultKind uint8

// The fault kinds.
const (
	Cut       FaultKind = iota // drop everything (a partition); breaks streams
	Clog                       // delay every message by Delay instead of dropping it
	Loss                       // drop each message with probability P
	Duplicate                  // duplicate each datagram with probability P
	Reorder                    // hold each datagram back by up to Delay with probability P
	numFaultKinds
)

// String returns the kind's plan-file name.
func (k FaultKind) String() string {
	switch k {
	case Cut:
		return "cut"
	case Clog:
		return "clog"
	case Loss:
		return "loss"
	case Duplicate:
		return "duplicate"
	case Reorder:
		return "reorder"
	}
	return fmt.Sprintf("FaultKind(%d)", uint8(k))
}

// ParseFaultKind returns the kind named s (cut, clog, loss, duplicate,
// reorder).
func ParseFaultKind(s string) (FaultKind, error) {
	return parseEnum("fault kind", s, numFaultKinds, FaultKind.String)
}

// Fault is a network fault applied to a set of directed links while it is
// installed. Fields a kind does not use must be zero:
//
//   - Cut: nothing crosses Links (see the partition shapes).
//   - Clog: every message sent on Links is delayed by Delay (> 0); streams
//     keep their order.
//   - Loss: each message is dropped with probability P in (0,1]; on a
//     stream a loss costs a retransmission instead (see LinkConfig.Loss).
//   - Duplicate: each datagram is duplicated with probability P; no effect
//     on streams.
//   - Reorder: each datagram is held back by an extra delay uniform over
//     [1ns, Delay] with probability P; no effect on streams.
type Fault struct {
	Kind  FaultKind
	Links []Link
	Delay time.Duration
	P     float64
}

// Counters is the landing evidence of one fault id: how many messages it
// dropped (at send or on arrival), delayed (clog, stream retransmission),
// duplicated, or held back for reordering.
type Counters struct {
	Dropped, Delayed, Duplicated, Reordered uint64
}

// Landed reports whether the fault affected any message.
func (c Counters) Landed() bool {
	return c.Dropped+c.Delayed+c.Duplicated+c.Reordered > 0
}

// fault is an installed fault, or one of the base/crash pseudo-faults.
type fault struct {
	id    string
	kind  FaultKind
	links []Link // validated, sorted, distinct
	delay int64
	p     float64
	seq   uint64 // install order; 0 for pseudo-faults
	c     *Counters
}

// maxIDLen bounds fault ids, which appear in every trace line they touch.
const maxIDLen = 64

// Install activates fault f under id (for example "p1"). Several faults
// may be active at once, on overlapping links; a send refused by several
// cuts is charged to the earliest installed and counted by each. For a Cut it returns the stream links
// (directed, sorted) whose live stream broke: sim tells both ends of each.
// Counters for id keep accumulating if id is reused after Remove.
func (n *Network) Install(id string, f Fault) (broken []Link, err error) {
	if err := n.checkID(id); err != nil {
		return nil, err
	}
	links, err := n.checkFault(id, &f)
	if err != nil {
		return nil, err
	}
	n.seq++
	ft := &fault{id: id, kind: f.Kind, links: links, delay: int64(f.Delay), p: f.P, seq: n.seq, c: n.countersFor(id)}
	n.active = append(n.active, ft)
	n.byID[id] = ft
	if f.Kind != Cut {
		for _, k := range links {
			l := n.link(k.From, k.To)
			l.faults = append(l.faults, ft)
		}
		return nil, nil
	}
	return n.installCut(ft), nil
}

// installCut adds ft to its links' cuts. A datagram link that becomes cut
// ends its epoch (messages in flight are dropped on arrival); a stream
// pair that was alive breaks in both directions.
func (n *Network) installCut(ft *fault) []Link {
	pairs := cutPairs(ft.links)
	alive := make([]bool, len(pairs))
	for i, p := range pairs {
		alive[i] = n.streamAlive(p.From, p.To)
	}
	for _, k := range ft.links {
		l := n.link(k.From, k.To)
		l.cuts = append(l.cuts, ft)
		if l.cfg.Mode == Datagram && len(l.cuts) == 1 {
			l.bump(CausePartition, ft)
		}
	}
	var broken []Link
	for i, p := range pairs {
		if alive[i] && !n.streamAlive(p.From, p.To) {
			broken = append(broken, n.breakPair(p.From, p.To, CausePartition, ft)...)
		}
	}
	slices.SortFunc(broken, cmpLink)
	return broken
}

// Remove heals the fault installed under id. Streams on healed links work
// again in their new epoch; nothing sent during the cut is delivered.
func (n *Network) Remove(id string) error {
	ft, ok := n.byID[id]
	if !ok {
		return fmt.Errorf("%w %q (active: %s)", ErrUnknownFault, id, strings.Join(n.FaultIDs(), ", "))
	}
	delete(n.byID, id)
	n.active = slices.DeleteFunc(n.active, func(f *fault) bool { return f == ft })
	if ft.kind != Cut {
		for _, k := range ft.links {
			l := n.link(k.From, k.To)
			l.faults = slices.DeleteFunc(l.faults, func(f *fault) bool { return f == ft })
		}
		return nil
	}
	pairs := cutPairs(ft.links)
	for _, k := range ft.links {
		l := n.link(k.From, k.To)
		l.cuts = slices.DeleteFunc(l.cuts, func(f *fault) bool { return f == ft })
	}
	// A stream pair that comes back to life starts a fresh epoch, so the
	// sends dropped while it was dead belong to a dead epoch of their own.
	for _, p := range pairs {
		if n.streamAlive(p.From, p.To) {
			n.breakPair(p.From, p.To, CausePartition, ft)
		}
	}
	return nil
}

// cutPairs returns the unordered node pairs (From < To) touched by links,
// sorted and distinct.
func cutPairs(links []Link) []Link {
	pairs := make([]Link, 0, len(links))
	for _, k := range links {
		pairs = append(pairs, Link{min(k.From, k.To), max(k.From, k.To)})
	}
	slices.SortFunc(pairs, cmpLink)
	return slices.Compact(pairs)
}

// FaultIDs returns the ids of the active faults, sorted.
func (n *Network) FaultIDs() []string {
	ids := make([]string, 0, len(n.active))
	for _, f := range n.active {
		ids = append(ids, f.id)
	}
	slices.Sort(ids)
	return ids
}

// CutLinks returns the directed links cut by active faults, sorted.
func (n *Network) CutLinks() []Link {
	var out []Link
	for i := range n.links {
		if len(n.links[i].cuts) > 0 {
			out = append(out, Link{Node(i / n.n), Node(i % n.n)})
		}
	}
	return out
}

// Counters returns the landing evidence recorded under id: a fault id
// (active or removed), BaseID for the configuration's own loss,
// duplication and reordering, or CrashID for drops caused by CrashNode.
// An id never seen has zero counters.
func (n *Network) Counters(id string) Counters {
	if c, ok := n.counters[id]; ok {
		return *c
	}
	return Counters{}
}

// CounterIDs returns every id with counters (BaseID, CrashID and every
// fault id ever installed), sorted.
func (n *Network) CounterIDs() []string { return slices.Clone(n.counterIDs) }

func (n *Network) countersFor(id string) *Counters {
	if c, ok := n.counters[id]; ok {
		return c
	}
	c := &Counters{}
	n.counters[id] = c
	i, _ := slices.BinarySearch(n.counterIDs, id)
	n.counterIDs = slices.Insert(n.counterIDs, i, id)
	return c
}

func (n *Network) checkID(id string) error {
	switch {
	case id == "":
		return invalid("fault id", id, "empty")
	case len(id) > maxIDLen:
		return invalid("fault id", id, fmt.Sprintf("longer than %d bytes", maxIDLen))
	case strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }):
		return invalid("fault id", id, "contains space or unprintable characters")
	case id == BaseID || id == CrashID:
		return invalid("fault id", id, "reserved (BaseID, CrashID)")
	}
	if _, ok := n.byID[id]; ok {
		return fmt.Errorf("%w: %q", ErrFaultActive, id)
	}
	return nil
}

// checkFault validates f and returns its links sorted and deduplicated.
func (n *Network) checkFault(id string, f *Fault) ([]Link, error) {
	field := "fault " + strconv.Quote(id)
	if f.Kind >= numFaultKinds {
		return nil, invalid(field+" Kind", f.Kind, "unknown fault kind; valid: "+enumNames(numFaultKinds, FaultKind.String))
	}
	needDelay := f.Kind == Clog || f.Kind == Reorder
	needP := f.Kind == Loss || f.Kind == Duplicate || f.Kind == Reorder
	switch {
	case needDelay && (f.Delay <= 0 || f.Delay > MaxDelay):
		return nil, invalid(field+" Delay", f.Delay, fmt.Sprintf("%s needs a Delay in (0, MaxDelay=%v]", f.Kind, MaxDelay))
	case !needDelay && f.Delay != 0:
		return nil, invalid(field+" Delay", f.Delay, fmt.Sprintf("%s takes no Delay", f.Kind))
	case needP && !(f.P > 0 && f.P <= 1):
		return nil, invalid(field+" P", f.P, fmt.Sprintf("%s needs a probability P in (0,1]", f.Kind))
	case !needP && f.P != 0:
		return nil, invalid(field+" P", f.P, fmt.Sprintf("%s takes no P", f.Kind))
	case len(f.Links) == 0:
		return nil, invalid(field+" Links", "[]", "no links")
	}
	links := slices.Clone(f.Links)
	for i, k := range links {
		lf := field + " Links[" + strconv.Itoa(i) + "]"
		switch {
		case !n.valid(k.From):
			return nil, invalid(lf, k, fmt.Sprintf("node %d out of range [0,%d)", k.From, n.n))
		case !n.valid(k.To):
			return nil, invalid(lf, k, fmt.Sprintf("node %d out of range [0,%d)", k.To, n.n))
		case k.From == k.To:
			return nil, invalid(lf, k, "self-link")
		}
	}
	slices.SortFunc(links, cmpLink)
	return slices.Compact(links), nil
}
