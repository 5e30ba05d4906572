// Package lostwrite is a user's package with a known bug, for the
// faultline command's end-to-end test: a one-node key-value register
// that, with its lose bug, acknowledges every third write without
// keeping it, with its exit bug ends its process, and with its spin and
// block bugs never returns from its first write (a loop without end, a
// wait on a channel nobody sends on). Its test files register the system
// and its scenarios, serve as a faultline worker, and hold a
// faultlinetest test that fails on purpose (the end-to-end test pastes
// the replay command it prints).
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
	bugs   Bugs
	writes int
}

// Bugs are the register's bugs: Lose the lost writes; Exit ends the
// process on the first write; Spin and Block never return from it.
type Bugs struct{ Lose, Exit, Spin, Block bool }

// New returns the node's factory with the bugs switched on.
func New(bugs Bugs) sim.Factory {
	return func(env *sim.Env) sim.Node {
		return &Register{env: env, values: map[string]json.RawMessage{}, bugs: bugs}
	}
}

// spin loops forever without a call.
func spin() {
	for {
	}
}

// block waits forever on a channel nobody sends on.
func block() {
	never := make(chan int)
	<-never
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
		if r.writes == 1 {
			switch {
			case r.bugs.Exit:
				os.Exit(7)
			case r.bugs.Spin:
				spin()
			case r.bugs.Block:
				block()
			}
		}
		if !r.bugs.Lose || r.writes%3 != 0 {
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
