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

// PanicError reports a panic in node code, recovered at the event boundary.
type PanicError struct {
	At    clock.Time
	Node  string
	Event string // "start", "receive from n2", "timer tick", ...
	Value any
	Stack string
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("sim: node %s panicked at %v during %s: %v", e.Node, e.At, e.Event, e.Value)
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
