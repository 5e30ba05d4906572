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

// A regValue is one register value, interned per check: equal values (by
// canonical JSON text) are the same *regValue, so the model compares states
// and values with == on pointers, one machine word, and hashes a state by
// reading a precomputed integer. The state never holds text that has to be
// compared or hashed byte by byte.
type regValue struct {
	text string // canonical JSON; "null" when never written
	hash uint64 // 64-bit FNV-1a of text
}

// nullValue is the initial state of every register.
var nullValue = &regValue{text: "null", hash: fnv1a("null")}

// fnv1a is 64-bit FNV-1a of s, computed without allocating.
func fnv1a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// values interns the register values of one check.
type values map[string]*regValue

// intern returns the one *regValue for the canonical text v (a lookup
// copies nothing; only a value seen for the first time is copied).
func (vs values) intern(v []byte) *regValue {
	if string(v) == "null" {
		return nullValue
	}
	if p, ok := vs[string(v)]; ok {
		return p
	}
	t := string(v)
	p := &regValue{text: t, hash: fnv1a(t)}
	vs[t] = p
	return p
}

// Register operation kinds.
const (
	kindRead  = 'r'
	kindWrite = 'w'
	kindCas   = 'c'
)

// regOp is the porcupine input of a register operation. Porcupine is given
// a *regOp (so boxing it allocates nothing).
type regOp struct {
	kind byte      // kindRead, kindWrite, kindCas
	a, b *regValue // write: a is the value; cas: a from, b to
	opID int64
}

// regOut is the porcupine output of a register operation, given as a
// *regOut.
type regOut struct {
	unknown bool      // info: may or may not have taken effect
	ok      bool      // cas: the comparison held
	value   *regValue // read: the value returned
}

// registerStep is the sequential specification of a register. The state
// is the interned *regValue of the register's value (nullValue initially).
func registerStep(state, input, output any) (bool, any) {
	in := input.(*regOp)
	out := output.(*regOut)
	switch in.kind {
	case kindRead:
		return out.unknown || out.value == state.(*regValue), state
	case kindWrite:
		return true, in.a
	default: // cas
		if state.(*regValue) == in.a {
			return out.unknown || out.ok, in.b
		}
		return out.unknown || !out.ok, state
	}
}

func describeRegOp(input, output any) string {
	in := input.(*regOp)
	out := output.(*regOut)
	switch in.kind {
	case kindRead:
		if out.unknown {
			return fmt.Sprintf("op %d read() -> ?", in.opID)
		}
		return fmt.Sprintf("op %d read() -> %s", in.opID, out.value.text)
	case kindWrite:
		return fmt.Sprintf("op %d write(%s)", in.opID, in.a.text)
	}
	res := "fail"
	switch {
	case out.unknown:
		res = "?"
	case out.ok:
		res = "ok"
	}
	return fmt.Sprintf("op %d cas(%s, %s) -> %s", in.opID, in.a.text, in.b.text, res)
}

// hashState is the state's precomputed hash.
func hashState(state any) uint64 { return state.(*regValue).hash }

// RegisterModel returns the porcupine model the linearizable checker uses
// for one key, for drawing Result.Linearizations with porcupine.Visualize.
// Its states, inputs and outputs are the checker's own (unexported) types.
func RegisterModel() porcupine.Model {
	return porcupine.Model{
		Init:              func() any { return nullValue },
		Step:              registerStep,
		Hash:              hashState,
		DescribeOperation: describeRegOp,
		DescribeState:     func(state any) string { return state.(*regValue).text },
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
// Each key is first searched, on the caller's goroutine, for an order
// that a separate check confirms is a linearization (witness.go): that
// decides most keys of a correct system's history without porcupine's
// goroutines. Every other key, and every key when Options.Linearizations
// asks for pictures, is decided by porcupine as above; a key's work is
// the model steps of the search that decided it.
//
// Anomaly kind: "not-linearizable", explained by the longest linearizable
// prefix found, the state after it, and why each operation that could come
// next cannot.
func Linearizable(h history.History, opts Options) Result {
	var lins []KeyLinearization
	res := run("linearizable", h, opts, func(ops []history.Op, r *report) error {
		c := &regCheck{r: r, vals: make(values)}
		groups, err := c.convertAll(ops)
		if err != nil {
			return err
		}
		var w witness
		for _, g := range groups {
			if !r.opts.Linearizations && len(g.pops) <= r.opts.MaxPartitionOps {
				limit := min(r.opts.MaxSteps, witnessBase+witnessSteps*int64(len(g.pops)))
				if steps, ok := w.find(g.pops, limit); ok {
					r.partition(g.key, g.n, steps, "")
					continue
				}
			}
			if li := c.checkKey(g); li != nil {
				lins = append(lins, KeyLinearization{Key: g.key, Info: *li})
			}
		}
		return nil
	})
	res.Linearizations = lins
	return res
}

// keyGroup is one key's operations: how many the history has, and those
// that carry information as porcupine operations, in history order.
type keyGroup struct {
	key  string
	n    int
	pops []porcupine.Operation
}

// regCheck is one linearizability check: the operations converted once,
// straight into the porcupine operations of their key (porcupine is given
// pointers to their inputs and outputs, so converting allocates nothing
// per operation), and the check's interned values.
type regCheck struct {
	r    *report
	vals values
}

// regPair is one operation's porcupine input and output.
type regPair struct {
	in  regOp
	out regOut
}

// informative reports whether o carries information for the register
// model: fail operations did not happen, info reads say nothing.
func informative(o *history.Op) bool {
	return o.Type != history.Fail && (o.Type != history.Info || o.OpType != "read")
}

// convertAll splits ops by key, as history.ByKey does, and converts the
// informative ones, in two passes in history order that copy no
// operation; keys are sorted. A malformed operation is reported as a
// key-by-key check would meet it: the first in key order, then history
// order.
func (c *regCheck) convertAll(ops []history.Op) ([]keyGroup, error) {
	group := make([]int32, len(ops))
	index := make(map[string]int32)
	var groups []keyGroup
	var kept []int // per group, its informative operations
	total := 0
	for i := range ops {
		o := &ops[i]
		g, ok := index[o.Key]
		if !ok {
			g = int32(len(groups))
			index[o.Key] = g
			groups = append(groups, keyGroup{key: o.Key})
			kept = append(kept, 0)
		}
		group[i] = g
		groups[g].n++
		if informative(o) {
			kept[g]++
			total++
		}
	}
	// Each key's operations are a contiguous run of all and pairs.
	all := make([]porcupine.Operation, total)
	pairs := make([]regPair, total)
	next := make([]int, len(groups))
	at := 0
	for g := range groups {
		groups[g].pops = all[at : at+kept[g] : at+kept[g]]
		next[g] = at
		at += kept[g]
	}
	type opErr struct {
		i   int
		err error
	}
	var bad []opErr // malformed operations, in history order
	for i := range ops {
		o := &ops[i]
		if !informative(o) {
			continue
		}
		k := next[group[i]]
		next[group[i]]++
		p := &pairs[k]
		if err := c.convert(o, &p.in, &p.out); err != nil {
			bad = append(bad, opErr{i, err})
			continue
		}
		ret := o.CompleteTS
		if o.Type == history.Info {
			ret = math.MaxInt64 // it may take effect at any point, or never
		}
		all[k] = porcupine.Operation{ClientId: o.Process, Input: &p.in, Call: o.InvokeTS, Output: &p.out, Return: ret}
	}
	if len(bad) > 0 {
		first := bad[0]
		for _, b := range bad[1:] {
			if ops[b.i].Key < ops[first.i].Key {
				first = b
			}
		}
		return nil, first.err
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].key < groups[j].key })
	return groups, nil
}

// checkKey decides one key, recording the partition and any violation.
func (c *regCheck) checkKey(g keyGroup) *porcupine.LinearizationInfo {
	r, key, pops := c.r, g.key, g.pops
	if len(pops) > r.opts.MaxPartitionOps {
		r.partition(key, g.n, 0, fmt.Sprintf("%s: %d operations exceed MaxPartitionOps %d", reasonWorkLimit, len(pops), r.opts.MaxPartitionOps))
		return nil
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
	// verbosely (the same deterministic search, so the same steps), with
	// each operation's op_id as porcupine's metadata for the pictures.
	var info porcupine.LinearizationInfo
	verdict := porcupine.CheckOperationsTimeout(model, pops, timeout)
	if (verdict == porcupine.Illegal || r.opts.Linearizations) && !exhausted {
		for i := range pops {
			pops[i].Metadata = pops[i].Input.(*regOp).opID
		}
		first := steps
		steps = 0
		verdict, info = porcupine.CheckOperationsVerbose(model, pops, timeout)
		steps = first
	}
	switch {
	case exhausted:
		r.partition(key, g.n, steps, fmt.Sprintf("%s: search needed more than MaxSteps %d model steps", reasonWorkLimit, r.opts.MaxSteps))
		return nil
	case verdict == porcupine.Unknown:
		r.partition(key, g.n, steps, fmt.Sprintf("%s: porcupine did not finish within %v of host time", reasonTimeLimit, timeout))
		return nil
	case verdict == porcupine.Illegal:
		r.violate("not-linearizable", key, culprits(pops, info), "%s", explainIllegal(pops, info))
	}
	r.partition(key, g.n, steps, "")
	if verdict != porcupine.Illegal && !r.opts.Linearizations {
		return nil
	}
	return &info
}

// convert fills in and out from one informative operation. Values the
// workloads record (flat objects of canonical scalars) are read without
// decoding; anything else is decoded and canonicalised.
func (c *regCheck) convert(o *history.Op, in *regOp, out *regOut) error {
	*in = regOp{opID: o.ID}
	*out = regOut{unknown: o.Type == history.Info}
	switch o.OpType {
	case "read":
		in.kind = kindRead
		v, err := registerValue(o, o.Output, "output")
		if err != nil {
			return err
		}
		out.value = c.vals.intern(v)
	case "write":
		in.kind = kindWrite
		v, err := registerValue(o, o.Input, "input")
		if err != nil {
			return err
		}
		in.a = c.vals.intern(v)
	case "cas":
		in.kind = kindCas
		from, to, ok, err := casArgs(o)
		if err != nil {
			return err
		}
		in.a, in.b, out.ok = c.vals.intern(from), c.vals.intern(to), ok
	}
	return nil
}

// registerValue reads the canonical JSON of the member "value" of raw, the
// operation's input or output (what).
func registerValue(o *history.Op, raw []byte, what string) ([]byte, error) {
	if v, ok := flatjson.MemberBytes(raw, "value"); ok {
		return v[0], nil
	}
	v, err := valueIn(*o, raw, what, "value")
	return []byte(v), err
}

// casArgs reads a cas operation's from and to (canonical JSON) and, for an
// ok operation, whether the comparison held.
func casArgs(o *history.Op) (from, to []byte, held bool, err error) {
	if v, ok := flatjson.MemberBytes(o.Input, "from", "to"); ok {
		from, to = v[0], v[1]
		if o.Type != history.OK {
			return from, to, false, nil
		}
		if v, ok := flatjson.MemberBytes(o.Output, "ok"); ok && (string(v[0]) == "true" || string(v[0]) == "false") {
			return from, to, string(v[0]) == "true", nil
		}
	}
	m, err := object(o.Input, []string{"from", "to"}, nil)
	if err != nil {
		return nil, nil, false, malformed(*o, "input", err)
	}
	f, err := canon(m["from"])
	if err != nil {
		return nil, nil, false, malformed(*o, "input", err)
	}
	t, err := canon(m["to"])
	if err != nil {
		return nil, nil, false, malformed(*o, "input", err)
	}
	if o.Type == history.OK {
		mo, err := object(o.Output, []string{"ok"}, nil)
		if err != nil {
			return nil, nil, false, malformed(*o, "output", err)
		}
		if held, err = boolean(mo["ok"]); err != nil {
			return nil, nil, false, malformed(*o, "output", err)
		}
	}
	return []byte(f), []byte(t), held, nil
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
		return x.Input.(*regOp).opID < y.Input.(*regOp).opID
	})
	return out
}

// culprits names the operations that could come next after the longest
// linearizable prefix: one of them is wrong.
func culprits(pops []porcupine.Operation, info porcupine.LinearizationInfo) []int64 {
	var out []int64
	for _, i := range frontier(pops, longestPartial(info)) {
		out = append(out, pops[i].Input.(*regOp).opID)
	}
	return out
}

// explainIllegal says why no order explains the key's operations.
func explainIllegal(pops []porcupine.Operation, info porcupine.LinearizationInfo) string {
	prefix := longestPartial(info)
	var state any = nullValue
	var order []string
	for _, i := range prefix {
		_, state = registerStep(state, pops[i].Input, pops[i].Output)
		order = append(order, fmt.Sprint(pops[i].Input.(*regOp).opID))
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
			why = append(why, d+" (impossible from "+state.(*regValue).text+")")
		}
	}
	return fmt.Sprintf("no order of the %d operations explains them; longest linearizable prefix has %d ops [%s] leaving value %s; next could be: %s",
		len(pops), len(prefix), strings.Join(order, " "), state.(*regValue).text, strings.Join(why, "; "))
}
