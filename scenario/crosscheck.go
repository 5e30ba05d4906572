package scenario

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/history"
)

// CrossCheck is an independent judgement of a history a checker found
// anomalous: a second implementation of the same property. Ran is false
// when it could not decide (Detail says why: "not cross-checked"); when it
// ran, Agrees says whether it also finds the anomaly.
type CrossCheck struct {
	Name   string `json:"name"`
	Ran    bool   `json:"ran"`
	Agrees bool   `json:"agrees"`
	Detail string `json:"detail"`
}

// bruteName is the cross-check of register and key-value histories.
const bruteName = "brute-force"

// Bounds of the brute-force search. A key with more operations, or whose
// search visits more states, is not cross-checked (the search is a
// depth-first walk over sets of linearized operations, memoized; its cost
// grows with the history's concurrency, not only its length).
const (
	maxBruteOps    = 512
	maxBruteStates = 50_000
)

// crossCheck re-judges an anomaly independently of the checker that found
// it. Register and key-value histories have a second implementation: a
// brute-force linearizability search (no porcupine) over each key the
// checker found violated. Where the whole key is too big to search, it
// looks for the key's minimal non-linearizable prefix (the window the
// anomaly needs): a prefix with no linearization proves the key has none.
// It returns nil when the checker found no anomaly.
func crossCheck(h history.History, m history.Model, res *checkers.Result) *CrossCheck {
	if res == nil || res.Outcome != checkers.Anomaly {
		return nil
	}
	if m != history.Register && m != history.KV {
		return &CrossCheck{Name: "none", Detail: fmt.Sprintf("not cross-checked: model %s has no second checker", m)}
	}
	violated := map[string]bool{}
	for _, v := range res.Violations {
		violated[v.Key] = true
	}
	var agree, undecided []string
	for _, part := range h.ByKey() {
		if !violated[part.Key] {
			continue
		}
		ops, err := brutable(part.Ops)
		if err != "" {
			undecided = append(undecided, fmt.Sprintf("key %q: %s", part.Key, err))
			continue
		}
		full := search(ops)
		switch {
		case full.decided && full.linearizable:
			return &CrossCheck{Name: bruteName, Ran: true, Agrees: false, Detail: fmt.Sprintf(
				"key %q is linearizable: the exhaustive search over its %d operations found an order (%d states)", part.Key, len(ops), full.states)}
		case full.decided:
			agree = append(agree, fmt.Sprintf("key %q has no linearization (%d operations searched exhaustively, %d states)%s", part.Key, len(ops), full.states, minimalWindow(ops, len(ops))))
		default:
			if w, ok := nonLinearizablePrefix(ops); ok {
				agree = append(agree, fmt.Sprintf("key %q (%d operations, too many states to search whole) has no linearization of its first %d operations%s", part.Key, len(ops), w.n, w.detail(ops)))
			} else {
				undecided = append(undecided, fmt.Sprintf("key %q: neither its %d operations nor a prefix could be searched within %d states", part.Key, len(ops), maxBruteStates))
			}
		}
	}
	if len(agree) > 0 {
		detail := strings.Join(agree, "; ")
		if len(undecided) > 0 {
			detail += "; not searched: " + strings.Join(undecided, "; ")
		}
		return &CrossCheck{Name: bruteName, Ran: true, Agrees: true, Detail: detail}
	}
	if len(undecided) == 0 {
		undecided = append(undecided, "the checker named no violated key")
	}
	return &CrossCheck{Name: bruteName, Detail: "not cross-checked: " + strings.Join(undecided, "; ")}
}

// bop is one register operation reduced for the search.
type bop struct {
	id       int64
	kind     string // read, write, cas
	in, in2  string // write value; cas from, to
	out      string // read value
	ok       bool   // cas result
	info     bool   // outcome unknown: may be left out
	invoke   int64
	complete int64 // math.MaxInt64 when unknown
}

// brutable reduces a key's operations, sorted by invocation, or says why
// it cannot. Failed operations and reads of unknown outcome carry no
// information and are dropped.
func brutable(in []history.Op) ([]bop, string) {
	var ops []bop
	for _, o := range in {
		if o.Type == history.Fail || (o.Type == history.Info && o.OpType == "read") {
			continue
		}
		b := bop{id: o.ID, kind: o.OpType, info: o.Type == history.Info, invoke: o.InvokeTS, complete: o.CompleteTS}
		if b.info {
			b.complete = math.MaxInt64
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
			return nil, fmt.Sprintf("operation %d: %q is not a register operation", o.ID, o.OpType)
		}
		if err != nil {
			return nil, fmt.Sprintf("operation %d: %v", o.ID, err)
		}
		ops = append(ops, b)
	}
	if len(ops) > maxBruteOps {
		return nil, fmt.Sprintf("%d operations exceed the search's bound of %d", len(ops), maxBruteOps)
	}
	slices.SortStableFunc(ops, func(a, b bop) int { return compareInt(a.invoke, b.invoke) })
	return ops, ""
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func field(raw json.RawMessage, name string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", err
	}
	return history.CanonicalJSON(m[name])
}

// outcome is one search's answer.
type outcome struct {
	linearizable, decided bool
	states                int
}

// search looks for an order of ops (sorted by invocation) consistent with
// real time that a register starting at null explains; operations of
// unknown outcome may be left out. It gives up after maxBruteStates
// states (decided false).
func search(ops []bop) outcome {
	n := len(ops)
	words := (n + 63) / 64
	need := make([]uint64, words)
	for i, o := range ops {
		if !o.info {
			need[i/64] |= 1 << (i % 64)
		}
	}
	seen := map[string]bool{}
	exhausted := false
	done := make([]uint64, words)
	var walk func(value string) bool
	walk = func(value string) bool {
		complete := true
		for w := range need {
			complete = complete && done[w]&need[w] == need[w]
		}
		if complete {
			return true
		}
		if len(seen) >= maxBruteStates {
			exhausted = true
			return false
		}
		key := make([]byte, 0, 8*words+len(value))
		for _, w := range done {
			key = binary.LittleEndian.AppendUint64(key, w)
		}
		key = append(key, value...)
		if seen[string(key)] {
			return false
		}
		seen[string(key)] = true
		// Candidates: not linearized yet, invoked before every remaining
		// operation's completion (real time allows them next).
		minRet := int64(math.MaxInt64)
		for i, o := range ops {
			if done[i/64]&(1<<(i%64)) == 0 && o.complete < minRet {
				minRet = o.complete
			}
		}
		for i, o := range ops {
			if o.invoke > minRet {
				break // sorted by invocation
			}
			if done[i/64]&(1<<(i%64)) != 0 {
				continue
			}
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
			done[i/64] |= 1 << (i % 64)
			found := walk(next)
			done[i/64] &^= 1 << (i % 64)
			if found {
				return true
			}
			if exhausted {
				return false
			}
		}
		return false
	}
	lin := walk("null")
	return outcome{linearizable: lin, decided: lin || !exhausted, states: len(seen)}
}

// prefix is the history as it stood when its k-th operation (by
// invocation) was invoked: the first k operations, those not completed by
// then of unknown outcome (reads dropped, writes and cas may or may not
// have taken effect). A history whose prefix has no linearization has
// none either.
func prefix(ops []bop, k int) []bop {
	cut := ops[k-1].invoke
	for k < len(ops) && ops[k].invoke == cut {
		k++ // operations invoked at the same instant go together
	}
	var out []bop
	for _, o := range ops[:k] {
		if o.complete > cut {
			if o.kind == "read" {
				continue
			}
			o.info, o.complete = true, math.MaxInt64
		}
		out = append(out, o)
	}
	return out
}

// window is a non-linearizable prefix: its first n operations.
type window struct{ n, states int }

func (w window) detail(ops []bop) string {
	last := ops[w.n-1]
	return fmt.Sprintf(" (up to op_id %d, invoked at %v; %d states)", last.id, clockTime(last.invoke), w.states)
}

// nonLinearizablePrefix finds the shortest prefix of ops that the search
// decides has no linearization: it doubles the prefix until one does,
// then bisects. Prefixes the search cannot decide count as linearizable,
// so the answer is a decided one.
func nonLinearizablePrefix(ops []bop) (window, bool) {
	try := func(k int) (bad bool, states int, decided bool) {
		o := search(prefix(ops, k))
		return o.decided && !o.linearizable, o.states, o.decided
	}
	lo, hi, hiStates := 0, 0, 0
	for k := min(8, len(ops)); ; k = min(2*k, len(ops)) {
		bad, states, decided := try(k)
		if bad {
			hi, hiStates = k, states
			break
		}
		if !decided || k == len(ops) {
			return window{}, false
		}
		lo = k
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if bad, states, _ := try(mid); bad {
			hi, hiStates = mid, states
		} else {
			lo = mid
		}
	}
	return window{n: hi, states: hiStates}, true
}

// minimalWindow describes the minimal non-linearizable prefix of a key
// already decided non-linearizable as a whole (n operations).
func minimalWindow(ops []bop, n int) string {
	w, ok := nonLinearizablePrefix(ops)
	if !ok || w.n == n {
		return ""
	}
	return fmt.Sprintf("; its minimal non-linearizable prefix is its first %d operations%s", w.n, w.detail(ops))
}

func clockTime(ns int64) clock.Time { return clock.Time(ns) }
