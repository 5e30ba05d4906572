package userpkg

import (
	"encoding/json"

	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// Store is a single-node key-value register that answers the workloads
// wire format: the smallest system a user might bring.
type Store struct {
	env    *sim.Env
	values map[string]json.RawMessage
	// Forget makes the store drop every fifth write while acknowledging
	// it: the bug the package's known-bug scenario finds.
	Forget bool
	writes int
}

// New returns the store's factory.
func New(forget bool) sim.Factory {
	return func(env *sim.Env) sim.Node {
		return &Store{env: env, values: map[string]json.RawMessage{}, Forget: forget}
	}
}

// Start does nothing: the store keeps no state across crashes.
func (s *Store) Start() {}

// Timer is unused.
func (s *Store) Timer(sim.TimerID, string) {}

// Receive answers one request.
func (s *Store) Receive(from string, msg []byte) {
	req, err := workloads.DecodeRequest(msg)
	if err != nil {
		return
	}
	rep := workloads.Reply{ID: req.ID, Status: workloads.StatusOK}
	var in struct {
		Value    json.RawMessage `json:"value"`
		From, To json.RawMessage
	}
	_ = json.Unmarshal(req.Input, &in)
	cur, ok := s.values[req.Key]
	if !ok {
		cur = json.RawMessage("null")
	}
	switch req.Op {
	case "read":
		rep.Output, _ = json.Marshal(map[string]json.RawMessage{"value": cur})
	case "write":
		s.writes++
		if !s.Forget || s.writes%5 != 0 {
			s.values[req.Key] = in.Value
		}
	case "cas":
		swapped := string(cur) == string(in.From)
		if swapped {
			s.values[req.Key] = in.To
		}
		rep.Output, _ = json.Marshal(map[string]bool{"ok": swapped})
	default:
		rep.Status, rep.Error = workloads.StatusFail, "unknown op "+req.Op
	}
	s.env.Send(from, workloads.EncodeReply(rep))
}
