package workloads

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/rng"
)

func testConfig(t *testing.T, c Config) Config {
	t.Helper()
	if c.Targets == nil {
		c.Targets = []string{"n1"}
	}
	c = c.withDefaults()
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// within reports whether got/n is within tol of want.
func within(got, n int, want, tol float64) bool {
	return math.Abs(float64(got)/float64(n)-want) <= tol
}

func TestMixFrequencies(t *testing.T) {
	tests := []struct {
		model history.Model
		mix   map[string]int
		want  map[string]float64
	}{
		{history.KV, map[string]int{"read": 1, "write": 3}, map[string]float64{"read": 0.25, "write": 0.75}},
		{history.KV, nil, map[string]float64{"read": 0.4, "write": 0.4, "cas": 0.2}},
		{history.Queue, map[string]int{"enqueue": 1, "dequeue": 1, "drain": 0}, map[string]float64{"enqueue": 0.5, "dequeue": 0.5}},
		{history.Ledger, map[string]int{"transfer": 8, "balance": 1, "balances": 1}, map[string]float64{"transfer": 0.8, "balance": 0.1, "balances": 0.1}},
		{history.Counter, map[string]int{"inc": 1}, map[string]float64{"inc": 1}},
	}
	const n = 20000
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s%v", tt.model, tt.mix), func(t *testing.T) {
			cfg := testConfig(t, Config{Model: tt.model, Mix: tt.mix})
			g := newGenerator(&cfg, 0, rng.New(1, "mix"))
			counts := map[string]int{}
			for i := 0; i < n; i++ {
				counts[g.next().opType]++
			}
			for op, want := range tt.want {
				if !within(counts[op], n, want, 0.015) {
					t.Errorf("%s: %d of %d, want %.2f", op, counts[op], n, want)
				}
			}
			if len(counts) != len(tt.want) {
				t.Errorf("drew %v, want only %v", counts, tt.want)
			}
		})
	}
}

func TestKeyDistributions(t *testing.T) {
	tests := []struct {
		dist KeyDist
		keys int
		want []float64
	}{
		{KeysUniform, 4, []float64{0.25, 0.25, 0.25, 0.25}},
		{KeysUniform, 1, []float64{1}},
		{KeysZipf, 4, []float64{12.0 / 25, 6.0 / 25, 4.0 / 25, 3.0 / 25}}, // 1 : 1/2 : 1/3 : 1/4
		{KeysZipf, 2, []float64{2.0 / 3, 1.0 / 3}},
	}
	const n = 20000
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.dist, tt.keys), func(t *testing.T) {
			p := newKeyPicker(tt.dist, tt.keys)
			r := rng.New(2, "keys")
			counts := make([]int, tt.keys)
			for i := 0; i < n; i++ {
				counts[p.pick(r)]++
			}
			for i, want := range tt.want {
				if !within(counts[i], n, want, 0.015) {
					t.Errorf("key %d: %d of %d, want %.3f", i, counts[i], n, want)
				}
			}
		})
	}
	if p := newKeyPicker(KeysZipf, MaxKeys); p.cum[MaxKeys-1] <= p.cum[MaxKeys-2] {
		t.Error("the coldest of MaxKeys keys has no weight")
	}
}

// drawSequence draws n operations of model m for a process, feeding every
// call back as ok with a plausible output so stateful generators advance.
func drawSequence(t *testing.T, m history.Model, seed uint64, process, n int) []call {
	cfg := testConfig(t, Config{Model: m, Keys: 3, KeyDist: KeysZipf})
	g := newGenerator(&cfg, process, rng.New(seed, fmt.Sprintf("node/client%d", process)).Split("ops"))
	var out []call
	for i := 0; i < n; i++ {
		c := g.next()
		out = append(out, c)
		var output json.RawMessage
		switch c.opType {
		case "acquire":
			output = history.MustJSON(obj{"token": i})
		case "append":
			output = history.MustJSON(obj{"offset": i})
		case "read":
			output = history.MustJSON(obj{"value": i})
		}
		g.observe(c, history.OK, output)
	}
	return append(out, g.finals()...)
}

func TestGeneratorDeterminism(t *testing.T) {
	for _, m := range history.Models() {
		a := drawSequence(t, m, 7, 1, 200)
		b := drawSequence(t, m, 7, 1, 200)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: same seed, different operations", m)
		}
		if c := drawSequence(t, m, 8, 1, 200); reflect.DeepEqual(a, c) {
			t.Fatalf("%s: seeds 7 and 8 give the same operations", m)
		}
	}
}

// TestGeneratedOpsFollowVocabulary records generated calls as operations
// and checks them against package history's rules: known op_types, inputs
// present where the vocabulary requires them, keys where it requires them.
func TestGeneratedOpsFollowVocabulary(t *testing.T) {
	for _, m := range history.Models() {
		var h history.History
		for p := 0; p < 3; p++ {
			for _, c := range drawSequence(t, m, 3, p, 300) {
				h.Ops = append(h.Ops, history.Op{ID: int64(len(h.Ops) + 1), Process: p, Model: m, OpType: c.opType, Key: c.key, Input: c.input,
					Type: history.Info, TimeoutMarker: true, FaultEpoch: &history.FaultEpoch{Invoke: []string{}}})
			}
		}
		if err := history.WellFormed(h); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if err := history.Validate(h, history.Fields(history.FieldKey, history.FieldInput, history.FieldFaultEpoch)); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		checkUnique(t, m, h)
	}
}

// checkUnique checks that values added, enqueued, appended or written are
// unique across processes, and so are ledger idempotency keys.
func checkUnique(t *testing.T, m history.Model, h history.History) {
	t.Helper()
	seen := map[string]int64{}
	for _, o := range h.Ops {
		var in struct {
			Value json.RawMessage
			Idem  string
		}
		if o.Input == nil || json.Unmarshal(o.Input, &in) != nil {
			continue
		}
		id := string(in.Value) + in.Idem
		if id == "" {
			continue
		}
		if prev, dup := seen[id]; dup {
			t.Fatalf("%s: ops %d and %d both carry %s", m, prev, o.ID, id)
		}
		seen[id] = o.ID
	}
	switch m {
	case history.Queue, history.Set, history.Log, history.KV, history.Register, history.Ledger:
		if len(seen) == 0 {
			t.Fatalf("%s: no value generated", m)
		}
	}
}

func TestLockClientUsesItsToken(t *testing.T) {
	cfg := testConfig(t, Config{Model: history.Lock})
	g := newGenerator(&cfg, 0, rng.New(1, "lock"))
	c := g.next()
	if c.opType != "acquire" || c.input != nil {
		t.Fatalf("first op %+v, want acquire", c)
	}
	g.observe(c, history.OK, history.MustJSON(obj{"token": 42}))
	for i := 0; i < 20; i++ {
		u := g.next()
		if u.key != c.key || string(u.input) != `{"token":42}` {
			t.Fatalf("holder's op %+v, want the token 42 on %s", u, c.key)
		}
		if u.opType == "release" {
			g.observe(u, history.OK, nil)
			if n := g.next(); n.opType != "acquire" {
				t.Fatalf("after release: %+v, want acquire", n)
			}
			return
		}
		g.observe(u, history.OK, nil)
	}
	t.Fatal("never released in 20 ops")
}

func TestFinalReads(t *testing.T) {
	tests := []struct {
		model history.Model
		want  []string // op_type key input
	}{
		{history.Set, []string{`read k0 {"final":true}`, `read k1 {"final":true}`}},
		{history.Queue, []string{"drain k0 ", "drain k1 "}},
		{history.Log, []string{`read k0 {"final":true,"from":0}`, `read k1 {"final":true,"from":0}`}},
		{history.KV, []string{"read k0 ", "read k1 "}},
		{history.Counter, []string{"read k0 ", "read k1 "}},
		{history.Ledger, []string{"balances  "}},
		{history.Lock, nil},
	}
	for _, tt := range tests {
		cfg := testConfig(t, Config{Model: tt.model, Keys: 2})
		var got []string
		for _, c := range newGenerator(&cfg, 0, rng.New(1, "f")).finals() {
			got = append(got, c.opType+" "+c.key+" "+string(c.input))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s finals = %q, want %q", tt.model, got, tt.want)
		}
	}
}

// TestInputsAsEncodingJSONWritesThem: the inputs the generator writes
// without encoding/json are byte for byte what history.MustJSON gives
// (the trace hashes every request, so a byte's difference would change
// every run).
func TestInputsAsEncodingJSONWritesThem(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 7, 1_000_001, -9_223_372_036_854_775_808, 9_223_372_036_854_775_807} {
		if got, want := string(intObject("value", v)), string(history.MustJSON(obj{"value": v})); got != want {
			t.Errorf("intObject(%d) = %s, want %s", v, got, want)
		}
	}
	for _, from := range []string{"null", "true", "false", "0", "-0", "5", "-17", "3000004", "1.5", "1e3", `"a<b"`, `{"a": 1}`, "[1, 2]", "00", "-"} {
		if !json.Valid([]byte(from)) {
			if plainScalar(json.RawMessage(from)) {
				t.Errorf("plainScalar(%s): true for invalid JSON", from)
			}
			continue
		}
		if got, want := string(casInput(json.RawMessage(from), 42)), string(history.MustJSON(obj{"from": json.RawMessage(from), "to": int64(42)})); got != want {
			t.Errorf("casInput(%s) = %s, want %s", from, got, want)
		}
	}
	for _, c := range []struct {
		v     string
		plain bool
	}{{"null", true}, {"true", true}, {"0", true}, {"-12", true}, {"", false}, {"-", false}, {"01", false}, {"1.0", false}, {`"x"`, false}, {"nul", false}} {
		if got := plainScalar(json.RawMessage(c.v)); got != c.plain {
			t.Errorf("plainScalar(%q) = %v, want %v", c.v, got, c.plain)
		}
	}
}
