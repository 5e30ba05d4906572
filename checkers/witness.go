package checkers

import (
	"cmp"
	"math"
	"slices"

	"github.com/anishathalye/porcupine"
)

// A key's register history is decided linearizable by a witness when it
// can be: a search for one order of its operations, on this goroutine and
// in scratch memory reused from key to key, and a check of that order
// that does not trust the search. Only an order that passes the check
// decides the key (ok). A key the search cannot settle within its step
// budget, or that has no such order, goes to porcupine, which decides it
// and explains what it finds. The witness never reports an anomaly.
//
// Why not porcupine for every key: porcupine searches each key on a
// goroutine of its own, and with more than one P the handoffs and the
// collector working beside them cost four times the search itself on a
// run's few hundred operations (the floor benchmark, docs/PERFORMANCE.md).

// witnessSteps is the search's budget per operation of the key (and
// witnessBase in all): a history a correct system produced needs about
// one model step per operation and the concurrent ones it tries first;
// one the search would wander in goes to porcupine, whose cache of
// visited states prunes what this search would repeat.
const (
	witnessSteps = 8
	witnessBase  = 256
)

// wEntry is a call or a return of one operation in the time-ordered list
// the search walks (linked by index; -1 ends it).
type wEntry struct {
	op         int32
	ret        bool
	prev, next int32
}

// wFrame is one operation the search has placed: the state before it.
type wFrame struct {
	op    int32
	state *regValue
}

// witness is the scratch memory of the searches of one check.
type witness struct {
	entries []wEntry
	call    []int32 // per operation, its call entry
	ret     []int32 // per operation, its return entry
	stack   []wFrame
	order   []int32
	seen    []bool
}

// find searches pops (one key's operations) for a linearization within
// limit model steps. It reports the steps taken and whether it found an
// order that check accepts.
func (w *witness) find(pops []porcupine.Operation, limit int64) (int64, bool) {
	n := len(pops)
	if n == 0 {
		return 0, true
	}
	w.layout(pops)
	head := int32(2 * n) // sentinel before the first entry
	es := w.entries
	lift := func(op int32) {
		for _, x := range [2]int32{w.call[op], w.ret[op]} {
			e := &es[x]
			es[e.prev].next = e.next
			if e.next >= 0 {
				es[e.next].prev = e.prev
			}
		}
	}
	unlift := func(op int32) { // the reverse of lift, in reverse order
		for _, x := range [2]int32{w.ret[op], w.call[op]} {
			e := &es[x]
			es[e.prev].next = x
			if e.next >= 0 {
				es[e.next].prev = x
			}
		}
	}
	var steps int64
	state := nullValue
	w.stack = w.stack[:0]
	e := es[head].next
	for es[head].next >= 0 {
		if e < 0 {
			return steps, false // cannot happen: the list ends with a return
		}
		ent := es[e]
		if !ent.ret {
			if steps >= limit {
				return steps, false
			}
			steps++
			p := &pops[ent.op]
			if ok, next := registerStep(state, p.Input, p.Output); ok {
				w.stack = append(w.stack, wFrame{ent.op, state})
				state = next.(*regValue)
				lift(ent.op)
				e = es[head].next
				continue
			}
			e = ent.next
			continue
		}
		// A return whose call could not be placed: undo the last placement
		// and try what follows its call.
		if len(w.stack) == 0 {
			return steps, false
		}
		f := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		state = f.state
		unlift(f.op)
		e = es[w.call[f.op]].next
	}
	w.order = w.order[:0]
	for _, f := range w.stack {
		w.order = append(w.order, f.op)
	}
	return steps, w.check(pops, w.order)
}

// layout builds the doubly linked list of pops' calls and returns in time
// order (a call before a return at the same instant: they overlap), ties
// broken by operation, behind a sentinel at index 2n.
func (w *witness) layout(pops []porcupine.Operation) {
	n := len(pops)
	w.entries = slices.Grow(w.entries[:0], 2*n+1)[:2*n+1]
	w.call = slices.Grow(w.call[:0], n)[:n]
	w.ret = slices.Grow(w.ret[:0], n)[:n]
	es := w.entries
	for i := range pops {
		es[2*i] = wEntry{op: int32(i)}
		es[2*i+1] = wEntry{op: int32(i), ret: true}
	}
	at := func(e wEntry) int64 {
		if e.ret {
			return pops[e.op].Return
		}
		return pops[e.op].Call
	}
	slices.SortFunc(es[:2*n], func(a, b wEntry) int {
		if c := cmp.Compare(at(a), at(b)); c != 0 {
			return c
		}
		if a.ret != b.ret {
			if a.ret {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.op, b.op)
	})
	head := int32(2 * n)
	es[head] = wEntry{op: -1, prev: -1, next: 0}
	for i := int32(0); i < head; i++ {
		es[i].prev, es[i].next = i-1, i+1
		if i == 0 {
			es[i].prev = head
		}
		if es[i].ret {
			w.ret[es[i].op] = i
		} else {
			w.call[es[i].op] = i
		}
	}
	es[head-1].next = -1
}

// check reports whether order is a linearization of pops: every
// operation exactly once, none placed after one that was invoked after it
// returned, and each a legal step of the register from null. It trusts
// nothing of the search that produced order.
func (w *witness) check(pops []porcupine.Operation, order []int32) bool {
	if len(order) != len(pops) {
		return false
	}
	w.seen = slices.Grow(w.seen[:0], len(pops))[:len(pops)]
	clear(w.seen)
	var state any = nullValue
	latestCall := int64(math.MinInt64)
	for _, i := range order {
		if i < 0 || int(i) >= len(pops) || w.seen[i] {
			return false
		}
		w.seen[i] = true
		p := &pops[i]
		if p.Return < latestCall {
			return false // it returned before an operation placed earlier was invoked
		}
		latestCall = max(latestCall, p.Call)
		var ok bool
		if ok, state = registerStep(state, p.Input, p.Output); !ok {
			return false
		}
	}
	return true
}
