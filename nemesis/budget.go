package nemesis

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// Budget is a scenario's fault budget: what the nemesis may do. It is part
// of the claim under test; a schedule outside it is refused, and a fault
// applied outside it is a harness defect.
type Budget struct {
	// Kinds are the fault kinds allowed.
	Kinds []Kind
	// Targets are the nodes faults may target: the SUT's nodes, never
	// workload clients (see SUTNodes). Network faults act only on links
	// between targets, except an isolate-all partition, which also cuts
	// its node from the world's other nodes (the clients).
	Targets []string
	// MaxDown bounds the nodes down or paused at once (crash, pause, an
	// upgrade's restarts and a disk fault's CrashAtEnd count together).
	MaxDown int
	// WarmUp is the earliest instant a fault may start; HealBy the latest
	// instant a fault may end, leaving a quiet period before the run ends
	// so that the SUT recovers and final reads run.
	WarmUp, HealBy clock.Time
	// MaxFaults bounds the number of faults in a schedule.
	MaxFaults int
	// MinDuration and MaxDuration bound a generated fault's duration
	// (default: 1/20 and 1/4 of the window HealBy-WarmUp). Validate does
	// not apply them to explicit schedules.
	MinDuration, MaxDuration time.Duration
	// MinCut is the least duration of a generated partition (0: none
	// beyond MinDuration). A cut shorter than a client's timeout can meet
	// only operations already waiting out an earlier fault and drop
	// nothing they send; a scenario sets it to its workload's timeout and
	// two think times when its durations are left to their defaults.
	MinCut time.Duration
	// MaxDriftPPM bounds |PPM| of clock-drift faults (at most
	// clock.MaxDriftPPM: 9,000,000 is a clock 10x fast; a slow drift
	// stops at clock.MinDriftPPM, 100x slow, whatever the bound); it is
	// the drift bound lease checkers are told.
	MaxDriftPPM int64
	// DriftDirection is the way generated clock-drift faults run: fast,
	// slow, or both ("" means both).
	DriftDirection DriftDirection
	// MaxOffset and MaxJump bound |Offset| and |Jump| of clock faults.
	MaxOffset, MaxJump time.Duration
	// MaxDelay bounds the Delay of clog and reorder faults and of Slow
	// disk faults (at most netsim.MaxDelay).
	MaxDelay time.Duration
	// MaxNetP bounds P of loss, duplicate and reorder faults; MaxDiskP
	// bounds P of disk faults.
	MaxNetP, MaxDiskP float64
	// DiskKinds are the disk fault kinds allowed.
	DiskKinds []disk.FaultKind
	// Shapes are the partition shapes allowed (empty: all of them).
	Shapes []Shape
	// Upgrades are the factory names an upgrade may restart nodes from
	// (keys of Options.Factories).
	Upgrades []string
	// Roles are the roles the system's nodes declare (Env.SetRole) that
	// generated faults may aim at: with any, every generated partition is
	// placed around a role's holder and half the other faults (in a
	// swarm, a share drawn per seed) aim at a role's holder or at a node
	// that does not hold it, resolved when the fault starts. Empty: every
	// target is drawn blind, as before roles existed.
	Roles []string
}

// DriftDirection is the way generated clock drift runs.
type DriftDirection string

// The drift directions.
const (
	DriftBoth DriftDirection = "both" // fast or slow, even odds
	DriftFast DriftDirection = "fast" // clocks run fast (leases expire early at their holder)
	DriftSlow DriftDirection = "slow" // clocks run slow (timeouts fire late)
)

// SUTNodes returns the names of the nodes that belong to the system under
// test (not NodeSpec.Harness), in order: the usual Budget.Targets.
func SUTNodes(specs []sim.NodeSpec) []string {
	var out []string
	for _, s := range specs {
		if !s.Harness {
			out = append(out, s.Name)
		}
	}
	return out
}

// DefaultBudget returns a budget for targets in a run of length run: every
// kind but upgrade and disk allowed, a minority of the targets down at once
// (at least one), faults between 10% and 80% of the run, at most 10 faults,
// drift up to 500ppm, offsets and jumps up to 5s, delays up to 500ms,
// probabilities up to 0.5.
func DefaultBudget(targets []string, run time.Duration) Budget {
	var kinds []Kind
	for _, k := range Kinds() {
		if k != Upgrade && k != Disk {
			kinds = append(kinds, k)
		}
	}
	return Budget{
		Kinds:       kinds,
		Targets:     slices.Clone(targets),
		MaxDown:     max(1, (len(targets)-1)/2),
		WarmUp:      clock.Time(run / 10),
		HealBy:      clock.Time(run * 8 / 10),
		MaxFaults:   10,
		MaxDriftPPM: 500,
		MaxOffset:   5 * time.Second,
		MaxJump:     5 * time.Second,
		MaxDelay:    500 * time.Millisecond,
		MaxNetP:     0.5,
		MaxDiskP:    0.5,
	}
}

// Allows reports whether kind k is allowed.
func (b *Budget) Allows(k Kind) bool { return slices.Contains(b.Kinds, k) }

// durations returns the generation bounds on a fault's duration.
func (b *Budget) durations() (lo, hi time.Duration) {
	span := b.HealBy.Sub(b.WarmUp)
	lo, hi = b.MinDuration, b.MaxDuration
	if lo == 0 {
		lo = span / 20
	}
	if hi == 0 {
		hi = span / 4
	}
	lo = max(lo, 1)
	hi = min(max(hi, lo), span)
	return min(lo, hi), hi
}

func (b *Budget) shapes() []Shape {
	if len(b.Shapes) == 0 {
		return Shapes()
	}
	return b.Shapes
}

// Validate checks the budget against the world's node names: targets
// among the nodes and distinct, a window that is not empty, bounds that
// are not negative and within the simulator's own limits, and a bound set
// for every allowed kind that needs one. It reports every problem.
func (b *Budget) Validate(nodes []string) error {
	var errs []error
	bad := func(field, value, reason, valid string) {
		errs = append(errs, &FieldError{Fault: "budget", Field: field, Value: value, Reason: reason, Valid: valid, Err: ErrInvalid})
	}
	for i, k := range b.Kinds {
		if !k.valid() {
			bad(fmt.Sprintf("Kinds[%d]", i), strconv.Quote(string(k)), "unknown fault kind", kindChoices())
		} else if slices.Index(b.Kinds, k) < i {
			bad(fmt.Sprintf("Kinds[%d]", i), string(k), "duplicate", "")
		}
	}
	if len(b.Kinds) > 0 && len(b.Targets) == 0 {
		bad("Targets", "[]", "no target nodes; list the SUT's nodes (SUTNodes), never clients", strings.Join(nodes, ", "))
	}
	for i, t := range b.Targets {
		switch {
		case !slices.Contains(nodes, t):
			bad(fmt.Sprintf("Targets[%d]", i), strconv.Quote(t), "not a node of the world", strings.Join(nodes, ", "))
		case slices.Index(b.Targets, t) < i:
			bad(fmt.Sprintf("Targets[%d]", i), strconv.Quote(t), "duplicate", "")
		}
	}
	if b.MaxDown < 0 || b.MaxDown > len(b.Targets) {
		bad("MaxDown", strconv.Itoa(b.MaxDown), "out of range", fmt.Sprintf("0 to len(Targets)=%d", len(b.Targets)))
	}
	if b.WarmUp < 0 {
		bad("WarmUp", b.WarmUp.String(), "negative", "0 or later")
	}
	if b.HealBy <= b.WarmUp {
		bad("HealBy", b.HealBy.String(), "not after WarmUp "+b.WarmUp.String(), "an instant after WarmUp")
	}
	if b.MaxFaults < 0 || (len(b.Kinds) > 0 && b.MaxFaults == 0) {
		bad("MaxFaults", strconv.Itoa(b.MaxFaults), "out of range (0 only when Kinds is empty)", "1 or more")
	}
	if b.MinDuration < 0 || b.MaxDuration < 0 || (b.MaxDuration > 0 && b.MinDuration > b.MaxDuration) {
		bad("MinDuration, MaxDuration", b.MinDuration.String()+", "+b.MaxDuration.String(), "negative or inverted", "0 <= MinDuration <= MaxDuration (0: default)")
	}
	if b.MinCut < 0 {
		bad("MinCut", b.MinCut.String(), "negative", "0 or more (0: none)")
	}
	pOK := func(p float64) bool { return p >= 0 && p <= 1 }
	ranges := []struct {
		field, value, valid string
		ok                  bool
	}{
		{"MaxDriftPPM", strconv.FormatInt(b.MaxDriftPPM, 10), fmt.Sprintf("0 to clock.MaxDriftPPM=%d", clock.MaxDriftPPM), b.MaxDriftPPM >= 0 && b.MaxDriftPPM <= clock.MaxDriftPPM},
		{"MaxOffset", b.MaxOffset.String(), "0 or more", b.MaxOffset >= 0},
		{"MaxJump", b.MaxJump.String(), "0 or more", b.MaxJump >= 0},
		{"MaxDelay", b.MaxDelay.String(), fmt.Sprintf("0 to netsim.MaxDelay=%v", netsim.MaxDelay), b.MaxDelay >= 0 && b.MaxDelay <= netsim.MaxDelay},
		{"MaxNetP", strconv.FormatFloat(b.MaxNetP, 'g', -1, 64), "0 to 1", pOK(b.MaxNetP)},
		{"MaxDiskP", strconv.FormatFloat(b.MaxDiskP, 'g', -1, 64), "0 to 1", pOK(b.MaxDiskP)},
	}
	for _, r := range ranges {
		if !r.ok {
			bad(r.field, r.value, "out of range", r.valid)
		}
	}
	for i, k := range b.DiskKinds {
		if k < disk.ReadError || k > disk.LastFaultKind {
			bad(fmt.Sprintf("DiskKinds[%d]", i), k.String(), "unknown disk fault kind", diskKindChoices())
		}
	}
	switch b.DriftDirection {
	case "", DriftBoth, DriftFast, DriftSlow:
	default:
		bad("DriftDirection", strconv.Quote(string(b.DriftDirection)), "unknown drift direction", "fast, slow, both")
	}
	for i, r := range b.Roles {
		if r == "" || r == AnyRole || strings.HasPrefix(r, NotPrefix) || strings.ContainsAny(r, " \t\n") {
			bad(fmt.Sprintf("Roles[%d]", i), strconv.Quote(r), "not a role name", `a role the nodes declare, such as "leader"`)
		}
	}
	for i, s := range b.Shapes {
		if !slices.Contains(Shapes(), s) {
			bad(fmt.Sprintf("Shapes[%d]", i), strconv.Quote(string(s)), "unknown partition shape", shapeChoices())
		}
	}
	// An allowed kind whose bound is zero could never be scheduled: say so
	// rather than generate schedules that silently lack it.
	zeros := []struct {
		kind  Kind
		field string
		zero  bool
		valid string
	}{
		{Crash, "MaxDown", b.MaxDown == 0, "1 or more"},
		{Pause, "MaxDown", b.MaxDown == 0, "1 or more"},
		{Upgrade, "MaxDown", b.MaxDown == 0, "1 or more"},
		{Upgrade, "Upgrades", len(b.Upgrades) == 0, "names of Options.Factories"},
		{ClockDrift, "MaxDriftPPM", b.MaxDriftPPM == 0, "1 or more"},
		{ClockOffset, "MaxOffset", b.MaxOffset == 0, "a positive duration"},
		{ClockJump, "MaxJump", b.MaxJump == 0, "a positive duration"},
		{Clog, "MaxDelay", b.MaxDelay == 0, "a positive duration"},
		{Reorder, "MaxDelay", b.MaxDelay == 0, "a positive duration"},
		{Loss, "MaxNetP", b.MaxNetP == 0, "(0, 1]"},
		{Duplicate, "MaxNetP", b.MaxNetP == 0, "(0, 1]"},
		{Reorder, "MaxNetP", b.MaxNetP == 0, "(0, 1]"},
		{Disk, "DiskKinds", len(b.DiskKinds) == 0, diskKindChoices()},
		{Disk, "MaxDelay", b.MaxDelay == 0 && slices.Contains(b.DiskKinds, disk.Slow), "> 0 (the delay a Slow disk fault adds)"},
		{Disk, "MaxDiskP", b.MaxDiskP == 0 && slices.ContainsFunc(b.DiskKinds, func(k disk.FaultKind) bool { return k != disk.LatentSector }), "(0, 1]"},
	}
	for _, z := range zeros {
		if z.zero && b.Allows(z.kind) {
			bad(z.field, "0", "kind "+string(z.kind)+" is allowed but this bound is zero", z.valid)
		}
	}
	return errors.Join(errs...)
}
