package nemesis

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/netsim"
)

// Sentinel errors, wrapped by every *FieldError.
var (
	// ErrInvalid marks a malformed schedule or budget: unknown kind, node
	// not in the world, End before Start, a parameter out of range.
	ErrInvalid = errors.New("nemesis: invalid")
	// ErrOutsideBudget marks a well-formed schedule that the budget does
	// not allow: a kind not allowed, a node not a target, a fault outside
	// the window, a bound exceeded, too many nodes down at once.
	ErrOutsideBudget = errors.New("nemesis: outside the fault budget")
)

// FieldError is one problem found in a schedule or a budget.
type FieldError struct {
	Fault  string // the fault's id (or "schedule[i]", "budget", "schedule")
	Field  string // e.g. "kind", "nodes[1]", "end"
	Value  string // the offending value, as written
	Reason string // what is wrong with it
	Valid  string // the valid choices or range, when there is a short answer
	Err    error  // ErrInvalid or ErrOutsideBudget
}

// Error renders the problem as "nemesis: <fault>: <field> = <value>:
// <reason>; valid: <choices>".
func (e *FieldError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nemesis: %s: %s = %s: %s", e.Fault, e.Field, e.Value, e.Reason)
	if e.Valid != "" {
		b.WriteString("; valid: " + e.Valid)
	}
	if errors.Is(e.Err, ErrOutsideBudget) {
		b.WriteString(" (outside the fault budget)")
	}
	return b.String()
}

// Unwrap returns ErrInvalid or ErrOutsideBudget.
func (e *FieldError) Unwrap() error { return e.Err }

// maxIDLen bounds fault ids (netsim's limit).
const maxIDLen = 64

// Validate checks s against the world's node names and budget b, and
// reports every problem as a *FieldError (joined): malformed faults wrap
// ErrInvalid, faults outside the budget wrap ErrOutsideBudget. An invalid
// budget is reported instead.
func (s Schedule) Validate(nodes []string, b Budget) error {
	_, err := s.check(nodes, &b)
	return err
}

// check validates s and returns it normalized: links resolved from nodes
// where a fault names nodes instead of links, sorted, and partition
// components derived.
func (s Schedule) check(nodes []string, b *Budget) (Schedule, error) {
	if err := b.Validate(nodes); err != nil {
		return nil, fmt.Errorf("nemesis: budget: %w", err)
	}
	c := checker{nodes: nodes, b: b}
	norm := s.Clone()
	if len(norm) > b.MaxFaults {
		c.outside("schedule", "len", strconv.Itoa(len(norm)), "more faults than MaxFaults", "at most "+strconv.Itoa(b.MaxFaults))
	}
	for i := range norm {
		c.fault(i, &norm[i], norm[:i])
	}
	c.conflicts(norm)
	c.downAtOnce(norm)
	if err := errors.Join(c.errs...); err != nil {
		return nil, err
	}
	return norm, nil
}

type checker struct {
	nodes []string
	b     *Budget
	errs  []error
}

func (c *checker) invalid(fault, field, value, reason, valid string) {
	c.errs = append(c.errs, &FieldError{Fault: fault, Field: field, Value: value, Reason: reason, Valid: valid, Err: ErrInvalid})
}

func (c *checker) outside(fault, field, value, reason, valid string) {
	c.errs = append(c.errs, &FieldError{Fault: fault, Field: field, Value: value, Reason: reason, Valid: valid, Err: ErrOutsideBudget})
}

// Fields a fault kind may set, beyond id, kind, start and end.
const (
	useNodes = 1 << iota
	useShape
	useLinks
	usePPM
	useOffset
	useJump
	useDelay
	useP
	useDisk
	useFile
	useCrashAtEnd
	useFactory
	useRole
	usePick
)

// useNames returns the JSON names of the use* fields, in bit order.
func useNames() []string {
	return []string{"nodes", "shape", "links", "ppm", "offset", "jump", "delay", "p", "disk", "file", "crash_at_end", "factory", "role", "pick"}
}

func uses(k Kind) int {
	if k != Upgrade && k.valid() {
		return usesNamed(k) | useRole | usePick
	}
	return usesNamed(k)
}

// usesNamed is uses without the role fields.
func usesNamed(k Kind) int {
	switch k {
	case Partition:
		return useNodes | useShape | useLinks
	case Crash, Pause:
		return useNodes
	case ClockOffset:
		return useNodes | useOffset
	case ClockDrift:
		return useNodes | usePPM
	case ClockJump:
		return useNodes | useJump
	case Disk:
		return useNodes | useP | useDisk | useFile | useCrashAtEnd | useDelay
	case Clog:
		return useNodes | useLinks | useDelay
	case Loss, Duplicate:
		return useNodes | useLinks | useP
	case Reorder:
		return useNodes | useLinks | useP | useDelay
	case Upgrade:
		return useNodes | useFactory
	}
	return 0
}

func usedNames(mask int) string {
	var out []string
	for i, n := range useNames() {
		if mask&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// fault checks one fault (normalizing it in place); prev are the faults
// before it, for duplicate ids.
func (c *checker) fault(i int, f *Fault, prev []Fault) {
	id := f.ID
	if id == "" {
		id = fmt.Sprintf("schedule[%d]", i)
	}
	switch {
	case f.ID == "":
		c.invalid(id, "id", `""`, "empty", `a short name such as "f1"`)
	case len(f.ID) > maxIDLen:
		c.invalid(id, "id", strconv.Quote(f.ID), fmt.Sprintf("longer than %d bytes", maxIDLen), "")
	case strings.ContainsFunc(f.ID, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }):
		c.invalid(id, "id", strconv.Quote(f.ID), "contains space or unprintable characters", "")
	case f.ID == netsim.BaseID || f.ID == netsim.CrashID:
		c.invalid(id, "id", strconv.Quote(f.ID), "reserved by netsim", "any other name")
	case slices.ContainsFunc(prev, func(p Fault) bool { return p.ID == f.ID }):
		c.invalid(id, "id", strconv.Quote(f.ID), "duplicate fault id", "")
	}
	if !f.Kind.valid() {
		c.invalid(id, "kind", strconv.Quote(string(f.Kind)), "unknown fault kind", kindChoices())
		return
	}
	if f.Start < 0 {
		c.invalid(id, "start", f.Start.String(), "negative", "0 or later")
	}
	if f.End <= f.Start {
		c.invalid(id, "end", f.End.String(), "not after start "+f.Start.String(), "an instant after start")
	}
	mask := uses(f.Kind)
	set := []bool{len(f.Nodes) > 0, f.Shape != "", len(f.Links) > 0, f.PPM != 0, f.Offset != 0, f.Jump != 0,
		f.Delay != 0, f.P != 0, f.DiskKind != 0, f.File != "", f.CrashAtEnd, f.Factory != "", f.Role != "", f.Pick != 0}
	for j, isSet := range set {
		if isSet && mask&(1<<j) == 0 {
			c.invalid(id, useNames()[j], "set", "not used by kind "+string(f.Kind), usedNames(mask))
		}
	}
	if len(f.Components) > 0 && f.Kind != Partition {
		c.invalid(id, "components", "set", "only partitions have components", "")
	}
	c.role(id, f)
	for j, n := range f.Nodes {
		field := fmt.Sprintf("nodes[%d]", j)
		switch {
		case !slices.Contains(c.nodes, n):
			c.invalid(id, field, strconv.Quote(n), "not a node of the world", strings.Join(c.nodes, ", "))
		case slices.Index(f.Nodes, n) < j:
			c.invalid(id, field, strconv.Quote(n), "duplicate node", "")
		case !slices.Contains(c.b.Targets, n):
			c.outside(id, field, strconv.Quote(n), "not a target of the budget", strings.Join(c.b.Targets, ", "))
		}
	}
	if f.Kind.isNet() {
		c.links(id, f)
	} else if len(f.Nodes) == 0 && f.Role == "" {
		c.invalid(id, "nodes", "[]", "kind "+string(f.Kind)+" needs at least one node", strings.Join(c.b.Targets, ", "))
	}
	c.params(id, f)
	c.budget(id, f)
}

// links resolves and checks a network fault's links, and derives a
// partition's components.
func (c *checker) links(id string, f *Fault) {
	targets := c.b.Targets
	if f.Role != "" && (f.Kind != Partition || f.Shape.aimed()) {
		// Resolved at start, around the role's holder.
		if f.Kind == Partition && !slices.Contains(c.b.shapes(), f.Shape) {
			c.outside(id, "shape", string(f.Shape), "shape not allowed by the budget", shapeList(c.b.shapes()))
		}
		return
	}
	if len(f.Links) == 0 {
		switch {
		case f.Kind == Partition && f.Shape.aimed() && len(f.Nodes) == 1:
			f.Links = aimLinks(c.nodes, targets, f.Shape, f.Nodes[0], f.Pick)
		case f.Kind == Partition:
			c.invalid(id, "links", "[]", "a partition of shape "+strconv.Quote(string(f.Shape))+" needs its links (only isolate, isolate-all and minority are resolved from nodes)", `["a->b", ...]`)
			return
		default:
			f.Links = namedLinks(targets, f.Nodes, f.Nodes)
		}
	}
	slices.SortFunc(f.Links, cmpLinks)
	f.Links = slices.Compact(f.Links)
	inTargets := true
	for j, l := range f.Links {
		field := fmt.Sprintf("links[%d]", j)
		for _, end := range []string{l.From, l.To} {
			switch {
			case !slices.Contains(c.nodes, end):
				c.invalid(id, field, strconv.Quote(l.String()), "node "+strconv.Quote(end)+" is not a node of the world", strings.Join(c.nodes, ", "))
				inTargets = false
			case !slices.Contains(targets, end) && !(f.Shape == IsolateAll && len(f.Nodes) == 1 && (l.From == f.Nodes[0] || l.To == f.Nodes[0])):
				c.outside(id, field, strconv.Quote(l.String()), "node "+strconv.Quote(end)+" is not a target of the budget", strings.Join(targets, ", "))
				inTargets = false
			}
		}
		if l.From == l.To {
			c.invalid(id, field, strconv.Quote(l.String()), "self-link", "a link between two different nodes")
		}
	}
	if len(f.Links) == 0 {
		c.invalid(id, "links", "[]", "no links to act on", "")
	}
	if f.Kind != Partition {
		return
	}
	if f.Shape == "" {
		c.invalid(id, "shape", `""`, "a partition needs a shape", shapeChoices())
	} else if !slices.Contains(Shapes(), f.Shape) {
		c.invalid(id, "shape", strconv.Quote(string(f.Shape)), "unknown partition shape", shapeChoices())
	}
	if f.Shape.aimed() && len(f.Nodes) != 1 {
		c.invalid(id, "nodes", fmt.Sprint(f.Nodes), "an "+string(f.Shape)+" partition names the one node it is placed around (or a role)", strings.Join(targets, ", "))
	}
	if !inTargets {
		return
	}
	if f.Role != "" {
		// A layout: the holder is moved into it at start, which derives
		// the components then.
		f.Components = nil
		return
	}
	comps := components(targets, f.Links)
	if len(f.Components) > 0 && !slices.EqualFunc(f.Components, comps, slices.Equal) {
		c.invalid(id, "components", fmt.Sprint(f.Components), "do not match the links", fmt.Sprint(comps))
	}
	f.Components = comps
}

// namedLinks returns the directed links, both ways, between the targets in
// a and the targets not in b; nil a means every target.
func namedLinks(targets, a, b []string) []Link {
	var out []Link
	for _, x := range targets {
		if a != nil && !slices.Contains(a, x) {
			continue
		}
		for _, y := range targets {
			if x == y || slices.Contains(b, y) {
				continue
			}
			out = append(out, Link{x, y}, Link{y, x})
		}
	}
	slices.SortFunc(out, cmpLinks)
	return slices.Compact(out)
}

// components names the parts netsim.Components finds among targets
// (links to other nodes, such as an isolate-all partition's links to
// clients, do not count).
func components(targets []string, links []Link) [][]string {
	local := make([]netsim.Link, 0, len(links))
	for _, l := range links {
		if !slices.Contains(targets, l.From) || !slices.Contains(targets, l.To) {
			continue
		}
		local = append(local, netsim.Link{From: netsim.Node(slices.Index(targets, l.From)), To: netsim.Node(slices.Index(targets, l.To))})
	}
	parts, _ := netsim.Components(len(targets), local)
	var out [][]string
	for _, p := range parts {
		var names []string
		for _, x := range p {
			names = append(names, targets[x])
		}
		out = append(out, names)
	}
	return out
}

// params checks a fault's kind-specific parameters for form.
func (c *checker) params(id string, f *Fault) {
	switch f.Kind {
	case ClockOffset:
		if f.Offset == 0 {
			c.invalid(id, "offset", "0s", "a clock-offset fault needs an offset", "a non-zero duration")
		}
	case ClockJump:
		if f.Jump == 0 {
			c.invalid(id, "jump", "0s", "a clock-jump fault needs a jump", "a non-zero duration")
		}
	case ClockDrift:
		if f.PPM == 0 || f.PPM > clock.MaxDriftPPM || f.PPM < clock.MinDriftPPM {
			c.invalid(id, "ppm", strconv.FormatInt(f.PPM, 10), "out of range", fmt.Sprintf("non-zero, within [clock.MinDriftPPM=%d, clock.MaxDriftPPM=%d] (100x slow to 100x fast)", clock.MinDriftPPM, clock.MaxDriftPPM))
		}
	case Disk:
		if f.DiskKind < disk.ReadError || f.DiskKind > disk.LastFaultKind {
			c.invalid(id, "disk", f.DiskKind.String(), "unknown disk fault kind", diskKindChoices())
		}
		needP := f.DiskKind != disk.LatentSector
		if f.P < 0 || f.P > 1 || (needP && f.P == 0) || f.P != f.P {
			c.invalid(id, "p", fmt.Sprint(f.P), "not a probability", "(0, 1] (0 allowed for LatentSector)")
		}
	}
	if f.Kind == Disk && (f.DiskKind == disk.Slow) != (f.Delay != 0) {
		c.invalid(id, "delay", f.Delay.String(), "a Slow disk fault needs a delay, other disk faults none", fmt.Sprintf("(0, disk.MaxLatency=%v] for Slow, unset otherwise", disk.MaxLatency))
	}
	if f.Kind == Disk && f.DiskKind == disk.Slow && (f.Delay < 0 || f.Delay > disk.MaxLatency) {
		c.invalid(id, "delay", f.Delay.String(), "out of range", fmt.Sprintf("(0, disk.MaxLatency=%v]", disk.MaxLatency))
	}
	if f.Kind == Clog || f.Kind == Reorder {
		if f.Delay <= 0 || f.Delay > netsim.MaxDelay {
			c.invalid(id, "delay", f.Delay.String(), "out of range", fmt.Sprintf("(0, netsim.MaxDelay=%v]", netsim.MaxDelay))
		}
	}
	if f.Kind == Loss || f.Kind == Duplicate || f.Kind == Reorder {
		if !(f.P > 0 && f.P <= 1) {
			c.invalid(id, "p", fmt.Sprint(f.P), "not a probability", "(0, 1]")
		}
	}
	if f.Kind == Upgrade {
		if f.Factory == "" {
			c.invalid(id, "factory", `""`, "an upgrade needs the factory to restart from", strings.Join(c.b.Upgrades, ", "))
		}
		if int64(f.End-f.Start) < 2*int64(len(f.Nodes)) {
			c.invalid(id, "end", f.End.String(), "window too short to restart every node", "at least 2ns per node after start")
		}
	}
}

// budget checks the fault against the budget's kinds, window and bounds.
func (c *checker) budget(id string, f *Fault) {
	b := c.b
	if !b.Allows(f.Kind) {
		var names []string
		for _, k := range b.Kinds {
			names = append(names, string(k))
		}
		c.outside(id, "kind", string(f.Kind), "kind not allowed by the budget", strings.Join(names, ", "))
	}
	if f.Start < b.WarmUp {
		c.outside(id, "start", f.Start.String(), "before the warm-up ends", "from "+b.WarmUp.String())
	}
	if f.End > b.HealBy {
		c.outside(id, "end", f.End.String(), "heals after HealBy, in the quiet period", "up to "+b.HealBy.String())
	}
	abs := func(x int64) int64 { return max(x, -x) }
	switch f.Kind {
	case ClockDrift:
		if abs(f.PPM) > b.MaxDriftPPM {
			c.outside(id, "ppm", strconv.FormatInt(f.PPM, 10), "drift beyond the budget's bound", fmt.Sprintf("within ±%d", b.MaxDriftPPM))
		}
		if (b.DriftDirection == DriftFast && f.PPM < 0) || (b.DriftDirection == DriftSlow && f.PPM > 0) {
			c.outside(id, "ppm", strconv.FormatInt(f.PPM, 10), "drift against the budget's direction "+string(b.DriftDirection), "a "+string(b.DriftDirection)+" drift")
		}
	case ClockOffset:
		if abs(int64(f.Offset)) > int64(b.MaxOffset) {
			c.outside(id, "offset", f.Offset.String(), "offset beyond the budget's bound", "within ±"+b.MaxOffset.String())
		}
	case ClockJump:
		if abs(int64(f.Jump)) > int64(b.MaxJump) {
			c.outside(id, "jump", f.Jump.String(), "jump beyond the budget's bound", "within ±"+b.MaxJump.String())
		}
	case Disk:
		if !slices.Contains(b.DiskKinds, f.DiskKind) {
			var names []string
			for _, k := range b.DiskKinds {
				names = append(names, k.String())
			}
			c.outside(id, "disk", f.DiskKind.String(), "disk fault kind not allowed by the budget", strings.Join(names, ", "))
		}
		if f.P > b.MaxDiskP {
			c.outside(id, "p", fmt.Sprint(f.P), "probability beyond the budget's bound", fmt.Sprintf("up to %g", b.MaxDiskP))
		}
		if f.CrashAtEnd && b.MaxDown == 0 {
			c.outside(id, "crash_at_end", "true", "crashes the node but the budget allows no node down", "false")
		}
	case Partition:
		if f.Shape != "" && !slices.Contains(b.shapes(), f.Shape) {
			var names []string
			for _, s := range b.shapes() {
				names = append(names, string(s))
			}
			c.outside(id, "shape", string(f.Shape), "shape not allowed by the budget", strings.Join(names, ", "))
		}
	case Upgrade:
		if !slices.Contains(b.Upgrades, f.Factory) {
			c.outside(id, "factory", strconv.Quote(f.Factory), "factory not allowed by the budget", strings.Join(b.Upgrades, ", "))
		}
	}
	if (f.Kind == Clog || f.Kind == Reorder) && f.Delay > b.MaxDelay {
		c.outside(id, "delay", f.Delay.String(), "delay beyond the budget's bound", "up to "+b.MaxDelay.String())
	}
	if (f.Kind == Loss || f.Kind == Duplicate || f.Kind == Reorder) && f.P > b.MaxNetP {
		c.outside(id, "p", fmt.Sprint(f.P), "probability beyond the budget's bound", fmt.Sprintf("up to %g", b.MaxNetP))
	}
}

// span is a node held by a fault over [from, to).
type span struct {
	fault    string
	node     string
	from, to clock.Time
}

// occupancy returns the spans over which f changes a node's state (crash,
// pause, upgrade, a disk fault's crash at its end): two of them must not
// overlap on one node.
func occupancy(f *Fault) []span {
	var out []span
	switch {
	case f.Role != "" && (f.Kind == Crash || f.Kind == Pause || (f.Kind == Disk && f.CrashAtEnd)):
		// One node, unknown until the fault starts: it counts against
		// MaxDown, and the Nemesis picks a holder no other fault holds.
		from, to := f.Start, f.End
		if f.Kind == Disk {
			from, to = f.End, f.End+1
		}
		out = append(out, span{f.ID, "@" + f.ID, from, to})
	case f.Kind == Crash || f.Kind == Pause || f.Kind == Upgrade:
		for _, n := range f.Nodes {
			out = append(out, span{f.ID, n, f.Start, f.End})
		}
	case f.Kind == Disk && f.CrashAtEnd:
		for _, n := range f.Nodes {
			out = append(out, span{f.ID, n, f.End, f.End + 1})
		}
	}
	return out
}

// downSpans returns when f holds each node down or paused, which the
// budget's MaxDown bounds.
func downSpans(f *Fault) []span {
	if f.Kind != Upgrade {
		return occupancy(f)
	}
	var out []span
	at, down := upgradeSteps(f)
	for i, n := range f.Nodes {
		out = append(out, span{f.ID, n, at[i], at[i] + down})
	}
	return out
}

// upgradeSteps returns when each node of an upgrade crashes and how long
// it stays down: the window is cut into len(Nodes) equal steps, and a node
// is down for the first half of its step.
func upgradeSteps(f *Fault) (at []clock.Time, down clock.Time) {
	n := clock.Time(max(len(f.Nodes), 1))
	step := (f.End - f.Start) / n
	down = max(step/2, 1)
	for i := range f.Nodes {
		at = append(at, f.Start+clock.Time(i)*step)
	}
	return at, down
}

// conflicts reports faults that change one node's state at overlapping
// times, and overlapping drift faults on one node (each restores the base
// drift at its end).
func (c *checker) conflicts(s Schedule) {
	var occ, drift []span
	for i := range s {
		occ = append(occ, occupancy(&s[i])...)
		if s[i].Kind == ClockDrift {
			for _, n := range s[i].Nodes {
				drift = append(drift, span{s[i].ID, n, s[i].Start, s[i].End})
			}
		}
	}
	// A clock fault on a node that is down or paused meanwhile would be
	// observed by nothing.
	for i := range s {
		f := &s[i]
		if f.Kind != ClockDrift && f.Kind != ClockOffset && f.Kind != ClockJump {
			continue
		}
		for _, n := range f.Nodes {
			for j := range s {
				for _, d := range downSpans(&s[j]) {
					if d.node == n && d.from < f.End && f.Start < d.to {
						c.invalid(f.ID, "start", f.Start.String(), fmt.Sprintf("changes the clock of node %s while %s holds it down or paused over [%v, %v)", n, d.fault, d.from, d.to), "a window that does not overlap it")
					}
				}
			}
		}
	}
	for _, group := range []struct {
		spans []span
		what  string
	}{{occ, "crashes, pauses or restarts"}, {drift, "changes the drift of"}} {
		for i, a := range group.spans {
			for _, b := range group.spans[:i] {
				if a.node == b.node && a.fault != b.fault && a.from < b.to && b.from < a.to {
					c.invalid(a.fault, "start", a.from.String(), fmt.Sprintf("%s node %s while %s does over [%v, %v)", group.what, a.node, b.fault, b.from, b.to), "a window that does not overlap it")
				}
			}
		}
	}
}

// downAtOnce reports every instant at which more than MaxDown nodes would
// be down or paused.
func (c *checker) downAtOnce(s Schedule) {
	type edge struct {
		at    clock.Time
		delta int
		sp    span
	}
	var edges []edge
	for i := range s {
		for _, sp := range downSpans(&s[i]) {
			edges = append(edges, edge{sp.from, +1, sp}, edge{sp.to, -1, sp})
		}
	}
	slices.SortStableFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return a.delta - b.delta // ends before starts: spans are half-open
	})
	var held []span
	for _, e := range edges {
		if e.delta < 0 {
			held = slices.DeleteFunc(held, func(h span) bool { return h == e.sp })
			continue
		}
		held = append(held, e.sp)
		if len(held) > c.b.MaxDown {
			var who []string
			for _, h := range held {
				who = append(who, h.node+" ("+h.fault+")")
			}
			c.outside(e.sp.fault, "nodes", strconv.Quote(e.sp.node), fmt.Sprintf("%d nodes down or paused at %v: %s", len(held), e.at, strings.Join(who, ", ")), fmt.Sprintf("at most MaxDown=%d at once", c.b.MaxDown))
		}
	}
}

// shapeList renders shapes for an error's valid choices.
func shapeList(ss []Shape) string {
	var names []string
	for _, s := range ss {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// role checks a role-aimed fault's form: a role, no nodes or links (they
// are resolved at start), and no pick without a role.
func (c *checker) role(id string, f *Fault) {
	if f.Role == "" {
		if f.Pick != 0 {
			c.invalid(id, "pick", strconv.Itoa(f.Pick), "pick chooses among a role's candidates; this fault names no role", "0, or set role")
		}
		return
	}
	f.Resolved, f.ResolvedAt = nil, 0 // output only: resolved again at start
	if strings.ContainsFunc(f.Role, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) || f.Role == "not-" {
		c.invalid(id, "role", strconv.Quote(f.Role), "not a role selector", `a role the nodes declare ("leader"), "not-<role>", or "any"`)
	}
	if len(f.Nodes) > 0 {
		c.invalid(id, "nodes", fmt.Sprint(f.Nodes), "a role-aimed fault names no nodes: its role's holder is resolved when it starts", "[] with role, or nodes without role")
	}
	layout := f.Kind == Partition && !f.Shape.aimed()
	if len(f.Links) > 0 && !layout {
		c.invalid(id, "links", fmt.Sprint(f.Links), "a role-aimed fault names no links: they are resolved around the role's holder when it starts", "[] with role")
	}
	if len(f.Links) == 0 && layout {
		c.invalid(id, "links", "[]", "a role-aimed partition of shape "+strconv.Quote(string(f.Shape))+" needs its links as a layout, into which the role's holder is moved when it starts", `["a->b", ...], or shape isolate, isolate-all or minority`)
	}
	if f.Pick < 0 {
		c.invalid(id, "pick", strconv.Itoa(f.Pick), "negative", "0 or more")
	}
}

// aimLinks returns the links a partition of an aimed shape cuts around
// node: isolate, from the other targets; isolate-all, from every other
// node of the world; minority, the node and the fewest other targets that
// make a minority (chosen from pick) from the rest.
func aimLinks(world, targets []string, shape Shape, node string, pick int) []Link {
	switch shape {
	case IsolateAll:
		return namedLinks(world, []string{node}, []string{node})
	case Minority:
		side := []string{node}
		var others []string
		for _, t := range targets {
			if t != node {
				others = append(others, t)
			}
		}
		if k := (len(targets)-1)/2 - 1; k > 0 && len(others) > 0 {
			off := pick % len(others)
			for i := 0; i < k; i++ {
				side = append(side, others[(off+i)%len(others)])
			}
		}
		return namedLinks(targets, side, side)
	}
	return namedLinks(targets, []string{node}, []string{node})
}
