package raftkv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

const ms = time.Millisecond

// step is one operation a test client performs.
type step struct {
	model history.Model
	op    string
	key   string
	input json.RawMessage
}

func opRead(key string) step { return step{model: history.KV, op: "read", key: key} }
func opWrite(key string, v any) step {
	return step{model: history.KV, op: "write", key: key, input: history.MustJSON(map[string]any{"value": v})}
}
func opCAS(key string, from, to any) step {
	return step{model: history.KV, op: "cas", key: key, input: history.MustJSON(map[string]any{"from": from, "to": to})}
}

// outcome is one completed operation as the client saw it. status
// "timeout" is a client-side timeout (unknown outcome, like StatusUnknown).
type outcome struct {
	step
	client           string
	status           workloads.Status
	output           json.RawMessage
	err              string
	node             string
	invoke, complete clock.Time
}

const statusTimeout workloads.Status = "timeout"

func (o outcome) unknown() bool {
	return o.status == workloads.StatusUnknown || o.status == statusTimeout
}

func (o outcome) String() string {
	return fmt.Sprintf("%s %s %s %s %s -> %s %s %s [%v..%v]", o.client, o.op, o.key, o.input, o.node, o.status, o.output, o.err, time.Duration(o.invoke), time.Duration(o.complete))
}

// client is a test workload client: it performs the steps gen yields, one
// at a time, following redirects, and records an outcome per step.
type client struct {
	env      *sim.Env
	servers  []string
	gen      func(i int) (step, bool)
	pin      *string // when set and non-empty: always ask this server, never follow redirects
	start    time.Duration
	think    time.Duration
	timeout  time.Duration
	deadline time.Duration // per step, across redirects
	onDone   func(outcome)
	log      *[]outcome
	finished *bool

	i      int
	target int
	id     uint64
	cur    *outcome
	timer  sim.TimerID
}

func (c *client) Start() { c.env.SetTimer(c.start, "next") }

func (c *client) Timer(_ sim.TimerID, tag string) {
	switch tag {
	case "next":
		s, ok := c.gen(c.i)
		if !ok {
			*c.finished = true
			return
		}
		c.cur = &outcome{step: s, client: c.env.Name(), invoke: c.env.TrueNow()}
		c.send()
	case "resend":
		if c.cur == nil {
			return
		}
		if time.Duration(c.env.TrueNow()-c.cur.invoke) > c.deadline {
			c.finish(workloads.Reply{Status: workloads.StatusFail, Error: "no leader found before the deadline"}, "")
			return
		}
		c.send()
	case "timeout":
		if c.cur != nil {
			to := c.servers[c.target]
			c.target = (c.target + 1) % len(c.servers)
			c.finish(workloads.Reply{Status: statusTimeout}, to)
		}
	}
}

func (c *client) dest() string {
	if c.pin != nil && *c.pin != "" {
		return *c.pin
	}
	return c.servers[c.target]
}

func (c *client) send() {
	c.id++
	s := c.cur.step
	c.env.Send(c.dest(), workloads.EncodeRequest(workloads.Request{ID: c.id, Client: c.env.Name(), Model: s.model, Op: s.op, Key: s.key, Input: s.input}))
	c.timer = c.env.SetTimer(c.timeout, "timeout")
}

func (c *client) Receive(from string, msg []byte) {
	r, err := workloads.DecodeReply(msg)
	if err != nil {
		panic(err)
	}
	if c.cur == nil || r.ID != c.id {
		return // a late reply to an attempt given up on
	}
	c.env.CancelTimer(c.timer)
	if r.Status == workloads.StatusRedirect && (c.pin == nil || *c.pin == "") {
		c.target = (c.target + 1) % len(c.servers)
		for i, s := range c.servers {
			if s == r.Leader {
				c.target = i
			}
		}
		c.env.SetTimer(10*ms, "resend")
		return
	}
	c.finish(r, from)
}

func (c *client) finish(r workloads.Reply, from string) {
	o := *c.cur
	o.status, o.output, o.err, o.node = r.Status, r.Output, r.Error, from
	if !o.unknown() {
		o.complete = c.env.TrueNow()
	}
	*c.log = append(*c.log, o)
	c.cur = nil
	c.i++
	if c.onDone != nil {
		c.onDone(o)
	}
	c.env.SetTimer(c.think, "next")
}

// clientSpec declares a test client.
type clientSpec struct {
	name   string
	gen    func(i int) (step, bool)
	pin    *string
	start  time.Duration
	think  time.Duration
	onDone func(outcome)
}

// script is a generator over a fixed list of steps.
func script(steps ...step) func(int) (step, bool) {
	return func(i int) (step, bool) {
		if i >= len(steps) {
			return step{}, false
		}
		return steps[i], true
	}
}

// cluster is a test world: replicas, clients and what they recorded.
type cluster struct {
	t       testing.TB
	w       *sim.World
	cfg     Config
	nodes   map[string]*node // the current incarnation of each replica
	logs    map[string]*[]outcome
	done    map[string]*bool
	clients []string
	failed  *sim.AssertionError // a node's failed assertion, if the run stopped on one
}

func newCluster(t testing.TB, seed uint64, cfg Config, dc disk.Config, clients ...clientSpec) *cluster {
	t.Helper()
	c := &cluster{t: t, cfg: cfg, nodes: map[string]*node{}, logs: map[string]*[]outcome{}, done: map[string]*bool{}}
	specs, err := NodeSpecs(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var servers []string
	for i := range specs {
		f := specs[i].Factory
		servers = append(servers, specs[i].Name)
		specs[i].Factory = func(env *sim.Env) sim.Node {
			n := f(env)
			c.nodes[env.Name()] = n.(*node)
			return n
		}
	}
	for _, cs := range clients {
		log, finished := &[]outcome{}, new(bool)
		c.logs[cs.name], c.done[cs.name] = log, finished
		c.clients = append(c.clients, cs.name)
		think := cs.think
		if think == 0 {
			think = ms
		}
		start := cs.start
		if start == 0 {
			start = 300 * ms
		}
		spec := cs
		specs = append(specs, sim.NodeSpec{Name: cs.name, Harness: true, Factory: func(env *sim.Env) sim.Node {
			return &client{env: env, servers: servers, gen: spec.gen, pin: spec.pin, start: start, think: think,
				timeout: 500 * ms, deadline: 3 * time.Second, onDone: spec.onDone, log: log, finished: finished}
		}})
	}
	w, err := sim.New(sim.Config{
		Seed:     seed,
		Nodes:    specs,
		Net:      netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: ms}}},
		Disk:     dc,
		MaxTime:  time.Minute,
		Trace:    traceOut(),
		RealTime: realTime,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.w = w
	return c
}

// traceOut returns where to write traces: stderr when RAFTKV_TRACE is set,
// for debugging a test; otherwise nowhere.
func traceOut() io.Writer {
	if os.Getenv("RAFTKV_TRACE") != "" {
		return os.Stderr
	}
	return nil
}

// leader returns the replica that believes it leads, or "" if none is up
// and leading.
func (c *cluster) leader() string {
	for _, name := range sortedKeys(c.nodes) {
		if n := c.nodes[name]; c.w.IsUp(name) && n.halted == nil && n.leader {
			return name
		}
	}
	return ""
}

// run runs until every client has finished its script (checked every
// 100ms of simulated time) or limit, and returns the result.
func (c *cluster) run(limit time.Duration) sim.Result {
	c.t.Helper()
	var res sim.Result
	var err error
	for at := 100 * ms; at <= limit; at += 100 * ms {
		if res, err = c.w.RunUntil(clock.Time(at)); err != nil {
			c.t.Fatalf("run: %v", err)
		}
		if c.idle() {
			if traceOut() != nil {
				// sim.World.RunUntil does not flush the trace writer; only
				// Run does (to MaxTime). Debugging only.
				c.w.Run()
			}
			return res
		}
	}
	c.t.Fatalf("clients not done by %v", limit)
	return res
}

// settle runs d more of simulated time. A node's failed assertion stops
// the run and is kept in c.failed; any other error fails the test.
func (c *cluster) settle(d time.Duration) sim.Result {
	c.t.Helper()
	res, err := c.w.RunUntil(c.w.Now() + clock.Time(d))
	var ae *sim.AssertionError
	if errors.As(err, &ae) {
		c.failed = ae
		return res
	}
	if err != nil {
		c.t.Fatalf("run: %v", err)
	}
	return res
}

// idle reports whether every client has run out of steps.
func (c *cluster) idle() bool {
	for _, name := range c.clients {
		if !*c.done[name] {
			return false
		}
	}
	return true
}

// must fails the test on err, from inside an action.
func (c *cluster) must(err error) {
	if err != nil {
		c.t.Error(err)
	}
}

// all returns every outcome, ordered by invocation.
func (c *cluster) all() []outcome {
	var out []outcome
	for _, name := range c.clients {
		out = append(out, *c.logs[name]...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].invoke < out[j].invoke })
	return out
}

// kvInput and kvOutput are the porcupine model's operation values.
type kvInput struct {
	op, key, value, from, to string
}

type kvOutput struct {
	unknown bool
	value   string // read
	ok      bool   // cas
}

// checkKV reports whether the kv outcomes are linearizable, per key; an
// unknown write or cas may take effect at any point after its invocation,
// an unknown read constrains nothing and is left out, as are failures.
func checkKV(t testing.TB, outs []outcome) bool {
	t.Helper()
	var ops []porcupine.Operation
	for i, o := range outs {
		if o.model != history.KV || o.status == workloads.StatusFail || o.status == workloads.StatusRedirect {
			continue
		}
		if o.unknown() && o.op == "read" {
			continue
		}
		in := kvInput{op: o.op, key: o.key}
		switch o.op {
		case "write":
			var v struct{ Value json.RawMessage }
			mustUnmarshal(t, o.input, &v)
			in.value = canon(t, v.Value)
		case "cas":
			var v struct{ From, To json.RawMessage }
			mustUnmarshal(t, o.input, &v)
			in.from, in.to = canon(t, v.From), canon(t, v.To)
		}
		out := kvOutput{unknown: o.unknown()}
		ret := int64(o.complete)
		if o.unknown() {
			ret = math.MaxInt64
		} else {
			switch o.op {
			case "read":
				var v struct{ Value json.RawMessage }
				mustUnmarshal(t, o.output, &v)
				out.value = canon(t, v.Value)
			case "cas":
				var v struct{ OK bool }
				mustUnmarshal(t, o.output, &v)
				out.ok = v.OK
			}
		}
		ops = append(ops, porcupine.Operation{ClientId: i, Input: in, Call: int64(o.invoke), Output: out, Return: ret})
	}
	model := porcupine.Model{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string][]porcupine.Operation{}
			for _, op := range h {
				k := op.Input.(kvInput).key
				byKey[k] = append(byKey[k], op)
			}
			var parts [][]porcupine.Operation
			for _, k := range sortedKeys(byKey) {
				parts = append(parts, byKey[k])
			}
			return parts
		},
		Init: func() any { return "null" },
		Step: func(state, input, output any) (bool, any) {
			s, in, out := state.(string), input.(kvInput), output.(kvOutput)
			switch in.op {
			case "read":
				return out.value == s, s
			case "write":
				return true, in.value
			case "cas":
				if out.unknown {
					if s == in.from {
						return true, in.to
					}
					return true, s
				}
				if out.ok {
					return s == in.from, in.to
				}
				return s != in.from, s
			}
			return false, s
		},
	}
	return porcupine.CheckOperations(model, ops)
}

func mustUnmarshal(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
}

func canon(t testing.TB, raw json.RawMessage) string {
	t.Helper()
	s, err := history.CanonicalJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
