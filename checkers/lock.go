package checkers

import (
	"fmt"
	"sort"

	"github.com/faultline-dst/faultline/history"
)

// Lock checks locks with fencing tokens, per key (the lock name). Mutual
// exclusion is judged by the tokens the protected resource accepted (ok
// "use" operations), not by what clients believe:
//
//   - "stale-token-accepted": the resource accepted a token smaller than
//     one it had accepted before (an earlier holder acted after a later
//     one: two holders at once);
//   - "duplicate-token": two ok acquires got the same token;
//   - "token-order": an ok acquire acknowledged before another was invoked
//     got a greater or equal token;
//   - "invented-token": the resource accepted a token no acquire granted
//     (judged only when no acquire's outcome is unknown).
//
// A key with no ok "use" operation cannot be judged for mutual exclusion
// and is undecided ("no-resource-ops") unless it has another anomaly.
func Lock(h history.History, opts Options) Result {
	return run("lock", h, opts, func(ops []history.Op, r *report) error {
		for _, part := range (history.History{Ops: ops}).ByKey() {
			if err := checkLockKey(part, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// tokenOp is an operation with the token it got or used.
type tokenOp struct {
	op    history.Op
	token int64
}

// inversions reports, for each item b, the item a with the greatest token
// among those that completed before b was invoked, when a's token is
// greater than b's (or equal, when strict). Items are processed in
// invocation order; report is called once per such b.
func inversions(items []tokenOp, strict bool, report func(a, b tokenOp)) int64 {
	byDone := append([]tokenOp(nil), items...)
	sort.SliceStable(byDone, func(i, j int) bool { return byDone[i].op.CompleteTS < byDone[j].op.CompleteTS })
	byInv := append([]tokenOp(nil), items...)
	sort.SliceStable(byInv, func(i, j int) bool { return byInv[i].op.InvokeTS < byInv[j].op.InvokeTS })
	best, next := -1, 0
	var work int64
	for _, b := range byInv {
		for next < len(byDone) && byDone[next].op.CompleteTS < b.op.InvokeTS {
			if best < 0 || byDone[next].token > byDone[best].token {
				best = next
			}
			next++
		}
		work++
		if best >= 0 && (byDone[best].token > b.token || (strict && byDone[best].token == b.token)) {
			report(byDone[best], b)
		}
	}
	return work
}

func checkLockKey(part history.KeyOps, r *report) error {
	var acquires, uses []tokenOp
	granted := make(map[int64]history.Op)
	allOK := true
	var work int64
	for _, o := range part.Ops {
		work++
		switch o.OpType {
		case "acquire":
			if o.Type == history.Info {
				allOK = false
			}
			if o.Type != history.OK {
				continue
			}
			t, err := intIn(o, o.Output, "output", "token")
			if err != nil {
				return err
			}
			if prev, dup := granted[t]; dup {
				r.violate("duplicate-token", part.Key, ids(prev, o), "acquires op %d (process %d) and op %d (process %d) both got token %d", prev.ID, prev.Process, o.ID, o.Process, t)
			} else {
				granted[t] = o
			}
			acquires = append(acquires, tokenOp{o, t})
		case "use":
			t, err := intIn(o, o.Input, "input", "token")
			if err != nil {
				return err
			}
			if o.Type == history.OK {
				uses = append(uses, tokenOp{o, t})
			}
		}
	}
	work += inversions(acquires, true, func(a, b tokenOp) {
		r.violate("token-order", part.Key, ids(a.op, b.op), "acquire op %d got token %d after acquire op %d, acknowledged before it began, got token %d",
			b.op.ID, b.token, a.op.ID, a.token)
	})
	work += inversions(uses, false, func(a, b tokenOp) {
		r.violate("stale-token-accepted", part.Key, ids(a.op, b.op), "the resource accepted token %d from process %d (op %d, invoked at %d) after accepting the newer token %d from process %d (op %d, done at %d)%s",
			b.token, b.op.Process, b.op.ID, b.op.InvokeTS, a.token, a.op.Process, a.op.ID, a.op.CompleteTS, faultNote(b.op))
	})
	if allOK {
		for _, u := range uses {
			if _, ok := granted[u.token]; !ok {
				r.violate("invented-token", part.Key, ids(u.op), "the resource accepted token %d (op %d), which no acquire granted", u.token, u.op.ID)
			}
		}
	}
	reason := ""
	if len(uses) == 0 {
		reason = fmt.Sprintf("%s: no ok use of the protected resource, so mutual exclusion cannot be judged", reasonNoResources)
	}
	r.partition(part.Key, len(part.Ops), work, reason)
	return nil
}

// faultNote names the faults active around an operation, for explanations.
func faultNote(o history.Op) string {
	if o.FaultEpoch == nil || (len(o.FaultEpoch.Invoke) == 0 && len(o.FaultEpoch.Complete) == 0) {
		return ""
	}
	return fmt.Sprintf(" [faults at invoke %v, at complete %v]", o.FaultEpoch.Invoke, o.FaultEpoch.Complete)
}
