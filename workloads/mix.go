package workloads

import (
	"fmt"
	"sort"
	"strings"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/rng"
)

// DefaultMix returns the default op_type weights of model m (nil when m is
// not a model). The caller owns the map.
func DefaultMix(m history.Model) map[string]int {
	switch m {
	case history.Register, history.KV:
		return map[string]int{"read": 2, "write": 2, "cas": 1}
	case history.Set:
		return map[string]int{"add": 4, "read": 1}
	case history.Counter:
		return map[string]int{"inc": 4, "read": 1}
	case history.Queue:
		return map[string]int{"enqueue": 3, "dequeue": 2}
	case history.Log:
		return map[string]int{"append": 3, "read": 1}
	case history.Lock:
		return map[string]int{"use": 3, "release": 1}
	case history.Lease:
		return map[string]int{"renew": 2, "release": 1}
	case history.Ledger:
		return map[string]int{"transfer": 4, "balance": 2, "balances": 1}
	}
	return nil
}

// holderModel reports whether clients of m acquire before anything else
// (lock, lease): their mix weighs only what a holder does.
func holderModel(m history.Model) bool { return m == history.Lock || m == history.Lease }

// checkMix validates a mix against the model's vocabulary.
func checkMix(m history.Model, mix map[string]int) error {
	vocab := history.OpTypes(m)
	valid := vocab
	if holderModel(m) {
		valid = nil
		for _, op := range vocab {
			if op != "acquire" {
				valid = append(valid, op)
			}
		}
	}
	names := make([]string, 0, len(mix))
	for op := range mix {
		names = append(names, op)
	}
	sort.Strings(names)
	total := 0
	for _, op := range names {
		w := mix[op]
		switch {
		case holderModel(m) && op == "acquire":
			return fmt.Errorf("workloads: Mix[%q] = %d: a %s client acquires whenever it holds nothing, so the mix weighs only what a holder does; valid: %s",
				op, w, m, strings.Join(valid, ", "))
		case !contains(vocab, op):
			return fmt.Errorf("workloads: Mix[%q] = %d: %q is not an operation of model %s; valid: %s", op, w, op, m, strings.Join(valid, ", "))
		case w < 0:
			return fmt.Errorf("workloads: Mix[%q] = %d: negative weight", op, w)
		case w > 1_000_000:
			return fmt.Errorf("workloads: Mix[%q] = %d: weight above 1000000", op, w)
		}
		total += w
	}
	if total == 0 {
		return fmt.Errorf("workloads: Mix = %v: no op_type has a positive weight; valid op_types: %s", mix, strings.Join(valid, ", "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// picker draws an op_type by weight. Its op_types are sorted, so map
// order never reaches a draw.
type picker struct {
	ops []string
	cum []uint64 // cumulative weights
}

func newPicker(mix map[string]int) picker {
	var p picker
	names := make([]string, 0, len(mix))
	for op, w := range mix {
		if w > 0 {
			names = append(names, op)
		}
	}
	sort.Strings(names)
	var sum uint64
	for _, op := range names {
		sum += uint64(mix[op])
		p.ops = append(p.ops, op)
		p.cum = append(p.cum, sum)
	}
	return p
}

// pick draws one op_type (one draw).
func (p picker) pick(r *rng.Stream) string {
	x := r.Uint64n(p.cum[len(p.cum)-1])
	i := sort.Search(len(p.cum), func(i int) bool { return p.cum[i] > x })
	return p.ops[i]
}
