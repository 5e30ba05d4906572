// Package floor puts the floor of faultline's cost in the repository: the
// replicated key-value store of package bare, run once by bare's
// hand-rolled event loop and once as a faultline system with every feature
// on (the simulator with trace hashing, the workload clients recording a
// full history, the linearizability checker, the green-but-broken checks
// and the verdict). BenchmarkFloor in this package runs both side by side
// and reports their ratio; docs/PERFORMANCE.md records the figures.
package floor

import (
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
			return scenario.Cluster{Nodes: nodes, Adapter: workloads.BinaryAdapter(), StartAfter: wl.StartAfter}, nil
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

// node runs a bare.Replica as a faultline node. Its clients speak
// faultline's general binary wire (workloads.BinaryAdapter), as a user's
// system would: the node turns each request into bare's request and each
// of bare's replies into the model's output.
type node struct {
	env  *sim.Env
	r    *bare.Replica
	n    int
	tick time.Duration
	out  []byte // a read's output, built in place
	buf  []byte // a reply on the wire, built in place
}

func newNode(env *sim.Env, id uint64, n int, tick time.Duration) sim.Node {
	nd := &node{env: env, r: bare.NewReplica(id, n), n: n, tick: tick}
	names := make([]string, n+1)
	for i := 1; i <= n; i++ {
		names[i] = bare.NodeName(uint64(i))
	}
	nd.r.Send = func(to uint64, msg []byte) { env.Send(names[to], msg) }
	nd.r.Reply = nd.reply
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
	req, err := workloads.DecodeBinaryRequest(msg)
	if err == nil {
		var r bare.Request
		if r, err = toBare(req); err == nil {
			nd.r.Serve(from, r)
			return
		}
	}
	nd.buf = workloads.AppendBinaryReply(nd.buf[:0], workloads.Reply{ID: req.ID, Status: workloads.StatusFail, Error: err.Error()})
	nd.env.Send(from, nd.buf)
}

// toBare reads a kv request: integer or null values, as the workloads
// write them, read without decoding.
func toBare(r workloads.Request) (bare.Request, error) {
	req := bare.Request{ID: r.ID, Key: r.Key}
	var ok1, ok2 bool
	switch r.Op {
	case "read":
		req.Op = bare.OpRead
		ok1, ok2 = true, true
	case "write":
		req.Op = bare.OpWrite
		if v, ok := flatjson.MemberBytes(r.Input, "value"); ok {
			req.To, ok1 = value(v[0])
			ok2 = true
		}
	case "cas":
		req.Op = bare.OpCAS
		if v, ok := flatjson.MemberBytes(r.Input, "from", "to"); ok {
			req.From, ok1 = value(v[0])
			req.To, ok2 = value(v[1])
		}
	default:
		return req, fmt.Errorf("floor: op %q is not one of read, write, cas", r.Op)
	}
	if !ok1 || !ok2 {
		return req, fmt.Errorf("floor: %s input %s: want integers or null", r.Op, r.Input)
	}
	return req, nil
}

// value reads canonical JSON that is null or an integer.
func value(text []byte) (bare.Value, bool) {
	if string(text) == "null" {
		return bare.Value{Null: true}, true
	}
	neg := len(text) > 0 && text[0] == '-'
	digits := text
	if neg {
		digits = text[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return bare.Value{}, false // 18 digits cannot overflow an int64
	}
	var v int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return bare.Value{}, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return bare.Value{V: v}, true
}

var (
	outTrue  = []byte(`{"ok":true}`)
	outFalse = []byte(`{"ok":false}`)
	outNull  = []byte(`{"value":null}`)
)

// reply puts one of bare's replies on the binary wire, with the model's
// output.
func (nd *node) reply(client string, r bare.Reply) {
	out := workloads.Reply{ID: r.ID}
	switch r.Status {
	case bare.StatusOK:
		out.Status = workloads.StatusOK
		switch r.Op {
		case bare.OpRead:
			if r.Value.Null {
				out.Output = outNull
			} else {
				nd.out = append(nd.out[:0], `{"value":`...)
				nd.out = strconv.AppendInt(nd.out, r.Value.V, 10)
				out.Output = append(nd.out, '}')
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
		panic(fmt.Sprintf("floor: bare replied with status %q", r.Status))
	}
	nd.buf = workloads.AppendBinaryReply(nd.buf[:0], out)
	nd.env.Send(client, nd.buf)
}
