// Package floor puts the floor of faultline's cost in the repository: the
// replicated key-value store of package bare, run once by bare's
// hand-rolled event loop and once as a faultline system with every feature
// on (the simulator with trace hashing, the workload clients recording a
// full history, the linearizability checker, the green-but-broken checks
// and the verdict). BenchmarkFloor in this package runs both side by side
// and reports their ratio; docs/PERFORMANCE.md records the figures.
package floor

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/internal/flatjson"
	"github.com/faultline-dst/faultline/internal/floor/bare"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// SystemName is the name of the floor's system in its Registry.
const SystemName = "floorkv"

// ScenarioName is the floor's scenario: bare.Default on faultline.
const ScenarioName = "floor"

// Registry returns a registry with the floor's system and scenario.
func Registry() *scenario.Registry {
	r := &scenario.Registry{}
	wl := bare.Default
	must(r.AddSystem(scenario.System{
		Name:         SystemName,
		Summary:      "package bare's raft key-value replicas, for the performance floor",
		Models:       []history.Model{history.KV},
		Faults:       []nemesis.Kind{},
		DefaultNodes: wl.Replicas,
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			var nodes []sim.NodeSpec
			for i := 1; i <= b.Nodes; i++ {
				id := uint64(i)
				nodes = append(nodes, sim.NodeSpec{Name: bare.NodeName(id), Factory: func(env *sim.Env) sim.Node {
					return newNode(env, id, b.Nodes, wl.TickEvery)
				}})
			}
			return scenario.Cluster{Nodes: nodes, Adapter: Adapter(), StartAfter: wl.StartAfter}, nil
		},
	}))
	must(r.AddScenario(Scenario()))
	return r
}

// Scenario is bare.Default as a faultline scenario: no faults (the bare
// loop injects none), every history field, the linearizable checker.
func Scenario() scenario.Scenario {
	wl := bare.Default
	return scenario.Scenario{
		Name:    ScenarioName,
		Claim:   scenario.Claim{IDs: []string{"F1"}, Text: "reads are linearizable", Kind: "safety"},
		System:  SystemName,
		Model:   history.KV,
		Checker: "linearizable",
		Workload: workloads.Config{
			Clients: wl.Clients, OpsPerClient: wl.Ops, Keys: wl.Keys,
			ThinkTime: wl.Think, Timeout: wl.Timeout,
		},
		Nemesis: scenario.NemesisSpec{None: true},
		// The shortest run the workload fits: its operations end near
		// 1.5 s, and a run keeps a quiet period and two timeouts after
		// the last one it lets start.
		SimTime: 5 * time.Second,
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// node runs a bare.Replica as a faultline node.
type node struct {
	env  *sim.Env
	r    *bare.Replica
	n    int
	tick time.Duration
}

func newNode(env *sim.Env, id uint64, n int, tick time.Duration) sim.Node {
	nd := &node{env: env, r: bare.NewReplica(id, n), n: n, tick: tick}
	names := make([]string, n+1)
	for i := 1; i <= n; i++ {
		names[i] = bare.NodeName(uint64(i))
	}
	nd.r.Send = func(to uint64, msg []byte) { env.Send(names[to], msg) }
	nd.r.Reply = func(client string, msg []byte) { env.Send(client, msg) }
	return nd
}

func (nd *node) Start() { nd.env.SetTimer(nd.tick, "tick") }

func (nd *node) Timer(sim.TimerID, string) {
	nd.r.Tick()
	nd.env.SetTimer(nd.tick, "tick")
}

func (nd *node) Receive(from string, msg []byte) {
	if len(from) > 1 && from[0] == 'n' {
		if id, err := strconv.Atoi(from[1:]); err == nil && id >= 1 && id <= nd.n {
			nd.r.Step(msg)
			return
		}
	}
	nd.r.Request(from, msg)
}

// Adapter speaks bare's binary wire: requests carry the integer values of
// the kv model's JSON inputs, and replies become the model's JSON outputs.
func Adapter() workloads.Adapter {
	return workloads.Adapter{Name: "bare", EncodeRequest: encodeRequest, DecodeReply: decodeReply}
}

func encodeRequest(r workloads.Request) []byte {
	req := bare.Request{ID: r.ID, Key: r.Key}
	if fast, ok := fastRequest(r, req); ok {
		return fast
	}
	var in struct {
		Value *int64 `json:"value"`
		From  *int64 `json:"from"`
		To    *int64 `json:"to"`
	}
	if len(r.Input) > 0 {
		if err := json.Unmarshal(r.Input, &in); err != nil {
			panic(fmt.Sprintf("floor: input %s: %v", r.Input, err))
		}
	}
	val := func(p *int64) bare.Value {
		if p == nil {
			return bare.Value{Null: true}
		}
		return bare.Value{V: *p}
	}
	switch r.Op {
	case "read":
		req.Op = bare.OpRead
	case "write":
		req.Op, req.To = bare.OpWrite, val(in.Value)
	case "cas":
		req.Op, req.From, req.To = bare.OpCAS, val(in.From), val(in.To)
	default:
		panic("floor: op " + r.Op)
	}
	return bare.EncodeRequest(req)
}

// fastRequest encodes a request whose input is as the workloads write it
// (a flat object of integers or null), read without decoding.
func fastRequest(r workloads.Request, req bare.Request) ([]byte, bool) {
	val := func(text string) (bare.Value, bool) {
		if text == "null" {
			return bare.Value{Null: true}, true
		}
		v, err := strconv.ParseInt(text, 10, 64)
		return bare.Value{V: v}, err == nil
	}
	var ok1, ok2 bool
	switch r.Op {
	case "read":
		if len(r.Input) > 0 && string(r.Input) != "null" {
			return nil, false
		}
		req.Op = bare.OpRead
		return bare.EncodeRequest(req), true
	case "write":
		v, ok := flatjson.Members(r.Input, "value")
		if !ok {
			return nil, false
		}
		req.Op = bare.OpWrite
		req.To, ok1 = val(v[0])
		return bare.EncodeRequest(req), ok1
	case "cas":
		v, ok := flatjson.Members(r.Input, "from", "to")
		if !ok {
			return nil, false
		}
		req.Op = bare.OpCAS
		req.From, ok1 = val(v[0])
		req.To, ok2 = val(v[1])
		return bare.EncodeRequest(req), ok1 && ok2
	}
	return nil, false
}

var (
	outTrue  = json.RawMessage(`{"ok":true}`)
	outFalse = json.RawMessage(`{"ok":false}`)
	outNull  = json.RawMessage(`{"value":null}`)
)

func decodeReply(b []byte) (workloads.Reply, error) {
	r, err := bare.DecodeReply(b)
	if err != nil {
		return workloads.Reply{}, err
	}
	out := workloads.Reply{ID: r.ID}
	switch r.Status {
	case bare.StatusOK:
		out.Status = workloads.StatusOK
		switch r.Op {
		case bare.OpRead:
			if r.Value.Null {
				out.Output = outNull
			} else {
				o := append([]byte(`{"value":`), strconv.FormatInt(r.Value.V, 10)...)
				out.Output = append(o, '}')
			}
		case bare.OpCAS:
			out.Output = outFalse
			if r.OK {
				out.Output = outTrue
			}
		}
	case bare.StatusFail:
		out.Status, out.Error = workloads.StatusFail, "refused"
	case bare.StatusUnknown:
		out.Status, out.Error = workloads.StatusUnknown, "leadership lost"
	case bare.StatusRedirect:
		out.Status = workloads.StatusRedirect
		if r.Leader != 0 {
			out.Leader = bare.NodeName(r.Leader)
		}
	default:
		return out, fmt.Errorf("floor: status %q", r.Status)
	}
	return out, nil
}
