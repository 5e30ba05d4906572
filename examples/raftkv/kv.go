package raftkv

import (
	"encoding/json"
	"fmt"

	"github.com/faultline-dst/faultline/internal/flatjson"
)

// kv is the key-value model (history.KV, and history.Register, which has
// the same vocabulary): one register per key.
//
//	read   input null                  output {"value": v}   (null: never written)
//	write  input {"value": v}          output null
//	cas    input {"from": v, "to": v}  output {"ok": true|false}
//
// Values are kept as canonical JSON, and cas compares canonical texts, as
// the checkers do.
type kv struct {
	values map[string]json.RawMessage
}

func newKV() *kv { return &kv{values: map[string]json.RawMessage{}} }

type kvWrite struct {
	Value json.RawMessage `json:"value"`
}

type kvCAS struct {
	From json.RawMessage `json:"from"`
	To   json.RawMessage `json:"to"`
}

func (s *kv) readOnly(op string) bool { return op == "read" }

func (s *kv) check(c *command) error {
	if c.Key == "" {
		return fmt.Errorf("%s %s: key required", c.Model, c.Op)
	}
	switch c.Op {
	case "read":
		return nil
	case "write":
		in, err := writeInput(c)
		if err != nil {
			return err
		}
		if in.Value == nil {
			return fmt.Errorf("%s write: input needs \"value\"", c.Model)
		}
		_, err = canonical(in.Value)
		return err
	case "cas":
		in, err := casInput(c)
		if err != nil {
			return err
		}
		if in.From == nil || in.To == nil {
			return fmt.Errorf("%s cas: input needs \"from\" and \"to\"", c.Model)
		}
		if _, err := canonical(in.From); err != nil {
			return err
		}
		_, err = canonical(in.To)
		return err
	}
	return unknownOp(c)
}

func (s *kv) apply(_ uint64, c *command) result {
	switch c.Op {
	case "write":
		in, _ := writeInput(c) // checked
		s.set(c.Key, in.Value)
		return okWith(nil)
	case "cas":
		in, _ := casInput(c) // checked
		from, _ := canonical(in.From)
		cur, _ := canonical(s.values[c.Key])
		if cur != from {
			return okWith(casFalse)
		}
		s.set(c.Key, in.To)
		return okWith(casTrue)
	}
	return refuse("%v", unknownOp(c))
}

// set stores v's canonical form; null removes the key.
func (s *kv) set(key string, v json.RawMessage) {
	text, _ := canonical(v)
	if text == "null" {
		delete(s.values, key)
		return
	}
	s.values[key] = json.RawMessage(text)
}

func (s *kv) read(c *command) result {
	v := s.values[c.Key]
	if v == nil {
		v = json.RawMessage("null")
	}
	// v is canonical JSON (see set), so this is what json.Marshal would
	// write for {"value": v}.
	out := make(json.RawMessage, 0, len(`{"value":}`)+len(v))
	out = append(append(append(out, `{"value":`...), v...), '}')
	return okWith(out)
}

// The outputs of cas. They are shared: nothing writes into an output.
var (
	casTrue  = json.RawMessage(`{"ok":true}`)
	casFalse = json.RawMessage(`{"ok":false}`)
)

// writeInput and casInput decode a write's or a cas's input. Inputs as the
// workloads write them (a flat object of canonical values with exactly the
// expected keys) are read without decoding; anything else goes through
// encoding/json, which also words the errors.
func writeInput(c *command) (kvWrite, error) {
	if v, ok := flatjson.Members(c.Input, "value"); ok {
		return kvWrite{Value: json.RawMessage(v[0])}, nil
	}
	var in kvWrite
	err := decodeInput(c, &in)
	return in, err
}

func casInput(c *command) (kvCAS, error) {
	if v, ok := flatjson.Members(c.Input, "from", "to"); ok {
		return kvCAS{From: json.RawMessage(v[0]), To: json.RawMessage(v[1])}, nil
	}
	var in kvCAS
	err := decodeInput(c, &in)
	return in, err
}

func (s *kv) snapshot() (json.RawMessage, error) { return json.Marshal(s.values) }

func (s *kv) restore(b json.RawMessage) error {
	values := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &values); err != nil {
		return err
	}
	s.values = values
	return nil
}
