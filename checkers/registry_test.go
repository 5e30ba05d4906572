package checkers

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/history"
)

func TestRegistry(t *testing.T) {
	want := []string{"counter", "ledger", "lease", "linearizable", "liveness", "lock", "log", "queue", "session", "set"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, c := range Registry() {
		got, err := Lookup(c.Name)
		if err != nil || got.Name != c.Name || got.Check == nil || len(got.Models) == 0 || got.Summary == "" {
			t.Fatalf("Lookup(%s) = %+v, %v", c.Name, got, err)
		}
	}
	_, err := Lookup("linearisable")
	if err == nil || err.Error() != `unknown checker "linearisable"; valid: `+strings.Join(want, ", ") {
		t.Fatalf("Lookup error = %v", err)
	}
}

// TestEveryCheckerRefusesWeakHistories runs every registered checker on a
// history of its own model whose JSON lacked every needed field: each must
// say too weak, never ok.
func TestEveryCheckerRefusesWeakHistories(t *testing.T) {
	for _, c := range Registry() {
		m := c.Models[0]
		fn := history.OpTypes(m)[0]
		o := ok(1, 0, m, fn, "k", obj{"value": 1}, obj{"value": 1}, 0, 10)
		o.Absent = c.Needs
		res := c.Check(hist(o), Options{})
		if res.Outcome != Unknown || res.Kind != "too-weak" {
			t.Errorf("%s: got %s/%s on a history without %s", c.Name, res.Outcome, res.Kind, c.Needs)
			continue
		}
		if len(res.Missing) != len(c.Needs.List()) {
			t.Errorf("%s: Missing = %v, want %s", c.Name, res.Missing, c.Needs)
		}
	}
}

func TestMalformedHistoryIsUnknown(t *testing.T) {
	h := hist(ok(1, 0, history.KV, "write", "x", obj{"value": 1}, nil, 0, 10), ok(1, 0, history.KV, "read", "x", nil, obj{"value": 1}, 20, 30))
	for _, c := range Registry() {
		res := c.Check(h, Options{})
		if res.Outcome != Unknown || res.Kind != "malformed-history" || !strings.Contains(res.Explanation, "op_id 1 already used") {
			t.Errorf("%s: got %s/%s: %s", c.Name, res.Outcome, res.Kind, res.Explanation)
		}
	}
}

// genRegister builds a linearizable register history: procs sequential
// processes issue n operations over keys; each operation takes effect at a
// random instant inside its interval, and outputs follow from applying
// operations in that order. About 3% of writes and cas time out (info);
// their effect lands or not at random.
func genRegister(seed uint64, n, procs, keys int) history.History {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	type pending struct {
		op    history.Op
		at    int64
		apply bool
	}
	var all []pending
	clock := make([]int64, procs)
	for i := 0; i < n; i++ {
		p := i % procs
		inv := clock[p] + rng.Int64N(100)
		dur := 1 + rng.Int64N(400)
		clock[p] = inv + dur
		key := keyName(rng.IntN(keys))
		o := history.Op{ID: int64(i), Process: p, Model: history.KV, Key: key, Type: history.OK,
			InvokeTS: inv, CompleteTS: inv + dur, NodeSeen: "n1"}
		switch x := rng.IntN(10); {
		case x < 5:
			o.OpType = "read"
		case x < 8:
			o.OpType = "write"
			o.Input = history.MustJSON(obj{"value": rng.IntN(5)})
		default:
			o.OpType = "cas"
			o.Input = history.MustJSON(obj{"from": rng.IntN(5), "to": rng.IntN(5)})
		}
		apply := true
		if o.OpType != "read" && rng.IntN(100) < 3 {
			o.Type, o.TimeoutMarker, apply = history.Info, true, rng.IntN(2) == 0
			o.NodeSeen = ""
		}
		all = append(all, pending{o, inv + rng.Int64N(dur+1), apply})
	}
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return all[order[a]].at < all[order[b]].at })
	state := map[string]any{}
	for _, i := range order {
		pd := &all[i]
		o := &pd.op
		cur := state[o.Key]
		switch o.OpType {
		case "read":
			o.Output = history.MustJSON(obj{"value": cur})
		case "write":
			if pd.apply {
				var in struct{ Value int }
				mustUnmarshal(o.Input, &in)
				state[o.Key] = in.Value
			}
		case "cas":
			var in struct{ From, To int }
			mustUnmarshal(o.Input, &in)
			swapped := cur != nil && cur.(int) == in.From
			if swapped && pd.apply {
				state[o.Key] = in.To
			}
			if o.Type == history.OK {
				o.Output = history.MustJSON(obj{"ok": swapped})
			}
		}
	}
	var h history.History
	for _, pd := range all {
		h.Ops = append(h.Ops, pd.op)
	}
	return h
}

func keyName(i int) string { return "k" + string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func TestDeterminism(t *testing.T) {
	h := genRegister(1, 3000, 10, 30)
	if err := history.WellFormed(h); err != nil {
		t.Fatal(err)
	}
	for _, c := range Registry() {
		a, b := c.Check(h, Options{}), c.Check(h, Options{})
		if digest(t, a) != digest(t, b) {
			t.Errorf("%s: two runs differ", c.Name)
		}
	}
	res := Linearizable(h, Options{})
	if res.Outcome != OK || res.Checked != h.Len() || len(res.Partitions) != 30 {
		t.Fatalf("generated history: %s %s (checked %d of %d, %d partitions)", res.Outcome, res.Explanation, res.Checked, res.Recorded, len(res.Partitions))
	}
	// A linearizable history satisfies the session guarantees, with or
	// without real-time order.
	for _, rt := range []bool{false, true} {
		if res := Session(h, Options{RealTimeOrder: rt}); res.Outcome != OK {
			t.Fatalf("session (real time %t) on a linearizable history: %s", rt, res.Explanation)
		}
	}
	// Breaking one read must be caught, naming that read.
	for i := range h.Ops {
		o := &h.Ops[i]
		if o.OpType == "read" && o.Type == history.OK {
			o.Output = history.MustJSON(obj{"value": 99})
			res := Linearizable(h, Options{})
			if res.Outcome != Anomaly || !slices.Contains(res.Violations[0].Ops, o.ID) {
				t.Fatalf("corrupted read op %d: got %s: %s", o.ID, res.Outcome, res.Explanation)
			}
			break
		}
	}
}

// BenchmarkLinearizable10k checks a 10,000-operation register history over
// 100 keys.
func BenchmarkLinearizable10k(b *testing.B) {
	h := genRegister(7, 10000, 20, 100)
	b.ReportAllocs()
	for b.Loop() {
		res := Linearizable(h, Options{})
		if res.Outcome != OK || res.Checked != 10000 {
			b.Fatalf("%s: %s", res.Outcome, res.Explanation)
		}
	}
}
