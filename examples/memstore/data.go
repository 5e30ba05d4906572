package memstore

import (
	"encoding/json"
	"fmt"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/workloads"
)

// value is the input {"value": v} of writes, adds, enqueues and appends.
type value struct {
	Value json.RawMessage `json:"value"`
}

func (v value) get() json.RawMessage {
	if v.Value == nil {
		return json.RawMessage("null")
	}
	return v.Value
}

// canonical returns a value's canonical JSON text, by which values compare.
func canonical(v json.RawMessage) string {
	s, err := history.CanonicalJSON(v)
	if err != nil {
		return string(v)
	}
	return s
}

func (s *store) register(req workloads.Request) (any, error) {
	k := string(req.Model) + "/" + req.Key
	cur, ok := s.registers[k]
	if !ok {
		cur = json.RawMessage("null")
	}
	switch req.Op {
	case "read":
		return out{"value": cur}, nil
	case "write":
		var in value
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		s.writes++
		if s.cfg.Bug == BugDropWrites && s.writes%3 == 0 {
			return nil, nil
		}
		s.registers[k] = in.get()
		return nil, nil
	case "cas":
		var in struct{ From, To json.RawMessage }
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		if in.From == nil {
			in.From = json.RawMessage("null")
		}
		if canonical(cur) != canonical(in.From) {
			return out{"ok": false}, nil
		}
		s.registers[k] = in.To
		return out{"ok": true}, nil
	}
	return nil, unsupported(req)
}

func (s *store) set(req workloads.Request) (any, error) {
	switch req.Op {
	case "add":
		var in value
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		id := req.Key + "\x00" + canonical(in.get())
		if !s.seen[id] {
			s.seen[id] = true
			s.sets[req.Key] = append(s.sets[req.Key], in.get())
		}
		return nil, nil
	case "read":
		return out{"values": list(s.sets[req.Key])}, nil
	}
	return nil, unsupported(req)
}

// list returns vs, never nil (an empty list encodes as [], not null).
func list(vs []json.RawMessage) []json.RawMessage {
	return append([]json.RawMessage{}, vs...)
}

func (s *store) counter(req workloads.Request) (any, error) {
	switch req.Op {
	case "inc":
		var in struct{ Delta *int64 }
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		if in.Delta == nil {
			return nil, fmt.Errorf("inc without a delta")
		}
		s.counters[req.Key] += *in.Delta
		return nil, nil
	case "read":
		return out{"value": s.counters[req.Key]}, nil
	}
	return nil, unsupported(req)
}

func (s *store) queue(req workloads.Request) (any, error) {
	q := s.queues[req.Key]
	switch req.Op {
	case "enqueue":
		var in value
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		s.enqueues++
		if s.cfg.Bug == BugLoseEnqueue && s.enqueues%3 == 0 {
			return nil, nil
		}
		s.queues[req.Key] = append(q, in.get())
		return nil, nil
	case "dequeue":
		if len(q) == 0 {
			return out{"value": nil}, nil
		}
		s.queues[req.Key] = q[1:]
		return out{"value": q[0]}, nil
	case "drain":
		s.queues[req.Key] = nil
		return out{"values": list(q)}, nil
	}
	return nil, unsupported(req)
}

// entry is one log entry as reads return it.
type entry struct {
	Offset int64           `json:"offset"`
	Value  json.RawMessage `json:"value"`
}

func (s *store) log(req workloads.Request) (any, error) {
	l := s.logs[req.Key]
	switch req.Op {
	case "append":
		var in value
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		s.logs[req.Key] = append(l, in.get())
		return out{"offset": len(l)}, nil
	case "read":
		var in struct{ From int64 }
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		if in.From < 0 {
			return nil, fmt.Errorf("read from negative offset %d", in.From)
		}
		entries := []entry{}
		for off := in.From; off < int64(len(l)); off++ {
			entries = append(entries, entry{off, l[off]})
		}
		return out{"entries": entries}, nil
	}
	return nil, unsupported(req)
}
