package bare

import (
	"encoding/binary"
	"errors"
)

// Ops of a request.
const (
	OpRead  byte = 'r'
	OpWrite byte = 'w'
	OpCAS   byte = 'c'
)

// Statuses of a reply.
const (
	StatusOK       byte = 'o'
	StatusFail     byte = 'f'
	StatusRedirect byte = 'r'
	StatusUnknown  byte = 'u'
)

// Value is a register value: an integer or null.
type Value struct {
	V    int64
	Null bool
}

// Request is one client request. To is a write's value or a cas's new
// value; From is a cas's expected value.
type Request struct {
	ID       uint64
	Op       byte
	Key      string
	From, To Value
}

// Reply answers one Request (Op repeats its op): OK for a cas that matched, Value for a read,
// Leader (0: unknown) for a redirect.
type Reply struct {
	ID     uint64
	Op     byte // the request's op
	Status byte
	OK     bool
	Value  Value
	Leader uint64
}

var errShort = errors.New("bare: truncated message")

// EncodeRequest returns the compact binary form of r.
func EncodeRequest(r Request) []byte { return AppendRequest(nil, r) }

// AppendRequest appends the compact binary form of r to b.
func AppendRequest(b []byte, r Request) []byte {
	b = append(b, r.Op)
	b = binary.AppendUvarint(b, r.ID)
	b = binary.AppendUvarint(b, uint64(len(r.Key)))
	b = append(b, r.Key...)
	switch r.Op {
	case OpWrite:
		b = appendValue(b, r.To)
	case OpCAS:
		b = appendValue(b, r.From)
		b = appendValue(b, r.To)
	}
	return b
}

// DecodeRequest parses EncodeRequest's form.
func DecodeRequest(b []byte) (Request, error) {
	var r Request
	if len(b) < 1 {
		return r, errShort
	}
	r.Op, b = b[0], b[1:]
	id, n := binary.Uvarint(b)
	if n <= 0 {
		return r, errShort
	}
	r.ID, b = id, b[n:]
	kl, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < kl {
		return r, errShort
	}
	r.Key, b = string(b[n:n+int(kl)]), b[n+int(kl):]
	var err error
	switch r.Op {
	case OpRead:
	case OpWrite:
		r.To, _, err = value(b)
	case OpCAS:
		if r.From, b, err = value(b); err == nil {
			r.To, _, err = value(b)
		}
	default:
		err = errors.New("bare: unknown op")
	}
	return r, err
}

// EncodeReply appends the compact binary form of r to b.
func EncodeReply(b []byte, r Reply) []byte {
	b = append(b, r.Status, r.Op)
	b = binary.AppendUvarint(b, r.ID)
	b = binary.AppendUvarint(b, r.Leader)
	ok := byte(0)
	if r.OK {
		ok = 1
	}
	b = append(b, ok)
	return appendValue(b, r.Value)
}

// DecodeReply parses EncodeReply's form.
func DecodeReply(b []byte) (Reply, error) {
	var r Reply
	if len(b) < 2 {
		return r, errShort
	}
	r.Status, r.Op, b = b[0], b[1], b[2:]
	id, n := binary.Uvarint(b)
	if n <= 0 {
		return r, errShort
	}
	r.ID, b = id, b[n:]
	l, n := binary.Uvarint(b)
	if n <= 0 || len(b) < n+1 {
		return r, errShort
	}
	r.Leader, r.OK, b = l, b[n] == 1, b[n+1:]
	var err error
	r.Value, _, err = value(b)
	return r, err
}

func appendValue(b []byte, v Value) []byte {
	if v.Null {
		return append(b, 0)
	}
	b = append(b, 1)
	return binary.AppendVarint(b, v.V)
}

func value(b []byte) (Value, []byte, error) {
	if len(b) < 1 {
		return Value{}, b, errShort
	}
	if b[0] == 0 {
		return Value{Null: true}, b[1:], nil
	}
	v, n := binary.Varint(b[1:])
	if n <= 0 {
		return Value{}, b, errShort
	}
	return Value{V: v}, b[1+n:], nil
}
