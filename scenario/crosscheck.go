package scenario

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/history"
)

// maxBruteOps bounds the operations per key the brute-force cross-check
// will search: beyond it the search is too slow to be a cross-check.
const maxBruteOps = 14

// crossCheck re-judges an anomaly independently of the checker that
// found it, for models that have a second implementation: a brute-force
// linearizability search over the keys the checker found violated, when
// they are small enough to search exhaustively. It returns nil when none
// of them is (there is then nothing to cross-check).
func crossCheck(h history.History, m history.Model, res *checkers.Result) *CrossCheck {
	if m != history.Register && m != history.KV {
		return nil
	}
	violated := map[string]bool{}
	for _, v := range res.Violations {
		violated[v.Key] = true
	}
	judged := 0
	for _, part := range h.ByKey() {
		if !violated[part.Key] {
			continue
		}
		ops := brutable(part.Ops)
		if ops == nil {
			continue
		}
		judged++
		if !linearizable(ops) {
			return &CrossCheck{Name: "brute-force", Agrees: true, Detail: fmt.Sprintf("key %q has no linearization either (%d operations searched)", part.Key, len(ops))}
		}
	}
	if judged == 0 {
		return nil
	}
	return &CrossCheck{Name: "brute-force", Agrees: false, Detail: fmt.Sprintf("every violated key small enough to search exhaustively (%d, at most %d operations each) is linearizable", judged, maxBruteOps)}
}

// bop is one register operation reduced for the search.
type bop struct {
	kind       string // read, write, cas
	in, in2    string // write value; cas from, to
	out        string // read value
	ok         bool   // cas result
	info       bool   // outcome unknown: may be left out
	invoke     int64
	complete   int64
	mustBefore uint32 // ops that completed before this one was invoked
}

// brutable reduces a key's operations, or returns nil if the key is too
// big or not understood. Failed operations and reads of unknown outcome
// carry no information and are dropped.
func brutable(in []history.Op) []bop {
	var ops []bop
	for _, o := range in {
		if o.Type == history.Fail || (o.Type == history.Info && o.OpType == "read") {
			continue
		}
		b := bop{kind: o.OpType, info: o.Type == history.Info, invoke: o.InvokeTS, complete: o.CompleteTS}
		if b.info {
			b.complete = 1<<63 - 1
		}
		var err error
		switch o.OpType {
		case "read":
			b.out, err = field(o.Output, "value")
		case "write":
			b.in, err = field(o.Input, "value")
		case "cas":
			if b.in, err = field(o.Input, "from"); err == nil {
				b.in2, err = field(o.Input, "to")
			}
			if err == nil && !b.info {
				var res string
				res, err = field(o.Output, "ok")
				b.ok = res == "true"
			}
		default:
			return nil
		}
		if err != nil {
			return nil
		}
		ops = append(ops, b)
	}
	if len(ops) == 0 || len(ops) > maxBruteOps {
		return nil
	}
	for i := range ops {
		for j := range ops {
			if ops[j].complete < ops[i].invoke {
				ops[i].mustBefore |= 1 << j
			}
		}
	}
	return ops
}

func field(raw json.RawMessage, name string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", err
	}
	return history.CanonicalJSON(m[name])
}

// linearizable searches every order of ops consistent with real time for
// one that a register explains, starting from null. Operations of unknown
// outcome may be left out.
func linearizable(ops []bop) bool {
	need := uint32(0)
	for i, o := range ops {
		if !o.info {
			need |= 1 << i
		}
	}
	seen := map[string]bool{}
	var search func(done uint32, value string) bool
	search = func(done uint32, value string) bool {
		if done&need == need {
			return true
		}
		key := fmt.Sprint(done, value)
		if seen[key] {
			return false
		}
		seen[key] = true
		idx := make([]int, 0, len(ops))
		for i := range ops {
			if done&(1<<i) == 0 && ops[i].mustBefore&^done == 0 {
				idx = append(idx, i)
			}
		}
		sort.Ints(idx)
		for _, i := range idx {
			o := ops[i]
			next := value
			switch o.kind {
			case "read":
				if o.out != value {
					continue
				}
			case "write":
				next = o.in
			case "cas":
				match := value == o.in
				if !o.info && match != o.ok {
					continue
				}
				if match {
					next = o.in2
				}
			}
			if search(done|1<<i, next) {
				return true
			}
		}
		return false
	}
	return search(0, "null")
}
