package checkers

import (
	"fmt"
	"math"
	"sort"

	"github.com/faultline-dst/faultline/history"
)

// Lease checks leases, per key, in simulated true time. Each ok acquire or
// renew by a process (the holder) for a granted term D gives it a validity
// window from the operation's completion (when the holder learns of it) to
// invoke + D/(1+ρ), where ρ is Options.DriftBound: a holder that starts
// timing when it sends the request and uses the lease for D(1−ρ)/(1+ρ) of
// its own clock, running at a rate within 1±ρ of true time, stops by then
// at the latest. The window also ends when the holder invokes a release.
// A correct grantor, whose clock obeys the same bound, never grants the
// lease to another process before that instant. Two windows of different
// processes that overlap are a "lease-overlap". Info acquires are ignored:
// a holder that never learned of its lease cannot use it.
func Lease(h history.History, opts Options) Result {
	return run("lease", h, opts, func(ops []history.Op, r *report) error {
		if r.opts.DriftBound < 0 || r.opts.DriftBound >= 1 {
			return &undecided{reasonNotConfig, fmt.Sprintf("lease checker: drift bound %g outside [0, 1)", r.opts.DriftBound)}
		}
		for _, part := range (history.History{Ops: ops}).ByKey() {
			if err := checkLeaseKey(part, r); err != nil {
				return err
			}
		}
		return nil
	})
}

type window struct {
	op         history.Op
	term       int64
	start, end int64
}

func checkLeaseKey(part history.KeyOps, r *report) error {
	rho := r.opts.DriftBound
	var wins []window
	releases := make(map[int][]int64) // process -> release invoke instants
	var work int64
	for _, o := range part.Ops {
		work++
		switch o.OpType {
		case "acquire", "renew":
			if _, err := intIn(o, o.Input, "input", "duration_ns"); err != nil {
				return err
			}
			if o.Type != history.OK {
				continue
			}
			d, err := intIn(o, o.Output, "output", "duration_ns")
			if err != nil {
				return err
			}
			end := o.InvokeTS + int64(math.Floor(float64(d)/(1+rho)))
			wins = append(wins, window{op: o, term: d, start: o.CompleteTS, end: end})
		case "release":
			releases[o.Process] = append(releases[o.Process], o.InvokeTS)
		}
	}
	for i := range wins {
		w := &wins[i]
		for _, t := range releases[w.op.Process] {
			if t >= w.start && t < w.end {
				w.end = t
			}
		}
	}
	sort.SliceStable(wins, func(i, j int) bool {
		if wins[i].start != wins[j].start {
			return wins[i].start < wins[j].start
		}
		return wins[i].op.ID < wins[j].op.ID
	})
	for i, a := range wins {
		if a.start >= a.end {
			continue
		}
		for _, b := range wins[i+1:] {
			if b.start >= a.end {
				break
			}
			work++
			if b.op.Process == a.op.Process || b.start >= b.end {
				continue
			}
			r.violate("lease-overlap", part.Key, ids(a.op, b.op),
				"process %d holds the lease in [%d, %d] (op %d %s invoked at %d, term %d ns, drift bound %g) and process %d got it at %d (op %d %s): overlap of %d ns in true time",
				a.op.Process, a.start, a.end, a.op.ID, a.op.OpType, a.op.InvokeTS, a.term, rho,
				b.op.Process, b.start, b.op.ID, b.op.OpType, min(a.end, b.end)-b.start)
		}
	}
	reason := ""
	if len(wins) == 0 {
		reason = fmt.Sprintf("%s: no ok acquire or renew", reasonNoOps)
	}
	r.partition(part.Key, len(part.Ops), work, reason)
	return nil
}
