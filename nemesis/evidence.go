package nemesis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/sim"
)

// Counter is one named number of landing evidence.
type Counter struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// Evidence says whether one fault landed: whether it affected anything
// the system under test did. A fault that did not land tested nothing; a
// run with one is INCONCLUSIVE-fault-not-proven, never PASS.
type Evidence struct {
	ID    string   `json:"id"`
	Kind  Kind     `json:"kind"`
	Nodes []string `json:"nodes,omitempty"`
	// Role is a role-aimed fault's role; Nodes is then the holder it
	// resolved to (empty if it never did).
	Role   string `json:"role,omitempty"`
	State  State  `json:"state"`
	Landed bool   `json:"landed"`
	// Counters are the numbers Landed is decided from, in a fixed order
	// per kind:
	//
	//   - partition, clog, loss, duplicate, reorder: the netsim counters
	//     under the fault's id (dropped, delayed, duplicated, reordered);
	//     a partition or a loss landed if it dropped a message (a loss on a
	//     stream link delays instead), a clog if it delayed one, a
	//     duplicate if it duplicated one, a reorder if it held one back.
	//   - crash: sums over the nodes of the sim.NodeStats deltas over the
	//     window: running (crashes of a node whose Start had run, so its
	//     volatile memory was lost), timers_discarded, messages_lost
	//     (in flight to it, or sent to it while down), requests_lost
	//     (the client requests among them) and the disk's losses
	//     (writes_lost, writes_torn, bytes_lost, truncates_lost,
	//     names_lost, files_lost, sectors_corrupted, and syncs_cut when
	//     an fsync under disk latency was in flight); landed if any is
	//     > 0: a node crashed while it ran lost its memory.
	//   - pause: parked, the events held back; landed if > 0.
	//   - clock-offset, clock-drift, clock-jump: clock_reads and
	//     timers_fired on the nodes over the window; landed if either > 0.
	//   - disk: fired and bytes of the disk counter under the fault's id;
	//     landed if fired > 0. Corrupt fires only at a crash of the node.
	//   - upgrade: restarted (from the new factory) and up (at the end);
	//     landed if every node was restarted and is up.
	Counters []Counter `json:"counters"`
	// Detail explains a fault that did not land or went wrong.
	Detail string `json:"detail,omitempty"`
}

// Counter returns the counter called name, or 0.
func (e Evidence) Counter(name string) int64 {
	for _, c := range e.Counters {
		if c.Name == name {
			return c.Value
		}
	}
	return 0
}

// Evidence returns the landing evidence of every fault, in schedule
// order. For a fault still active it counts up to now.
func (n *Nemesis) Evidence() []Evidence {
	out := make([]Evidence, 0, len(n.sched))
	for i := range n.sched {
		out = append(out, n.evidence(i))
	}
	return out
}

// statsDelta sums, over the fault's nodes, the change of their stats over
// the fault's window (to now while it is active).
func (n *Nemesis) statsDelta(i int) sim.NodeStats {
	f, st := &n.sched[i], &n.st[i]
	after := st.after
	if st.state == Active {
		after = n.stats(f.Nodes)
	}
	var d sim.NodeStats
	for j := range after {
		a, b := after[j], st.before[j]
		d.Crashes += a.Crashes - b.Crashes
		d.Restarts += a.Restarts - b.Restarts
		d.CrashesRunning += a.CrashesRunning - b.CrashesRunning
		d.RequestsLost += a.RequestsLost - b.RequestsLost
		d.TimersDiscarded += a.TimersDiscarded - b.TimersDiscarded
		d.MessagesLost += a.MessagesLost - b.MessagesLost
		d.Parked += a.Parked - b.Parked
		d.ClockReads += a.ClockReads - b.ClockReads
		d.TimersFired += a.TimersFired - b.TimersFired
		d.Received += a.Received - b.Received
		d.Disk.WritesLost += a.Disk.WritesLost - b.Disk.WritesLost
		d.Disk.WritesTorn += a.Disk.WritesTorn - b.Disk.WritesTorn
		d.Disk.WritesKept += a.Disk.WritesKept - b.Disk.WritesKept
		d.Disk.BytesLost += a.Disk.BytesLost - b.Disk.BytesLost
		d.Disk.TruncatesLost += a.Disk.TruncatesLost - b.Disk.TruncatesLost
		d.Disk.NamesLost += a.Disk.NamesLost - b.Disk.NamesLost
		d.Disk.NamesKept += a.Disk.NamesKept - b.Disk.NamesKept
		d.Disk.FilesLost += a.Disk.FilesLost - b.Disk.FilesLost
		d.Disk.SectorsCorrupted += a.Disk.SectorsCorrupted - b.Disk.SectorsCorrupted
		d.Disk.SyncsCut += a.Disk.SyncsCut - b.Disk.SyncsCut
	}
	return d
}

func (n *Nemesis) evidence(i int) Evidence {
	f, st := &n.sched[i], &n.st[i]
	e := Evidence{ID: f.ID, Kind: f.Kind, Nodes: slices.Clone(f.Nodes), Role: f.Role, State: st.state, Counters: []Counter{}}
	switch {
	case st.state == Pending && n.w.StoppedEarly():
		e.State = NotReached
		e.Detail = fmt.Sprintf("not reached: the run stopped at %v, before it started (at %v)", n.w.Now(), f.Start)
		if st.waits > 0 {
			e.Detail = fmt.Sprintf("not reached: the run stopped at %v while it waited for a holder of role %s", n.w.Now(), f.Role)
		}
		return e
	case st.state == Unresolved:
		e.Detail = fmt.Sprintf("no free node held role %s between %v and %v (%d attempts)", f.Role, f.Start, f.End, st.waits)
		return e
	}
	if st.state == Pending || st.state == Refused {
		e.Detail = "never applied"
		if st.state == Pending {
			e.Detail = fmt.Sprintf("not started (starts at %v; now %v)", f.Start, n.w.Now())
		}
		if st.err != nil {
			e.Detail += ": " + st.err.Error()
		}
		return e
	}
	add := func(name string, v int64) { e.Counters = append(e.Counters, Counter{name, v}) }
	switch {
	case f.Kind.isNet():
		c := n.w.Network().Counters(f.ID)
		b := st.netBefore
		dropped, delayed := int64(c.Dropped-b.Dropped), int64(c.Delayed-b.Delayed)
		duplicated, reordered := int64(c.Duplicated-b.Duplicated), int64(c.Reordered-b.Reordered)
		add("dropped", dropped)
		add("delayed", delayed)
		add("duplicated", duplicated)
		add("reordered", reordered)
		switch f.Kind {
		case Partition:
			e.Landed = dropped > 0
		case Clog:
			e.Landed = delayed > 0
		case Loss:
			e.Landed = dropped+delayed > 0
		case Duplicate:
			e.Landed = duplicated > 0
		case Reorder:
			e.Landed = reordered > 0
		}
		if !e.Landed {
			e.Detail = "no message on its links was affected"
		}
	case f.Kind == Crash:
		d := n.statsDelta(i)
		add("running", d.CrashesRunning)
		add("timers_discarded", d.TimersDiscarded)
		add("messages_lost", d.MessagesLost)
		add("requests_lost", d.RequestsLost)
		add("writes_lost", d.Disk.WritesLost)
		add("writes_torn", d.Disk.WritesTorn)
		add("bytes_lost", d.Disk.BytesLost)
		add("truncates_lost", d.Disk.TruncatesLost)
		add("names_lost", d.Disk.NamesLost)
		add("files_lost", d.Disk.FilesLost)
		add("sectors_corrupted", d.Disk.SectorsCorrupted)
		if d.Disk.SyncsCut > 0 {
			add("syncs_cut", d.Disk.SyncsCut) // only under disk latency
		}
		e.Landed = d.CrashesRunning+d.TimersDiscarded+d.MessagesLost > 0 || d.Disk.Discarded()
		if !e.Landed {
			e.Detail = "the crash found no running node and discarded no timer, message or unsynced disk state"
		}
	case f.Kind == Pause:
		d := n.statsDelta(i)
		add("parked", d.Parked)
		e.Landed = d.Parked > 0
		if !e.Landed {
			e.Detail = "no message or timer was held back while paused"
		}
	case f.Kind == ClockOffset || f.Kind == ClockDrift || f.Kind == ClockJump:
		d := n.statsDelta(i)
		add("clock_reads", d.ClockReads)
		add("timers_fired", d.TimersFired)
		e.Landed = d.ClockReads+d.TimersFired > 0
		if !e.Landed {
			e.Detail = "no clock read or timer observed the skewed clock"
		}
	case f.Kind == Disk:
		after := st.diskAfter
		if st.state == Active {
			after = n.diskCounters(f)
		}
		var fired, bytes int64
		for j := range after {
			fired += after[j].Fired - st.diskBefore[j].Fired
			bytes += after[j].Bytes - st.diskBefore[j].Bytes
		}
		add("fired", fired)
		add("bytes", bytes)
		e.Landed = fired > 0
		switch {
		case e.Landed:
		case f.DiskKind == disk.Corrupt && !f.CrashAtEnd:
			e.Detail = "Corrupt fires only when the node crashes while it is active, and it did not fire"
		default:
			e.Detail = "no disk operation matched it"
		}
	case f.Kind == Upgrade:
		up := int64(st.up)
		if st.state == Active {
			up = 0
			for _, node := range f.Nodes {
				if n.w.IsUp(node) {
					up++
				}
			}
		}
		add("restarted", int64(st.restarted))
		add("up", up)
		e.Landed = st.restarted == len(f.Nodes) && int(up) == len(f.Nodes)
		if !e.Landed {
			e.Detail = fmt.Sprintf("%d of %d nodes restarted from %s", st.restarted, len(f.Nodes), f.Factory)
		}
	}
	if st.fellBack {
		e.Detail = strings.TrimPrefix(e.Detail+"; ", "; ") + "no free holder of role " + f.Role + " by mid-window: aimed at " + strings.Join(f.Resolved, ",") + ", which does not hold it"
	}
	if st.err != nil {
		e.Landed = false
		e.Detail = strings.TrimPrefix(e.Detail+"; ", "; ") + st.err.Error()
	}
	return e
}

// Summary renders the schedule and its evidence for people: a headline,
// then one line per fault.
func (n *Nemesis) Summary() string {
	ev := n.Evidence()
	var landed, unreached int
	var missing []string
	for _, e := range ev {
		if e.State == NotReached {
			unreached++
			continue
		}
		if e.Landed {
			landed++
		} else {
			missing = append(missing, e.ID)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "nemesis: %d faults, %d landed", len(ev), landed)
	if unreached > 0 {
		fmt.Fprintf(&b, ", %d not reached (the run stopped first)", unreached)
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, ", not landed: %s", strings.Join(missing, ", "))
	}
	if n.Healed() {
		fmt.Fprintf(&b, "; all healed, last at %v", n.lastHeal)
	} else {
		b.WriteString("; not all healed")
	}
	if err := n.Err(); err != nil {
		fmt.Fprintf(&b, "; %d harness errors", len(n.errs))
	}
	b.WriteString("\n")
	for i, e := range ev {
		fmt.Fprintf(&b, "  %s: %s", n.sched[i], e.State)
		switch {
		case e.State == NotReached:
		case e.Landed:
			b.WriteString(", landed")
		default:
			b.WriteString(", NOT landed")
		}
		for _, c := range e.Counters {
			fmt.Fprintf(&b, " %s=%d", c.Name, c.Value)
		}
		if e.Detail != "" {
			b.WriteString(" (" + e.Detail + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}
