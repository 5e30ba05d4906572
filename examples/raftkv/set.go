package raftkv

import (
	"encoding/json"
	"fmt"
)

// set is the set model (history.Set): a grow-only set per key of JSON
// values, kept as canonical JSON in the order they were first added.
//
//	add   input {"value": v}              output null
//	read  input null or {"final": true}   output {"values": [v, ...]}
//
// Reads go through ReadIndex.
type set struct {
	values map[string][]json.RawMessage
	has    map[string]map[string]bool // key -> canonical value -> present
}

func newSet() *set {
	return &set{values: map[string][]json.RawMessage{}, has: map[string]map[string]bool{}}
}

func (s *set) readOnly(op string) bool { return op == "read" }

func (s *set) check(c *command) error {
	if c.Key == "" {
		return fmt.Errorf("set %s: key required", c.Op)
	}
	switch c.Op {
	case "add":
		_, err := valueInput(c)
		return err
	case "read":
		return nil
	}
	return unknownOp(c)
}

func (s *set) apply(_ uint64, c *command) result {
	if c.Op != "add" {
		return refuse("%v", unknownOp(c))
	}
	v, _ := valueInput(c) // checked
	s.add(c.Key, v)
	return okWith(nil)
}

func (s *set) add(key, v string) {
	if s.has[key] == nil {
		s.has[key] = map[string]bool{}
	}
	if !s.has[key][v] {
		s.has[key][v] = true
		s.values[key] = append(s.values[key], json.RawMessage(v))
	}
}

func (s *set) read(c *command) result {
	return okWith(mustJSON(map[string][]json.RawMessage{"values": append([]json.RawMessage{}, s.values[c.Key]...)}))
}

func (s *set) snapshot() (json.RawMessage, error) { return json.Marshal(s.values) }

func (s *set) restore(b json.RawMessage) error {
	values := map[string][]json.RawMessage{}
	if err := json.Unmarshal(b, &values); err != nil {
		return err
	}
	*s = *newSet()
	for _, k := range sortedKeys(values) {
		for _, v := range values[k] {
			s.add(k, string(v))
		}
	}
	return nil
}
