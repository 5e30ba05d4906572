package checkers

import (
	"testing"

	"github.com/faultline-dst/faultline/history"
)

func TestSetCanaries(t *testing.T) {
	s := history.Set
	add := func(id int64, v any, inv, cmp int64) history.Op {
		return ok(id, 0, s, "add", "s", obj{"value": v}, nil, inv, cmp)
	}
	final := func(id int64, vs []any, inv, cmp int64) history.Op {
		return ok(id, 1, s, "read", "s", obj{"final": true}, obj{"values": vs}, inv, cmp)
	}
	runCanaries(t, Set, []canary{
		{name: "all present", h: hist(add(1, 1, 0, 10), add(2, 2, 20, 30), final(3, []any{2, 1}, 40, 50)), want: OK},
		{name: "info add may be absent", h: hist(add(1, 1, 0, 10), info(2, 0, s, "add", "s", obj{"value": 2}, 20), final(3, []any{1}, 40, 50)), want: OK},
		{name: "info add may be present", h: hist(info(1, 0, s, "add", "s", obj{"value": 2}, 20), final(2, []any{2}, 40, 50)), want: OK},
		{name: "lost add", h: hist(add(1, 1, 0, 10), add(2, 2, 20, 30), final(3, []any{1}, 40, 50)),
			want: Anomaly, kind: "lost-write", ops: []int64{2, 3}, mention: []string{"add op 2 of 2"}},
		{name: "concurrent add may be absent", h: hist(add(1, 1, 0, 45), final(2, []any{}, 40, 50)), want: OK},
		{name: "invented", h: hist(add(1, 1, 0, 10), final(2, []any{1, 9}, 40, 50)),
			want: Anomaly, kind: "invented-value", ops: []int64{2}, mention: []string{"returned 9"}},
		{name: "failed add visible", h: hist(fail(1, 0, s, "add", "s", obj{"value": 1}, 0, 10), final(2, []any{1}, 40, 50)),
			want: Anomaly, kind: "invented-value"},
		{name: "no final read", h: hist(add(1, 1, 0, 10), ok(2, 1, s, "read", "s", nil, obj{"values": []any{1}}, 20, 30)),
			want: Unknown, kind: "no-final-read"},
	})
}

func TestCounterCanaries(t *testing.T) {
	c := history.Counter
	inc := func(id int64, d int, inv, cmp int64) history.Op {
		return ok(id, 0, c, "inc", "c", obj{"delta": d}, nil, inv, cmp)
	}
	read := func(id int64, v int, inv, cmp int64) history.Op {
		return ok(id, 1, c, "read", "c", nil, obj{"value": v}, inv, cmp)
	}
	runCanaries(t, Counter, []canary{
		{name: "exact", h: hist(inc(1, 2, 0, 10), inc(2, 3, 20, 30), read(3, 5, 40, 50)), want: OK},
		{name: "concurrent inc either way", h: hist(inc(1, 2, 0, 10), inc(2, 3, 35, 60), read(3, 2, 40, 50), read(4, 5, 40, 50)), want: OK},
		{name: "info inc may count later", h: hist(inc(1, 2, 0, 10), info(2, 0, c, "inc", "c", obj{"delta": 3}, 20), read(3, 2, 40, 50), read(4, 5, 60, 70)), want: OK},
		{name: "initial value", h: hist(inc(1, 2, 0, 10), read(2, 12, 40, 50)), opts: Options{CounterInitial: 10}, want: OK},
		{name: "lost increment", h: hist(inc(1, 2, 0, 10), inc(2, 3, 20, 30), read(3, 2, 40, 50)),
			want: Anomaly, kind: "out-of-bounds", ops: []int64{3}, mention: []string{"returned 2", "allow [5, 5]"}},
		{name: "failed inc counted", h: hist(inc(1, 2, 0, 10), fail(2, 0, c, "inc", "c", obj{"delta": 3}, 20, 30), read(3, 5, 40, 50)),
			want: Anomaly, kind: "out-of-bounds"},
		{name: "negative deltas", h: hist(inc(1, 5, 0, 10), inc(2, -2, 35, 60), read(3, 3, 40, 50), read(4, 5, 40, 50)), want: OK},
		{name: "no reads", h: hist(inc(1, 5, 0, 10)), want: Unknown, kind: "no-reads"},
	})
}
