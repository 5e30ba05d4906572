package sim

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/netsim"
)

func (w *World) lookup(name string) (*nodeState, error) {
	i, ok := w.byName[name]
	if !ok {
		return nil, fmt.Errorf("sim: unknown node %q; nodes: %s", name, strings.Join(w.names, ", "))
	}
	return w.nodes[i], nil
}

// IsUp reports whether the named node is running (paused counts as up).
func (w *World) IsUp(name string) bool {
	n, err := w.lookup(name)
	return err == nil && n.up
}

// Crash crashes the named node now: its object, timers and parked events
// are dropped, messages in flight to it will be discarded, its streams
// break (peers are told), and its disk applies its crash mode.
func (w *World) Crash(name string) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if !n.up {
		return fmt.Errorf("sim: crash %s: node is already down", name)
	}
	if n.booted {
		n.stats.CrashesRunning++ // its Start had run: volatile memory is lost
	}
	n.up, n.paused, n.booted = false, false, false
	n.busyUntil = 0
	drop(n.node)
	n.node, n.env = nil, nil
	n.inc++
	for _, ev := range n.parked {
		if ev.kind == evSend { // sent after a disk operation it never returned from
			w.freeMessage(ev.id)
			continue
		}
		if ev.kind == evDeliver {
			w.res.Dropped++
			m := &w.msgs[ev.id]
			w.countLost(n, m.from)
			w.record(Record{Kind: KindDrop, Node: m.from, Peer: m.to, Len: len(m.payload), Digest: Digest(m.payload), Detail: "receiver-crashed"})
			w.freeMessage(ev.id)
		}
	}
	n.parked = n.parked[:0]
	for i := range w.timers {
		if t := &w.timers[i]; t.live && t.node == n.idx {
			w.freeTimer(uint64(i))
			n.stats.TimersDiscarded++
		}
	}
	n.disk.Advance(w.now) // syncs completed by now are durable; the rest are cut
	rep := n.disk.Crash()
	n.stats.Crashes++
	n.stats.Disk.Add(rep)
	w.record(Record{Kind: KindCrash, Node: n.idx, Peer: -1, Detail: rep.String()})
	if n.role != "" {
		w.setRole(n, "")
	}
	if err := n.disk.CheckInvariants(); err != nil {
		w.harness("synced-data-lost", "disk of %s after crash: %v", name, err)
	}
	w.notifyBroken(w.net.CrashNode(netsim.Node(n.idx)))
	return nil
}

// drop tells a node that implements Dropper that its object is discarded.
func drop(node Node) {
	if d, ok := node.(Dropper); ok {
		d.Drop()
	}
}

// Restart boots the named crashed node again from its own factory.
func (w *World) Restart(name string) error { return w.RestartWith(name, nil) }

// RestartWith boots the named crashed node from factory f (nil: its own),
// keeping its disk: an upgrade or a rollback. f becomes the node's factory
// for later restarts.
func (w *World) RestartWith(name string, f Factory) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if n.up {
		return fmt.Errorf("sim: restart %s: node is up; crash it first", name)
	}
	if f != nil {
		n.factory = f
	}
	n.up = true
	n.stats.Restarts++
	w.net.RestartNode(netsim.Node(n.idx))
	w.agenda.Push(w.now, event{kind: evStart, node: n.idx, gen: n.inc})
	return nil
}

// Pause freezes the named node: deliveries and timers wait until Resume.
func (w *World) Pause(name string) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if !n.up || n.paused {
		return fmt.Errorf("sim: pause %s: node is %s", name, w.state(n))
	}
	n.paused = true
	w.record(Record{Kind: KindPause, Node: n.idx, Peer: -1})
	return nil
}

// Resume unfreezes the named node; what waited is delivered now, in order.
func (w *World) Resume(name string) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if !n.paused {
		return fmt.Errorf("sim: resume %s: node is %s", name, w.state(n))
	}
	n.paused = false
	w.record(Record{Kind: KindResume, Node: n.idx, Peer: -1, Len: len(n.parked)})
	for _, ev := range n.parked {
		w.agenda.Push(w.now, ev)
	}
	n.parked = n.parked[:0]
	return nil
}

func (w *World) state(n *nodeState) string {
	switch {
	case !n.up:
		return "down"
	case n.paused:
		return "paused"
	}
	return "running"
}

// SetDrift changes the named node's clock drift from now on; its pending
// timers move accordingly.
func (w *World) SetDrift(name string, ppm int64) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if err := n.clk.SetDrift(w.now, ppm); err != nil {
		return fmt.Errorf("sim: drift of %s: %w", name, err)
	}
	w.record(Record{Kind: KindClock, Node: n.idx, Peer: -1, Detail: fmt.Sprintf("drift %dppm", ppm)})
	for i := range w.timers {
		t := &w.timers[i]
		if !t.live || t.node != n.idx {
			continue
		}
		t.arm++
		w.agenda.Push(n.clk.TrueAtMono(w.now, t.mono), event{kind: evTimer, node: n.idx, gen: t.arm, id: uint64(i)})
	}
	return nil
}

// SetClockOffset sets the named node's wall-clock offset from true time.
func (w *World) SetClockOffset(name string, d time.Duration) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	n.clk.SetOffset(d)
	w.record(Record{Kind: KindClock, Node: n.idx, Peer: -1, Detail: "offset " + d.String()})
	return nil
}

// JumpClock steps the named node's wall clock by d (negative: backwards) at
// true instant at (not before now). Timers are not moved.
func (w *World) JumpClock(name string, at clock.Time, d time.Duration) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	if at < w.now {
		at = w.now
	}
	n.clk.ScheduleJump(at, d)
	w.record(Record{Kind: KindClock, Node: n.idx, Peer: -1, Detail: fmt.Sprintf("jump %v at %v", d, at)})
	return nil
}

// InstallNetFault installs a network fault (a partition, clogging, loss,
// duplication or reordering) under id; streams it breaks are reported to
// both ends.
func (w *World) InstallNetFault(id string, f netsim.Fault) error {
	broken, err := w.net.Install(id, f)
	if err != nil {
		return fmt.Errorf("sim: network fault %s: %w", id, err)
	}
	w.record(Record{Kind: KindFault, Node: -1, Peer: -1, Detail: "install " + id + " " + w.describeNetFault(f)})
	w.notifyBroken(broken)
	return nil
}

// RemoveNetFault removes (heals) the network fault id.
func (w *World) RemoveNetFault(id string) error {
	if err := w.net.Remove(id); err != nil {
		return fmt.Errorf("sim: network fault %s: %w", id, err)
	}
	w.record(Record{Kind: KindFault, Node: -1, Peer: -1, Detail: "remove " + id})
	return nil
}

// notifyBroken tells each live end of each broken stream, once per peer.
func (w *World) notifyBroken(links []netsim.Link) {
	type pair struct{ node, peer int32 }
	var ps []pair
	for _, l := range links {
		ps = append(ps, pair{int32(l.From), int32(l.To)}, pair{int32(l.To), int32(l.From)})
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].node != ps[j].node {
			return ps[i].node < ps[j].node
		}
		return ps[i].peer < ps[j].peer
	})
	for i, p := range ps {
		if i > 0 && ps[i-1] == p {
			continue
		}
		n := w.nodes[p.node]
		if !n.up {
			continue
		}
		w.agenda.Push(w.now, event{kind: evBroken, node: p.node, gen: n.inc, id: uint64(p.peer)})
	}
}

// describeNetFault renders a network fault for the trace with node names.
func (w *World) describeNetFault(f netsim.Fault) string {
	s := f.Kind.String()
	if f.Kind == netsim.Cut {
		return s + " " + w.net.Describe(f.Links)
	}
	var b strings.Builder
	b.WriteString(s)
	if f.P > 0 {
		fmt.Fprintf(&b, " p=%g", f.P)
	}
	if f.Delay > 0 {
		fmt.Fprintf(&b, " delay=%v", f.Delay)
	}
	for i, l := range f.Links {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(",")
		}
		b.WriteString(w.names[l.From] + "->" + w.names[l.To])
	}
	return b.String()
}
