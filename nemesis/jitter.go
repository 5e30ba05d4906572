package nemesis

import (
	"fmt"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

// Jitter returns s with each fault's window shifted by its own offset,
// drawn from r uniformly in [-d, d] (whole milliseconds when d allows),
// keeping its duration and staying inside the budget's window: a
// hand-aimed fault then explores the instants around the one written,
// seed by seed. A shift that would break the schedule (two faults on one
// node at once, too many nodes down) is not made: that fault keeps its
// written window. s must fit the budget as written. Every fault draws,
// kept or not, so a fault's shift does not depend on the others'.
func Jitter(r *rng.Stream, nodes []string, b Budget, s Schedule, d time.Duration) (Schedule, error) {
	if _, err := s.check(nodes, &b); err != nil {
		return nil, fmt.Errorf("nemesis: explicit faults: %w", err)
	}
	out := s.Clone() // shift what was written, not the normalized form
	if d <= 0 {
		return out, nil
	}
	unit := int64(1)
	if d >= 10*time.Millisecond {
		unit = int64(time.Millisecond)
	}
	for i := range out {
		k := r.Int64Range(-int64(d)/unit, int64(d)/unit)
		f := out[i]
		shift := clock.Time(k * unit)
		shift = max(shift, b.WarmUp-f.Start)
		shift = min(shift, b.HealBy-f.End)
		if shift == 0 {
			continue
		}
		cand := out.Clone()
		cand[i].Start += shift
		cand[i].End += shift
		if _, err := cand.check(nodes, &b); err == nil {
			out = cand
		}
	}
	return out, nil
}
