package history

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/faultline-dst/faultline/internal/flatjson"
)

// A BadFieldError says what is wrong with one field of one record.
type BadFieldError struct {
	Field Field
	Err   error
}

func (e *BadFieldError) Error() string { return fmt.Sprintf("field %q: %v", e.Field.String(), e.Err) }

// Unwrap returns the underlying error.
func (e *BadFieldError) Unwrap() error { return e.Err }

func fieldErr(f Field, format string, args ...any) *BadFieldError {
	return &BadFieldError{Field: f, Err: fmt.Errorf(format, args...)}
}

// An OpError is a malformed operation in a history built in Go.
type OpError struct {
	Index int   // position in History.Ops
	OpID  int64 // the record's op_id
	Err   error
}

func (e *OpError) Error() string { return fmt.Sprintf("op %d (index %d): %v", e.OpID, e.Index, e.Err) }

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

// ErrMalformed is matched (with errors.Is) by every error WellFormed and the
// readers return for a record that breaks the format's rules.
var ErrMalformed = errors.New("malformed history")

// checkOp applies the per-record rules shared by the reader and WellFormed.
func checkOp(o *Op) *BadFieldError {
	if err := checkModel(o.Model); err != nil {
		return &BadFieldError{FieldModel, err}
	}
	if err := checkOpType(o.Model, o.OpType); err != nil {
		return &BadFieldError{FieldOpType, err}
	}
	if !o.Type.valid() {
		return fieldErr(FieldType, "%q is not one of ok, fail, info", string(o.Type))
	}
	if o.InvokeTS < 0 {
		return fieldErr(FieldInvokeTS, "%d is negative", o.InvokeTS)
	}
	if o.Type != Info && o.CompleteTS < o.InvokeTS {
		return fieldErr(FieldCompleteTS, "%d is before invoke_ts %d", o.CompleteTS, o.InvokeTS)
	}
	if o.TimeoutMarker != (o.Type == Info) {
		return fieldErr(FieldTimeoutMarker, "is %t but type is %s (true exactly when the outcome is unknown)", o.TimeoutMarker, o.Type)
	}
	if o.Input != nil && !valid(o.Input) {
		return fieldErr(FieldInput, "not valid JSON")
	}
	if o.Output != nil {
		if !valid(o.Output) {
			return fieldErr(FieldOutput, "not valid JSON")
		}
		if o.Type == Info && string(o.Output) != "null" {
			return fieldErr(FieldOutput, "must be null when type is info")
		}
	}
	if e := o.FaultEpoch; e != nil {
		if e.Invoke == nil {
			return fieldErr(FieldFaultEpoch, `"invoke" must be a list of fault ids (empty when none)`)
		}
		if (e.Complete == nil) != (o.Type == Info) {
			return fieldErr(FieldFaultEpoch, `"complete" must be null exactly when type is info`)
		}
	}
	return nil
}

// valid reports whether raw is valid JSON, recognising the canonical
// values workloads record without running the full validator.
func valid(raw json.RawMessage) bool { return flatjson.Canonical(raw) || json.Valid(raw) }

// maxReported bounds how many problems one error lists.
const maxReported = 10

// WellFormed checks a history built in Go against the record rules the
// reader enforces: known model and op_type, a valid type, instants in order,
// timeout_marker true exactly for info operations, null output and complete
// instant for info operations, and unique op_ids. It returns nil or an error
// listing up to ten problems, matching ErrMalformed.
func WellFormed(h History) error {
	var errs []error
	more := 0
	add := func(err error) {
		if len(errs) < maxReported {
			errs = append(errs, err)
		} else {
			more++
		}
	}
	// While op_ids ascend (as recorders assign them) each is new; the map
	// of those seen is built only from the first that does not ascend.
	var seen map[int64]int
	for i := range h.Ops {
		o := &h.Ops[i]
		if seen == nil && i > 0 && o.ID <= h.Ops[i-1].ID {
			seen = make(map[int64]int, len(h.Ops))
			for j := range h.Ops[:i] {
				if _, dup := seen[h.Ops[j].ID]; !dup {
					seen[h.Ops[j].ID] = j
				}
			}
		}
		if seen != nil {
			if j, dup := seen[o.ID]; dup {
				add(&OpError{i, o.ID, fmt.Errorf("op_id %d already used at index %d", o.ID, j)})
				continue
			}
			seen[o.ID] = i
		}
		if err := checkOp(o); err != nil {
			add(&OpError{i, o.ID, err})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if more > 0 {
		errs = append(errs, fmt.Errorf("and %d more", more))
	}
	return fmt.Errorf("%w: %w", ErrMalformed, errors.Join(errs...))
}
