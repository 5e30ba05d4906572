package history

import (
	"fmt"
	"strings"
)

// A Model names the abstract model an operation belongs to. It selects the
// op_type vocabulary below and the checkers that can judge the operation.
type Model string

// The models, with their op_type vocabulary and the JSON shapes of input and
// output. This is the one place the vocabulary is defined; workloads, SUT
// adapters and checkers follow it. "v" is any JSON value (values compare by
// their canonical JSON text, see [CanonicalJSON]); "n" is an integer;
// "null" is JSON null. An output is always null for an info operation.
// Where an input says "final", a true value marks the operation as a final
// read taken after the workload stopped writing (the drain).
const (
	// Register is one read/write register per key.
	//   read   input null                  output {"value": v}   (v null: never written)
	//   write  input {"value": v}          output null
	//   cas    input {"from": v, "to": v}  output {"ok": true|false}
	// A cas whose comparison failed executed: it is type ok with
	// {"ok": false} (an observation that the value was not "from"). type
	// fail means the SUT refused it without looking (e.g. not the leader).
	Register Model = "register"
	// KV is a key-value store; per key it is a Register, with the same
	// vocabulary.
	KV Model = "kv"
	// Set is a grow-only set per key.
	//   add   input {"value": v}                 output null
	//   read  input null or {"final": true}      output {"values": [v, ...]}
	Set Model = "set"
	// Counter is an integer counter per key, starting at the checker's
	// declared initial value (default 0).
	//   inc   input {"delta": n}   output null   (n may be negative)
	//   read  input null           output {"value": n}
	Counter Model = "counter"
	// Queue is a queue per key (the queue name). Enqueued values must be
	// unique within a queue for the checker to tell deliveries apart.
	//   enqueue  input {"value": v}   output null
	//   dequeue  input null           output {"value": v}  (v null: empty)
	//   drain    input null           output {"values": [v, ...]}  (removes and
	//            returns everything left; a drain is a final read)
	Queue Model = "queue"
	// Log is an append-only log per key (a partition or topic).
	//   append  input {"value": v}   output {"offset": n}
	//   read    input {"from": n} or {"from": n, "final": true}
	//           output {"entries": [{"offset": n, "value": v}, ...]}  (ascending)
	// Appended values must be unique within a log.
	Log Model = "log"
	// Lock is a lock per key (the lock name) with fencing tokens, and the
	// resource it protects.
	//   acquire  input null            output {"token": n}
	//   release  input {"token": n}    output null
	//   use      input {"token": n}    output null   (an access to the
	//            protected resource: ok = accepted, fail = rejected as stale)
	Lock Model = "lock"
	// Lease is a lease per key granted for a term, in nanoseconds.
	//   acquire  input {"duration_ns": n}   output {"duration_ns": n}  (granted term)
	//   renew    input {"duration_ns": n}   output {"duration_ns": n}
	//   release  input null                 output null
	// The holder is the operation's process.
	Lease Model = "lease"
	// Ledger is a set of accounts holding integer balances.
	//   transfer  key null; input {"from": "a", "to": "b", "amount": n, "idem": "k1"}
	//             output null or {"applied": true|false}  ("applied": false means
	//             the SUT recognised the idempotency key as already applied)
	//   balance   key is the account; input null; output {"balance": n}
	//   balances  key null; input null; output {"balances": {"a": n, ...}}
	//             (an atomic snapshot of every account)
	// The idempotency key "idem" is the business key: a retry carries the
	// same "idem" and the same arguments; a new "idem" is a new transfer.
	Ledger Model = "ledger"
)

// Models returns every model, sorted by name.
func Models() []Model {
	return []Model{Counter, KV, Ledger, Lease, Lock, Log, Queue, Register, Set}
}

// opSpec says whether an op_type requires an input and whether its ok
// completions carry an output.
type opSpec struct {
	name   string
	input  bool // input must be non-null
	output bool // output of an ok operation must be non-null
}

// vocabulary is every model's op_types, sorted by name. It is never
// written: specs hands out its slices to readers only, without allocating
// (checkers look an op_type up for every operation they validate).
var vocabulary = [...]struct {
	models []Model
	ops    []opSpec
}{
	{[]Model{Register, KV}, []opSpec{{"cas", true, true}, {"read", false, true}, {"write", true, false}}},
	{[]Model{Set}, []opSpec{{"add", true, false}, {"read", false, true}}},
	{[]Model{Counter}, []opSpec{{"inc", true, false}, {"read", false, true}}},
	{[]Model{Queue}, []opSpec{{"dequeue", false, true}, {"drain", false, true}, {"enqueue", true, false}}},
	{[]Model{Log}, []opSpec{{"append", true, true}, {"read", true, true}}},
	{[]Model{Lock}, []opSpec{{"acquire", false, true}, {"release", true, false}, {"use", true, false}}},
	{[]Model{Lease}, []opSpec{{"acquire", true, true}, {"release", false, false}, {"renew", true, true}}},
	{[]Model{Ledger}, []opSpec{{"balance", false, true}, {"balances", false, true}, {"transfer", true, false}}},
}

// specs returns the op_type vocabulary of m, sorted by name, or nil when m
// is not a model. The slice is shared: callers must not modify it.
func specs(m Model) []opSpec {
	for i := range vocabulary {
		for _, v := range vocabulary[i].models {
			if v == m {
				return vocabulary[i].ops
			}
		}
	}
	return nil
}

// OpTypes returns the op_type vocabulary of m, sorted, or nil when m is not
// a model.
func OpTypes(m Model) []string {
	var out []string
	for _, s := range specs(m) {
		out = append(out, s.name)
	}
	return out
}

func lookupSpec(m Model, opType string) (opSpec, bool) {
	for _, s := range specs(m) {
		if s.name == opType {
			return s, true
		}
	}
	return opSpec{}, false
}

func checkModel(m Model) error {
	if specs(m) == nil {
		names := make([]string, 0, 9)
		for _, v := range Models() {
			names = append(names, string(v))
		}
		return fmt.Errorf("%q is not one of %s", string(m), strings.Join(names, ", "))
	}
	return nil
}

func checkOpType(m Model, opType string) error {
	if _, ok := lookupSpec(m, opType); !ok {
		return fmt.Errorf("%q is not an operation of model %s; valid: %s", opType, m, strings.Join(OpTypes(m), ", "))
	}
	return nil
}
