// Package hangnode stands for a user's system under test whose node
// never returns from a callback, for the tests of faultline's watchdog on
// callbacks (sim.Config.StuckAfter). Being under testdata/, its frames
// are the SUT's (internal/blame).
package hangnode

import (
	"sync/atomic"

	"github.com/faultline-dst/faultline/sim"
)

// Stop ends every Spin of the process (they block forever instead), so
// that a test that made a node spin does not leave a core busy for the
// rest of its process. A process that ends does not need it.
var Stop atomic.Bool

// Spin never returns: it loops without a call, which only an asynchronous
// preemption interrupts, until Stop is set; then it blocks forever.
func Spin() {
	for !Stop.Load() {
	}
	Block()
}

// Block never returns: it waits on a channel nobody sends on.
func Block() {
	never := make(chan struct{})
	<-never
}

// Wrap returns inner's nodes, of which the one called node hangs in
// hang on its at-th received message when hangs (asked once per run, at
// that message; nil: always) says so.
func Wrap(inner sim.Factory, node string, at int, hang func(), hangs func() bool) sim.Factory {
	return func(env *sim.Env) sim.Node {
		n := inner(env)
		if env.Name() != node {
			return n
		}
		return &hanging{Node: n, at: at, hang: hang, hangs: hangs}
	}
}

type hanging struct {
	sim.Node
	seen  int
	at    int
	hang  func()
	hangs func() bool
}

// Receive hangs on the at-th message, else passes it on.
func (h *hanging) Receive(from string, msg []byte) {
	h.seen++
	if h.seen == h.at && (h.hangs == nil || h.hangs()) {
		h.hang()
	}
	h.Node.Receive(from, msg)
}
