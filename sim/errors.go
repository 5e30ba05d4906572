package sim

import (
	"fmt"

	"github.com/faultline-dst/faultline/clock"
)

// HarnessError reports a breach of the harness's own invariants: faultline,
// not the system under test, misbehaved.
type HarnessError struct {
	At        clock.Time
	Invariant string // e.g. "time-backwards", "delivery-to-crashed-node"
	Detail    string
}

func (e *HarnessError) Error() string {
	return fmt.Sprintf("sim: harness invariant %q broken at %v: %s", e.Invariant, e.At, e.Detail)
}

// PanicError reports a panic in node code or in a harness action
// (World.At), recovered at the event boundary.
type PanicError struct {
	At    clock.Time
	Node  string // "" for a harness action
	Event string // "start", "receive from n2", "timer tick", "action f1 start ...", ...
	Value any
	Stack string // the panicking goroutine's stack, for people
	// Frames are the function names of the stack from the panicking
	// function out to the simulator's call into the node or action
	// (excluded), innermost first, taken with runtime.Callers when the
	// panic was recovered: what blame is decided from (internal/blame).
	Frames []string
	// Harness says the code called was faultline's: a harness node
	// (NodeSpec.Harness) or a harness action. Blame falls back to it when
	// no frame of Frames has an owner.
	Harness bool
}

func (e *PanicError) Error() string {
	if e.Node == "" {
		return fmt.Sprintf("sim: harness %s panicked at %v: %v", e.Event, e.At, e.Value)
	}
	return fmt.Sprintf("sim: node %s panicked at %v during %s: %v", e.Node, e.At, e.Event, e.Value)
}

// The rules of the Env contract a MisuseError names.
const (
	MisuseUnknownNode = "send-to-unknown-node"  // Env.Send to a name that is not a node
	MisuseTrueTime    = "true-time-on-sut-node" // Env.TrueNow called by a node of the SUT
	MisuseNilNode     = "factory-returned-nil"  // a Factory returned a nil Node
	MisuseForeignEnv  = "env-of-another-node"   // a node acted through another node's Env
	// MisuseOffGoroutine: a node's Env was used from a goroutine other
	// than the world's, such as one the node started.
	MisuseOffGoroutine = "env-off-the-world-goroutine"
)

// MisuseError reports a node that broke the Env contract (see the package
// documentation): a bug in the node's code, not in faultline, although
// the Env method that notices it is sim's. The Env method records it and
// panics with it; the panic is recovered at the event boundary and the run
// stops with this error (even if the node recovers the panic itself).
// Being typed, its blame does not depend on the stack: the system under
// test, or the harness when Harness says the node is a harness node (a
// workload client).
type MisuseError struct {
	At      clock.Time
	Node    string // the node whose code broke the contract
	Harness bool   // Node is a harness node (NodeSpec.Harness)
	Rule    string // one of the Misuse* constants
	Detail  string
	// Site is the function of the node's code that broke the rule: the
	// caller of the Env method (the factory, for a factory that returned
	// nil); "" when not found. One bug met on several nodes has one site.
	Site string
}

func (e *MisuseError) Error() string {
	return fmt.Sprintf("sim: node %s broke the Env contract (%s) at %v: %s", e.Node, e.Rule, e.At, e.Detail)
}

// AssertionError reports that a node declared, through Env.Fail, that one
// of its own invariants broke: the system under test found its own bug.
type AssertionError struct {
	At      clock.Time
	Node    string
	Message string
}

func (e *AssertionError) Error() string {
	return fmt.Sprintf("sim: node %s failed its own assertion at %v: %s", e.Node, e.At, e.Message)
}

// WatchdogError reports that the run exceeded its host-time watchdog; the
// node and event running when it was noticed are named.
type WatchdogError struct {
	At     clock.Time
	Events int64
	Limit  string
}

func (e *WatchdogError) Error() string {
	return fmt.Sprintf("sim: host-time watchdog (%s) expired at simulated %v after %d events", e.Limit, e.At, e.Events)
}

// TraceWriteError reports that the trace could not be written: the writer
// given as Config.Trace failed (a full disk, a closed pipe). The run went
// on and its hash covers every record; only the written trace is lost.
// It is the host's failure, not the run's.
type TraceWriteError struct{ Err error }

func (e *TraceWriteError) Error() string { return "sim: writing the trace: " + e.Err.Error() }

// Unwrap returns the writer's error.
func (e *TraceWriteError) Unwrap() error { return e.Err }
