package raftkv

import (
	"encoding/json"
	"fmt"
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
		var in kvWrite
		if err := decodeInput(c, &in); err != nil {
			return err
		}
		if in.Value == nil {
			return fmt.Errorf("%s write: input needs \"value\"", c.Model)
		}
		_, err := canonical(in.Value)
		return err
	case "cas":
		var in kvCAS
		if err := decodeInput(c, &in); err != nil {
			return err
		}
		if in.From == nil || in.To == nil {
			return fmt.Errorf("%s cas: input needs \"from\" and \"to\"", c.Model)
		}
		if _, err := canonical(in.From); err != nil {
			return err
		}
		_, err := canonical(in.To)
		return err
	}
	return unknownOp(c)
}

func (s *kv) apply(_ uint64, c *command) result {
	switch c.Op {
	case "write":
		var in kvWrite
		_ = decodeInput(c, &in) // checked
		s.set(c.Key, in.Value)
		return okWith(nil)
	case "cas":
		var in kvCAS
		_ = decodeInput(c, &in) // checked
		from, _ := canonical(in.From)
		cur, _ := canonical(s.values[c.Key])
		if cur != from {
			return okWith(mustJSON(map[string]bool{"ok": false}))
		}
		s.set(c.Key, in.To)
		return okWith(mustJSON(map[string]bool{"ok": true}))
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
	return okWith(mustJSON(map[string]json.RawMessage{"value": v}))
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
