package checkers

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/faultline-dst/faultline/history"
)

// plainIn and plainOut are the typed operations a porcupine user would
// write for a key-value register: integer values, math.MinInt64 for null.
type plainIn struct {
	key      string
	op       byte
	from, to int64
}

type plainOut struct {
	unknown, ok bool
	value       int64
}

const null = math.MinInt64

// plainModel is porcupine's key-value model with integer states,
// partitioned by key.
var plainModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, o := range history {
			k := o.Input.(plainIn).key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], o)
		}
		var out [][]porcupine.Operation
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return int64(null) },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(int64), input.(plainIn), output.(plainOut)
		switch in.op {
		case 'r':
			return out.unknown || out.value == st, st
		case 'w':
			return true, in.to
		}
		if st == in.from {
			return out.unknown || out.ok, in.to
		}
		return out.unknown || !out.ok, st
	},
}

// plainOps converts h once, outside any timing, as a porcupine user's
// typed history would already be.
func plainOps(tb testing.TB, h history.History) []porcupine.Operation {
	var ops []porcupine.Operation
	val := func(raw json.RawMessage) int64 {
		if raw == nil || string(raw) == "null" {
			return null
		}
		var v int64
		if err := json.Unmarshal(raw, &v); err != nil {
			tb.Fatal(err)
		}
		return v
	}
	for _, o := range h.Ops {
		if o.Type == history.Fail || (o.Type == history.Info && o.OpType == "read") {
			continue
		}
		in := plainIn{key: o.Key, op: o.OpType[0]}
		out := plainOut{unknown: o.Type == history.Info}
		var m map[string]json.RawMessage
		if len(o.Input) > 0 {
			if err := json.Unmarshal(o.Input, &m); err != nil {
				tb.Fatal(err)
			}
		}
		var mo map[string]json.RawMessage
		if len(o.Output) > 0 {
			if err := json.Unmarshal(o.Output, &mo); err != nil {
				tb.Fatal(err)
			}
		}
		switch o.OpType {
		case "read":
			out.value = val(mo["value"])
		case "write":
			in.to = val(m["value"])
		case "cas":
			in.from, in.to = val(m["from"]), val(m["to"])
			out.ok = string(mo["ok"]) == "true"
		}
		ret := o.CompleteTS
		if o.Type == history.Info {
			ret = math.MaxInt64
		}
		ops = append(ops, porcupine.Operation{ClientId: o.Process, Input: in, Call: o.InvokeTS, Output: out, Return: ret})
	}
	return ops
}

// BenchmarkCheckerVsPorcupine checks the same 10,000-operation register
// history with the linearizable checker (from the history's JSON values)
// and with porcupine alone on typed operations prepared beforehand,
// interleaved, and reports each one's CPU time per check and the ratio.
// CPU time, not wall time: porcupine checks partitions in parallel.
func BenchmarkCheckerVsPorcupine(b *testing.B) {
	h := genRegister(7, 10000, 20, 100)
	ops := plainOps(b, h)
	var checker, plain int64
	check := func() {
		c0 := cpuNS()
		res := Linearizable(h, Options{})
		checker += cpuNS() - c0
		if res.Outcome != OK || res.Checked != 10000 {
			b.Fatalf("%s: %s", res.Outcome, res.Explanation)
		}
	}
	pc := func() {
		c0 := cpuNS()
		ok := porcupine.CheckOperations(plainModel, ops)
		plain += cpuNS() - c0
		if !ok {
			b.Fatal("porcupine: not linearizable")
		}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			check()
			pc()
		} else {
			pc()
			check()
		}
	}
	b.ReportMetric(float64(checker)/float64(b.N)/1e6, "checker-cpu-ms")
	b.ReportMetric(float64(plain)/float64(b.N)/1e6, "porcupine-cpu-ms")
	b.ReportMetric(float64(checker)/float64(plain), "ratio")
}
