package nemesis

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
)

// Kind is a kind of fault. Its value is the name used in schedules and
// plans.
type Kind string

// The fault kinds.
const (
	Partition   Kind = "partition"    // cut links (Shape, Links)
	Crash       Kind = "crash"        // crash Nodes at Start, restart them at End
	Pause       Kind = "pause"        // pause Nodes at Start, resume them at End
	ClockOffset Kind = "clock-offset" // step Nodes' wall clocks by Offset for the window
	ClockDrift  Kind = "clock-drift"  // run Nodes' clocks at PPM for the window
	ClockJump   Kind = "clock-jump"   // step Nodes' wall clocks by Jump at Start, back at End
	Disk        Kind = "disk"         // inject disk fault DiskKind on Nodes' disks (Slow: a slow disk)
	Clog        Kind = "clog"         // delay every message on Links by Delay
	Loss        Kind = "loss"         // drop messages on Links with probability P
	Duplicate   Kind = "duplicate"    // duplicate datagrams on Links with probability P
	Reorder     Kind = "reorder"      // hold datagrams on Links back by up to Delay with probability P
	Upgrade     Kind = "upgrade"      // restart Nodes one by one from factory Factory
)

// Kinds returns every fault kind, in a fixed order.
func Kinds() []Kind {
	return []Kind{Partition, Crash, Pause, ClockOffset, ClockDrift, ClockJump, Disk, Clog, Loss, Duplicate, Reorder, Upgrade}
}

// ParseKind returns the kind named s; an unknown name is an error that
// lists the valid ones.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); k.valid() {
		return k, nil
	}
	return "", &FieldError{Field: "kind", Value: strconv.Quote(s), Reason: "unknown fault kind", Valid: kindChoices(), Err: ErrInvalid}
}

func (k Kind) valid() bool { return slices.Contains(Kinds(), k) }

// isNet reports whether the kind is a netsim fault on links.
func (k Kind) isNet() bool {
	switch k {
	case Partition, Clog, Loss, Duplicate, Reorder:
		return true
	}
	return false
}

func kindChoices() string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// Shape is the shape of a partition.
type Shape string

// The partition shapes (see the netsim shape functions of the same names).
const (
	Isolate          Shape = "isolate"           // Nodes[0] cut off from the other targets, both ways
	Halves           Shape = "halves"            // two random halves cut from each other
	MajorityMinority Shape = "majority-minority" // a random majority cut from the minority
	MajoritiesRing   Shape = "majorities-ring"   // every node sees a different majority
	Bridge           Shape = "bridge"            // two sides cut, one node talking to both
	OneWay           Shape = "one-way"           // a random group cannot send to the others
	LinkSet          Shape = "links"             // an arbitrary set of directed links
	// IsolateAll cuts Nodes[0] from every other node of the world, the
	// workload's clients included (Isolate leaves clients reaching it:
	// the node is cut from its peers but still answers clients).
	IsolateAll Shape = "isolate-all"
	// Minority puts Nodes[0] in the minority of a majority-minority
	// split: it and the fewest others that make a minority (none in a
	// 3-node group) are cut from the rest of the targets.
	Minority Shape = "minority"
)

// Shapes returns every partition shape, in a fixed order.
func Shapes() []Shape {
	return []Shape{Isolate, Halves, MajorityMinority, MajoritiesRing, Bridge, OneWay, LinkSet, IsolateAll, Minority}
}

// aimed reports whether the shape is placed around one node, Nodes[0] or
// a role's holder: isolate, isolate-all, minority.
func (s Shape) aimed() bool { return s == Isolate || s == IsolateAll || s == Minority }

func shapeChoices() string {
	var names []string
	for _, s := range Shapes() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// Link is a directed link between two named nodes. In JSON it is the
// string "from->to" (json.Marshal writes '>' as \u003e unless the encoder
// is told not to escape HTML; both forms read back the same).
type Link struct{ From, To string }

// String renders the link as "from->to".
func (l Link) String() string { return l.From + "->" + l.To }

// MarshalText renders the link as "from->to".
func (l Link) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText parses "from->to".
func (l *Link) UnmarshalText(b []byte) error {
	from, to, ok := strings.Cut(string(b), "->")
	if !ok || from == "" || to == "" || strings.Contains(to, "->") {
		return fmt.Errorf("link %q: want \"from->to\"", b)
	}
	l.From, l.To = from, to
	return nil
}

func cmpLinks(a, b Link) int {
	if c := strings.Compare(a.From, b.From); c != 0 {
		return c
	}
	return strings.Compare(a.To, b.To)
}

// Fault is one scheduled fault. Fields a kind does not use must be zero;
// Validate says which each kind needs.
type Fault struct {
	// ID names the fault in the trace, in netsim and disk counters, in
	// fault epochs and in evidence: "f1", "f2", ...
	ID   string
	Kind Kind
	// Start is when the fault is applied and End when it heals (the crashed
	// nodes restart, the paused ones resume), in true simulated time.
	Start, End clock.Time
	// Nodes are the nodes the fault targets. For an isolate partition,
	// Nodes[0] is the isolated node; for the other network faults, if Links
	// is empty, the links between Nodes and the other targets (or, with no
	// Nodes, among all targets) are used. For an upgrade, the restart order.
	Nodes []string
	// Shape is a partition's shape; Links are the directed links a network
	// fault acts on, authoritative (resolved at generation); Components
	// describes what a partition leaves: the groups of targets that are cut
	// from exactly the same nodes (netsim.Components), derived from Links
	// (for a role-aimed partition, output like Resolved: the sides it cut
	// when it started).
	Shape      Shape
	Links      []Link
	Components [][]string
	// PPM is a clock-drift fault's drift rate.
	PPM int64
	// Offset is a clock-offset fault's step of the wall clock.
	Offset time.Duration
	// Jump is a clock-jump fault's step of the wall clock.
	Jump time.Duration
	// Delay is a clog's delay, a reorder's maximum hold-back, or what a
	// Slow disk fault adds to each write and sync.
	Delay time.Duration
	// P is the probability of a loss, duplicate, reorder or disk fault.
	P float64
	// DiskKind, File: a disk fault's kind and the file it targets ("" for
	// every file).
	DiskKind disk.FaultKind
	File     string
	// CrashAtEnd makes a disk fault crash the node at End, before clearing
	// the fault, and restart it at once: a Corrupt fault fires only at a
	// crash.
	CrashAtEnd bool
	// Factory is the name (in Options.Factories) of the factory an upgrade
	// restarts its nodes from.
	Factory string
	// Role aims the fault at a role instead of named nodes: the node that
	// holds it when the fault starts (World.RoleHolders: the latest
	// claimant), "not-<role>" for a node that does not hold it, or "any"
	// for any target. Nodes and Links are then left empty and resolved at
	// start; a fault whose role has no free holder at Start waits for one
	// until End (unresolved if none comes). Pick chooses among several
	// candidates (index modulo their number, in target order; for a
	// minority partition it also picks the holder's companions).
	Role string
	Pick int
	// Resolved and ResolvedAt record, for a role-aimed fault, the node the
	// role resolved to and when. They are output (results, shrunk fault
	// lists show them); Apply ignores them and resolves again.
	Resolved   []string
	ResolvedAt clock.Time
}

// String renders the fault on one line, as in labels and summaries.
func (f Fault) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", f.ID, f.Kind)
	if f.Kind == Partition {
		fmt.Fprintf(&b, " %s", f.Shape)
	}
	if f.Role != "" {
		fmt.Fprintf(&b, " role=%s", f.Role)
		if len(f.Resolved) > 0 {
			fmt.Fprintf(&b, "->%s", strings.Join(f.Resolved, ","))
		}
	} else if len(f.Nodes) > 0 {
		fmt.Fprintf(&b, " %s", strings.Join(f.Nodes, ","))
	}
	switch f.Kind {
	case Partition:
		if len(f.Components) > 0 {
			b.WriteString(" " + Sides(f.Components))
		}
	case ClockOffset:
		fmt.Fprintf(&b, " offset=%v", f.Offset)
	case ClockDrift:
		fmt.Fprintf(&b, " ppm=%d", f.PPM)
	case ClockJump:
		fmt.Fprintf(&b, " jump=%v", f.Jump)
	case Disk:
		fmt.Fprintf(&b, " %s p=%g", f.DiskKind, f.P)
		if f.Delay != 0 {
			fmt.Fprintf(&b, " delay=%v", f.Delay)
		}
		if f.File != "" {
			fmt.Fprintf(&b, " file=%s", f.File)
		}
		if f.CrashAtEnd {
			b.WriteString(" crash-at-end")
		}
	case Clog:
		fmt.Fprintf(&b, " delay=%v", f.Delay)
	case Loss, Duplicate:
		fmt.Fprintf(&b, " p=%g", f.P)
	case Reorder:
		fmt.Fprintf(&b, " p=%g delay=%v", f.P, f.Delay)
	case Upgrade:
		fmt.Fprintf(&b, " to=%s", f.Factory)
	}
	fmt.Fprintf(&b, " [%v, %v)", f.Start, f.End)
	return b.String()
}

// clone returns a deep copy of f.
func (f Fault) clone() Fault {
	f.Nodes = slices.Clone(f.Nodes)
	f.Links = slices.Clone(f.Links)
	f.Resolved = slices.Clone(f.Resolved)
	if f.Components != nil {
		cs := make([][]string, len(f.Components))
		for i, c := range f.Components {
			cs[i] = slices.Clone(c)
		}
		f.Components = cs
	}
	return f
}

// Schedule is a list of faults. In JSON it is an array of fault objects.
type Schedule []Fault

// Clone returns a deep copy of s.
func (s Schedule) Clone() Schedule {
	if s == nil {
		return nil
	}
	out := make(Schedule, len(s))
	for i, f := range s {
		out[i] = f.clone()
	}
	return out
}

// Kinds returns the distinct kinds in s, in the order of Kinds().
func (s Schedule) Kinds() []Kind {
	var out []Kind
	for _, k := range Kinds() {
		if slices.ContainsFunc(s, func(f Fault) bool { return f.Kind == k }) {
			out = append(out, k)
		}
	}
	return out
}

// faultJSON is a Fault's JSON form. Instants and durations are Go duration
// strings ("1.5s"); the disk fault kind is its name ("SyncFail").
type faultJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Start      string     `json:"start"`
	End        string     `json:"end"`
	Nodes      []string   `json:"nodes,omitempty"`
	Shape      Shape      `json:"shape,omitempty"`
	Links      []Link     `json:"links,omitempty"`
	Components [][]string `json:"components,omitempty"`
	PPM        int64      `json:"ppm,omitempty"`
	Offset     string     `json:"offset,omitempty"`
	Jump       string     `json:"jump,omitempty"`
	Delay      string     `json:"delay,omitempty"`
	P          float64    `json:"p,omitempty"`
	DiskKind   string     `json:"disk,omitempty"`
	File       string     `json:"file,omitempty"`
	CrashAtEnd bool       `json:"crash_at_end,omitempty"`
	Factory    string     `json:"factory,omitempty"`
	Role       string     `json:"role,omitempty"`
	Pick       int        `json:"pick,omitempty"`
	Resolved   []string   `json:"resolved,omitempty"`
	ResolvedAt string     `json:"resolved_at,omitempty"`
}

const jsonFields = "id, kind, start, end, nodes, shape, links, components, ppm, offset, jump, delay, p, disk, file, crash_at_end, factory, role, pick, resolved, resolved_at"

func durString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// MarshalJSON writes the fault in its JSON form.
func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{
		ID: f.ID, Kind: string(f.Kind),
		Start: time.Duration(f.Start).String(), End: time.Duration(f.End).String(),
		Nodes: f.Nodes, Shape: f.Shape, Links: f.Links, Components: f.Components,
		PPM: f.PPM, Offset: durString(f.Offset), Jump: durString(f.Jump), Delay: durString(f.Delay),
		P: f.P, File: f.File, CrashAtEnd: f.CrashAtEnd, Factory: f.Factory,
		Role: f.Role, Pick: f.Pick, Resolved: f.Resolved,
	}
	if len(f.Resolved) > 0 {
		j.ResolvedAt = time.Duration(f.ResolvedAt).String()
	}
	if f.DiskKind != 0 {
		j.DiskKind = f.DiskKind.String()
	}
	return marshalNoEscape(j)
}

// marshalNoEscape is json.Marshal without HTML escaping, so that an
// encoder told not to escape writes links as "a->b".
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads the fault's JSON form strictly: unknown fields, an
// unknown kind, disk fault kind or shape, and malformed durations are
// errors.
func (f *Fault) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var j faultJSON
	if err := dec.Decode(&j); err != nil {
		if strings.Contains(err.Error(), "unknown field") {
			return fmt.Errorf("%w (valid: %s): %w", err, jsonFields, ErrInvalid)
		}
		return fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	where := j.ID
	if where == "" {
		where = "fault"
	}
	bad := func(field, value, reason, valid string) error {
		return &FieldError{Fault: where, Field: field, Value: value, Reason: reason, Valid: valid, Err: ErrInvalid}
	}
	out := Fault{ID: j.ID, Kind: Kind(j.Kind), Nodes: j.Nodes, Shape: j.Shape, Links: j.Links, Components: j.Components,
		PPM: j.PPM, P: j.P, File: j.File, CrashAtEnd: j.CrashAtEnd, Factory: j.Factory,
		Role: j.Role, Pick: j.Pick, Resolved: j.Resolved}
	if !out.Kind.valid() {
		return bad("kind", strconv.Quote(j.Kind), "unknown fault kind", kindChoices())
	}
	if j.Shape != "" && !slices.Contains(Shapes(), j.Shape) {
		return bad("shape", strconv.Quote(string(j.Shape)), "unknown partition shape", shapeChoices())
	}
	durs := []struct {
		field, s string
		dst      *time.Duration
		required bool
	}{
		{"start", j.Start, (*time.Duration)(&out.Start), true},
		{"end", j.End, (*time.Duration)(&out.End), true},
		{"offset", j.Offset, &out.Offset, false},
		{"jump", j.Jump, &out.Jump, false},
		{"delay", j.Delay, &out.Delay, false},
		{"resolved_at", j.ResolvedAt, (*time.Duration)(&out.ResolvedAt), false},
	}
	for _, d := range durs {
		if d.s == "" {
			if d.required {
				return bad(d.field, `""`, "missing", `a duration since the run's start, such as "1.5s"`)
			}
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil {
			return bad(d.field, strconv.Quote(d.s), "not a duration", `a Go duration such as "1.5s" or "-200ms"`)
		}
		*d.dst = v
	}
	if j.DiskKind != "" {
		k, err := disk.ParseFaultKind(j.DiskKind)
		if err != nil {
			return bad("disk", strconv.Quote(j.DiskKind), "unknown disk fault kind", diskKindChoices())
		}
		out.DiskKind = k
	}
	*f = out
	return nil
}

func diskKindChoices() string {
	var names []string
	for k := disk.ReadError; k <= disk.LastFaultKind; k++ {
		names = append(names, k.String())
	}
	return strings.Join(names, ", ")
}

// MarshalJSON writes the schedule as a JSON array ("[]" when empty).
func (s Schedule) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("[]"), nil
	}
	return marshalNoEscape([]Fault(s))
}

// ParseSchedule reads a schedule from its JSON form, an array of fault
// objects, strictly: an unknown field or kind, a malformed duration or
// trailing data is an error naming the fault. It checks the form only;
// Validate checks the schedule against a world and a budget.
func ParseSchedule(data []byte) (Schedule, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw []json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("nemesis: schedule: want a JSON array of faults: %w: %w", err, ErrInvalid)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("nemesis: schedule: trailing data after the array: %w", ErrInvalid)
	}
	var s Schedule
	var errs []error
	for i, r := range raw {
		var f Fault
		if err := json.Unmarshal(r, &f); err != nil {
			errs = append(errs, fmt.Errorf("nemesis: schedule[%d]: %w", i, err))
			continue
		}
		s = append(s, f)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// compareIDs orders fault ids naturally: by their non-digit prefix, then
// by the number that ends them ("f2" before "f10"), then as strings.
func compareIDs(a, b string) int {
	pa, na, oka := splitID(a)
	pb, nb, okb := splitID(b)
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	if oka && okb {
		if c := cmp.Compare(na, nb); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}

// splitID splits an id into its prefix and the number that ends it; ok is
// false when it does not end in (at most 18) digits.
func splitID(id string) (prefix string, n uint64, ok bool) {
	i := len(id)
	for i > 0 && id[i-1] >= '0' && id[i-1] <= '9' {
		i--
	}
	if i == len(id) || len(id)-i > 18 {
		return id, 0, false
	}
	n, err := strconv.ParseUint(id[i:], 10, 64)
	return id[:i], n, err == nil
}
