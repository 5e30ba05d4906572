package nemesis

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/rng"
)

// ErrNoFaults is returned by Generate and Swarm when the budget allows no
// fault kind at all.
var ErrNoFaults = errors.New("nemesis: the budget allows no fault kind")

// mix is what a generator draws from: the kinds with their weights, how
// many faults to try for, and the disk fault kinds and partition shapes
// to use.
type mix struct {
	kinds   []Kind
	weights []int
	count   int
	disk    []disk.FaultKind
	shapes  []Shape
	// roleShare is the probability that a crash, pause, clock, disk or
	// link fault is aimed at a role (Budget.Roles) rather than at a node
	// drawn blind; partitions are always placed around a role's holder
	// when the budget names roles.
	roleShare float64
}

func (m *mix) pick(r *rng.Stream) Kind {
	total := 0
	for _, w := range m.weights {
		total += w
	}
	x := r.Intn(total)
	for i, w := range m.weights {
		if x < w {
			return m.kinds[i]
		}
		x -= w
	}
	return m.kinds[len(m.kinds)-1]
}

// Generate draws a schedule from r for a world whose nodes are nodes,
// within budget b, with a fixed mix: each allowed kind is equally likely
// for each of up to b.MaxFaults faults. A drawn fault that would leave the
// budget (too many nodes down at once, a conflict on a node) is drawn
// again, a few times, then given up, so a schedule may hold fewer faults
// than MaxFaults. Faults are ordered by start and named f1, f2, ...
func Generate(r *rng.Stream, nodes []string, b Budget) (Schedule, error) {
	if err := b.Validate(nodes); err != nil {
		return nil, fmt.Errorf("nemesis: budget: %w", err)
	}
	m := mix{kinds: b.Kinds, count: b.MaxFaults, disk: b.DiskKinds, shapes: b.shapes(), roleShare: 0.5}
	for range m.kinds {
		m.weights = append(m.weights, 1)
	}
	return generate(r, nodes, &b, &m, nil)
}

// triesPerFault bounds the redraws of one fault that does not fit.
const triesPerFault = 16

// generate draws up to m.count faults around base (explicit faults that
// keep their ids and instants; nil for none).
func generate(r *rng.Stream, nodes []string, b *Budget, m *mix, base Schedule) (Schedule, error) {
	if len(m.kinds) == 0 {
		return nil, ErrNoFaults
	}
	g := newGenerator(r, b, m)
	g.world = nodes
	s := base.Clone()
	if len(base) > 0 {
		norm, err := s.check(nodes, b)
		if err != nil {
			return nil, fmt.Errorf("nemesis: explicit faults: %w", err)
		}
		s = norm
	}
	for i := 0; i < m.count && len(s) < b.MaxFaults; i++ {
		for range triesPerFault {
			g.sched = s
			f, ok := g.draw(m.pick(r))
			if !ok {
				continue
			}
			f.ID = "g" + strconv.Itoa(i)
			cand := append(s.Clone(), f)
			if roomy(s, len(b.Targets)) && !roomy(cand, len(b.Targets)) {
				continue // a role-aimed fault would find no node free
			}
			if !quietKept(s, cand) {
				continue // it would silence the traffic a network fault needs
			}
			if norm, err := cand.check(nodes, b); err == nil {
				s = norm
				break
			}
		}
	}
	slices.SortStableFunc(s, func(x, y Fault) int {
		if c := cmp.Compare(x.Start, y.Start); c != 0 {
			return c
		}
		return cmp.Compare(x.End, y.End)
	})
	// Explicit faults keep their ids; drawn ones take the free f1, f2, ...
	// in order of start.
	used := map[string]bool{}
	for _, f := range base {
		used[f.ID] = true
	}
	next := 1
	for i := range s {
		if used[s[i].ID] {
			continue
		}
		for used["f"+strconv.Itoa(next)] {
			next++
		}
		s[i].ID = "f" + strconv.Itoa(next)
		next++
	}
	norm, err := s.check(nodes, b)
	if err != nil {
		// Every fault was checked as it was added: this is a defect here.
		return nil, fmt.Errorf("nemesis: generated schedule breaks its budget (harness defect): %w", err)
	}
	return compact(norm, b.Targets), nil
}

// compact drops the links a fault's nodes imply (an isolate partition, or
// another network fault on its nodes' links or on every link), so that
// written schedules stay short; validation resolves them again.
func compact(s Schedule, targets []string) Schedule {
	for i := range s {
		f := &s[i]
		if !f.Kind.isNet() || f.Role != "" || (f.Kind == Partition && f.Shape != Isolate) {
			continue
		}
		if slices.Equal(f.Links, namedLinks(targets, f.Nodes, f.Nodes)) {
			f.Links = nil
		}
	}
	return s
}

type generator struct {
	r        *rng.Stream
	b        *Budget
	m        *mix
	unit     clock.Time // granularity of instants: 1ms when the window allows
	lo, hi   int64      // fault duration bounds, in units
	span     int64      // window length, in units
	targets  []string
	world    []string // every node of the world, for isolate-all
	sched    Schedule // the faults drawn so far (follow)
	followed bool     // the fault draw returns follows a clock fault
}

func newGenerator(r *rng.Stream, b *Budget, m *mix) *generator {
	g := &generator{r: r, b: b, m: m, targets: b.Targets, unit: clock.Time(time.Millisecond)}
	window := b.HealBy - b.WarmUp
	lo, hi := b.durations()
	if window < 100*g.unit || clock.Time(lo) < g.unit {
		g.unit = 1
	}
	g.span = int64(window / g.unit)
	g.lo = max(1, int64((clock.Time(lo)+g.unit-1)/g.unit))
	g.hi = min(int64(clock.Time(hi)/g.unit), g.span)
	if g.hi < g.lo {
		g.unit, g.span, g.lo, g.hi = 1, int64(window), int64(lo), int64(hi)
	}
	return g
}

// window draws a fault's start and end.
func (g *generator) window() (start, end clock.Time) {
	d := g.r.Int64Range(g.lo, g.hi)
	k := g.r.Int64Range(0, g.span-d)
	start = g.b.WarmUp + clock.Time(k)*g.unit
	return start, start + clock.Time(d)*g.unit
}

// magnitude draws a non-zero value in [-max, max] (only positive when
// positive is set), in whole milliseconds when max allows.
func (g *generator) magnitude(bound time.Duration, positive bool) time.Duration {
	unit := time.Duration(1)
	if bound >= 10*time.Millisecond {
		unit = time.Millisecond
	}
	v := time.Duration(g.r.Int64Range(1, int64(bound/unit))) * unit
	if !positive && g.r.Intn(2) == 0 {
		v = -v
	}
	return v
}

// probability draws from [bound/10, bound], rounded down to 3 decimals
// when the bound allows: a rarer fault than a tenth of the budget seldom
// lands in a fault window.
func (g *generator) probability(bound float64) float64 {
	p := bound * (0.1 + 0.9*(1-g.r.Float64()))
	if bound >= 0.01 {
		p = max(math.Floor(p*1000)/1000, 0.001)
	}
	return p
}

// nodes draws k distinct targets, in target order.
func (g *generator) nodes(k int) []string {
	perm := g.r.Perm(len(g.targets))[:k]
	slices.Sort(perm)
	out := make([]string, k)
	for i, p := range perm {
		out[i] = g.targets[p]
	}
	return out
}

// draw draws one fault of kind k; ok is false when the budget or the
// targets cannot give one. A partition lasts at least Budget.MinCut
// where the window allows, with no further draw: its end is moved later,
// up to HealBy, then its start earlier, down to WarmUp (but not a
// partition that follows a clock fault: it starts inside that fault).
func (g *generator) draw(k Kind) (Fault, bool) {
	g.followed = false
	f, ok := g.drawKind(k)
	if cut := clock.Time(g.b.MinCut); ok && f.Kind == Partition && f.End-f.Start < cut {
		f.End = max(f.End, min(f.Start+cut, g.b.HealBy))
		if !g.followed {
			f.Start = min(f.Start, max(f.End-cut, g.b.WarmUp))
		}
	}
	return f, ok
}

// drawKind is draw before the partition's least duration.
func (g *generator) drawKind(k Kind) (f Fault, ok bool) {
	n := len(g.targets)
	f.Kind = k
	f.Start, f.End = g.window()
	if len(g.b.Roles) > 0 && k != Upgrade && (k == Partition || g.r.Float64() < g.m.roleShare) {
		if k == Partition {
			// A clock fault aimed at a role tests little until its
			// holder is cut off: every partition drawn after one follows
			// it.
			if p, ok := g.follow(f); ok {
				g.followed = true
				return p, true
			}
		}
		return g.aimed(f)
	}
	switch k {
	case Partition:
		return g.partition(f)
	case Crash, Pause:
		if g.b.MaxDown == 0 {
			return f, false
		}
		f.Nodes = g.nodes(1 + g.r.Intn(g.b.MaxDown))
	case ClockOffset:
		f.Nodes, f.Offset = g.nodes(1), g.magnitude(g.b.MaxOffset, false)
	case ClockJump:
		f.Nodes, f.Jump = g.nodes(1), g.magnitude(g.b.MaxJump, false)
	case ClockDrift:
		f.Nodes, f.PPM = g.nodes(1), g.drift()
	case Disk:
		f.Nodes = g.nodes(1)
		f.DiskKind = g.m.disk[g.r.Intn(len(g.m.disk))]
		if f.DiskKind != disk.LatentSector {
			f.P = g.probability(g.b.MaxDiskP)
		}
		if f.DiskKind == disk.Slow {
			f.Delay = g.magnitude(g.b.MaxDelay, true)
		}
		if f.DiskKind == disk.Corrupt {
			if g.b.MaxDown == 0 {
				return f, false
			}
			f.CrashAtEnd = true // Corrupt fires only at a crash
		}
	case Clog, Loss, Duplicate, Reorder:
		if n < 2 {
			return f, false
		}
		if g.r.Intn(2) == 0 {
			f.Nodes = g.nodes(1)
		}
		f.Links = namedLinks(g.targets, f.Nodes, f.Nodes)
		if k == Clog || k == Reorder {
			f.Delay = g.magnitude(g.b.MaxDelay, true)
		}
		if k != Clog {
			f.P = g.probability(g.b.MaxNetP)
		}
	case Upgrade:
		if g.b.MaxDown == 0 {
			return f, false
		}
		f.Factory = g.b.Upgrades[g.r.Intn(len(g.b.Upgrades))]
		for _, i := range g.r.Perm(n) {
			f.Nodes = append(f.Nodes, g.targets[i])
		}
	default:
		return f, false
	}
	if len(g.b.Roles) > 0 && len(f.Nodes) == 1 && !(k == Partition && f.Shape.aimed()) {
		// A blind pick of one node, made when the fault starts: the
		// Pick-th of the nodes free then (a node that is up, not held by
		// another fault, and for a network fault one whose links carry
		// traffic), which is this node when nothing is in the way.
		f.Role, f.Pick = AnyRole, slices.Index(g.targets, f.Nodes[0])
		f.Nodes, f.Links = nil, nil
	}
	return f, true
}

// roomy reports whether every role-aimed fault of s has room (roomFor).
func roomy(s Schedule, targets int) bool {
	for _, f := range s {
		if !roomFor(s, f, targets) {
			return false
		}
	}
	return true
}

// roomFor reports whether role-aimed fault f leaves, with the other
// faults of s, at least two targets it could resolve to throughout its
// window: nodes not held down or paused by a named fault (nor, for a
// drift, drifting under a named drift fault), less one for each other
// role-aimed fault that holds a node down (or, for a drift, drifts one)
// meanwhile. A fault with no free node waits, and may never start.
func roomFor(s Schedule, f Fault, targets int) bool {
	if f.Role == "" || f.Kind == Upgrade {
		return true
	}
	class := func(o *Fault) int {
		switch o.Kind {
		case Crash, Pause, Upgrade:
			return 1
		case Disk:
			if o.CrashAtEnd {
				return 1
			}
		case ClockDrift:
			return 2
		}
		return 0
	}
	down := func(o *Fault) bool { return class(o) == 1 }
	taken := map[string]bool{}
	roles := 0
	for i := range s {
		o := &s[i]
		if o.ID == f.ID || o.Start >= f.End || f.Start >= o.End {
			continue
		}
		// Every fault avoids the nodes held down; a drift also avoids
		// the nodes another drift holds.
		if !down(o) && !(f.Kind == ClockDrift && o.Kind == ClockDrift) {
			continue
		}
		if o.Role != "" {
			roles++
			continue
		}
		for _, n := range o.Nodes {
			taken[n] = true
		}
	}
	return targets-len(taken)-roles >= 2
}

// silences reports whether fault o may stop the traffic network fault f
// needs to land on: a crash, pause or upgrade stops a node (and, in most
// systems, the clients waiting on it for a timeout: a primary that crashed
// stops its replication and its clients' writes alike); a partition cuts
// links, so a second network fault on them drops, delays or duplicates
// nothing, and a partition on links another one cuts refuses nothing new.
// Which node a role-aimed or blind fault strikes is known only when it
// starts, so any such fault counts, whatever node it names.
func silences(o, f *Fault) bool {
	if !f.Kind.isNet() || o.ID == f.ID {
		return false
	}
	switch o.Kind {
	case Crash, Pause, Upgrade, Partition:
		return true
	}
	return false
}

// quietFor reports whether at least half of network fault f's window is
// free of the other faults of s that may silence its links (silences).
// A fault whose window another one covers (a partition drawn inside the
// seconds after a crash of the primary, while its clients wait out their
// timeouts; a duplicate under a partition that cut the leader off) often
// finds no message to act on: its landing is never proven and the run is
// INCONCLUSIVE-fault-not-proven. Other faults are always quiet.
func quietFor(s Schedule, f *Fault) bool {
	if !f.Kind.isNet() || f.End <= f.Start {
		return true
	}
	var cover []span
	for i := range s {
		o := &s[i]
		if !silences(o, f) {
			continue
		}
		spans := []span{{o.ID, "", o.Start, o.End}}
		if o.Kind == Upgrade {
			spans = downSpans(o)
		}
		for _, sp := range spans {
			from, to := max(sp.from, f.Start), min(sp.to, f.End)
			if from < to {
				cover = append(cover, span{o.ID, "", from, to})
			}
		}
	}
	slices.SortFunc(cover, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	var covered, end clock.Time
	end = f.Start
	for _, c := range cover {
		from := max(c.from, end)
		if c.to > from {
			covered += c.to - from
			end = c.to
		}
	}
	return 2*covered <= f.End-f.Start
}

// quietKept reports whether every fault of cand that is not in s, and
// every fault of s that was quiet there (quietFor), is quiet in cand: a
// drawn fault may neither be silenced nor silence another. Explicit faults
// that were not quiet to begin with are left as they were written.
func quietKept(s, cand Schedule) bool {
	was := map[string]bool{}
	for i := range s {
		was[s[i].ID] = quietFor(s, &s[i])
	}
	for i := range cand {
		f := &cand[i]
		if q, ok := was[f.ID]; (!ok || q) && !quietFor(cand, f) {
			return false
		}
	}
	return true
}

// minNodes is the least number of targets each shape needs to cut
// anything.
func minNodes(s Shape) int {
	switch s {
	case MajorityMinority, MajoritiesRing, Bridge:
		return 3
	}
	return 2
}

func (g *generator) partition(f Fault) (Fault, bool) {
	n := len(g.targets)
	var shapes []Shape
	for _, s := range g.m.shapes {
		if n >= minNodes(s) && n <= netsim.MaxNodes {
			shapes = append(shapes, s)
		}
	}
	if len(shapes) == 0 {
		return f, false
	}
	f.Shape = shapes[g.r.Intn(len(shapes))]
	var local []netsim.Link
	switch f.Shape {
	case Isolate, IsolateAll, Minority:
		f.Nodes = g.nodes(1)
		f.Links = aimLinks(g.world, g.targets, f.Shape, f.Nodes[0], 0)
		return f, true
	case Halves:
		local = netsim.RandomHalves(n, g.r)
	case MajorityMinority:
		local = netsim.MajorityMinority(n, g.r)
	case MajoritiesRing:
		local = netsim.MajoritiesRing(n, g.r)
	case Bridge:
		local = netsim.Bridge(n, g.r)
	case OneWay:
		perm := g.r.Perm(n)
		k := 1 + g.r.Intn(n-1)
		var from, to []netsim.Node
		for i, p := range perm {
			if i < k {
				from = append(from, netsim.Node(p))
			} else {
				to = append(to, netsim.Node(p))
			}
		}
		local = netsim.OneWay(from, to)
	case LinkSet:
		for x := range n {
			for y := range n {
				if x != y && g.r.Intn(2) == 0 {
					local = append(local, netsim.Link{From: netsim.Node(x), To: netsim.Node(y)})
				}
			}
		}
	}
	if len(local) == 0 {
		return f, false
	}
	for _, l := range local {
		f.Links = append(f.Links, Link{g.targets[l.From], g.targets[l.To]})
	}
	slices.SortFunc(f.Links, cmpLinks)
	return f, true
}

// aimed draws a fault of f.Kind aimed at a role of the budget: a holder
// of the role, or (for a node fault, one time in three) a node that does
// not hold it. A partition keeps its drawn shape: an aimed shape is
// placed around the holder; another shape's links are a layout into
// which the holder is moved when the fault starts.
func (g *generator) aimed(f Fault) (Fault, bool) {
	role := g.b.Roles[g.r.Intn(len(g.b.Roles))]
	if f.Kind != Partition && g.r.Intn(3) == 0 {
		role = NotPrefix + role
	}
	f.Role, f.Pick = role, g.r.Intn(len(g.targets))
	switch f.Kind {
	case Partition:
		return g.rolePartition(f)
	case Crash, Pause, Disk:
		if g.b.MaxDown == 0 && f.Kind != Disk {
			return f, false
		}
	}
	named, ok := g.draw0(f)
	if !ok {
		return f, false
	}
	named.Nodes, named.Links = nil, nil
	return named, true
}

// follow draws a partition that follows a clock fault already drawn and
// aimed at a declared role (one of them, when several are): it starts
// while that clock is off, and is aimed at the same role, in the shape
// that cuts the holder off from its peers while clients still reach it
// (isolate) when the budget allows it. A node whose clock is off decides
// by it alone only once it cannot hear its peers: a leader on a slow
// clock trusts its lease too long only while cut off, and only if
// clients still ask it. Drawn apart, the two faults meet on one node by
// chance (a drift on the leader, then a partition around the same leader
// while the drift lasts). ok is false when no such clock fault was drawn,
// or none leaves room for a partition after its start; the partition is
// then drawn as any other.
func (g *generator) follow(f Fault) (Fault, bool) {
	var clocks []*Fault
	for i := range g.sched {
		o := &g.sched[i]
		switch o.Kind {
		case ClockDrift, ClockOffset, ClockJump:
			if slices.Contains(g.b.Roles, o.Role) {
				clocks = append(clocks, o)
			}
		}
	}
	if len(clocks) == 0 {
		return f, false
	}
	c := clocks[g.r.Intn(len(clocks))]
	d := clock.Time(g.r.Int64Range(g.lo, g.hi)) * g.unit
	// Start in [c.Start, c.End), on the grid, leaving room for d before
	// HealBy.
	first := c.Start
	last := min(c.End-1, g.b.HealBy-d)
	if last < first {
		return f, false
	}
	f.Start = first + clock.Time(g.r.Int64Range(0, int64(last-first)/int64(g.unit)))*g.unit
	f.End = f.Start + d
	f.Role, f.Pick = c.Role, g.r.Intn(len(g.targets))
	if slices.Contains(g.m.shapes, Isolate) && len(g.targets) >= minNodes(Isolate) {
		f.Shape = Isolate
		return f, true
	}
	return g.rolePartition(f)
}

// rolePartition draws the shape of a partition aimed at f.Role: an aimed
// shape names no node until the fault starts and resolves the role;
// another shape keeps its links as a layout the holder is moved into.
func (g *generator) rolePartition(f Fault) (Fault, bool) {
	p, ok := g.partition(f)
	if !ok {
		return f, false
	}
	if p.Shape.aimed() {
		p.Nodes, p.Links = nil, nil
	}
	return p, true
}

// draw0 draws the parameters of a role-aimed fault of f.Kind as a
// node-aimed one would get them, keeping f's window, role and pick.
func (g *generator) draw0(f Fault) (Fault, bool) {
	switch f.Kind {
	case ClockOffset:
		f.Offset = g.magnitude(g.b.MaxOffset, false)
	case ClockJump:
		f.Jump = g.magnitude(g.b.MaxJump, false)
	case ClockDrift:
		f.PPM = g.drift()
	case Disk:
		f.DiskKind = g.m.disk[g.r.Intn(len(g.m.disk))]
		if f.DiskKind != disk.LatentSector {
			f.P = g.probability(g.b.MaxDiskP)
		}
		if f.DiskKind == disk.Slow {
			f.Delay = g.magnitude(g.b.MaxDelay, true)
		}
		if f.DiskKind == disk.Corrupt {
			if g.b.MaxDown == 0 {
				return f, false
			}
			f.CrashAtEnd = true
		}
	case Clog, Loss, Duplicate, Reorder:
		if len(g.targets) < 2 {
			return f, false
		}
		if f.Kind == Clog || f.Kind == Reorder {
			f.Delay = g.magnitude(g.b.MaxDelay, true)
		}
		if f.Kind != Clog {
			f.P = g.probability(g.b.MaxNetP)
		}
	}
	return f, true
}

// drift draws a clock-drift rate within the budget's bound, in the
// budget's direction: fast (positive), slow (negative, never at or below
// clock.MinDriftPPM, a stopped clock) or either.
//
// Small bounds (up to 10% off true rate) are drawn uniformly in ppm.
// Larger ones are drawn by the logarithm of the rate, so that a bound of
// 10x gives clocks 2x, 5x and 10x off as often as 1.2x: a clock 10x slow
// is as much a thing real machines do as one 20% slow.
func (g *generator) drift() int64 {
	slow := g.b.DriftDirection == DriftSlow || (g.b.DriftDirection != DriftFast && g.r.Intn(2) == 0)
	bound := g.b.MaxDriftPPM
	if slow {
		bound = min(bound, -clock.MinDriftPPM)
	}
	if bound <= 100_000 {
		ppm := g.r.Int64Range(1, bound)
		if slow {
			return -ppm
		}
		return ppm
	}
	// The rate factor f in (1, fmax], log-uniform; fast: 1+ppm/1e6 = f,
	// slow: 1+ppm/1e6 = 1/f.
	fmax := 1 + float64(bound)/1e6
	if slow {
		fmax = 1 / (1 - float64(bound)/1e6)
	}
	f := math.Exp(g.r.Float64() * math.Log(fmax))
	var ppm int64
	if slow {
		ppm = -int64(math.Round((1 - 1/f) * 1e6))
		ppm = min(max(ppm, -bound), -1)
	} else {
		ppm = int64(math.Round((f - 1) * 1e6))
		ppm = max(min(ppm, bound), 1)
	}
	return ppm
}
