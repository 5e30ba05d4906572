package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// MaxLineBytes bounds one JSON Lines record; a longer line is rejected.
const MaxLineBytes = 16 << 20

// A LineError is a malformed line of a JSON Lines history. It prints as
// "name:line: reason", e.g.
//
//	history.jsonl:14: field "type": "okk" is not one of ok, fail, info
type LineError struct {
	Name string // the source's name, usually its path
	Line int    // 1-based
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// Is makes every LineError match ErrMalformed.
func (e *LineError) Is(target error) bool { return target == ErrMalformed }

// MarshalJSON writes the record with every field present, in record order,
// on one line; unused fields are null.
func (o Op) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	str := func(s string) {
		if s == "" {
			b.WriteString("null")
			return
		}
		q, _ := json.Marshal(s) // a string always encodes
		b.Write(q)
	}
	raw := func(f Field, m json.RawMessage) error {
		if len(bytes.TrimSpace(m)) == 0 {
			b.WriteString("null")
			return nil
		}
		if err := json.Compact(&b, m); err != nil {
			return &BadFieldError{f, err}
		}
		return nil
	}
	b.WriteString(`{"op_id":`)
	b.WriteString(strconv.FormatInt(o.ID, 10))
	b.WriteString(`,"process":`)
	b.WriteString(strconv.Itoa(o.Process))
	b.WriteString(`,"model":`)
	str(string(o.Model))
	b.WriteString(`,"op_type":`)
	str(o.OpType)
	b.WriteString(`,"key":`)
	str(o.Key)
	b.WriteString(`,"input":`)
	if err := raw(FieldInput, o.Input); err != nil {
		return nil, err
	}
	b.WriteString(`,"output":`)
	if err := raw(FieldOutput, o.Output); err != nil {
		return nil, err
	}
	b.WriteString(`,"error":`)
	str(o.Error)
	b.WriteString(`,"type":`)
	str(string(o.Type))
	b.WriteString(`,"invoke_ts":`)
	b.WriteString(strconv.FormatInt(o.InvokeTS, 10))
	b.WriteString(`,"complete_ts":`)
	if o.Type == Info {
		b.WriteString("null")
	} else {
		b.WriteString(strconv.FormatInt(o.CompleteTS, 10))
	}
	b.WriteString(`,"timeout_marker":`)
	b.WriteString(strconv.FormatBool(o.TimeoutMarker))
	b.WriteString(`,"node_seen":`)
	str(o.NodeSeen)
	b.WriteString(`,"fault_epoch":`)
	if o.FaultEpoch == nil {
		b.WriteString("null")
	} else {
		e := FaultEpoch{Invoke: o.FaultEpoch.Invoke, Complete: o.FaultEpoch.Complete}
		if e.Invoke == nil {
			e.Invoke = []string{}
		}
		q, _ := json.Marshal(e) // lists of strings always encode
		b.Write(q)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads one record strictly, as ReadJSONL reads a line.
func (o *Op) UnmarshalJSON(data []byte) error {
	op, err := decodeOp(data)
	if err != nil {
		return err
	}
	*o = op
	return nil
}

// WriteJSONL writes h as JSON Lines, one record per line, in order.
func WriteJSONL(w io.Writer, h History) error {
	bw := bufio.NewWriter(w)
	for i := range h.Ops {
		line, err := h.Ops[i].MarshalJSON()
		if err != nil {
			return fmt.Errorf("op %d: %w", h.Ops[i].ID, err)
		}
		bw.Write(line)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteFile writes h as JSON Lines to path.
func WriteFile(path string, h History) error {
	var b bytes.Buffer
	if err := WriteJSONL(&b, h); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// ReadFile reads a JSON Lines history from path; errors name the path.
func ReadFile(path string) (History, error) {
	f, err := os.Open(path)
	if err != nil {
		return History{}, err
	}
	defer f.Close()
	return ReadJSONL(f, path)
}

// ReadJSONL reads a JSON Lines history. Blank lines are skipped. A line
// that is not one well-formed record fails the whole read with a
// *LineError naming the line and the reason: invalid JSON, an unknown or
// repeated field, a missing core field, a value of the wrong kind, a
// broken record rule (see WellFormed), or an op_id used before. Fields
// other than the core ones may be absent; each Op records which were in
// Absent, for Validate.
func ReadJSONL(r io.Reader, name string) (History, error) {
	br := bufio.NewReader(r)
	var h History
	lines := make(map[int64]int)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			var long []byte
			long = append(long, line...)
			for errors.Is(err, bufio.ErrBufferFull) && len(long) <= MaxLineBytes {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if len(line) > MaxLineBytes {
			return History{}, &LineError{name, n, fmt.Errorf("line longer than %d bytes", MaxLineBytes)}
		}
		if err != nil && err != io.EOF {
			return History{}, &LineError{name, n, err}
		}
		if len(bytes.TrimSpace(line)) > 0 {
			op, derr := decodeOp(line)
			if derr != nil {
				return History{}, &LineError{name, n, derr}
			}
			if prev, dup := lines[op.ID]; dup {
				return History{}, &LineError{name, n, fmt.Errorf("op_id %d already used on line %d", op.ID, prev)}
			}
			lines[op.ID] = n
			h.Ops = append(h.Ops, op)
		}
		if err == io.EOF {
			return h, nil
		}
	}
}

// decodeOp decodes one record strictly.
func decodeOp(data []byte) (Op, error) {
	var o Op
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return o, fmt.Errorf("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return o, errors.New("not a JSON object")
	}
	var present FieldSet
	completeNull := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return o, fmt.Errorf("invalid JSON: %v", err)
		}
		name, _ := tok.(string) // object keys are always strings
		f, err := ParseField(name)
		if err != nil {
			return o, err
		}
		if present.Has(f) {
			return o, fmt.Errorf("field %q appears twice", name)
		}
		present |= Fields(f)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return o, fmt.Errorf("invalid JSON: %v", err)
		}
		isNull := string(raw) == "null"
		if f == FieldCompleteTS {
			completeNull = isNull
		}
		if err := decodeField(&o, f, raw, isNull); err != nil {
			return o, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return o, fmt.Errorf("invalid JSON: %v", err)
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return o, errors.New("trailing data after the record")
	}
	if missing := CoreFields.Minus(present); missing != 0 {
		return o, fmt.Errorf("missing field %q (required: %s)", missing.List()[0].String(), CoreFields)
	}
	o.Absent = AllFields.Minus(present)
	if completeNull != (o.Type == Info) && o.Type.valid() {
		if completeNull {
			return o, fieldErr(FieldCompleteTS, "null but type is %s (null exactly when the outcome is unknown)", o.Type)
		}
		return o, fieldErr(FieldCompleteTS, "must be null when type is info")
	}
	if ferr := checkOp(&o); ferr != nil {
		return o, ferr
	}
	return o, nil
}

func decodeField(o *Op, f Field, raw json.RawMessage, isNull bool) error {
	switch f {
	case FieldOpID:
		v, err := decodeInt(f, raw, isNull)
		o.ID = v
		return err
	case FieldProcess:
		v, err := decodeInt(f, raw, isNull)
		if err == nil && int64(int(v)) != v {
			err = fieldErr(f, "%d out of range", v)
		}
		o.Process = int(v)
		return err
	case FieldModel:
		s, err := decodeString(f, raw, false)
		o.Model = Model(s)
		return err
	case FieldOpType:
		s, err := decodeString(f, raw, false)
		o.OpType = s
		return err
	case FieldKey:
		s, err := decodeString(f, raw, true)
		o.Key = s
		return err
	case FieldInput, FieldOutput:
		var v json.RawMessage
		if !isNull {
			var b bytes.Buffer
			if err := json.Compact(&b, raw); err != nil {
				return &BadFieldError{f, err}
			}
			v = b.Bytes()
		}
		if f == FieldInput {
			o.Input = v
		} else {
			o.Output = v
		}
		return nil
	case FieldError:
		s, err := decodeString(f, raw, true)
		o.Error = s
		return err
	case FieldType:
		s, err := decodeString(f, raw, false)
		o.Type = Type(s)
		return err
	case FieldInvokeTS:
		v, err := decodeInt(f, raw, isNull)
		o.InvokeTS = v
		return err
	case FieldCompleteTS:
		if isNull {
			return nil
		}
		v, err := decodeInt(f, raw, false)
		o.CompleteTS = v
		return err
	case FieldTimeoutMarker:
		var b bool
		if isNull || json.Unmarshal(raw, &b) != nil {
			return fieldErr(f, "%s is not true or false", raw)
		}
		o.TimeoutMarker = b
		return nil
	case FieldNodeSeen:
		s, err := decodeString(f, raw, true)
		o.NodeSeen = s
		return err
	case FieldFaultEpoch:
		if isNull {
			return nil
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var e FaultEpoch
		if err := dec.Decode(&e); err != nil {
			return fieldErr(f, `want {"invoke": [ids], "complete": [ids] or null}: %v`, err)
		}
		o.FaultEpoch = &e
		return nil
	}
	return fieldErr(f, "unhandled field")
}

func decodeInt(f Field, raw json.RawMessage, isNull bool) (int64, error) {
	if isNull {
		return 0, fieldErr(f, "null; want an integer")
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fieldErr(f, "%s is not an integer", raw)
	}
	return v, nil
}

func decodeString(f Field, raw json.RawMessage, nullable bool) (string, error) {
	if string(raw) == "null" {
		if nullable {
			return "", nil
		}
		return "", fieldErr(f, "null; want a string")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldErr(f, "%s is not a string", raw)
	}
	if s == "" {
		if nullable {
			return "", fieldErr(f, `"" is not allowed; write null`)
		}
		return "", fieldErr(f, "empty string")
	}
	return s, nil
}
