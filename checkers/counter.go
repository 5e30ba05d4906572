package checkers

import (
	"sort"

	"github.com/faultline-dst/faultline/history"
)

// Counter checks counters, per key. A read must lie within the bounds the
// increments allow: the initial value (Options.CounterInitial), plus every
// ok increment that completed before the read began, plus any subset of
// the increments that may have taken effect while it ran (ok increments
// concurrent with it, and info increments invoked before it completed).
// Fail increments never count. A read outside is "out-of-bounds".
func Counter(h history.History, opts Options) Result {
	return run("counter", h, opts, func(ops []history.Op, r *report) error {
		for _, part := range (history.History{Ops: ops}).ByKey() {
			if err := checkCounterKey(part, r); err != nil {
				return err
			}
		}
		return nil
	})
}

type incr struct {
	at    int64 // complete (certain list) or invoke (possible list)
	delta int64
}

// prefixSums holds increments sorted by instant, with running sums of all,
// positive and negative deltas.
type prefixSums struct {
	at            []int64
	sum, pos, neg []int64 // sums of the first i increments; len(at)+1 entries
}

func newPrefixSums(in []incr) prefixSums {
	sort.SliceStable(in, func(i, j int) bool { return in[i].at < in[j].at })
	p := prefixSums{at: make([]int64, len(in)), sum: make([]int64, len(in)+1), pos: make([]int64, len(in)+1), neg: make([]int64, len(in)+1)}
	for i, x := range in {
		p.at[i] = x.at
		p.sum[i+1], p.pos[i+1], p.neg[i+1] = p.sum[i]+x.delta, p.pos[i], p.neg[i]
		if x.delta > 0 {
			p.pos[i+1] += x.delta
		} else {
			p.neg[i+1] += x.delta
		}
	}
	return p
}

// count returns how many increments are at an instant < t (strict) or
// <= t.
func (p prefixSums) count(t int64, strict bool) int {
	return sort.Search(len(p.at), func(i int) bool {
		if strict {
			return p.at[i] >= t
		}
		return p.at[i] > t
	})
}

func checkCounterKey(part history.KeyOps, r *report) error {
	var certain, possible []incr // certain: ok incs by complete; possible: ok and info incs by invoke
	var work int64
	for _, o := range part.Ops {
		if o.OpType != "inc" {
			continue
		}
		d, err := intIn(o, o.Input, "input", "delta")
		if err != nil {
			return err
		}
		if o.Type == history.OK {
			certain = append(certain, incr{o.CompleteTS, d})
		}
		if o.Type != history.Fail {
			possible = append(possible, incr{o.InvokeTS, d})
		}
	}
	cs, ps := newPrefixSums(certain), newPrefixSums(possible)
	for _, o := range part.Ops {
		if o.OpType != "read" || o.Type != history.OK {
			continue
		}
		v, err := intIn(o, o.Output, "output", "value")
		if err != nil {
			return err
		}
		work++
		c := cs.count(o.InvokeTS, true)    // completed before the read began
		p := ps.count(o.CompleteTS, false) // invoked before the read ended (includes the certain ones)
		base := r.opts.CounterInitial + cs.sum[c]
		lo := base + ps.neg[p] - cs.neg[c]
		hi := base + ps.pos[p] - cs.pos[c]
		if v < lo || v > hi {
			r.violate("out-of-bounds", part.Key, ids(o), "read op %d returned %d at [%d, %d]; the %d increments acknowledged before it give %d and the %d possibly concurrent ones allow [%d, %d]",
				o.ID, v, o.InvokeTS, o.CompleteTS, c, base, p-c, lo, hi)
		}
	}
	reason := ""
	if work == 0 {
		reason = reasonNoReads + ": no ok read to judge"
	}
	r.partition(part.Key, len(part.Ops), work+int64(len(certain)+len(possible)), reason)
	return nil
}
