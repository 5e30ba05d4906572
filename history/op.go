package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// A Type is an operation's outcome, as in Jepsen.
type Type string

// The three outcomes.
const (
	// OK: the operation happened, and its output is what it returned.
	OK Type = "ok"
	// Fail: the operation definitely did not happen (the SUT refused it).
	Fail Type = "fail"
	// Info: the outcome is unknown (timeout, ambiguous error); the operation
	// may or may not have taken effect, at any instant after its invocation.
	Info Type = "info"
)

func (t Type) valid() bool { return t == OK || t == Fail || t == Info }

// FaultEpoch records the faults active when an operation was invoked and
// when it completed, as sorted lists of fault ids (empty: none active).
type FaultEpoch struct {
	Invoke []string `json:"invoke"`
	// Complete is nil exactly when the operation's outcome is unknown.
	Complete []string `json:"complete"`
}

// An Op is one operation record. The zero values of Key, Input, Output,
// Error and NodeSeen stand for JSON null (so the empty string is not a
// usable key); a nil FaultEpoch means the fault epoch was not recorded.
type Op struct {
	ID      int64 // op_id, unique within the history
	Process int   // the client or session that issued it
	Model   Model
	OpType  string // the function, from the model's vocabulary
	Key     string // the object addressed; "" is null
	Input   json.RawMessage
	Output  json.RawMessage // nil for an info operation
	Error   string          // the error when the SUT definitely refused
	Type    Type
	// InvokeTS and CompleteTS are simulated true instants in nanoseconds.
	// CompleteTS is meaningless (and written as null) for an info operation.
	InvokeTS      int64
	CompleteTS    int64
	TimeoutMarker bool   // true exactly when Type is Info
	NodeSeen      string // the node that served it; "" is null
	FaultEpoch    *FaultEpoch

	// Absent lists the fields missing from the JSON line this operation
	// was read from (never core fields). It is empty for operations built
	// in Go. Validate reports an absent needed field as too weak.
	Absent FieldSet
}

// Completed reports whether the operation's outcome is known (ok or fail).
func (o Op) Completed() bool { return o.Type != Info }

// History is an ordered list of operation records, usually in invocation
// order.
type History struct {
	Ops []Op
}

// Len returns the number of operations.
func (h History) Len() int { return len(h.Ops) }

// Filter returns the operations for which keep returns true, in order.
func (h History) Filter(keep func(Op) bool) History {
	out := History{Ops: make([]Op, 0, len(h.Ops))}
	for _, o := range h.Ops {
		if keep(o) {
			out.Ops = append(out.Ops, o)
		}
	}
	return out
}

// A KeyOps is the operations addressing one key, in history order.
type KeyOps struct {
	Key string
	Ops []Op
}

// ByKey splits the history by key; keys are sorted.
func (h History) ByKey() []KeyOps {
	index := make(map[string]int)
	var out []KeyOps
	for _, o := range h.Ops {
		i, ok := index[o.Key]
		if !ok {
			i = len(out)
			index[o.Key] = i
			out = append(out, KeyOps{Key: o.Key})
		}
		out[i].Ops = append(out[i].Ops, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// MustJSON encodes v as JSON, for building inputs and outputs in Go. It
// panics if v cannot be encoded (a programming error).
func MustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("history.MustJSON: %v", err))
	}
	return b
}

// CanonicalJSON returns the canonical text of a JSON value: no
// insignificant white space, object keys sorted, numbers as written. Values
// of the models compare by this text, so 1 and 1.0 differ. A nil or empty
// raw message is "null".
func CanonicalJSON(raw json.RawMessage) (string, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return "null", nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	if dec.More() {
		return "", fmt.Errorf("trailing data after JSON value")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
