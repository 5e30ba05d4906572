package checkers

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/faultline-dst/faultline/history"
)

// corrupt returns h with one seeded change that may make it
// non-linearizable: a read returning another value, a write of another
// value, or an operation moved later in time.
func corrupt(h history.History, seed uint64) history.History {
	rng := rand.New(rand.NewPCG(seed, 0xbad))
	out := history.History{Ops: append([]history.Op(nil), h.Ops...)}
	for tries := 0; tries < 100; tries++ {
		o := &out.Ops[rng.IntN(len(out.Ops))]
		if o.Type != history.OK {
			continue
		}
		switch rng.IntN(3) {
		case 0:
			if o.OpType == "read" {
				o.Output = history.MustJSON(obj{"value": rng.IntN(6)})
				return out
			}
		case 1:
			if o.OpType == "write" {
				o.Input = history.MustJSON(obj{"value": rng.IntN(6)})
				return out
			}
		default:
			d := 200 + rng.Int64N(800)
			o.InvokeTS += d
			o.CompleteTS += d
			return out
		}
	}
	return out
}

// keyGroups converts h as the linearizable checker does.
func keyGroups(t *testing.T, h history.History) []keyGroup {
	t.Helper()
	r := &report{opts: Options{}.withDefaults()}
	c := &regCheck{r: r, vals: make(values)}
	groups, err := c.convertAll(h.Ops)
	if err != nil {
		t.Fatal(err)
	}
	return groups
}

// TestWitnessAgreesWithPorcupine: a key the witness decides is one
// porcupine finds linearizable (over linearizable histories and ones with
// a seeded change), and the witness decides nearly every linearizable key
// within its budget, so porcupine is left the rare key.
func TestWitnessAgreesWithPorcupine(t *testing.T) {
	var w witness
	var keys, linearizable, decided, illegal int
	for seed := uint64(1); seed <= 300; seed++ {
		h := genRegister(seed, 120+int(seed%5)*60, 2+int(seed%6), 1+int(seed%4))
		if seed%2 == 0 {
			h = corrupt(h, seed)
		}
		for _, g := range keyGroups(t, h) {
			keys++
			model := RegisterModel()
			verdict := porcupine.CheckOperations(model, g.pops)
			_, ok := w.find(g.pops, witnessBase+witnessSteps*int64(len(g.pops)))
			if ok && !verdict {
				t.Fatalf("seed %d key %s: the witness decided a key porcupine finds not linearizable", seed, g.key)
			}
			if !verdict {
				illegal++
				continue
			}
			linearizable++
			if ok {
				decided++
			}
		}
	}
	t.Logf("%d keys: %d linearizable, %d decided by the witness within its budget; %d not linearizable", keys, linearizable, decided, illegal)
	if illegal < 50 {
		t.Fatalf("only %d keys not linearizable: the test does not reach that case", illegal)
	}
	if decided < linearizable*95/100 {
		t.Fatalf("the witness decided %d of %d linearizable keys; want 95%%", decided, linearizable)
	}
}

// TestWitnessCheck: the check of an order trusts nothing of the search.
func TestWitnessCheck(t *testing.T) {
	v := func(s string) *regValue { return &regValue{text: s, hash: fnv1a(s)} }
	one, two := v("1"), v("2")
	op := func(kind byte, a *regValue, read *regValue, call, ret int64) porcupine.Operation {
		return porcupine.Operation{Input: &regOp{kind: kind, a: a}, Output: &regOut{value: read}, Call: call, Return: ret}
	}
	// write 1 [0,10], read 1 [5,20], write 2 [30,40], read 2 [35,50]
	pops := []porcupine.Operation{
		op(kindWrite, one, nil, 0, 10),
		op(kindRead, nil, one, 5, 20),
		op(kindWrite, two, nil, 30, 40),
		op(kindRead, nil, two, 35, 50),
	}
	for _, tc := range []struct {
		order []int32
		want  bool
	}{
		{[]int32{0, 1, 2, 3}, true},
		{[]int32{1, 0, 2, 3}, false},    // read 1 before anything was written
		{[]int32{0, 2, 1, 3}, false},    // read 1 after write 2, which began after it returned
		{[]int32{0, 1, 2}, false},       // an operation missing
		{[]int32{0, 1, 2, 3, 3}, false}, // one twice
		{[]int32{0, 1, 1, 3}, false},
		{[]int32{0, 1, 2, 4}, false}, // out of range
		{[]int32{0, 1, 3, 2}, false}, // read 2 before write 2
	} {
		var w witness
		if got := w.check(pops, tc.order); got != tc.want {
			t.Errorf("check(%v) = %v, want %v", tc.order, got, tc.want)
		}
	}
	// Real time alone: the read of 1 may not precede the second write of
	// 1, which returned before the read was invoked; the register cannot
	// tell the two orders apart.
	again := []porcupine.Operation{op(kindWrite, one, nil, 0, 10), op(kindWrite, one, nil, 20, 30), op(kindRead, nil, one, 40, 50)}
	for _, tc := range []struct {
		order []int32
		want  bool
	}{{[]int32{0, 1, 2}, true}, {[]int32{0, 2, 1}, false}, {[]int32{1, 0, 2}, false}} {
		var w witness
		if got := w.check(again, tc.order); got != tc.want {
			t.Errorf("check(%v) of two writes of 1 and a read = %v, want %v", tc.order, got, tc.want)
		}
	}
	var w witness
	if steps, ok := w.find(pops, 100); !ok || steps < 4 {
		t.Errorf("find: %d steps, %v; want a witness", steps, ok)
	}
	if _, ok := w.find(pops, 3); ok {
		t.Errorf("find within 3 steps of 4 operations: want no witness")
	}
	// A return and a call at the same instant overlap, as porcupine has
	// it: a read of null invoked when write 1 returns may precede it.
	tie := []porcupine.Operation{op(kindWrite, one, nil, 0, 10), op(kindRead, nil, nullValue, 10, 20)}
	if _, ok := w.find(tie, 100); !ok {
		t.Errorf("find: a read of null invoked at the instant write 1 returned has a witness (the read first)")
	}
	pops[3].Output, pops[3].Call = &regOut{value: one}, 45 // read 1 after write 2 returned
	if _, ok := w.find(pops, 1000); ok {
		t.Errorf("find on a stale read: want no witness")
	}
}

// TestLinearizableWitnessOrPorcupine: the checker's result with the
// witness first is porcupine's, key by key (Options.Linearizations makes
// every key porcupine's): the same outcome, partitions and violations;
// with a low MaxSteps a key may be decided by whichever search fits in it,
// and a key the witness decides is never one porcupine found illegal.
func TestLinearizableWitnessOrPorcupine(t *testing.T) {
	anomalies := 0
	for seed := uint64(1); seed <= 60; seed++ {
		h := genRegister(seed, 240, 5, 1+int(seed%6))
		if seed%3 == 0 {
			h = corrupt(h, seed)
		}
		for _, opts := range []Options{{}, {MaxSteps: 40 + int64(seed)*3}, {MaxPartitionOps: 60}} {
			fast := Linearizable(h, opts)
			opts.Linearizations = true
			slow := Linearizable(h, opts)
			name := fmt.Sprintf("seed %d, %+v", seed, opts)
			if len(fast.Partitions) != len(slow.Partitions) {
				t.Fatalf("%s: %d partitions, want %d", name, len(fast.Partitions), len(slow.Partitions))
			}
			for i, f := range fast.Partitions {
				s := slow.Partitions[i]
				same := f.Name == s.Name && f.Ops == s.Ops && f.Reason == s.Reason
				if !same && !(opts.MaxSteps > 0 && f.Name == s.Name && (f.Reason == "" || s.Reason == "")) {
					t.Fatalf("%s: partition %+v, porcupine's %+v", name, f, s)
				}
			}
			if fmt.Sprint(fast.Violations) != fmt.Sprint(slow.Violations) {
				t.Fatalf("%s: violations %v, porcupine's %v", name, fast.Violations, slow.Violations)
			}
			if opts.MaxSteps == 0 && fast.Outcome != slow.Outcome {
				t.Fatalf("%s: %s, porcupine's %s", name, fast.Outcome, slow.Outcome)
			}
			if fast.Outcome == Anomaly {
				anomalies++
			}
		}
	}
	if anomalies < 10 {
		t.Fatalf("only %d anomalies: the test does not reach porcupine's explanations", anomalies)
	}
}
