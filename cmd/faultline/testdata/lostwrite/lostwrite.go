// Package lostwrite is a user's package with a known bug, for the
// faultline command's end-to-end test: a one-node key-value register
// that, with its lose bug, acknowledges every third write without
// keeping it, and with its exit bug ends its process. Its test files register the system and its scenarios, serve as a
// faultline worker, and hold a faultlinetest test that fails on purpose
// (the end-to-end test pastes the replay command it prints).
package lostwrite

import (
	"encoding/json"
	"os"

	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// Register is the node.
type Register struct {
	env    *sim.Env
	values map[string]json.RawMessage
	lose   bool
	exit   bool
	writes int
}

// New returns the node's factory; lose switches the lost writes on, exit
// the other bug: the process exits on the first write.
func New(lose, exit bool) sim.Factory {
	return func(env *sim.Env) sim.Node {
		return &Register{env: env, values: map[string]json.RawMessage{}, lose: lose, exit: exit}
	}
}

// Start does nothing: the register keeps nothing across crashes.
func (r *Register) Start() {}

// Timer is unused.
func (r *Register) Timer(sim.TimerID, string) {}

// Receive answers one request in the workloads wire format.
func (r *Register) Receive(from string, msg []byte) {
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
	cur, ok := r.values[req.Key]
	if !ok {
		cur = json.RawMessage("null")
	}
	switch req.Op {
	case "read":
		rep.Output, _ = json.Marshal(map[string]json.RawMessage{"value": cur})
	case "write":
		r.writes++
		if r.exit && r.writes == 1 {
			os.Exit(7)
		}
		if !r.lose || r.writes%3 != 0 {
			r.values[req.Key] = in.Value
		}
	case "cas":
		swapped := string(cur) == string(in.From)
		if swapped {
			r.values[req.Key] = in.To
		}
		rep.Output, _ = json.Marshal(map[string]bool{"ok": swapped})
	default:
		rep.Status, rep.Error = workloads.StatusFail, "unknown op "+req.Op
	}
	r.env.Send(from, workloads.EncodeReply(rep))
}
