// Package fl is faultline's front door for the common case: write a node
// as a request handler, declare a system and a scenario, and run it from
// `go test`. It re-exports the few types that takes (every model, fault
// kind and delivery claim by name) and wraps the client wire format, so a
// user imports this one package; everything else (package scenario, sim,
// nemesis, workloads, checkers) stays there for power users, and the
// types here are the same types (aliases).
//
// A node answers a request at once (OK, Fail, Unknown, Redirect to the
// leader), or returns Later and answers with Answer once it can (a leader
// that replicates a write before acknowledging it).
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

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/disk"
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
	// TimerID names a timer a node set with Env.SetTimer.
	TimerID = sim.TimerID
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
	// Nemesis is a scenario's faults: what Faults returns; its Budget
	// says how many faults, on which nodes, when (package nemesis).
	Nemesis = scenario.NemesisSpec
	// CheckerOptions configure a scenario's checker (Scenario.Options):
	// the delivery claim of a queue or a log, FIFO order, a lease's drift
	// bound, a ledger's opening balances (package checkers).
	CheckerOptions = checkers.Options
	// Delivery is a queue's or a log's delivery claim: ExactlyOnce or
	// AtLeastOnce. A scenario of the queue or log checker states it.
	Delivery = checkers.Delivery
	// Result is one seed's verdict, blame and evidence.
	Result = scenario.Result
	// RunOptions are what Registry.Run writes besides the result (a
	// trace, artifacts); the zero value writes nothing.
	RunOptions = scenario.RunOptions
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
	// FS is a node's simulated disk (Env.Disk; package disk): what is
	// synced survives a crash, what is not may not.
	FS = disk.FS
	// File is a file open on it (FS.Create, FS.Open), which a node
	// may keep open between events; opening a name that does not exist
	// gives an error that matches fs.ErrNotExist.
	File = disk.File
)

// The models a system may implement: each names the operations clients
// send (Request.Op), their inputs and outputs, as package history
// documents them, and the checker that judges them (Scenario.Checker).
const (
	// KV: read, write, cas per key; checker "linearizable" (or "session").
	KV = history.KV
	// Register: as KV; checker "linearizable".
	Register = history.Register
	// Set: add, read; checker "set".
	Set = history.Set
	// Counter: inc, read; checker "counter".
	Counter = history.Counter
	// Queue: enqueue, dequeue, drain; checker "queue", with a Delivery.
	Queue = history.Queue
	// Log: append, read; checker "log", with a Delivery.
	Log = history.Log
	// Lock: acquire, release, use (fencing tokens); checker "lock".
	Lock = history.Lock
	// Lease: acquire, renew, release; checker "lease".
	Lease = history.Lease
	// Ledger: transfer, balance, balances; checker "ledger".
	Ledger = history.Ledger
)

// The fault kinds a scenario may inject (System.Faults lists those a
// system can be tested under).
const (
	// Pause stops nodes for a while; they resume where they were.
	Pause = nemesis.Pause
	// Crash stops nodes and restarts them: memory is lost, and the disk
	// loses what was not synced (as Scenario.Disk says).
	Crash = nemesis.Crash
	// Partition cuts links between groups of nodes.
	Partition = nemesis.Partition
	// Clog delays every message on some links.
	Clog = nemesis.Clog
	// Loss drops messages on some links.
	Loss = nemesis.Loss
	// Duplicate delivers messages on some links twice.
	Duplicate = nemesis.Duplicate
	// Reorder holds messages on some links back.
	Reorder = nemesis.Reorder
	// ClockOffset steps nodes' wall clocks for a while.
	ClockOffset = nemesis.ClockOffset
	// ClockDrift runs nodes' clocks fast or slow for a while.
	ClockDrift = nemesis.ClockDrift
	// ClockJump steps nodes' wall clocks and steps them back.
	ClockJump = nemesis.ClockJump
	// Disk injects disk faults (errors, corruption) on nodes' disks.
	Disk = nemesis.Disk
	// Upgrade restarts nodes one by one with another version of their
	// code (Cluster.Factories).
	Upgrade = nemesis.Upgrade
)

// The delivery claims of a queue or a log (CheckerOptions.Delivery).
const (
	// ExactlyOnce: every acknowledged value is delivered, none twice.
	ExactlyOnce = checkers.ExactlyOnce
	// AtLeastOnce: every acknowledged value is delivered, perhaps twice.
	AtLeastOnce = checkers.AtLeastOnce
)

// Faults is a nemesis that injects the given fault kinds with at most one
// node down at a time.
func Faults(kinds ...Fault) Nemesis {
	return scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: kinds, MaxDown: 1}}
}

// Request is one client operation as a node receives it.
type Request struct {
	Client string // the client node, to reply to
	Op     string // read, write, cas, enqueue, ...
	Key    string
	Input  json.RawMessage // the operation's arguments, e.g. {"value": 3}
	id     uint64          // the client's request id, for the reply
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
	leader string
	later  bool
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

// Redirect is a reply saying this node does not serve the operation (it
// is not the leader) and did nothing; leader names the node to ask, ""
// when unknown. The client asks again there.
func Redirect(leader string) Reply {
	return Reply{status: workloads.StatusRedirect, leader: leader, err: "not the leader"}
}

// Later is the reply of a node that will answer afterwards, with Answer:
// a leader that replicates an operation before acknowledging it keeps the
// Request and answers once the followers did.
func Later() Reply { return Reply{later: true} }

// Answer sends rep to the client of req: the answer of a request whose
// Handle returned Later. Answer it once; a client that gave up on it
// ignores the answer.
func Answer(env *Env, req Request, rep Reply) {
	if rep.later {
		panic("fl.Answer: Later is not an answer")
	}
	env.Send(req.Client, workloads.EncodeReply(rep.wire(req.id)))
}

// wire is the reply in the client wire format, answering request id.
func (r Reply) wire(id uint64) workloads.Reply {
	return workloads.Reply{ID: id, Status: r.status, Output: r.output, Error: r.err, Leader: r.leader}
}

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
	Timer(env *Env, id TimerID, tag string)
}

// Serve makes a node factory from a Service constructor: each boot gets a
// fresh Service (a crash loses its memory). Client requests go to Handle
// and its reply goes back in the workloads wire format; other messages go
// to Receive when the Service is a Peer. A message is a client request by
// its content, whoever sent it: one that decodes as a workloads Request
// with a client name (so a peer may forward a client's request, and the
// reply still goes to the client). A peer's own messages must therefore
// not be JSON objects with a non-empty "client" member.
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

func (n *served) Timer(id TimerID, tag string) {
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
	in := Request{Client: req.Client, Op: req.Op, Key: req.Key, Input: req.Input, id: req.ID}
	if r := n.s.Handle(n.env, in); !r.later {
		Answer(n.env, in, r)
	}
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
func Test(t testing.TB, reg *Registry, name string) []Result {
	t.Helper()
	return faultlinetest.Run(t, reg, name)
}

// ExpectBug runs a known-bug scenario and fails t unless the bug is found
// with the expected anomaly (faultlinetest.ExpectBug).
func ExpectBug(t testing.TB, reg *Registry, name string, want ExpectedBug) []Result {
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
