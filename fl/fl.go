// Package fl is faultline's front door for the common case: write a node
// as a request handler, declare a system and a scenario, and run it from
// `go test`. It re-exports the few types that takes and wraps the client
// wire format, so a user imports this one package; everything else
// (package scenario, sim, nemesis, workloads, checkers) stays there for
// power users, and the types here are the same types (aliases).
//
//	type store struct{ data map[string]json.RawMessage }
//
//	func (s *store) Handle(env *fl.Env, req fl.Request) fl.Reply { ... }
//
//	func registry() *fl.Registry {
//		return fl.MustDeclare(fl.System{Name: "store", ...}, fl.Scenario{...})
//	}
//
//	func TestStore(t *testing.T) { fl.Test(t, registry(), "store_linearizable_under_pauses") }
//
// examples/quickstart is a complete example.
package fl

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/faultline-dst/faultline/faultlinetest"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/sweep"
	"github.com/faultline-dst/faultline/workloads"
)

// The types a common-case user meets, as aliases of their home packages'.
type (
	// Env is what a node sees of the world (package sim).
	Env = sim.Env
	// Node is an event-driven state machine (package sim).
	Node = sim.Node
	// Factory builds a node at boot and at every restart.
	Factory = sim.Factory
	// NodeSpec names a node and its factory.
	NodeSpec = sim.NodeSpec
	// Registry holds systems and scenarios (package scenario).
	Registry = scenario.Registry
	// System is a registered system under test.
	System = scenario.System
	// Build is what a system is asked to build for one run.
	Build = scenario.Build
	// Cluster is a built system.
	Cluster = scenario.Cluster
	// Scenario binds one claim to a system, a workload, faults and a checker.
	Scenario = scenario.Scenario
	// Claim is the promise a scenario tries to falsify.
	Claim = scenario.Claim
	// Bug is a known-bug switch of a system.
	Bug = scenario.Bug
	// Workload configures the clients (package workloads).
	Workload = workloads.Config
	// Model is an abstract model (package history).
	Model = history.Model
	// Fault is a fault kind (package nemesis).
	Fault = nemesis.Kind
	// ExpectedBug is what a known-bug scenario must show (package faultlinetest).
	ExpectedBug = faultlinetest.Bug
)

// The models most systems implement.
const (
	KV       = history.KV
	Register = history.Register
	Queue    = history.Queue
	Counter  = history.Counter
	Set      = history.Set
)

// The fault kinds most scenarios use.
const (
	Pause     = nemesis.Pause
	Crash     = nemesis.Crash
	Partition = nemesis.Partition
)

// Faults is a nemesis that injects the given fault kinds with at most one
// node down at a time.
func Faults(kinds ...Fault) scenario.NemesisSpec {
	return scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: kinds, MaxDown: 1}}
}

// Request is one client operation as a node receives it.
type Request struct {
	Client string // the client node, to reply to
	Op     string // read, write, cas, enqueue, ...
	Key    string
	Input  json.RawMessage // the operation's arguments, e.g. {"value": 3}
}

// Decode unmarshals the request's input into v.
func (r Request) Decode(v any) error {
	if len(r.Input) == 0 {
		return nil
	}
	return json.Unmarshal(r.Input, v)
}

// Reply is a node's answer to a Request.
type Reply struct {
	status workloads.Status
	output json.RawMessage
	err    string
}

// OK is a successful reply with output (marshalled to JSON; nil for none),
// e.g. OK(map[string]any{"value": v}) for a read.
func OK(output any) Reply {
	r := Reply{status: workloads.StatusOK}
	if output != nil {
		b, err := json.Marshal(output)
		if err != nil {
			panic("fl.OK: output does not marshal to JSON: " + err.Error())
		}
		r.output = b
	}
	return r
}

// Fail is a reply saying the operation definitely did not happen.
func Fail(reason string) Reply { return Reply{status: workloads.StatusFail, err: reason} }

// Unknown is a reply saying the node does not know whether it happened.
func Unknown(reason string) Reply { return Reply{status: workloads.StatusUnknown, err: reason} }

// Service is a node written as a request handler.
type Service interface {
	// Handle answers one client request; the reply is sent back to it.
	Handle(env *Env, req Request) Reply
}

// Peer is a Service that also talks to other nodes of its system.
type Peer interface {
	// Receive gets a message that is not a client request.
	Receive(env *Env, from string, msg []byte)
}

// Starter is a Service that does something at boot and every restart
// (read its disk, set a timer).
type Starter interface{ Start(env *Env) }

// Timed is a Service with timers.
type Timed interface {
	Timer(env *Env, id sim.TimerID, tag string)
}

// Serve makes a node factory from a Service constructor: each boot gets a
// fresh Service (a crash loses its memory). Client requests go to Handle
// and its reply goes back in the workloads wire format; other messages go
// to Receive when the Service is a Peer.
func Serve(newService func() Service) Factory {
	return func(env *Env) Node { return &served{env: env, s: newService()} }
}

type served struct {
	env *Env
	s   Service
}

func (n *served) Start() {
	if st, ok := n.s.(Starter); ok {
		st.Start(n.env)
	}
}

func (n *served) Timer(id sim.TimerID, tag string) {
	if t, ok := n.s.(Timed); ok {
		t.Timer(n.env, id, tag)
	}
}

func (n *served) Receive(from string, msg []byte) {
	req, err := workloads.DecodeRequest(msg)
	if err != nil || req.Client == "" {
		if p, ok := n.s.(Peer); ok {
			p.Receive(n.env, from, msg)
		}
		return
	}
	r := n.s.Handle(n.env, Request{Client: req.Client, Op: req.Op, Key: req.Key, Input: req.Input})
	n.env.Send(from, workloads.EncodeReply(workloads.Reply{ID: req.ID, Status: r.status, Output: r.output, Error: r.err}))
}

// MustDeclare registers a system and its scenarios in a new registry, and
// panics on a declaration error (a bug in the test's own code).
func MustDeclare(sys System, scenarios ...Scenario) *Registry {
	var r Registry
	if err := r.AddSystem(sys); err != nil {
		panic(err)
	}
	for _, s := range scenarios {
		if s.System == "" {
			s.System = sys.Name
		}
		if err := r.AddScenario(s); err != nil {
			panic(err)
		}
	}
	return &r
}

// Test runs the named scenario over the seeds the -faultline.seed(s)
// flags select and fails t unless every seed passes, logging the command
// that replays a failure (faultlinetest.Run).
func Test(t testing.TB, reg *Registry, name string) []scenario.Result {
	t.Helper()
	return faultlinetest.Run(t, reg, name)
}

// ExpectBug runs a known-bug scenario and fails t unless the bug is found
// with the expected anomaly (faultlinetest.ExpectBug).
func ExpectBug(t testing.TB, reg *Registry, name string, want ExpectedBug) []scenario.Result {
	t.Helper()
	return faultlinetest.ExpectBug(t, reg, name, want)
}

// ServeWorker makes a test binary a faultline sweep worker when faultline
// starts it as one (and returns otherwise): call it first in TestMain, so
// that `faultline sweep ./yourpkg` and `faultline replay ./yourpkg` drive
// the package's scenarios.
func ServeWorker(reg *Registry) {
	if os.Getenv(sweep.WorkerEnv) == "1" {
		sweep.WorkerMain(reg, sweep.ServeOptions{})
	}
}
