package history

import (
	"fmt"
	"strings"
)

// A Field names one field of an operation record, as spelled in JSON.
type Field uint8

// The fields of an operation record, in the order they are written.
const (
	FieldOpID Field = iota
	FieldProcess
	FieldModel
	FieldOpType
	FieldKey
	FieldInput
	FieldOutput
	FieldError
	FieldType
	FieldInvokeTS
	FieldCompleteTS
	FieldTimeoutMarker
	FieldNodeSeen
	FieldFaultEpoch
	numFields
)

// String returns the field's JSON name.
func (f Field) String() string {
	switch f {
	case FieldOpID:
		return "op_id"
	case FieldProcess:
		return "process"
	case FieldModel:
		return "model"
	case FieldOpType:
		return "op_type"
	case FieldKey:
		return "key"
	case FieldInput:
		return "input"
	case FieldOutput:
		return "output"
	case FieldError:
		return "error"
	case FieldType:
		return "type"
	case FieldInvokeTS:
		return "invoke_ts"
	case FieldCompleteTS:
		return "complete_ts"
	case FieldTimeoutMarker:
		return "timeout_marker"
	case FieldNodeSeen:
		return "node_seen"
	case FieldFaultEpoch:
		return "fault_epoch"
	}
	return fmt.Sprintf("Field(%d)", uint8(f))
}

// ParseField returns the field with the given JSON name.
func ParseField(name string) (Field, error) {
	for f := Field(0); f < numFields; f++ {
		if f.String() == name {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown field %q; valid: %s", name, AllFields)
}

// A FieldSet is a set of fields. The zero value is empty.
type FieldSet uint32

// Fields returns the set holding exactly fs.
func Fields(fs ...Field) FieldSet {
	var s FieldSet
	for _, f := range fs {
		s |= 1 << f
	}
	return s
}

// CoreFields are the fields every record must carry: reading rejects a line
// without one of them, so no checker needs to ask for them.
const CoreFields FieldSet = 1<<FieldOpID | 1<<FieldModel | 1<<FieldOpType |
	1<<FieldType | 1<<FieldInvokeTS | 1<<FieldCompleteTS

// AllFields is the set of every field.
const AllFields FieldSet = 1<<numFields - 1

// Has reports whether f is in s.
func (s FieldSet) Has(f Field) bool { return s&(1<<f) != 0 }

// Union returns the fields in s or t.
func (s FieldSet) Union(t FieldSet) FieldSet { return s | t }

// Minus returns the fields in s but not in t.
func (s FieldSet) Minus(t FieldSet) FieldSet { return s &^ t }

// List returns the fields of s in record order.
func (s FieldSet) List() []Field {
	var out []Field
	for f := Field(0); f < numFields; f++ {
		if s.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

// String returns the fields' names in record order, comma-separated.
func (s FieldSet) String() string {
	names := make([]string, 0, numFields)
	for _, f := range s.List() {
		names = append(names, f.String())
	}
	return strings.Join(names, ", ")
}
