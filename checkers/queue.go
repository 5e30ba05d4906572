package checkers

import (
	"fmt"

	"github.com/faultline-dst/faultline/history"
)

// Queue checks queues, per key (the queue name):
//
//   - "invented-value": a delivered value that no enqueue (ok or info)
//     offered;
//   - "duplicate-delivery": a value delivered more than once, under
//     Options.Delivery ExactlyOnce (AtLeastOnce allows it);
//   - "lost-write": ok enqueues never delivered although an ok drain
//     began after they were acknowledged, more of them than dequeues of
//     unknown outcome (info) could have removed unseen; an info drain
//     could have removed any number, so with one loss is not judged;
//   - "order-violation" (with Options.FIFO): two values enqueued in turn by
//     one producer (the first acknowledged before the second was invoked)
//     delivered in the opposite order.
//
// Deliveries are ok dequeues with a non-null value and the values of ok
// drains. A key without an ok drain cannot be judged for loss and is
// undecided ("no-final-read") unless it has another anomaly. Without a
// delivery claim nothing is decided ("not-configured").
func Queue(h history.History, opts Options) Result {
	return run("queue", h, opts, func(ops []history.Op, r *report) error {
		if err := r.opts.deliveryClaim("queue"); err != nil {
			return err
		}
		for _, part := range (history.History{Ops: ops}).ByKey() {
			if err := checkQueueKey(part, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// delivery is one value leaving the queue: by which op, at which position
// within it.
type delivery struct {
	op  history.Op
	pos int
}

// before reports whether delivery a certainly happened before b.
func (a delivery) before(b delivery) bool {
	if a.op.ID == b.op.ID {
		return a.pos < b.pos
	}
	return precedes(a.op, b.op)
}

func checkQueueKey(part history.KeyOps, r *report) error {
	offered := make(map[string]bool)
	type enq struct {
		op    history.Op
		value string
	}
	var acked []enq
	delivered := make(map[string][]delivery)
	var values []string // in order of first delivery, for deterministic reports
	deliver := func(v string, d delivery) {
		if len(delivered[v]) == 0 {
			values = append(values, v)
		}
		delivered[v] = append(delivered[v], d)
	}
	var drains []history.Op
	var work int64
	// Dequeues and drains whose outcome is unknown may have removed items
	// nobody saw: each info dequeue explains at most one missing item, an
	// info drain any number.
	infoDequeues, infoDrains := 0, 0
	for _, o := range part.Ops {
		work++
		switch o.OpType {
		case "enqueue":
			v, err := valueIn(o, o.Input, "input", "value")
			if err != nil {
				return err
			}
			if o.Type != history.Fail {
				offered[v] = true
			}
			if o.Type == history.OK {
				acked = append(acked, enq{o, v})
			}
		case "dequeue":
			if o.Type == history.Info {
				infoDequeues++
			}
			if o.Type != history.OK {
				continue
			}
			v, err := valueIn(o, o.Output, "output", "value")
			if err != nil {
				return err
			}
			if v != "null" {
				deliver(v, delivery{o, 0})
			}
		case "drain":
			if o.Type == history.Info {
				infoDrains++
			}
			if o.Type != history.OK {
				continue
			}
			vals, err := listIn(o, o.Output, "output", "values")
			if err != nil {
				return err
			}
			for i, v := range vals {
				deliver(v, delivery{o, i})
			}
			drains = append(drains, o)
		}
	}
	for _, v := range values {
		ds := delivered[v]
		work += int64(len(ds))
		if !offered[v] {
			r.violate("invented-value", part.Key, []int64{ds[0].op.ID}, "op %d delivered %s, which no enqueue offered", ds[0].op.ID, v)
		}
		if len(ds) > 1 && r.opts.Delivery != AtLeastOnce {
			var who []int64
			for _, d := range ds {
				who = append(who, d.op.ID)
			}
			r.violate("duplicate-delivery", part.Key, who, "%s was delivered %d times (ops %v); the claim is exactly-once delivery", v, len(ds), who)
		}
	}
	type missing struct {
		e enq
		d history.Op
	}
	var lost []missing
	for _, e := range acked {
		work++
		if len(delivered[e.value]) > 0 {
			continue
		}
		for _, d := range drains {
			if precedes(e.op, d) {
				lost = append(lost, missing{e, d})
				break
			}
		}
	}
	if len(lost) > infoDequeues && infoDrains == 0 {
		for _, m := range lost {
			r.violate("lost-write", part.Key, ids(m.e.op, m.d), "enqueue op %d of %s was acknowledged at %d but never delivered, though drain op %d began at %d (%d missing, %d dequeues of unknown outcome explain at most %d)",
				m.e.op.ID, m.e.value, m.e.op.CompleteTS, m.d.ID, m.d.InvokeTS, len(lost), infoDequeues, infoDequeues)
		}
	}
	if r.opts.FIFO {
		byProducer := make(map[int][]enq)
		var producers []int
		for _, e := range acked {
			if _, ok := byProducer[e.op.Process]; !ok {
				producers = append(producers, e.op.Process)
			}
			byProducer[e.op.Process] = append(byProducer[e.op.Process], e)
		}
		for _, p := range producers {
			es := byProducer[p]
			for i := range es {
				for j := i + 1; j < len(es); j++ {
					work++
					a, b := es[i], es[j]
					if !precedes(a.op, b.op) || len(delivered[a.value]) == 0 || len(delivered[b.value]) == 0 {
						continue
					}
					da, db := delivered[a.value][0], delivered[b.value][0]
					if db.before(da) {
						r.violate("order-violation", part.Key, ids(a.op, b.op, db.op, da.op),
							"process %d enqueued %s (op %d) before %s (op %d), but %s was delivered first (op %d, then op %d)",
							p, a.value, a.op.ID, b.value, b.op.ID, b.value, db.op.ID, da.op.ID)
					}
				}
			}
		}
	}
	reason := ""
	if len(drains) == 0 {
		reason = fmt.Sprintf("%s: no ok drain, so lost enqueues cannot be judged", reasonNoFinal)
	}
	r.partition(part.Key, len(part.Ops), work, reason)
	return nil
}
