package raftkv

import (
	"encoding/json"
	"fmt"
)

// queue is the queue model (history.Queue): a FIFO queue per key (the
// queue name) of JSON values, kept as canonical JSON.
//
//	enqueue  input {"value": v}  output null
//	dequeue  input null          output {"value": v}  (null: empty)
//	drain    input null          output {"values": [v, ...]}  removes and
//	         returns everything left
//
// Every op changes the queue, so every op is proposed and answered when
// applied: an item is handed out only by a committed removal, and a
// dequeue whose fate is unknown (leadership lost) removed at most one
// item nobody saw. Delivery is at most once.
//
// The internal op "remove" (input {"value": v}) removes the first
// occurrence of v; only the dequeue-before-commit bug proposes it, for an
// item it has already handed out (BugDequeueBeforeCommit).
type queue struct {
	items map[string][]json.RawMessage
}

func newQueue() *queue { return &queue{items: map[string][]json.RawMessage{}} }

func (q *queue) readOnly(string) bool { return false }

func (q *queue) check(c *command) error {
	if c.Key == "" {
		return fmt.Errorf("queue %s: key (the queue name) required", c.Op)
	}
	switch c.Op {
	case "dequeue", "drain":
		return nil
	case "enqueue":
		_, err := valueInput(c)
		return err
	case "remove":
		if !c.Internal {
			break
		}
		_, err := valueInput(c)
		return err
	}
	return unknownOp(c)
}

// valueInput returns the canonical JSON of the input {"value": v}.
func valueInput(c *command) (string, error) {
	var in kvWrite
	if err := decodeInput(c, &in); err != nil {
		return "", err
	}
	if in.Value == nil {
		return "", fmt.Errorf("%s %s: input needs \"value\"", c.Model, c.Op)
	}
	return canonical(in.Value)
}

func (q *queue) apply(_ uint64, c *command) result {
	items := q.items[c.Key]
	switch c.Op {
	case "enqueue":
		v, _ := valueInput(c) // checked
		q.items[c.Key] = append(items, json.RawMessage(v))
		return okWith(nil)
	case "dequeue":
		if len(items) == 0 {
			return okWith(json.RawMessage(`{"value":null}`))
		}
		q.set(c.Key, items[1:])
		return okWith(mustJSON(map[string]json.RawMessage{"value": items[0]}))
	case "drain":
		delete(q.items, c.Key)
		return okWith(mustJSON(map[string][]json.RawMessage{"values": append([]json.RawMessage{}, items...)}))
	case "remove":
		v, _ := valueInput(c) // checked
		for i, it := range items {
			if string(it) == v {
				q.set(c.Key, append(items[:i:i], items[i+1:]...))
				break
			}
		}
		return okWith(nil)
	}
	return refuse("%v", unknownOp(c))
}

// set replaces a queue's items; an empty queue is forgotten.
func (q *queue) set(key string, items []json.RawMessage) {
	if len(items) == 0 {
		delete(q.items, key)
		return
	}
	q.items[key] = items
}

// head returns the first item of the queue key not in skip, if any: what a
// dequeue would get once the removals in skip are committed.
func (q *queue) head(key string, skip map[string]int) (json.RawMessage, bool) {
	seen := map[string]int{}
	for _, it := range q.items[key] {
		if seen[string(it)] < skip[string(it)] {
			seen[string(it)]++
			continue
		}
		return it, true
	}
	return nil, false
}

func (q *queue) read(c *command) result { return refuse("%v", unknownOp(c)) }

func (q *queue) snapshot() (json.RawMessage, error) { return json.Marshal(q.items) }

func (q *queue) restore(b json.RawMessage) error {
	items := map[string][]json.RawMessage{}
	if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	q.items = items
	return nil
}
