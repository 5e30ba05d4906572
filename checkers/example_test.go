package checkers_test

import (
	"fmt"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/history"
)

// A read that returns a value overwritten before it began is not
// linearizable; the result names the read and says why.
func ExampleLinearizable() {
	none := &history.FaultEpoch{Invoke: []string{}, Complete: []string{}}
	op := func(id int64, proc int, fn string, in, out any, inv, cmp int64) history.Op {
		o := history.Op{ID: id, Process: proc, Model: history.KV, OpType: fn, Key: "x",
			Type: history.OK, InvokeTS: inv, CompleteTS: cmp, NodeSeen: "n1", FaultEpoch: none}
		if in != nil {
			o.Input = history.MustJSON(in)
		}
		if out != nil {
			o.Output = history.MustJSON(out)
		}
		return o
	}
	h := history.History{Ops: []history.Op{
		op(1, 0, "write", map[string]int{"value": 1}, nil, 0, 10),
		op(2, 1, "write", map[string]int{"value": 2}, nil, 20, 30),
		op(3, 2, "read", nil, map[string]int{"value": 1}, 40, 50),
	}}
	c, err := checkers.Lookup("linearizable")
	if err != nil {
		panic(err)
	}
	res := c.Check(h, checkers.Options{})
	fmt.Println(res.Outcome, res.Kind, res.Violations[0].Ops)
	fmt.Printf("checked %d of %d operations, %d of %d keys decided\n", res.Checked, res.Recorded, res.Decided(), len(res.Partitions))
	fmt.Println(res.Violations[0].Explanation)
	// Output:
	// anomaly not-linearizable [3]
	// checked 3 of 3 operations, 1 of 1 keys decided
	// no order of the 3 operations explains them; longest linearizable prefix has 2 ops [1 2] leaving value 2; next could be: op 3 read() -> 1 (impossible from 2)
}
