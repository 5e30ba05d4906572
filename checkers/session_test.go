package checkers

import (
	"testing"

	"github.com/faultline-dst/faultline/history"
)

func TestSessionCanaries(t *testing.T) {
	kv := history.KV
	w := func(id int64, p int, v any, inv, cmp int64) history.Op {
		return ok(id, p, kv, "write", "x", obj{"value": v}, nil, inv, cmp)
	}
	r := func(id int64, p int, v any, inv, cmp int64) history.Op {
		return ok(id, p, kv, "read", "x", nil, obj{"value": v}, inv, cmp)
	}
	runCanaries(t, Session, []canary{
		{name: "reads own writes", h: hist(w(1, 0, 1, 0, 10), r(2, 0, 1, 20, 30), w(3, 0, 2, 40, 50), r(4, 0, 2, 60, 70)), want: OK},
		{name: "another writer's value is fine", h: hist(w(1, 0, 1, 0, 10), w(2, 1, 5, 15, 18), r(3, 0, 5, 20, 30)), want: OK},
		{name: "reads null after writing", h: hist(w(1, 0, 1, 0, 10), r(2, 0, nil, 20, 30)),
			want: Anomaly, kind: "read-your-writes", ops: []int64{1, 2}},
		{name: "reads own older write", h: hist(w(1, 0, 1, 0, 10), w(2, 0, 2, 20, 30), r(3, 0, 1, 40, 50)),
			want: Anomaly, kind: "read-your-writes", ops: []int64{2, 3}, mention: []string{"process 0 wrote 2 (op 2"}},
		{name: "monotonic reads broken", h: hist(w(1, 1, "a", 0, 10), w(2, 1, "b", 20, 30), r(3, 0, "b", 40, 50), r(4, 0, "a", 60, 70)),
			want: Anomaly, kind: "monotonic-reads", ops: []int64{3, 4}},
		{name: "real-time order only when claimed", h: hist(w(1, 1, "a", 0, 10), w(2, 2, "b", 20, 30), r(3, 0, "b", 40, 50), r(4, 0, "a", 60, 70)), want: OK},
		{name: "real-time order claimed", h: hist(w(1, 1, "a", 0, 10), w(2, 2, "b", 20, 30), r(3, 0, "b", 40, 50), r(4, 0, "a", 60, 70)),
			opts: Options{RealTimeOrder: true}, want: Anomaly, kind: "monotonic-reads"},
		{name: "cas counts as a write", h: hist(w(1, 0, 1, 0, 10), ok(2, 0, kv, "cas", "x", obj{"from": 1, "to": 2}, obj{"ok": true}, 20, 30), r(3, 0, 1, 40, 50)),
			want: Anomaly, kind: "read-your-writes"},
		{name: "no reads", h: hist(w(1, 0, 1, 0, 10)), want: Unknown, kind: "no-reads"},
	})
}
