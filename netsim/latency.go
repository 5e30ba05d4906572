package netsim

import (
	"fmt"
	"time"

	"github.com/faultline-dst/faultline/rng"
)

// LatencyKind selects a latency distribution.
type LatencyKind uint8

// The latency distributions. See Latency for their parameters.
const (
	Fixed    LatencyKind = iota // always Min
	Uniform                     // uniform over [Min, Max]
	LongTail                    // heavy tail above Min with median Median, capped at Max
	numLatencyKinds
)

// String returns the kind's plan-file name: fixed, uniform or longtail.
func (k LatencyKind) String() string {
	switch k {
	case Fixed:
		return "fixed"
	case Uniform:
		return "uniform"
	case LongTail:
		return "longtail"
	}
	return fmt.Sprintf("LatencyKind(%d)", uint8(k))
}

// ParseLatencyKind returns the kind named s (fixed, uniform, longtail).
func ParseLatencyKind(s string) (LatencyKind, error) {
	return parseEnum("latency kind", s, numLatencyKinds, LatencyKind.String)
}

// MaxDelay bounds every configured duration (latencies, windows, fault
// delays), so that delivery instants cannot overflow.
const MaxDelay = 24 * time.Hour

// Latency is a one-way delay distribution. All sampling is integer
// arithmetic on rng draws, so it is identical on every platform.
//
//   - Fixed: always Min. Max must be 0 or equal to Min.
//   - Uniform: uniform over [Min, Max] (one Int64Range draw).
//   - LongTail: Min plus a Lomax (Pareto type II, shape 1) excess of scale
//     s = Median-Min, capped at Max: P(latency > Min+x) = s/(s+x). Half the
//     samples fall in [Min, Median], one in ten beyond Min+9s, one in a
//     hundred beyond Min+99s, and the rest pile up at the cap Max. One
//     Uint64n draw with 2^-32 resolution. Requires Min < Median <= Max.
//
// A sampled latency of 0 is delivered 1ns after the send: delivery is
// always strictly after the send instant.
type Latency struct {
	Kind     LatencyKind
	Min, Max time.Duration
	Median   time.Duration // LongTail only
}

func (l *Latency) validate(field string) error {
	if l.Kind >= numLatencyKinds {
		return invalid(field+".Kind", l.Kind, "unknown latency kind; valid: "+enumNames(numLatencyKinds, LatencyKind.String))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Min", l.Min}, {"Max", l.Max}, {"Median", l.Median}} {
		if d.v < 0 {
			return invalid(field+"."+d.name, d.v, "negative latency")
		}
		if d.v > MaxDelay {
			return invalid(field+"."+d.name, d.v, fmt.Sprintf("above the limit MaxDelay (%v)", MaxDelay))
		}
	}
	switch l.Kind {
	case Fixed:
		if l.Max != 0 && l.Max != l.Min {
			return invalid(field+".Max", l.Max, fmt.Sprintf("fixed latency uses Min (%v); Max must be 0 or equal to it", l.Min))
		}
		if l.Median != 0 {
			return invalid(field+".Median", l.Median, "only longtail latency has a Median")
		}
	case Uniform:
		if l.Min > l.Max {
			return invalid(field+".Min", l.Min, fmt.Sprintf("greater than Max (%v)", l.Max))
		}
		if l.Median != 0 {
			return invalid(field+".Median", l.Median, "only longtail latency has a Median")
		}
	case LongTail:
		if l.Median <= l.Min {
			return invalid(field+".Median", l.Median, fmt.Sprintf("longtail needs Median above Min (%v)", l.Min))
		}
		if l.Max < l.Median {
			return invalid(field+".Max", l.Max, fmt.Sprintf("longtail needs a cap Max at or above Median (%v)", l.Median))
		}
	}
	return nil
}

// sample draws one latency in nanoseconds. l must have been validated.
func (l *Latency) sample(r *rng.Stream) int64 {
	switch l.Kind {
	case Uniform:
		return r.Int64Range(int64(l.Min), int64(l.Max))
	case LongTail:
		return int64(l.Min) + rng.LomaxExcess(uint64(l.Median-l.Min), uint64(l.Max-l.Min), r.Uint64n(1<<32)+1)
	}
	return int64(l.Min)
}

// nominal is the latency a reorder window defaults to: Min for fixed, Max
// for uniform, Median for longtail.
func (l *Latency) nominal() time.Duration {
	switch l.Kind {
	case Uniform:
		return l.Max
	case LongTail:
		return l.Median
	}
	return l.Min
}
