package nemesis

import (
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/sim"
)

// Role selectors beyond a declared role's name.
const (
	// AnyRole aims a fault at any target (chosen by the fault's Pick).
	AnyRole = "any"
	// NotPrefix aims a fault at a target that does not hold the role
	// named after it: "not-leader".
	NotPrefix = "not-"
)

// candidates returns the nodes role-aimed fault i may resolve to now, in
// the order resolve chooses from: a declared role's holders, the latest
// claimant first (with none, the node that claimed it last); for
// "not-<role>" and "any", the targets in target order. A node another
// fault holds down or paused, or whose drift another fault sets, is not a
// candidate; nor, for a crash, pause or disk fault, is a node that is
// down. With cutOK, a partition may also take a node another partition
// already cuts off, after every other: each cut is credited with what it
// refuses, and this one may outlast the other, but a node still connected
// is the sharper aim.
func (n *Nemesis) candidates(i int, cutOK bool) []string {
	f, w := &n.sched[i], n.w
	var out []string
	switch {
	case f.Role == AnyRole:
		out = slices.Clone(n.opts.Budget.Targets)
	case strings.HasPrefix(f.Role, NotPrefix):
		role := strings.TrimPrefix(f.Role, NotPrefix)
		for _, t := range n.opts.Budget.Targets {
			if w.Role(t) != role {
				out = append(out, t)
			}
		}
	default:
		for _, h := range w.RoleHolders(f.Role) {
			if slices.Contains(n.opts.Budget.Targets, h) {
				out = append(out, h)
			}
		}
		if last := n.last[f.Role]; len(out) == 0 && last != "" && slices.Contains(n.opts.Budget.Targets, last) {
			// Nobody holds it now (an election under way): aim at the
			// node that held it last, where its state still is. (When a
			// holder is there but not free, the fault waits for it.)
			out = []string{last}
		}
	}
	free := slices.DeleteFunc(slices.Clone(out), func(node string) bool { return !n.free(i, node, false) })
	if f.Kind == Partition && cutOK {
		for _, node := range out {
			if !slices.Contains(free, node) && n.free(i, node, true) {
				free = append(free, node)
			}
		}
	}
	return free
}

// free reports whether fault i may take node now; with cutOK, a node
// another partition cuts off is free for a partition.
func (n *Nemesis) free(i int, node string, cutOK bool) bool {
	f := &n.sched[i]
	if slices.ContainsFunc(n.held, func(h span) bool { return h.node == node }) {
		return false
	}
	if !n.w.IsUp(node) {
		return false // a fault aimed at a role strikes a running node
	}
	if f.Kind == Partition && !cutOK && n.isolated(i, node) {
		return false // another partition already cuts it off: this one would drop nothing
	}
	if f.Kind == Crash || f.Kind == Pause || f.Kind == Disk || f.Kind == ClockDrift || f.Kind == ClockOffset || f.Kind == ClockJump {
		// Not a node a named fault will take down (or pause) before this
		// one ends: a crash could not apply, a clock fault would be
		// observed by nothing.
		for j := range n.sched {
			o := &n.sched[j]
			if j == i || o.Role != "" || n.st[j].state != Pending {
				continue
			}
			for _, sp := range downSpans(o) {
				if sp.node == node && sp.from < f.End && n.w.Now() < sp.to {
					return false
				}
			}
		}
	}
	if f.Kind == ClockDrift {
		for j := range n.sched {
			if j != i && n.st[j].state == Active && n.sched[j].Kind == ClockDrift && slices.Contains(n.sched[j].Nodes, node) {
				return false
			}
		}
	}
	return true
}

// resolve aims role-aimed fault i at a candidate: its Nodes (and, for a
// network fault, its Links) are set and the choice is written into the
// trace. With no candidate the fault waits, and resolve reports false.
func (n *Nemesis) resolve(i int) bool {
	f, st, w := &n.sched[i], &n.st[i], n.w
	declared := f.Role != AnyRole && !strings.HasPrefix(f.Role, NotPrefix)
	late := n.lateInWindow(i)
	// pick aims at one of cands: a network fault where its links carry
	// traffic (choose), another fault at the first holder of a declared
	// role or the Pick-th candidate otherwise.
	pick := func(cands []string, byPick, wait bool) (string, []Link, float64, bool) {
		switch {
		case len(cands) == 0:
			return "", nil, 0, false
		case f.Kind.isNet():
			return n.choose(i, cands, byPick, wait)
		case byPick:
			return cands[f.Pick%len(cands)], nil, aimActs, true
		}
		return cands[0], nil, aimActs, true
	}
	node, links, acts, ok := pick(n.candidates(i, false), !declared, declared && !late)
	if f.Kind == Partition && (!ok || acts < aimActs) && (late || !declared) {
		// A node another partition cuts off, if nothing better: for a
		// declared role, only once half the window has passed waiting
		// for a free holder (one is often elected meanwhile).
		if cnode, clinks, cacts, cok := pick(n.candidates(i, true), !declared, false); cok && (!ok || cacts > acts) {
			node, links, acts, ok = cnode, clinks, cacts, true
		}
	}
	if (!ok || acts == 0) && declared && late && n.last[f.Role] != "" {
		// Half the window passed with no free holder (say, a cluster
		// that lost its quorum has no leader), or with one whose links
		// carry nothing: aim at a free node that does not hold the role
		// rather than test nothing. The trace and the evidence say so.
		// A role no node ever declared (a typo) stays unresolved.
		orig := f.Role
		f.Role = NotPrefix + orig
		cands := n.candidates(i, true)
		f.Role = orig
		if fnode, flinks, facts, fok := pick(cands, true, false); fok && (!ok || facts > 0) {
			node, links, ok = fnode, flinks, true
			st.fellBack = true
			w.Note(f.ID + " role " + f.Role + ": no free holder by mid-window; falling back")
		}
	}
	if !ok {
		st.waits++
		if !slices.Contains(n.waiting, i) {
			n.waiting = append(n.waiting, i)
		}
		n.watch()
		w.Note(f.ID + " role " + f.Role + ": no free holder at " + w.Now().String() + "; waiting")
		return false
	}
	n.waiting = slices.DeleteFunc(n.waiting, func(j int) bool { return j == i })
	f.Nodes, f.Resolved, f.ResolvedAt = []string{node}, []string{node}, w.Now()
	if f.Kind.isNet() {
		f.Links = links
		if f.Kind == Partition {
			f.Components = components(n.opts.Budget.Targets, f.Links)
		}
	}
	detail := f.ID + " role " + f.Role + " -> " + node
	if f.Kind == Partition {
		detail += " " + partitionSides(f.Components)
	}
	w.Note(detail)
	return true
}

// lateInWindow reports whether half of fault i's window has passed.
func (n *Nemesis) lateInWindow(i int) bool {
	f := &n.sched[i]
	return n.w.Now() >= f.Start+(f.End-f.Start)/2
}

// partitionSides renders a partition's components: "{n1} | {n2,n3}".
func partitionSides(cs [][]string) string { return Sides(cs) }

// watch registers the Nemesis for role changes, once: it keeps each
// role's last holder, and retries the waiting faults.
func (n *Nemesis) watch() {
	if n.watched {
		return
	}
	n.watched = true
	n.last = map[string]string{}
	n.w.OnRoleChange(func(node, role string) {
		if role != "" {
			n.last[role] = node
		}
		if len(n.waiting) > 0 {
			// Inside a node's callback: act after it returns.
			n.w.At(n.w.Now(), "nemesis: role changed, retry waiting faults", func(*sim.World) { n.retry() })
		}
	})
}

// retry tries the waiting faults again, in schedule order, while their
// windows are open.
func (n *Nemesis) retry() {
	ws := slices.Clone(n.waiting)
	slices.Sort(ws)
	for _, i := range ws {
		if n.st[i].state == Pending && n.w.Now() < n.sched[i].End {
			n.start(i)
		}
	}
}

// moveInto places node in a partition's layout: it swaps names with the
// node that has the most cut links leaving it (the Pick-th among ties, in
// name order), so that whatever the holder sends along a cut link is
// dropped. A layout that already has node there is returned unchanged.
func moveInto(links []Link, node string, pick int) []Link {
	count := map[string]int{}
	var names []string
	for _, l := range links {
		if count[l.From] == 0 {
			names = append(names, l.From)
		}
		count[l.From]++
	}
	slices.Sort(names)
	most := 0
	for _, x := range names {
		most = max(most, count[x])
	}
	var top []string
	for _, x := range names {
		if count[x] == most {
			top = append(top, x)
		}
	}
	if len(top) == 0 || slices.Contains(top, node) {
		return slices.Clone(links)
	}
	p := top[pick%len(top)]
	swap := func(x string) string {
		switch x {
		case p:
			return node
		case node:
			return p
		}
		return x
	}
	out := make([]Link, len(links))
	for i, l := range links {
		out[i] = Link{swap(l.From), swap(l.To)}
	}
	slices.SortFunc(out, cmpLinks)
	return out
}

// isolated reports whether an active partition other than fault i
// already cuts every link from node to the other targets.
func (n *Nemesis) isolated(i int, node string) bool {
	for j := range n.sched {
		o := &n.sched[j]
		if j == i || o.Kind != Partition || n.st[j].state != Active {
			continue
		}
		all := true
		for _, t := range n.opts.Budget.Targets {
			if t != node && !slices.Contains(o.Links, Link{node, t}) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}
