package checkers

import (
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/history"
)

func TestQueueCanaries(t *testing.T) {
	q := history.Queue
	enq := func(id int64, p int, v any, inv, cmp int64) history.Op {
		return ok(id, p, q, "enqueue", "q", obj{"value": v}, nil, inv, cmp)
	}
	deq := func(id int64, v any, inv, cmp int64) history.Op {
		return ok(id, 9, q, "dequeue", "q", nil, obj{"value": v}, inv, cmp)
	}
	drain := func(id int64, vs []any, inv, cmp int64) history.Op {
		return ok(id, 9, q, "drain", "q", nil, obj{"values": vs}, inv, cmp)
	}
	runCanaries(t, Queue, exactlyOnceUnlessSaid([]canary{
		{name: "delivered once", h: hist(enq(1, 0, 1, 0, 10), enq(2, 0, 2, 20, 30), deq(3, 1, 40, 50), drain(4, []any{2}, 60, 70)), want: OK},
		{name: "empty dequeue", h: hist(deq(1, nil, 0, 10), drain(2, []any{}, 20, 30)), want: OK},
		{name: "lost", h: hist(enq(1, 0, 1, 0, 10), enq(2, 0, 2, 20, 30), drain(3, []any{1}, 60, 70)),
			want: Anomaly, kind: "lost-write", ops: []int64{2, 3}, mention: []string{"enqueue op 2 of 2"}},
		{name: "info dequeue may have taken the missing item", h: hist(enq(1, 0, 1, 0, 10), enq(2, 0, 2, 20, 30), info(4, 9, q, "dequeue", "q", nil, 35), drain(3, []any{1}, 60, 70)), want: OK},
		{name: "one info dequeue explains one loss, not two", h: hist(enq(1, 0, 1, 0, 10), enq(2, 0, 2, 20, 30), enq(5, 0, 3, 31, 33), info(4, 9, q, "dequeue", "q", nil, 35), drain(3, []any{}, 60, 70)),
			want: Anomaly, kind: "lost-write", mention: []string{"dequeues of unknown outcome explain at most 1"}},
		{name: "info drain may have taken anything", h: hist(enq(1, 0, 1, 0, 10), enq(2, 0, 2, 20, 30), info(4, 9, q, "drain", "q", nil, 35), drain(3, []any{}, 60, 70)), want: OK},
		{name: "info enqueue may be lost", h: hist(enq(1, 0, 1, 0, 10), info(2, 0, q, "enqueue", "q", obj{"value": 2}, 20), drain(3, []any{1}, 60, 70)), want: OK},
		{name: "duplicate", h: hist(enq(1, 0, 1, 0, 10), deq(2, 1, 20, 30), drain(3, []any{1}, 60, 70)),
			want: Anomaly, kind: "duplicate-delivery", ops: []int64{2, 3}},
		{name: "duplicate at least once", h: hist(enq(1, 0, 1, 0, 10), deq(2, 1, 20, 30), drain(3, []any{1}, 60, 70)), opts: Options{Delivery: AtLeastOnce}, want: OK},
		{name: "invented", h: hist(enq(1, 0, 1, 0, 10), drain(2, []any{1, 7}, 60, 70)),
			want: Anomaly, kind: "invented-value", mention: []string{"delivered 7"}},
		{name: "fifo violated", h: hist(enq(1, 0, 1, 0, 10), enq(2, 0, 2, 20, 30), drain(3, []any{2, 1}, 60, 70)), opts: Options{FIFO: true},
			want: Anomaly, kind: "order-violation", ops: []int64{1, 2}},
		{name: "fifo not claimed", h: hist(enq(1, 0, 1, 0, 10), enq(2, 0, 2, 20, 30), drain(3, []any{2, 1}, 60, 70)), want: OK},
		{name: "fifo across producers unordered", h: hist(enq(1, 0, 1, 0, 10), enq(2, 1, 2, 20, 30), drain(3, []any{2, 1}, 60, 70)), opts: Options{FIFO: true}, want: OK},
		{name: "no drain", h: hist(enq(1, 0, 1, 0, 10), deq(2, 1, 20, 30)), want: Unknown, kind: "no-final-read"},
		{name: "too weak without process", h: func() history.History {
			h := hist(enq(1, 0, 1, 0, 10), drain(2, []any{1}, 20, 30))
			h.Ops[0].Absent = history.Fields(history.FieldProcess)
			return h
		}(), want: Unknown, kind: "too-weak", mention: []string{"process absent on 1 records"}},
	}))
}

func TestLogCanaries(t *testing.T) {
	l := history.Log
	app := func(id int64, v any, off int, inv, cmp int64) history.Op {
		return ok(id, 0, l, "append", "p0", obj{"value": v}, obj{"offset": off}, inv, cmp)
	}
	type e = obj
	read := func(id int64, from int, final bool, es []any, inv, cmp int64) history.Op {
		in := obj{"from": from}
		if final {
			in["final"] = true
		}
		return ok(id, 1, l, "read", "p0", in, obj{"entries": es}, inv, cmp)
	}
	runCanaries(t, Log, exactlyOnceUnlessSaid([]canary{
		{name: "prefixes", h: hist(app(1, "a", 0, 0, 10), read(2, 0, false, []any{e{"offset": 0, "value": "a"}}, 15, 18), app(3, "b", 1, 20, 30),
			read(4, 0, true, []any{e{"offset": 0, "value": "a"}, e{"offset": 1, "value": "b"}}, 40, 50)), want: OK},
		{name: "read from offset", h: hist(app(1, "a", 0, 0, 10), app(2, "b", 1, 20, 30), read(3, 1, true, []any{e{"offset": 1, "value": "b"}}, 40, 50)), want: OK},
		{name: "lost append", h: hist(app(1, "a", 0, 0, 10), app(2, "b", 1, 20, 30), read(3, 0, true, []any{e{"offset": 0, "value": "a"}}, 40, 50)),
			want: Anomaly, kind: "lost-write", ops: []int64{2, 3}},
		{name: "duplicate offset", h: hist(app(1, "a", 0, 0, 10), app(2, "b", 0, 5, 30), read(3, 0, true, []any{e{"offset": 0, "value": "a"}}, 40, 50)),
			want: Anomaly, kind: "duplicate-offset", ops: []int64{1, 2}},
		{name: "offsets go backwards", h: hist(app(1, "a", 5, 0, 10), app(2, "b", 3, 20, 30), read(3, 0, true, []any{e{"offset": 3, "value": "b"}, e{"offset": 5, "value": "a"}}, 40, 50)),
			want: Anomaly, kind: "offset-order", ops: []int64{1, 2}},
		{name: "divergent read", h: hist(app(1, "a", 0, 0, 10), app(2, "b", 1, 20, 30), read(3, 0, true, []any{e{"offset": 0, "value": "b"}, e{"offset": 1, "value": "a"}}, 40, 50)),
			want: Anomaly, kind: "divergent-read", ops: []int64{3}},
		{name: "hole", h: hist(app(1, "a", 0, 0, 10), app(2, "b", 1, 20, 30), app(5, "c", 2, 20, 30), read(3, 0, false, []any{e{"offset": 0, "value": "a"}, e{"offset": 2, "value": "c"}}, 40, 50),
			read(4, 0, true, []any{e{"offset": 0, "value": "a"}, e{"offset": 1, "value": "b"}, e{"offset": 2, "value": "c"}}, 60, 70)),
			want: Anomaly, kind: "non-prefix-read", ops: []int64{3, 2}, mention: []string{"skips offset 1"}},
		{name: "invented entry", h: hist(app(1, "a", 0, 0, 10), read(2, 0, true, []any{e{"offset": 0, "value": "a"}, e{"offset": 1, "value": "z"}}, 40, 50)),
			want: Anomaly, kind: "invented-value"},
		{name: "duplicate entry", h: hist(app(1, "a", 0, 0, 10), read(2, 0, true, []any{e{"offset": 0, "value": "a"}, e{"offset": 1, "value": "a"}}, 40, 50)),
			want: Anomaly, kind: "duplicate-entry"},
		{name: "no final read", h: hist(app(1, "a", 0, 0, 10)), want: Unknown, kind: "no-final-read"},
	}))
}

// exactlyOnceUnlessSaid gives the canaries that state no delivery claim
// the exactly-once one.
func exactlyOnceUnlessSaid(cs []canary) []canary {
	for i := range cs {
		if cs[i].opts.Delivery == "" {
			cs[i].opts.Delivery = ExactlyOnce
		}
	}
	return cs
}

// TestDeliveryClaimCanaries: a consumer that takes an item, crashes before
// acknowledging it, and is given the item again after its restart is
// correct under at-least-once and a finding under exactly-once; with no
// claim the checkers decide nothing rather than assume one.
func TestDeliveryClaimCanaries(t *testing.T) {
	q := history.Queue
	// Item 1 is enqueued; consumer 9 dequeues it, then crashes (its next
	// dequeue's outcome is unknown); after the restart it dequeues item 1
	// again; a final drain finds the queue empty.
	queueRedelivered := hist(
		ok(1, 0, q, "enqueue", "q", obj{"value": 1}, nil, 0, 10),
		ok(2, 9, q, "dequeue", "q", nil, obj{"value": 1}, 20, 30),
		info(3, 9, q, "dequeue", "q", nil, 40),
		ok(4, 10, q, "dequeue", "q", nil, obj{"value": 1}, 60, 70),
		ok(5, 10, q, "drain", "q", nil, obj{"values": []any{}}, 80, 90))
	l := history.Log
	type e = obj
	// Value "a" is appended; the append is retried after a crash of the
	// writer and lands a second time, at offset 1.
	logReappended := hist(
		ok(1, 0, l, "append", "p0", obj{"value": "a"}, obj{"offset": 0}, 0, 10),
		ok(2, 0, l, "append", "p0", obj{"value": "a"}, obj{"offset": 1}, 30, 40),
		ok(3, 1, l, "read", "p0", obj{"from": 0, "final": true}, obj{"entries": []any{e{"offset": 0, "value": "a"}, e{"offset": 1, "value": "a"}}}, 50, 60))
	tests := []struct {
		name  string
		check func(history.History, Options) Result
		h     history.History
	}{{"queue", Queue, queueRedelivered}, {"log", Log, logReappended}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runCanaries(t, tt.check, []canary{
				{name: "at-least-once accepts the redelivery", h: tt.h, opts: Options{Delivery: AtLeastOnce}, want: OK},
				{name: "exactly-once rejects it", h: tt.h, opts: Options{Delivery: ExactlyOnce}, want: Anomaly,
					kind: map[string]string{"queue": "duplicate-delivery", "log": "duplicate-entry"}[tt.name]},
				{name: "no claim decides nothing", h: tt.h, want: Unknown, kind: "not-configured", mention: []string{"exactly-once or at-least-once"}},
				{name: "an unknown claim decides nothing", h: tt.h, opts: Options{Delivery: "at-most-twice"}, want: Unknown, kind: "not-configured"},
			})
		})
	}
	if d, err := ParseDelivery("at-least-once"); err != nil || d != AtLeastOnce {
		t.Errorf("ParseDelivery: %v %v", d, err)
	}
	if _, err := ParseDelivery("once"); err == nil || !strings.Contains(err.Error(), "valid: exactly-once, at-least-once") {
		t.Errorf("ParseDelivery(once): %v", err)
	}
}
