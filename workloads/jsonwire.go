package workloads

import (
	"encoding/json"
	"strconv"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/internal/flatjson"
)

// The JSON wire without encoding/json, for the requests and replies it
// can write and read exactly as encoding/json would: plain strings (no
// escapes, nothing HTML-escaped, ASCII), values that are their own
// canonical text (flatjson.Canonical), the fields in the structs' order.
// Anything else takes encoding/json's way, so the bytes written and the
// values read never differ from what encoding/json gives (TestJSONWire,
// FuzzJSONWire); this only skips work, on every request and reply of a
// system on the default wire.

// appendRequest appends json.Marshal(r) to b, or reports false (b
// unchanged) when r needs encoding/json.
func appendRequest(b []byte, r Request) ([]byte, bool) {
	if !plain(r.Client) || !plain(string(r.Model)) || !plain(r.Op) || !plain(r.Key) || (len(r.Input) > 0 && !flatjson.Canonical(r.Input)) {
		return b, false
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, r.ID, 10)
	b = appendString(b, `,"client":"`, r.Client)
	b = appendString(b, `,"model":"`, string(r.Model))
	b = appendString(b, `,"op":"`, r.Op)
	if r.Key != "" {
		b = appendString(b, `,"key":"`, r.Key)
	}
	if len(r.Input) > 0 {
		b = append(b, `,"input":`...)
		b = append(b, r.Input...)
	}
	return append(b, '}'), true
}

// appendReply is appendRequest for a reply.
func appendReply(b []byte, r Reply) ([]byte, bool) {
	if !plain(string(r.Status)) || !plain(r.Error) || !plain(r.Leader) || (len(r.Output) > 0 && !flatjson.Canonical(r.Output)) {
		return b, false
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, r.ID, 10)
	b = appendString(b, `,"status":"`, string(r.Status))
	if len(r.Output) > 0 {
		b = append(b, `,"output":`...)
		b = append(b, r.Output...)
	}
	if r.Error != "" {
		b = appendString(b, `,"error":"`, r.Error)
	}
	if r.Leader != "" {
		b = appendString(b, `,"leader":"`, r.Leader)
	}
	return append(b, '}'), true
}

// appendString appends a member's opening (comma, name, colon and
// opening quote), the plain string v and its closing quote.
func appendString(b []byte, opening, v string) []byte {
	b = append(b, opening...)
	b = append(b, v...)
	return append(b, '"')
}

// plain reports whether s is written by encoding/json as itself between
// quotes: printable ASCII other than the quote, the backslash and the
// characters it escapes for HTML.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// wireReader reads what appendRequest and appendReply write, field by
// field in order; any other text makes it fail, and the caller decodes
// with encoding/json instead.
type wireReader struct {
	b  []byte
	i  int
	ok bool
}

// lit consumes s, which must come next.
func (r *wireReader) lit(s string) {
	if !r.next(s) {
		r.ok = false
	}
}

// next reports whether s comes next (consuming it).
func (r *wireReader) next(s string) bool {
	if r.ok && len(r.b)-r.i >= len(s) && string(r.b[r.i:r.i+len(s)]) == s {
		r.i += len(s)
		return true
	}
	return false
}

// uint reads a JSON number that is a uint64 as encoding/json reads it
// (no sign, fraction, exponent or leading zero).
func (r *wireReader) uint() uint64 {
	j := r.i
	for j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9' {
		j++
	}
	if !r.ok || j == r.i || (r.b[r.i] == '0' && j > r.i+1) {
		r.ok = false
		return 0
	}
	if j < len(r.b) && (r.b[j] == '.' || r.b[j] == 'e' || r.b[j] == 'E') {
		r.ok = false
		return 0
	}
	v, err := strconv.ParseUint(string(r.b[r.i:j]), 10, 64)
	if err != nil {
		r.ok = false
		return 0
	}
	r.i = j
	return v
}

// str reads the rest of a plain string whose opening quote is consumed,
// and its closing quote.
func (r *wireReader) str() []byte {
	if !r.ok {
		return nil
	}
	for j := r.i; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			s := r.b[r.i:j]
			r.i = j + 1
			return s
		case c < 0x20 || c > 0x7e || c == '\\':
			r.ok = false
			return nil
		}
	}
	r.ok = false
	return nil
}

// value reads a value flatjson.Canonical accepts and returns a copy
// (encoding/json copies a RawMessage too).
func (r *wireReader) value() json.RawMessage {
	if !r.ok {
		return nil
	}
	end, ok := flatjson.End(r.b, r.i)
	if !ok {
		r.ok = false
		return nil
	}
	v := append(json.RawMessage(nil), r.b[r.i:end]...)
	r.i = end
	return v
}

// fastRequest reads b as appendRequest writes it.
func fastRequest(b []byte) (Request, bool) {
	r := wireReader{b: b, ok: true}
	var q Request
	r.lit(`{"id":`)
	q.ID = r.uint()
	r.lit(`,"client":"`)
	client := r.str()
	r.lit(`,"model":"`)
	model := r.str()
	r.lit(`,"op":"`)
	op := r.str()
	if !r.ok {
		return Request{}, false
	}
	q.Client, q.Model, q.Op = string(client), history.Model(vocabularyName(model)), vocabularyName(op)
	if r.next(`,"key":"`) {
		q.Key = string(r.str())
	}
	if r.next(`,"input":`) {
		q.Input = r.value()
	}
	r.lit(`}`)
	if !r.ok || r.i != len(b) {
		return Request{}, false
	}
	return q, true
}

// fastReply reads b as appendReply writes it.
func fastReply(b []byte) (Reply, bool) {
	r := wireReader{b: b, ok: true}
	var p Reply
	r.lit(`{"id":`)
	p.ID = r.uint()
	r.lit(`,"status":"`)
	st := r.str()
	if !r.ok {
		return Reply{}, false
	}
	switch Status(st) {
	case StatusOK, StatusFail, StatusRedirect, StatusUnknown:
		p.Status = Status(vocabularyStatus(st))
	default:
		return Reply{}, false
	}
	if r.next(`,"output":`) {
		p.Output = r.value()
	}
	if r.next(`,"error":"`) {
		p.Error = string(r.str())
	}
	if r.next(`,"leader":"`) {
		p.Leader = string(r.str())
	}
	r.lit(`}`)
	if !r.ok || r.i != len(b) {
		return Reply{}, false
	}
	return p, true
}

// vocabularyStatus returns a status's constant (no allocation).
func vocabularyStatus(b []byte) Status {
	switch Status(b) {
	case StatusOK:
		return StatusOK
	case StatusFail:
		return StatusFail
	case StatusRedirect:
		return StatusRedirect
	}
	return StatusUnknown
}
