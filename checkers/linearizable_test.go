package checkers

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/history"
)

func TestLinearizableCanaries(t *testing.T) {
	kv := history.KV
	w := func(id int64, p int, key string, v any, inv, cmp int64) history.Op {
		return ok(id, p, kv, "write", key, obj{"value": v}, nil, inv, cmp)
	}
	r := func(id int64, p int, key string, v any, inv, cmp int64) history.Op {
		return ok(id, p, kv, "read", key, nil, obj{"value": v}, inv, cmp)
	}
	cas := func(id int64, p int, key string, from, to any, swapped bool, inv, cmp int64) history.Op {
		return ok(id, p, kv, "cas", key, obj{"from": from, "to": to}, obj{"ok": swapped}, inv, cmp)
	}
	noNode := hist(w(1, 0, "x", 1, 0, 10), r(2, 1, "x", 1, 20, 30))
	noNode.Ops[1].NodeSeen = ""
	badOutput := hist(w(1, 0, "x", 1, 0, 10), ok(2, 1, kv, "read", "x", nil, obj{"val": 1}, 20, 30))

	runCanaries(t, Linearizable, []canary{
		{name: "read after write", h: hist(w(1, 0, "x", 1, 0, 10), r(2, 1, "x", 1, 20, 30)), want: OK},
		{name: "initial null", h: hist(r(1, 0, "x", nil, 0, 10), w(2, 1, "x", 1, 5, 20)), want: OK},
		{name: "concurrent read sees either", h: hist(w(1, 0, "x", 1, 0, 10), w(2, 1, "x", 2, 20, 40), r(3, 2, "x", 1, 25, 35)), want: OK},
		{name: "stale read", h: hist(w(1, 0, "x", 1, 0, 10), w(2, 1, "x", 2, 20, 30), r(3, 2, "x", 1, 40, 50)),
			want: Anomaly, kind: "not-linearizable", ops: []int64{3}, mention: []string{"op 3 read() -> 1 (impossible from 2)"}},
		{name: "info write may apply", h: hist(w(1, 0, "x", 1, 0, 10), info(2, 1, kv, "write", "x", obj{"value": 2}, 20), r(3, 2, "x", 2, 40, 50)), want: OK},
		{name: "info write may not apply", h: hist(w(1, 0, "x", 1, 0, 10), info(2, 1, kv, "write", "x", obj{"value": 2}, 20), r(3, 2, "x", 1, 40, 50)), want: OK},
		{name: "info write applies once", h: hist(w(1, 0, "x", 1, 0, 10), info(2, 1, kv, "write", "x", obj{"value": 2}, 20), r(3, 2, "x", 2, 40, 50), r(4, 2, "x", 1, 60, 70)),
			want: Anomaly, kind: "not-linearizable", ops: []int64{4}},
		{name: "info read dropped", h: hist(w(1, 0, "x", 1, 0, 10), info(2, 1, kv, "read", "x", nil, 20)), want: OK},
		{name: "failed write invisible", h: hist(w(1, 0, "x", 1, 0, 10), fail(2, 1, kv, "write", "x", obj{"value": 2}, 20, 30), r(3, 2, "x", 2, 40, 50)),
			want: Anomaly, kind: "not-linearizable", ops: []int64{3}},
		{name: "cas swaps", h: hist(w(1, 0, "x", 1, 0, 10), cas(2, 1, "x", 1, 2, true, 20, 30), r(3, 2, "x", 2, 40, 50)), want: OK},
		{name: "cas wrongly refused", h: hist(w(1, 0, "x", 1, 0, 10), cas(2, 1, "x", 1, 3, false, 20, 30)),
			want: Anomaly, kind: "not-linearizable", ops: []int64{2}, mention: []string{"cas(1, 3) -> fail"}},
		{name: "one bad key of two", h: hist(w(1, 0, "x", 1, 0, 10), r(2, 1, "x", 1, 20, 30), w(3, 0, "y", 1, 0, 10), r(4, 1, "y", 5, 20, 30)),
			want: Anomaly, kind: "not-linearizable", ops: []int64{4}, mention: []string{"on y"}},
		{name: "partition too large", h: hist(w(1, 0, "x", 1, 0, 10), r(2, 1, "x", 1, 20, 30)), opts: Options{MaxPartitionOps: 1},
			want: Unknown, kind: "work-limit", mention: []string{"MaxPartitionOps 1"}},
		{name: "step budget", h: hist(w(1, 0, "x", 1, 0, 10), r(2, 1, "x", 1, 20, 30)), opts: Options{MaxSteps: 1},
			want: Unknown, kind: "work-limit", mention: []string{"MaxSteps 1"}},
		{name: "too weak", h: noNode, want: Unknown, kind: "too-weak", mention: []string{"node_seen null on 1 records"}},
		{name: "malformed output", h: badOutput, want: Unknown, kind: "malformed-history", mention: []string{`op 2 (kv read): output`, `missing "value"`}},
		{name: "no operations", h: hist(ok(1, 0, history.Set, "add", "s", obj{"value": 1}, nil, 0, 1)), want: Unknown, kind: "no-operations"},
	})
}

func TestLinearizableCoverage(t *testing.T) {
	h := hist(
		ok(1, 0, history.Register, "write", "x", obj{"value": 1}, nil, 0, 10),
		ok(2, 0, history.Register, "read", "x", nil, obj{"value": 1}, 20, 30),
		ok(3, 0, history.Register, "write", "y", obj{"value": 1}, nil, 0, 10),
		ok(4, 0, history.Register, "write", "y", obj{"value": 2}, nil, 20, 30),
		ok(5, 0, history.Register, "read", "y", nil, obj{"value": 2}, 40, 50),
		ok(6, 0, history.Set, "add", "s", obj{"value": 1}, nil, 0, 10), // another model: not covered
	)
	if res := Linearizable(h, Options{MaxPartitionOps: 2}); len(res.Linearizations) != 0 {
		t.Fatalf("linearizations kept without Options.Linearizations: %+v", res.Linearizations)
	}
	res := Linearizable(h, Options{MaxPartitionOps: 2, Linearizations: true})
	if res.Outcome != Unknown || res.Kind != "work-limit" {
		t.Fatalf("got %s/%s", res.Outcome, res.Kind)
	}
	if res.Checked != 2 || res.Recorded != 6 || res.Decided() != 1 || len(res.Partitions) != 2 {
		t.Fatalf("coverage: checked %d of %d, decided %d of %d", res.Checked, res.Recorded, res.Decided(), len(res.Partitions))
	}
	if res.Partitions[0].Name != "x" || res.Partitions[0].Outcome != OK || res.Partitions[1].Outcome != Unknown {
		t.Fatalf("partitions: %+v", res.Partitions)
	}
	if len(res.Linearizations) != 1 || res.Linearizations[0].Key != "x" {
		t.Fatalf("linearizations: %+v", res.Linearizations)
	}
	if res.Work <= 0 {
		t.Fatalf("work %d", res.Work)
	}
}

// TestLinearizableValuesCompareCanonically: a value read without decoding
// (as the workloads write it) and the same value decoded from other JSON
// text are one register value; a different value is not.
func TestLinearizableValuesCompareCanonically(t *testing.T) {
	spaced := func(id int64, v string, inv, cmp int64) history.Op {
		o := ok(id, 0, history.KV, "write", "x", nil, nil, inv, cmp)
		o.Input = []byte(`{ "value" : ` + v + ` }`)
		return o
	}
	read := func(id int64, v any, inv, cmp int64) history.Op {
		return ok(id, 1, history.KV, "read", "x", nil, obj{"value": v}, inv, cmp)
	}
	if res := Linearizable(hist(spaced(1, `"a"`, 0, 10), read(2, "a", 20, 30)), Options{}); res.Outcome != OK {
		t.Errorf("same value, different text: %s: %s", res.Outcome, res.Explanation)
	}
	res := Linearizable(hist(spaced(1, `"a"`, 0, 10), read(2, "b", 20, 30)), Options{})
	if res.Outcome != Anomaly || !strings.Contains(res.Explanation, `op 2 read() -> "b" (impossible from "a")`) {
		t.Errorf("different values: %s: %s", res.Outcome, res.Explanation)
	}
}

// TestCheckersLeaveTheHistoryAlone: a checker may be given the caller's
// own operations (no copy when all are of its models), so none may
// reorder or change them. The history is out of invocation order, which
// the session checker sorts (a copy).
func TestCheckersLeaveTheHistoryAlone(t *testing.T) {
	mk := func() history.History {
		return hist(
			ok(3, 0, history.KV, "write", "x", obj{"value": 2}, nil, 40, 50),
			ok(1, 1, history.KV, "write", "x", obj{"value": 1}, nil, 0, 10),
			ok(2, 1, history.KV, "read", "x", nil, obj{"value": 1}, 20, 30),
			ok(4, 0, history.KV, "read", "x", nil, obj{"value": 2}, 60, 70),
		)
	}
	for _, c := range Registry() {
		h, want := mk(), mk()
		c.Check(h, Options{})
		if !reflect.DeepEqual(h, want) {
			t.Errorf("%s changed the history it was given", c.Name)
		}
	}
}

// TestLinearizableTimeLimit: a key porcupine cannot finish within
// Options.TimeLimit is undecided ("time-limit"), never OK. The history
// is one no search finishes in a millisecond (measured: not in 20s
// either): 22 concurrent writes and reads, and a read of a value never
// written, so that every order of them must be tried.
func TestLinearizableTimeLimit(t *testing.T) {
	var ops []history.Op
	const n = 22
	for i := range int64(n) {
		ops = append(ops, ok(i+1, int(i), history.KV, "write", "x", obj{"value": i}, nil, 0, 1000))
	}
	// Reads that no order of the writes explains: each sees a value
	// after the one it must have been overwritten by.
	for i := range int64(n) {
		ops = append(ops, ok(n+i+1, int(n+i), history.KV, "read", "x", nil, obj{"value": (i * 7) % n}, 10, 2000))
	}
	ops = append(ops, ok(2*n+1, 2*n, history.KV, "read", "x", nil, obj{"value": n + 1}, 3000, 3100)) // never written
	res := Linearizable(hist(ops...), Options{TimeLimit: time.Millisecond, MaxSteps: 1 << 62, MaxPartitionOps: 1000})
	if res.Outcome != Unknown || res.Kind != "time-limit" {
		t.Fatalf("got %s/%s (%s), want Unknown/time-limit", res.Outcome, res.Kind, res.Explanation)
	}
}
