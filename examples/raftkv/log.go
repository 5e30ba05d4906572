package raftkv

import (
	"encoding/json"
	"fmt"
)

// maxLogRead bounds the entries one log read returns.
const maxLogRead = 100_000

// logModel is the log model (history.Log): an append-only log per key (a
// partition or topic) of JSON values, kept as canonical JSON.
//
//	append  input {"value": v}   output {"offset": n}  offsets 0, 1, ...
//	        in log order
//	read    input {"from": n} or {"from": n, "final": true}
//	        output {"entries": [{"offset": n, "value": v}, ...]}  every
//	        entry from n on, ascending
//
// Appends are proposed; reads go through ReadIndex, so a read sees every
// append acknowledged before it began.
type logModel struct {
	entries map[string][]json.RawMessage
}

func newLog() *logModel { return &logModel{entries: map[string][]json.RawMessage{}} }

type logRead struct {
	From  *int64 `json:"from"`
	Final bool   `json:"final,omitempty"`
}

type logEntry struct {
	Offset int             `json:"offset"`
	Value  json.RawMessage `json:"value"`
}

func (l *logModel) readOnly(op string) bool { return op == "read" }

func (l *logModel) check(c *command) error {
	if c.Key == "" {
		return fmt.Errorf("log %s: key (the log name) required", c.Op)
	}
	switch c.Op {
	case "append":
		_, err := valueInput(c)
		return err
	case "read":
		var in logRead
		if err := decodeInput(c, &in); err != nil {
			return err
		}
		if in.From == nil || *in.From < 0 {
			return fmt.Errorf("log read: input needs \"from\" >= 0")
		}
		return nil
	}
	return unknownOp(c)
}

func (l *logModel) apply(_ uint64, c *command) result {
	if c.Op != "append" {
		return refuse("%v", unknownOp(c))
	}
	v, _ := valueInput(c) // checked
	off := len(l.entries[c.Key])
	l.entries[c.Key] = append(l.entries[c.Key], json.RawMessage(v))
	return okWith(mustJSON(map[string]int{"offset": off}))
}

func (l *logModel) read(c *command) result {
	var in logRead
	_ = decodeInput(c, &in) // checked
	all := l.entries[c.Key]
	out := []logEntry{}
	for off := *in.From; off < int64(len(all)); off++ {
		if len(out) == maxLogRead {
			return refuse("log read: more than %d entries from offset %d", maxLogRead, *in.From)
		}
		out = append(out, logEntry{Offset: int(off), Value: all[off]})
	}
	return okWith(mustJSON(map[string][]logEntry{"entries": out}))
}

func (l *logModel) snapshot() (json.RawMessage, error) { return json.Marshal(l.entries) }

func (l *logModel) restore(b json.RawMessage) error {
	entries := map[string][]json.RawMessage{}
	if err := json.Unmarshal(b, &entries); err != nil {
		return err
	}
	l.entries = entries
	return nil
}
