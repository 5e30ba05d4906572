package raftkv

import (
	"encoding/json"
	"fmt"
)

// counter is the counter model (history.Counter): an integer per key,
// starting at 0.
//
//	inc   input {"delta": n}  output null   (n may be negative)
//	read  input null          output {"value": n}
//
// Reads go through ReadIndex. An increment is applied as often as it is
// committed: a retried inc counts twice, which the counter checker's
// bounds allow for.
type counter struct {
	values map[string]int64
}

func newCounter() *counter { return &counter{values: map[string]int64{}} }

type counterInc struct {
	Delta *int64 `json:"delta"`
}

func (n *counter) readOnly(op string) bool { return op == "read" }

func (n *counter) check(c *command) error {
	if c.Key == "" {
		return fmt.Errorf("counter %s: key required", c.Op)
	}
	switch c.Op {
	case "inc":
		var in counterInc
		if err := decodeInput(c, &in); err != nil {
			return err
		}
		if in.Delta == nil {
			return fmt.Errorf("counter inc: input needs \"delta\"")
		}
		return nil
	case "read":
		return nil
	}
	return unknownOp(c)
}

func (n *counter) apply(_ uint64, c *command) result {
	if c.Op != "inc" {
		return refuse("%v", unknownOp(c))
	}
	var in counterInc
	_ = decodeInput(c, &in) // checked
	n.values[c.Key] += *in.Delta
	return okWith(nil)
}

func (n *counter) read(c *command) result {
	return okWith(mustJSON(map[string]int64{"value": n.values[c.Key]}))
}

func (n *counter) snapshot() (json.RawMessage, error) { return json.Marshal(n.values) }

func (n *counter) restore(b json.RawMessage) error {
	values := map[string]int64{}
	if err := json.Unmarshal(b, &values); err != nil {
		return err
	}
	n.values = values
	return nil
}
