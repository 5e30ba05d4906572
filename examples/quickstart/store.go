// Package quickstart is the five-minute example: a key-value store
// written as a request handler (store.go), declared as a system with two
// scenarios and run from `go test` (store_test.go), importing one
// faultline package, fl. Read store.go, then store_test.go; run
//
//	go test ./examples/quickstart -v
//
// and, since the test's TestMain serves as a worker,
//
//	faultline sweep ./examples/quickstart --seeds 100
package quickstart

import (
	"encoding/json"

	"github.com/faultline-dst/faultline/fl"
)

// Store is a single-node key-value store. Every field is memory: a crash
// loses it (the store claims nothing across crashes, and its scenarios
// pause it rather than crash it).
type Store struct {
	values map[string]json.RawMessage
	// Lossy is the known bug: every third write is acknowledged but
	// dropped.
	Lossy  bool
	writes int
}

// New returns the store's node factory; fl.Serve turns a request handler
// into a node that speaks faultline's client wire format.
func New(lossy bool) fl.Factory {
	return fl.Serve(func() fl.Service {
		return &Store{values: map[string]json.RawMessage{}, Lossy: lossy}
	})
}

// Handle answers one client operation of the key-value model: read
// returns {"value": v} (null when unset), write takes {"value": v}, cas
// takes {"from": a, "to": b} and returns {"ok": swapped}.
func (s *Store) Handle(env *fl.Env, req fl.Request) fl.Reply {
	cur, ok := s.values[req.Key]
	if !ok {
		cur = json.RawMessage("null")
	}
	switch req.Op {
	case "read":
		return fl.OK(map[string]json.RawMessage{"value": cur})
	case "write":
		var in struct{ Value json.RawMessage }
		if err := req.Decode(&in); err != nil {
			return fl.Fail("bad input: " + err.Error())
		}
		s.writes++
		if !s.Lossy || s.writes%3 != 0 {
			s.values[req.Key] = in.Value
		}
		return fl.OK(nil)
	case "cas":
		var in struct{ From, To json.RawMessage }
		if err := req.Decode(&in); err != nil {
			return fl.Fail("bad input: " + err.Error())
		}
		swapped := string(cur) == string(in.From)
		if swapped {
			s.values[req.Key] = in.To
		}
		return fl.OK(map[string]bool{"ok": swapped})
	}
	return fl.Fail("unknown op " + req.Op)
}
