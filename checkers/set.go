package checkers

import (
	"fmt"

	"github.com/faultline-dst/faultline/history"
)

// Set checks grow-only sets, per key: every value an ok add acknowledged
// before a final read (input {"final": true}) began is in that read
// ("lost-write"), and no read returns a value no add (ok or info) offered
// ("invented-value"). A key without an ok final read cannot be judged for
// loss and is undecided ("no-final-read") unless it has another anomaly.
func Set(h history.History, opts Options) Result {
	return run("set", h, opts, func(ops []history.Op, r *report) error {
		for _, part := range (history.History{Ops: ops}).ByKey() {
			if err := checkSetKey(part, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func checkSetKey(part history.KeyOps, r *report) error {
	offered := make(map[string]bool) // values of ok or info adds
	var acked []history.Op           // ok adds
	ackedValue := make(map[int64]string)
	type read struct {
		op     history.Op
		values map[string]bool
	}
	var finals []read
	var work int64
	for _, o := range part.Ops {
		work++
		switch o.OpType {
		case "add":
			v, err := valueIn(o, o.Input, "input", "value")
			if err != nil {
				return err
			}
			if o.Type != history.Fail {
				offered[v] = true
			}
			if o.Type == history.OK {
				acked = append(acked, o)
				ackedValue[o.ID] = v
			}
		}
	}
	for _, o := range part.Ops {
		if o.OpType != "read" {
			continue
		}
		final, _, err := finalFlag(o)
		if err != nil {
			return err
		}
		if o.Type != history.OK {
			continue
		}
		vals, err := listIn(o, o.Output, "output", "values")
		if err != nil {
			return err
		}
		seen := make(map[string]bool, len(vals))
		for _, v := range vals {
			work++
			seen[v] = true
			if !offered[v] {
				r.violate("invented-value", part.Key, ids(o), "read op %d returned %s, which no add offered", o.ID, v)
			}
		}
		if final {
			finals = append(finals, read{o, seen})
		}
	}
	for _, f := range finals {
		for _, a := range acked {
			work++
			if precedes(a, f.op) && !f.values[ackedValue[a.ID]] {
				r.violate("lost-write", part.Key, ids(a, f.op), "add op %d of %s was acknowledged at %d but final read op %d (invoked at %d) does not contain it",
					a.ID, ackedValue[a.ID], a.CompleteTS, f.op.ID, f.op.InvokeTS)
			}
		}
	}
	reason := ""
	if len(finals) == 0 {
		reason = fmt.Sprintf("%s: no ok read with input {\"final\": true}, so lost adds cannot be judged", reasonNoFinal)
	}
	r.partition(part.Key, len(part.Ops), work, reason)
	return nil
}
