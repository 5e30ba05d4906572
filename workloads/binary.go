package workloads

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/faultline-dst/faultline/history"
)

// The binary wire format, beside the JSON one: the same Request and Reply,
// each as one compact message of length-prefixed fields, so that neither
// side runs a JSON encoder or decoder per message. Input and Output stay
// the model's JSON text (the history records them as they are), carried
// as bytes.
//
//	request: 'Q' id client model op key input
//	reply:   'P' id status output error leader
//
// id is an unsigned varint; status is one byte (o ok, f fail, r redirect,
// u unknown); every other field is an unsigned varint length followed by
// that many bytes. An empty input or output stands for an absent one.
const (
	binaryRequestTag = 'Q'
	binaryReplyTag   = 'P'
)

// BinaryAdapter returns the adapter for SUTs that speak the binary wire
// format (AppendBinaryRequest, AppendBinaryReply). An SUT node decodes
// requests with DecodeBinaryRequest and answers with AppendBinaryReply.
func BinaryAdapter() Adapter {
	return Adapter{Name: "binary", EncodeRequest: EncodeBinaryRequest, DecodeReply: DecodeBinaryReply, AppendRequest: AppendBinaryRequest}
}

// EncodeBinaryRequest is the binary wire form of a request.
func EncodeBinaryRequest(r Request) []byte {
	n := 1 + binary.MaxVarintLen64 + 5*binary.MaxVarintLen32 + len(r.Client) + len(r.Model) + len(r.Op) + len(r.Key) + len(r.Input)
	return AppendBinaryRequest(make([]byte, 0, n), r)
}

// AppendBinaryRequest appends the binary wire form of r to b.
func AppendBinaryRequest(b []byte, r Request) []byte {
	b = append(b, binaryRequestTag)
	b = binary.AppendUvarint(b, r.ID)
	b = appendField(b, r.Client)
	b = appendField(b, string(r.Model))
	b = appendField(b, r.Op)
	b = appendField(b, r.Key)
	return appendField(b, r.Input)
}

// DecodeBinaryRequest parses the binary wire form of a request (SUT side).
// Input is a slice of b (the simulator gives each receiver its own copy of
// a message; a node that reuses b must copy Input to keep it).
func DecodeBinaryRequest(b []byte) (Request, error) {
	var r Request
	d := decoder{b: b}
	d.tag(binaryRequestTag)
	r.ID = d.uvarint()
	r.Client = string(d.field())
	r.Model = history.Model(vocabularyName(d.field()))
	r.Op = vocabularyName(d.field())
	r.Key = string(d.field())
	if in := d.field(); len(in) > 0 {
		r.Input = in[:len(in):len(in)]
	}
	if err := d.end(); err != nil {
		return Request{}, fmt.Errorf("workloads: bad binary request %q: %w", truncate(b), err)
	}
	return r, nil
}

// EncodeBinaryReply is the binary wire form of a reply (SUT side).
func EncodeBinaryReply(r Reply) []byte {
	n := 2 + binary.MaxVarintLen64 + 3*binary.MaxVarintLen32 + len(r.Output) + len(r.Error) + len(r.Leader)
	return AppendBinaryReply(make([]byte, 0, n), r)
}

// AppendBinaryReply appends the binary wire form of r to b. A status that
// is none of the four is written as a byte no decoder accepts, so that the
// client records the reply as bad, as it would the JSON form.
func AppendBinaryReply(b []byte, r Reply) []byte {
	b = append(b, binaryReplyTag)
	b = binary.AppendUvarint(b, r.ID)
	b = append(b, statusByte(r.Status))
	b = appendField(b, r.Output)
	b = appendField(b, r.Error)
	return appendField(b, r.Leader)
}

// DecodeBinaryReply parses the binary wire form of a reply. Output is a
// slice of b, which the client keeps (the simulator gives each receiver
// its own copy of a message).
func DecodeBinaryReply(b []byte) (Reply, error) {
	var r Reply
	d := decoder{b: b}
	d.tag(binaryReplyTag)
	r.ID = d.uvarint()
	st := d.byte()
	if out := d.field(); len(out) > 0 {
		r.Output = out[:len(out):len(out)]
	}
	r.Error = string(d.field())
	r.Leader = string(d.field())
	if err := d.end(); err != nil {
		return Reply{}, fmt.Errorf("workloads: bad binary reply %q: %w", truncate(b), err)
	}
	switch st {
	case 'o':
		r.Status = StatusOK
	case 'f':
		r.Status = StatusFail
	case 'r':
		r.Status = StatusRedirect
	case 'u':
		r.Status = StatusUnknown
	default:
		return Reply{}, fmt.Errorf("workloads: binary reply %d: status byte %q is not one of o (ok), f (fail), r (redirect), u (unknown)", r.ID, st)
	}
	return r, nil
}

// vocabulary holds every model and op_type name, so that decoding one
// does not allocate (it is built once and only read).
var vocabulary = func() map[string]string {
	m := map[string]string{}
	for _, model := range history.Models() {
		m[string(model)] = string(model)
		for _, op := range history.OpTypes(model) {
			m[op] = op
		}
	}
	return m
}()

// vocabularyName returns b as a string, without allocating when it is a
// model or op_type name.
func vocabularyName(b []byte) string {
	if s, ok := vocabulary[string(b)]; ok {
		return s
	}
	return string(b)
}

func statusByte(s Status) byte {
	switch s {
	case StatusOK:
		return 'o'
	case StatusFail:
		return 'f'
	case StatusRedirect:
		return 'r'
	case StatusUnknown:
		return 'u'
	}
	return '?'
}

func appendField[T ~string | ~[]byte](b []byte, f T) []byte {
	b = binary.AppendUvarint(b, uint64(len(f)))
	return append(b, f...)
}

var errTruncated = errors.New("truncated")

// decoder reads a binary message; the first problem sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) tag(want byte) {
	if len(d.b) == 0 {
		d.err = errTruncated
		return
	}
	if d.b[0] != want {
		d.err = fmt.Errorf("starts with %q, not %q", d.b[0], want)
		return
	}
	d.b = d.b[1:]
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.err = errTruncated
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errTruncated
		if n < 0 {
			d.err = errors.New("varint overflows 64 bits")
		}
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) field() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = fmt.Errorf("field of %d bytes with %d left", n, len(d.b))
		return nil
	}
	f := d.b[:n]
	d.b = d.b[n:]
	return f
}

func (d *decoder) end() error {
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes after the last field", len(d.b))
	}
	return d.err
}
