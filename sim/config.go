package sim

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/netsim"
)

// Duration is time.Duration, re-exported so node specs read naturally.
type Duration = time.Duration

// Config declares a world.
type Config struct {
	// Seed determines every random choice of the run.
	Seed uint64
	// Nodes are the components, in a fixed order (their indices in traces).
	Nodes []NodeSpec
	// Net configures links. A zero Default.Latency means 1ms fixed, so the
	// zero Config is a 1ms datagram network with no loss; ask for
	// Fixed 1ns explicitly for a near-instant network.
	Net netsim.Config
	// Disk configures every node's disk.
	Disk disk.Config
	// MaxTime stops the run at this simulated instant (default 1 minute).
	MaxTime time.Duration
	// MaxEvents stops the run after this many events (default 50 million).
	MaxEvents int64
	// Done, when set, is asked after every event; when it returns true
	// the run ends there (StopDone). It is how a harness ends a run whose
	// work is finished (the workload done, every fault healed) instead of
	// idling to MaxTime. It must be a pure function of the run's state.
	Done func() bool
	// Watchdog is a host-time limit for the whole run, only to catch a
	// runaway SUT loop; 0 disables it. It never changes a run's trace.
	Watchdog time.Duration
	// StuckAfter is a host-time limit for one call into a node (a
	// callback, a factory) or a harness action, for code that never
	// returns: a loop that never ends, a block that never wakes, which
	// Watchdog (checked between events) cannot see. When a call runs
	// longer, the run is abandoned with a *StuckError that holds the
	// stuck goroutine's stack; that goroutine cannot be stopped and
	// leaks (see StuckError). With it set, Run runs the world on a
	// goroutine of its own. 0 disables it. It never changes a run's
	// trace.
	StuckAfter time.Duration
	// Trace, when set, receives the full trace as lines.
	Trace io.Writer
	// Fingerprint keeps a Fingerprint of every trace record in
	// Result.Fingerprints (24 bytes a record), so that two runs of
	// a seed can be compared record by record (FirstDifference) without
	// writing either trace. It never changes the trace.
	Fingerprint bool
	// FingerprintBuffer is storage Result.Fingerprints may reuse (its
	// contents are overwritten), so that a caller running seed after seed
	// does not grow a new slice of fingerprints every run.
	FingerprintBuffer []Fingerprint
	// Buggify enables Env.Buggify sites (off: Buggify always returns false).
	Buggify bool
	// BuggifySiteP is the chance a site is active in a run (default 0.25)
	// and BuggifyFireP the chance an active site fires per call (default 0.05).
	BuggifySiteP, BuggifyFireP float64
	// RealTime paces the run against the host clock: an event at instant t
	// is dispatched no earlier than t after the run started, as if the
	// system ran for real. It exists to compare a simulated run's wall
	// time with the same workload in real time; it never changes the
	// trace, only how long the run takes.
	RealTime bool
	// BreakInvariant deliberately breaks one of the harness's own
	// invariants ("time-backwards", "delivery-to-crashed-node",
	// "timer-after-crash"), or panics in a harness action ("action-panic"),
	// once the run has dispatched 100 events. It exists to test that
	// faultline blames itself when it misbehaves; never set it otherwise.
	BreakInvariant string
}

const (
	defaultMaxTime   = time.Minute
	defaultMaxEvents = 50_000_000
)

func (c *Config) validate() error {
	var errs []error
	if len(c.Nodes) == 0 {
		errs = append(errs, errors.New("sim: Nodes: a world needs at least one node"))
	}
	seen := map[string]int{}
	for i, n := range c.Nodes {
		switch {
		case n.Name == "":
			errs = append(errs, fmt.Errorf("sim: Nodes[%d].Name: empty", i))
		case seen[n.Name] > 0:
			errs = append(errs, fmt.Errorf("sim: Nodes[%d].Name: duplicate node name %q (also Nodes[%d])", i, n.Name, seen[n.Name]-1))
		}
		seen[n.Name] = i + 1
		if n.Factory == nil {
			errs = append(errs, fmt.Errorf("sim: Nodes[%d] (%q).Factory: nil", i, n.Name))
		}
		if n.DriftPPM > clock.MaxDriftPPM || n.DriftPPM < clock.MinDriftPPM {
			errs = append(errs, fmt.Errorf("sim: Nodes[%d] (%q).DriftPPM: %d out of range [%d, %d]", i, n.Name, n.DriftPPM, clock.MinDriftPPM, clock.MaxDriftPPM))
		}
	}
	if c.MaxTime < 0 {
		errs = append(errs, fmt.Errorf("sim: MaxTime: negative (%v)", c.MaxTime))
	}
	if c.MaxEvents < 0 {
		errs = append(errs, fmt.Errorf("sim: MaxEvents: negative (%d)", c.MaxEvents))
	}
	if c.Watchdog < 0 {
		errs = append(errs, fmt.Errorf("sim: Watchdog: negative (%v)", c.Watchdog))
	}
	if c.StuckAfter < 0 {
		errs = append(errs, fmt.Errorf("sim: StuckAfter: negative (%v)", c.StuckAfter))
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"BuggifySiteP", c.BuggifySiteP}, {"BuggifyFireP", c.BuggifyFireP}} {
		if p.v < 0 || p.v > 1 || p.v != p.v {
			errs = append(errs, fmt.Errorf("sim: %s: %v is not a probability in [0, 1]", p.name, p.v))
		}
	}
	switch c.BreakInvariant {
	case "", "time-backwards", "delivery-to-crashed-node", "timer-after-crash", "action-panic":
	default:
		errs = append(errs, fmt.Errorf("sim: BreakInvariant: unknown invariant %q; valid: time-backwards, delivery-to-crashed-node, timer-after-crash, action-panic", c.BreakInvariant))
	}
	return errors.Join(errs...)
}
