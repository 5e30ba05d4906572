package history

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrTooWeak is matched (with errors.Is) by the error Validate returns when
// a history lacks fields a checker needs.
var ErrTooWeak = errors.New("history too weak for the checker")

// A Gap is one needed field the history does not carry.
type Gap struct {
	Field Field
	// Absent counts operations whose JSON line lacked the field.
	Absent int
	// Empty counts operations (built in Go, or read with the field null)
	// that should carry a value but hold none, e.g. node_seen of an ok op.
	Empty int
	// First is the op_id of the first operation concerned.
	First int64
}

func (g Gap) String() string {
	var parts []string
	if g.Absent > 0 {
		parts = append(parts, fmt.Sprintf("absent on %d records", g.Absent))
	}
	if g.Empty > 0 {
		parts = append(parts, fmt.Sprintf("null on %d records that need it", g.Empty))
	}
	return fmt.Sprintf("%s %s (first: op %d)", g.Field, strings.Join(parts, " and "), g.First)
}

// A TooWeakError lists the needed fields a history lacks. A history that
// lacks them is too weak for the checker: the check is undecided, never
// passed.
type TooWeakError struct {
	Gaps []Gap // in record order of fields
}

func (e *TooWeakError) Error() string {
	parts := make([]string, len(e.Gaps))
	for i, g := range e.Gaps {
		parts[i] = g.String()
	}
	return "history too weak: " + strings.Join(parts, "; ")
}

// Is makes a TooWeakError match ErrTooWeak.
func (e *TooWeakError) Is(target error) bool { return target == ErrTooWeak }

// Missing returns the set of fields with a gap.
func (e *TooWeakError) Missing() FieldSet {
	var s FieldSet
	for _, g := range e.Gaps {
		s |= Fields(g.Field)
	}
	return s
}

// Validate reports whether h carries every field in needed, returning nil
// or a *TooWeakError. A field is lacking on an operation when its JSON line
// did not have it (Op.Absent) or when the operation should hold a value and
// does not:
//
//   - key: every operation except ledger transfers and snapshots
//   - input: operations whose op_type takes an argument (see Model)
//   - output: ok operations whose op_type returns a result
//   - node_seen: ok operations
//   - fault_epoch: every operation
//   - error: fail operations
//
// process, type, instants and timeout_marker cannot be empty in Go.
func Validate(h History, needed FieldSet) error {
	fields := needed.List()
	gaps := make([]Gap, len(fields))
	// One pass over the operations; the op_type's spec is looked up once
	// per run of operations with the same model and op_type.
	var spec opSpec
	var specModel Model
	var specType string
	for i := range h.Ops {
		o := &h.Ops[i]
		if i == 0 || o.Model != specModel || o.OpType != specType {
			spec, _ = lookupSpec(o.Model, o.OpType)
			specModel, specType = o.Model, o.OpType
		}
		for j, f := range fields {
			g := &gaps[j]
			switch {
			case o.Absent.Has(f):
				g.Absent++
			case !holds(o, spec, f):
				g.Empty++
			default:
				continue
			}
			if g.Absent+g.Empty == 1 {
				g.First = o.ID
			}
		}
	}
	var lacking []Gap
	for j, f := range fields {
		if g := gaps[j]; g.Absent+g.Empty > 0 {
			g.Field = f
			lacking = append(lacking, g)
		}
	}
	if len(lacking) == 0 {
		return nil
	}
	return &TooWeakError{Gaps: lacking}
}

// LacksOutput reports whether an ok completion of opType in model m whose
// output is out lacks the output the vocabulary requires of it: what
// Validate counts against FieldOutput, for one operation, without
// allocating (the workload clients ask it of every reply).
func LacksOutput(m Model, opType string, out []byte) bool {
	spec, _ := lookupSpec(m, opType)
	return spec.output && isNullJSON(out)
}

// holds reports whether o, whose op_type's spec is spec, carries a value
// for f where it needs one.
func holds(o *Op, spec opSpec, f Field) bool {
	switch f {
	case FieldKey:
		return o.Key != "" || (o.Model == Ledger && o.OpType != "balance")
	case FieldInput:
		return !spec.input || !isNullJSON(o.Input)
	case FieldOutput:
		return !spec.output || o.Type != OK || !isNullJSON(o.Output)
	case FieldNodeSeen:
		return o.Type != OK || o.NodeSeen != ""
	case FieldFaultEpoch:
		return o.FaultEpoch != nil
	case FieldError:
		return o.Type != Fail || o.Error != ""
	}
	return true
}

func isNullJSON(m []byte) bool {
	s := bytes.TrimSpace(m)
	return len(s) == 0 || string(s) == "null"
}
