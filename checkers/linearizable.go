package checkers

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/internal/flatjson"
)

// regOp is the porcupine input of a register operation; it is comparable.
type regOp struct {
	kind string // read, write, cas
	a, b string // write: a is the value; cas: a from, b to (canonical JSON)
	opID int64
}

// regOut is the porcupine output of a register operation.
type regOut struct {
	unknown bool   // info: may or may not have taken effect
	ok      bool   // cas: the comparison held
	value   string // read: the value returned (canonical JSON; "null": never written)
}

// registerStep is the sequential specification of a register. The state is
// the canonical JSON text of the value ("null" initially), so states
// compare with ==, as porcupine's default equality requires.
func registerStep(state, input, output any) (bool, any) {
	st := state.(string)
	in := input.(regOp)
	out := output.(regOut)
	switch in.kind {
	case "read":
		return out.unknown || out.value == st, st
	case "write":
		return true, in.a
	default: // cas
		matched := st == in.a
		next := st
		if matched {
			next = in.b
		}
		if out.unknown {
			return true, next
		}
		return out.ok == matched, next
	}
}

func describeRegOp(input, output any) string {
	in := input.(regOp)
	out := output.(regOut)
	switch in.kind {
	case "read":
		if out.unknown {
			return fmt.Sprintf("op %d read() -> ?", in.opID)
		}
		return fmt.Sprintf("op %d read() -> %s", in.opID, out.value)
	case "write":
		return fmt.Sprintf("op %d write(%s)", in.opID, in.a)
	}
	res := "fail"
	switch {
	case out.unknown:
		res = "?"
	case out.ok:
		res = "ok"
	}
	return fmt.Sprintf("op %d cas(%s, %s) -> %s", in.opID, in.a, in.b, res)
}

// hashState is 64-bit FNV-1a of a state's text, computed without
// allocating (hash/fnv's Write takes a []byte, which would copy it).
func hashState(state any) uint64 {
	s := state.(string)
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// RegisterModel returns the porcupine model the linearizable checker uses
// for one key, for drawing Result.Linearizations with porcupine.Visualize.
func RegisterModel() porcupine.Model {
	return porcupine.Model{
		Init:              func() any { return "null" },
		Step:              registerStep,
		Hash:              hashState,
		DescribeOperation: describeRegOp,
		DescribeState:     func(state any) string { return state.(string) },
	}
}

// Linearizable checks register and key-value operations for
// linearizability with porcupine, one key at a time.
//
// Operations of type fail did not happen and are dropped; info reads carry
// no information and are dropped; info writes and cas stay in the history
// with their return at +infinity (they may take effect at any point after
// their invocation, or never). A key with more than Options.MaxPartitionOps
// operations, or whose search needs more than Options.MaxSteps model steps,
// is undecided ("work-limit"); Options.TimeLimit is a host-time safety net
// ("time-limit"). Undecided keys are never reported as ok.
//
// Anomaly kind: "not-linearizable", explained by the longest linearizable
// prefix found, the state after it, and why each operation that could come
// next cannot.
func Linearizable(h history.History, opts Options) Result {
	var lins []KeyLinearization
	res := run("linearizable", h, opts, func(ops []history.Op, r *report) error {
		for _, g := range groupByKey(ops) {
			li, err := checkKey(g.key, ops, g.idx, r)
			if err != nil {
				return err
			}
			if li != nil {
				lins = append(lins, KeyLinearization{Key: g.key, Info: *li})
			}
		}
		return nil
	})
	res.Linearizations = lins
	return res
}

// keyGroup is the indices of one key's operations, in history order.
type keyGroup struct {
	key string
	idx []int
}

// groupByKey splits ops by key, as history.ByKey does, without copying
// the operations; keys are sorted.
func groupByKey(ops []history.Op) []keyGroup {
	index := make(map[string]int)
	var out []keyGroup
	for i := range ops {
		k := ops[i].Key
		g, ok := index[k]
		if !ok {
			g = len(out)
			index[k] = g
			out = append(out, keyGroup{key: k})
		}
		out[g].idx = append(out[g].idx, i)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// checkKey decides one key, the operations ops[idx...], recording the
// partition and any violation.
func checkKey(key string, ops []history.Op, idx []int, r *report) (*porcupine.LinearizationInfo, error) {
	part := struct {
		Key string
		Ops []int
	}{key, idx}
	pops := make([]porcupine.Operation, 0, len(idx))
	for _, i := range idx {
		p, keep, err := toPorcupine(&ops[i])
		if err != nil {
			return nil, err
		}
		if keep {
			pops = append(pops, p)
		}
	}
	if len(pops) > r.opts.MaxPartitionOps {
		r.partition(part.Key, len(part.Ops), 0, fmt.Sprintf("%s: %d operations exceed MaxPartitionOps %d", reasonWorkLimit, len(pops), r.opts.MaxPartitionOps))
		return nil, nil
	}
	var steps int64
	exhausted := false
	model := RegisterModel()
	model.Step = nil
	model.StepContext = func(_ context.Context, state, input, output any) (bool, any) {
		if steps >= r.opts.MaxSteps {
			exhausted = true
			return false, state
		}
		steps++
		return registerStep(state, input, output)
	}
	timeout := r.opts.TimeLimit
	if timeout < 0 {
		timeout = 0
	}
	// The plain check first: it keeps no partial linearizations, which
	// cost more than the search on a linearizable key. Only a key found
	// illegal, or one the caller wants pictures of, is searched again
	// verbosely (the same deterministic search, so the same steps).
	var info porcupine.LinearizationInfo
	verdict := porcupine.CheckOperationsTimeout(model, pops, timeout)
	if (verdict == porcupine.Illegal || r.opts.Linearizations) && !exhausted {
		first := steps
		steps = 0
		verdict, info = porcupine.CheckOperationsVerbose(model, pops, timeout)
		steps = first
	}
	switch {
	case exhausted:
		r.partition(part.Key, len(part.Ops), steps, fmt.Sprintf("%s: search needed more than MaxSteps %d model steps", reasonWorkLimit, r.opts.MaxSteps))
		return nil, nil
	case verdict == porcupine.Unknown:
		r.partition(part.Key, len(part.Ops), steps, fmt.Sprintf("%s: porcupine did not finish within %v of host time", reasonTimeLimit, timeout))
		return nil, nil
	case verdict == porcupine.Illegal:
		r.violate("not-linearizable", part.Key, culprits(pops, info), "%s", explainIllegal(pops, info))
	}
	r.partition(part.Key, len(part.Ops), steps, "")
	if verdict != porcupine.Illegal && !r.opts.Linearizations {
		return nil, nil
	}
	return &info, nil
}

// toPorcupine converts one operation; keep is false for operations that
// carry no information (fail, info reads).
func toPorcupine(o *history.Op) (porcupine.Operation, bool, error) {
	if o.Type == history.Fail || (o.Type == history.Info && o.OpType == "read") {
		return porcupine.Operation{}, false, nil
	}
	in := regOp{kind: o.OpType, opID: o.ID}
	out := regOut{unknown: o.Type == history.Info}
	var err error
	switch o.OpType {
	case "read":
		if v, ok := flatjson.Members(o.Output, "value"); ok {
			out.value = v[0]
		} else if out.value, err = valueIn(*o, o.Output, "output", "value"); err != nil {
			return porcupine.Operation{}, false, err
		}
	case "write":
		if v, ok := flatjson.Members(o.Input, "value"); ok {
			in.a = v[0]
		} else if in.a, err = valueIn(*o, o.Input, "input", "value"); err != nil {
			return porcupine.Operation{}, false, err
		}
	case "cas":
		if v, ok := flatjson.Members(o.Input, "from", "to"); ok {
			in.a, in.b = v[0], v[1]
			if o.Type != history.OK {
				break
			}
			if v, ok := flatjson.Members(o.Output, "ok"); ok && (v[0] == "true" || v[0] == "false") {
				out.ok = v[0] == "true"
				break
			}
		}
		m, err := object(o.Input, []string{"from", "to"}, nil)
		if err != nil {
			return porcupine.Operation{}, false, malformed(*o, "input", err)
		}
		if in.a, err = canon(m["from"]); err != nil {
			return porcupine.Operation{}, false, malformed(*o, "input", err)
		}
		if in.b, err = canon(m["to"]); err != nil {
			return porcupine.Operation{}, false, malformed(*o, "input", err)
		}
		if o.Type == history.OK {
			mo, err := object(o.Output, []string{"ok"}, nil)
			if err != nil {
				return porcupine.Operation{}, false, malformed(*o, "output", err)
			}
			if out.ok, err = boolean(mo["ok"]); err != nil {
				return porcupine.Operation{}, false, malformed(*o, "output", err)
			}
		}
	}
	ret := o.CompleteTS
	if o.Type == history.Info {
		ret = math.MaxInt64
	}
	return porcupine.Operation{ClientId: o.Process, Input: in, Call: o.InvokeTS, Output: out, Return: ret, Metadata: o.ID}, true, nil
}

// longestPartial picks, deterministically, the longest partial
// linearization porcupine found (ties: lexicographically smallest).
func longestPartial(info porcupine.LinearizationInfo) []int {
	parts := info.PartialLinearizations()
	var best []int
	for _, p := range parts {
		for _, seq := range p {
			if len(seq) > len(best) || (len(seq) == len(best) && lexLess(seq, best)) {
				best = seq
			}
		}
	}
	return best
}

func lexLess(a, b []int) bool {
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i < len(b) && a[i] < b[i]
		}
	}
	return false
}

// frontier returns the indices of the operations not in prefix that could
// be linearized next: those invoked no later than the earliest return among
// the remaining operations. Sorted by invocation, then op_id.
func frontier(pops []porcupine.Operation, prefix []int) []int {
	done := make([]bool, len(pops))
	for _, i := range prefix {
		done[i] = true
	}
	minRet := int64(math.MaxInt64)
	for i, p := range pops {
		if !done[i] && p.Return < minRet {
			minRet = p.Return
		}
	}
	var out []int
	for i, p := range pops {
		if !done[i] && p.Call <= minRet {
			out = append(out, i)
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := pops[out[a]], pops[out[b]]
		if x.Call != y.Call {
			return x.Call < y.Call
		}
		return x.Metadata.(int64) < y.Metadata.(int64)
	})
	return out
}

// culprits names the operations that could come next after the longest
// linearizable prefix: one of them is wrong.
func culprits(pops []porcupine.Operation, info porcupine.LinearizationInfo) []int64 {
	var out []int64
	for _, i := range frontier(pops, longestPartial(info)) {
		out = append(out, pops[i].Metadata.(int64))
	}
	return out
}

// explainIllegal says why no order explains the key's operations.
func explainIllegal(pops []porcupine.Operation, info porcupine.LinearizationInfo) string {
	prefix := longestPartial(info)
	var state any = "null"
	var order []string
	for _, i := range prefix {
		_, state = registerStep(state, pops[i].Input, pops[i].Output)
		order = append(order, fmt.Sprint(pops[i].Metadata.(int64)))
	}
	const maxShown = 5
	if len(order) > 12 {
		order = append([]string{"..."}, order[len(order)-10:]...)
	}
	next := frontier(pops, prefix)
	var why []string
	for n, i := range next {
		if n == maxShown {
			why = append(why, fmt.Sprintf("and %d more", len(next)-maxShown))
			break
		}
		d := describeRegOp(pops[i].Input, pops[i].Output)
		if ok, _ := registerStep(state, pops[i].Input, pops[i].Output); ok {
			why = append(why, d+" (possible, but then no order fits the rest)")
		} else {
			why = append(why, d+" (impossible from "+state.(string)+")")
		}
	}
	return fmt.Sprintf("no order of the %d operations explains them; longest linearizable prefix has %d ops [%s] leaving value %s; next could be: %s",
		len(pops), len(prefix), strings.Join(order, " "), state, strings.Join(why, "; "))
}
