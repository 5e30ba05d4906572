package nemesis

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// Options configure Apply.
type Options struct {
	// Budget is the scenario's fault budget; the schedule must fit it,
	// and the Nemesis checks it again as the world runs.
	Budget Budget
	// Factories are the factories upgrades restart nodes from, by the
	// name a Fault's Factory gives ("v2", or "v1" for a rollback).
	Factories map[string]sim.Factory
	// BaseDriftPPM is each node's configured drift (NodeSpec.DriftPPM),
	// which a clock-drift fault restores at its end; absent means 0.
	BaseDriftPPM map[string]int64
}

// State is where a fault is in its life.
type State string

// The states of a fault.
const (
	Pending State = "pending" // not started yet
	Active  State = "active"  // started, not healed
	Healed  State = "healed"  // started and healed
	Refused State = "refused" // its start would have left the budget; never applied
	// Unresolved: a role-aimed fault whose role had no free holder from
	// its Start to its End; never applied.
	Unresolved State = "unresolved"
	// NotReached: the run stopped (on a finding, or its event budget)
	// before the fault's start. It is not evidence against the fault:
	// the run never got there.
	NotReached State = "not-reached"
)

// Harness invariants the Nemesis reports through Err.
const (
	InvariantOutsideBudget = "fault-outside-budget" // a fault would have left its budget
	InvariantNotApplied    = "fault-not-applied"    // the world refused to apply or heal a fault
)

// Nemesis is a schedule applied to a world: it knows which faults are
// active, the evidence that each landed, and any breach of its budget.
type Nemesis struct {
	w        *sim.World
	sched    Schedule
	opts     Options
	st       []faultState
	held     []span // nodes down or paused by the nemesis now
	errs     []error
	lastHeal clock.Time // instant of the latest heal
	// waiting are role-aimed faults whose start found no free holder;
	// they are tried again when a role changes or a fault heals.
	waiting []int
	watched bool              // registered with World.OnRoleChange
	last    map[string]string // role -> the node that claimed it last
}

// faultState is the run-time record of one fault.
type faultState struct {
	state         State
	started       clock.Time
	healed        clock.Time
	applied       []string        // nodes the fault was applied to (node faults)
	installed     bool            // network fault installed
	before, after []sim.NodeStats // per Fault.Nodes, at start and at heal
	netBefore     netsim.Counters // network counters under the id at start
	diskBefore    []disk.FaultCounter
	diskAfter     []disk.FaultCounter
	restarted     int  // upgrade: nodes restarted from the new factory
	up            int  // upgrade: nodes up at the end
	waits         int  // role-aimed: start attempts that found no free holder
	fellBack      bool // role-aimed: no holder by mid-window; aimed at a non-holder
	err           error
}

// action is one scheduled call on the world.
type action struct {
	at    clock.Time
	heal  bool // heals run before starts at the same instant
	label string
	fn    func()
}

// Apply validates s against w's nodes and opts.Budget, checks that every
// upgrade's factory is in opts.Factories and that no fault starts before
// w.Now(), and schedules every fault's start and end (and an upgrade's
// steps) with w.At. It draws no randomness. The returned Nemesis follows
// the faults as the world runs.
func Apply(w *sim.World, s Schedule, opts Options) (*Nemesis, error) {
	norm, err := s.check(w.Names(), &opts.Budget)
	if err != nil {
		return nil, err
	}
	var errs []error
	active := w.Network().FaultIDs()
	for _, f := range norm {
		if f.Start < w.Now() {
			errs = append(errs, &FieldError{Fault: f.ID, Field: "start", Value: f.Start.String(), Reason: "before the world's current instant", Valid: "from " + w.Now().String(), Err: ErrInvalid})
		}
		if f.Kind == Upgrade && opts.Factories[f.Factory] == nil {
			var names []string
			for name, fac := range opts.Factories {
				if fac != nil {
					names = append(names, name)
				}
			}
			slices.Sort(names)
			errs = append(errs, &FieldError{Fault: f.ID, Field: "factory", Value: strconv.Quote(f.Factory), Reason: "not in Options.Factories", Valid: strings.Join(names, ", "), Err: ErrInvalid})
		}
		if f.Kind.isNet() && slices.Contains(active, f.ID) {
			errs = append(errs, &FieldError{Fault: f.ID, Field: "id", Value: strconv.Quote(f.ID), Reason: "a network fault with this id is already installed", Err: ErrInvalid})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	n := &Nemesis{w: w, sched: norm, opts: opts, st: make([]faultState, len(norm))}
	for i := range n.st {
		n.st[i].state = Pending
	}
	if slices.ContainsFunc(norm, func(f Fault) bool { return f.Role != "" }) {
		n.watch()
	}
	var acts []action
	for i := range norm {
		acts = append(acts, n.actions(i)...)
	}
	slices.SortStableFunc(acts, func(a, b action) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		switch {
		case a.heal && !b.heal:
			return -1
		case !a.heal && b.heal:
			return 1
		}
		return 0
	})
	for _, a := range acts {
		fn := a.fn
		w.At(a.at, a.label, func(*sim.World) { fn() })
	}
	return n, nil
}

// label is the fault's short description in action labels: kind, shape
// and nodes.
func label(f *Fault) string {
	s := string(f.Kind)
	if f.Kind == Partition {
		s += " " + string(f.Shape)
	}
	if f.Kind == Disk {
		s += " " + f.DiskKind.String()
	}
	if f.Role != "" {
		s += " role=" + f.Role
	} else if len(f.Nodes) > 0 {
		s += " " + strings.Join(f.Nodes, ",")
	}
	return s
}

func (n *Nemesis) actions(i int) []action {
	f := &n.sched[i]
	// A disk fault that crashes its node at its end takes the node down:
	// it runs with the starts, after the heals at that instant.
	endHeals := !(f.Kind == Disk && f.CrashAtEnd)
	acts := []action{
		{at: f.Start, label: f.ID + " start " + label(f), fn: func() { n.start(i) }},
	}
	if f.Role != "" && !strings.HasPrefix(f.Role, NotPrefix) && f.Role != AnyRole {
		mid := f.Start + (f.End-f.Start)/2
		acts = append(acts, action{at: mid, label: f.ID + " mid-window " + label(f), fn: func() {
			if n.st[i].state == Pending && slices.Contains(n.waiting, i) {
				n.start(i)
			}
		}})
	}
	acts = append(acts, []action{
		{at: f.End, heal: endHeals, label: f.ID + " end " + label(f), fn: func() { n.end(i) }},
	}...)
	if f.Kind == Upgrade {
		at, down := upgradeSteps(f)
		for j, node := range f.Nodes {
			acts = append(acts,
				action{at: at[j], label: f.ID + " upgrade crash " + node, fn: func() { n.upgradeCrash(i, node) }},
				action{at: at[j] + down, heal: true, label: f.ID + " upgrade restart " + node + " from " + f.Factory, fn: func() { n.upgradeRestart(i, node) }})
		}
	}
	return acts
}

// breach records a harness error against fault i.
func (n *Nemesis) breach(i int, invariant string, format string, args ...any) {
	err := &sim.HarnessError{At: n.w.Now(), Invariant: invariant, Detail: n.sched[i].ID + ": " + fmt.Sprintf(format, args...)}
	n.errs = append(n.errs, err)
	if n.st[i].err == nil {
		n.st[i].err = err
	}
}

// hold takes node down or paused for fault i, within MaxDown.
func (n *Nemesis) hold(i int, node string) bool {
	if len(n.held) >= n.opts.Budget.MaxDown {
		var who []string
		for _, h := range n.held {
			who = append(who, h.node+" ("+h.fault+")")
		}
		n.breach(i, InvariantOutsideBudget, "taking %s down would make %d nodes down or paused (MaxDown %d; held: %s)", node, len(n.held)+1, n.opts.Budget.MaxDown, strings.Join(who, ", "))
		return false
	}
	n.held = append(n.held, span{fault: n.sched[i].ID, node: node})
	return true
}

func (n *Nemesis) release(i int, node string) {
	id := n.sched[i].ID
	n.held = slices.DeleteFunc(n.held, func(h span) bool { return h.fault == id && h.node == node })
}

func (n *Nemesis) stats(nodes []string) []sim.NodeStats {
	out := make([]sim.NodeStats, len(nodes))
	for j, node := range nodes {
		out[j] = n.w.Stats(node)
	}
	return out
}

func (n *Nemesis) diskCounters(f *Fault) []disk.FaultCounter {
	out := make([]disk.FaultCounter, len(f.Nodes))
	for j, node := range f.Nodes {
		for _, c := range n.w.Disk(node).Counters().Faults {
			if c.ID == f.ID {
				out[j] = c
			}
		}
	}
	return out
}

func (n *Nemesis) netFault(f *Fault) netsim.Fault {
	nf := netsim.Fault{Delay: f.Delay, P: f.P}
	switch f.Kind {
	case Partition:
		nf.Kind = netsim.Cut
	case Clog:
		nf.Kind = netsim.Clog
	case Loss:
		nf.Kind = netsim.Loss
	case Duplicate:
		nf.Kind = netsim.Duplicate
	case Reorder:
		nf.Kind = netsim.Reorder
	}
	net := n.w.Network()
	for _, l := range f.Links {
		from, _ := net.Lookup(l.From)
		to, _ := net.Lookup(l.To)
		nf.Links = append(nf.Links, netsim.Link{From: from, To: to})
	}
	return nf
}

// start applies fault i, after checking the budget once more. A
// role-aimed fault is first resolved to its role's holder; with none free
// it waits. A crash or pause of a node restarted at this very instant
// waits for the node's Start to run first: crashing code that never ran
// would test nothing.
func (n *Nemesis) start(i int) {
	f, st, w, b := &n.sched[i], &n.st[i], n.w, &n.opts.Budget
	now := w.Now()
	if st.state != Pending {
		return
	}
	if f.Role != "" && len(f.Resolved) == 0 && st.err == nil && b.Allows(f.Kind) && now >= b.WarmUp && now < b.HealBy {
		if !n.resolve(i) {
			return
		}
	}
	if f.Kind == Crash || f.Kind == Pause {
		for _, node := range f.Nodes {
			if w.IsUp(node) && !w.Booted(node) {
				w.At(now, f.ID+" start "+label(f)+" (after "+node+" has started)", func(*sim.World) { n.start(i) })
				return
			}
		}
	}
	switch {
	case !b.Allows(f.Kind):
		n.breach(i, InvariantOutsideBudget, "kind %s not allowed by the budget", f.Kind)
	case now < b.WarmUp:
		n.breach(i, InvariantOutsideBudget, "starts at %v, before the warm-up ends at %v", now, b.WarmUp)
	case now >= b.HealBy:
		n.breach(i, InvariantOutsideBudget, "starts at %v, in the quiet period from %v", now, b.HealBy)
	}
	if st.err != nil {
		st.state = Refused
		return
	}
	st.state, st.started = Active, now
	st.before = n.stats(f.Nodes)
	if f.Kind.isNet() {
		st.netBefore = w.Network().Counters(f.ID)
		if err := w.InstallNetFault(f.ID, n.netFault(f)); err != nil {
			n.breach(i, InvariantNotApplied, "%v", err)
			return
		}
		st.installed = true
		return
	}
	if f.Kind == Disk {
		st.diskBefore = n.diskCounters(f)
	}
	for _, node := range f.Nodes {
		var err error
		switch f.Kind {
		case Crash:
			if !n.hold(i, node) {
				continue
			}
			if err = w.Crash(node); err != nil {
				n.release(i, node)
			}
		case Pause:
			if !n.hold(i, node) {
				continue
			}
			if err = w.Pause(node); err != nil {
				n.release(i, node)
			}
		case ClockOffset:
			err = w.JumpClock(node, now, f.Offset)
		case ClockJump:
			err = w.JumpClock(node, now, f.Jump)
		case ClockDrift:
			err = w.SetDrift(node, f.PPM)
		case Disk:
			err = w.Disk(node).Inject(f.ID, disk.Fault{Kind: f.DiskKind, P: f.P, Name: f.File, Delay: f.Delay})
		case Upgrade:
			continue // its steps do the work
		}
		if err != nil {
			n.breach(i, InvariantNotApplied, "%v", err)
			continue
		}
		st.applied = append(st.applied, node)
	}
}

// end heals fault i: what its start applied is undone.
func (n *Nemesis) end(i int) {
	f, st, w, b := &n.sched[i], &n.st[i], n.w, &n.opts.Budget
	now := w.Now()
	if st.state == Pending && f.Role != "" {
		st.state = Unresolved // its role never had a free holder
		n.waiting = slices.DeleteFunc(n.waiting, func(j int) bool { return j == i })
		return
	}
	if st.state != Active {
		return
	}
	defer n.retry()
	if now > b.HealBy {
		n.breach(i, InvariantOutsideBudget, "heals at %v, after HealBy %v", now, b.HealBy)
	}
	if st.installed {
		if err := w.RemoveNetFault(f.ID); err != nil {
			n.breach(i, InvariantNotApplied, "%v", err)
		}
	}
	for _, node := range st.applied {
		var err error
		switch f.Kind {
		case Crash:
			err = w.Restart(node)
			n.release(i, node)
		case Pause:
			err = w.Resume(node)
			n.release(i, node)
		case ClockOffset:
			err = w.JumpClock(node, now, -f.Offset)
		case ClockJump:
			err = w.JumpClock(node, now, -f.Jump)
		case ClockDrift:
			err = w.SetDrift(node, n.opts.BaseDriftPPM[node])
		case Disk:
			err = n.endDisk(i, node)
		}
		if err != nil {
			n.breach(i, InvariantNotApplied, "%v", err)
		}
	}
	if f.Kind == Disk {
		st.diskAfter = n.diskCounters(f)
	}
	if f.Kind == Upgrade {
		for _, node := range f.Nodes {
			if w.IsUp(node) {
				st.up++
			}
		}
	}
	st.after = n.stats(f.Nodes)
	st.state, st.healed = Healed, now
	n.lastHeal = now
}

// endDisk clears a disk fault; with CrashAtEnd it crashes the node first
// (applying Corrupt) and restarts it after.
func (n *Nemesis) endDisk(i int, node string) error {
	f, w := &n.sched[i], n.w
	if !f.CrashAtEnd {
		return w.Disk(node).Clear(f.ID)
	}
	if !n.hold(i, node) {
		return w.Disk(node).Clear(f.ID)
	}
	defer n.release(i, node)
	if err := w.Crash(node); err != nil {
		return errors.Join(err, w.Disk(node).Clear(f.ID))
	}
	return errors.Join(w.Disk(node).Clear(f.ID), w.Restart(node))
}

func (n *Nemesis) upgradeCrash(i int, node string) {
	st := &n.st[i]
	if st.state != Active || !n.hold(i, node) {
		return
	}
	if err := n.w.Crash(node); err != nil {
		n.release(i, node)
		n.breach(i, InvariantNotApplied, "%v", err)
		return
	}
	st.applied = append(st.applied, node)
}

func (n *Nemesis) upgradeRestart(i int, node string) {
	f, st := &n.sched[i], &n.st[i]
	if st.state != Active || !slices.Contains(st.applied, node) {
		return
	}
	n.release(i, node)
	if err := n.w.RestartWith(node, n.opts.Factories[f.Factory]); err != nil {
		n.breach(i, InvariantNotApplied, "%v", err)
		return
	}
	st.restarted++
}

// Schedule returns the schedule being applied, normalized (links
// resolved, partition components derived).
func (n *Nemesis) Schedule() Schedule { return n.sched.Clone() }

// Epoch returns the ids of the faults active now, in natural order ("f2"
// before "f10"); empty, not nil, when none is. Workloads stamp it on every
// operation.
func (n *Nemesis) Epoch() []string {
	ids := []string{}
	for i := range n.st {
		if n.st[i].state == Active {
			ids = append(ids, n.sched[i].ID)
		}
	}
	slices.SortFunc(ids, compareIDs)
	return ids
}

// Err returns the harness errors seen so far, each a *sim.HarnessError
// (joined): a fault that would have left its budget (InvariantOutsideBudget)
// or that the world refused to apply or heal (InvariantNotApplied). Either
// is a harness defect; a run with one is charged to the harness.
func (n *Nemesis) Err() error { return errors.Join(n.errs...) }

// LastHeal returns the instant the latest fault healed (0 if none has);
// once Healed reports true, liveness is judged from it.
func (n *Nemesis) LastHeal() clock.Time { return n.lastHeal }

// Healed reports whether every fault has healed or was refused.
func (n *Nemesis) Healed() bool {
	for i := range n.st {
		if s := n.st[i].state; s == Pending || s == Active {
			return false
		}
	}
	return true
}
