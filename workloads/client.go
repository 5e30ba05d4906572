package workloads

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/internal/flatjson"
	"github.com/faultline-dst/faultline/rng"
	"github.com/faultline-dst/faultline/sim"
)

// Timer tags of a client node, as they appear in the trace.
const (
	tagThink   = "think"
	tagTimeout = "timeout"
	tagQuiet   = "quiet"
)

// client is the driver of one workload client: a harness node that issues
// one operation at a time, follows redirects, times out, retries, and
// records every operation in its Workload.
//
// Randomness: a client draws only from streams split from its node's
// Env.Rand ("node/<client>"), which depend on the seed and the client's
// name alone: "ops" for the generator, "think" for think times, "target"
// for target choice. Adding a draw in one of them shifts no other stream,
// of this client or of anything else in the world.
type client struct {
	w       *Workload
	env     *sim.Env
	process int
	gen     *generator
	think   *rng.Stream
	target  *rng.Stream
	nodes   map[string]bool // every node of the world, for leader hints
	idle    bool            // a restarted incarnation: does nothing

	issued int      // regular operations begun (retries excluded)
	finals []call   // final reads still to issue (last client only)
	final  bool     // in the final phase
	cur    *attempt // the operation in flight, if any: &slot or nil
	slot   attempt  // the one attempt a client has in flight
	line   []byte   // scratch for trace lines
	wire   []byte   // scratch for requests (Adapter.AppendRequest)
	reqSeq uint64   // last Request.ID used
	rr     int      // round-robin position
	sticky string   // sticky target
}

// attempt is the operation in flight: one history op, possibly sent to
// several nodes in turn by redirects, each send with its own Request.ID.
type attempt struct {
	c         call
	idx       int // index in the history
	tries     int // retries before this one
	reqID     uint64
	target    string
	redirects int
	timer     sim.TimerID
}

func newClient(w *Workload, process int, env *sim.Env) sim.Node {
	c := &client{w: w, env: env, process: process}
	if env.Incarnation() > 0 {
		c.idle = true
		return c
	}
	r := env.Rand()
	c.gen = newGenerator(&w.cfg, process, r.Split("ops"))
	c.think = r.Split("think")
	c.target = r.Split("target")
	c.nodes = map[string]bool{}
	for _, n := range env.Nodes() {
		c.nodes[n] = true
	}
	return c
}

func (c *client) name() string { return c.w.names[c.process] }

// Start arms the first think timer.
func (c *client) Start() {
	if c.idle {
		c.env.Logf("restarted client stays idle")
		return
	}
	for i, t := range c.w.cfg.Targets {
		if !c.nodes[t] {
			// A harness misconfiguration: it stops the run as a panic of
			// this harness node, never blamed on the SUT.
			panic(fmt.Sprintf("workloads: Targets[%d] = %q is not a node of the world; nodes: %s", i, t, strings.Join(c.env.Nodes(), ", ")))
		}
	}
	c.env.SetTimer(c.w.cfg.StartAfter+c.thinkTime(), tagThink)
}

func (c *client) thinkTime() time.Duration {
	return time.Duration(c.think.Int64Range(0, 2*int64(c.w.cfg.ThinkTime)))
}

// Timer runs the client's schedule: think (next operation), timeout (give
// up on the attempt in flight), quiet (start the final reads).
func (c *client) Timer(id sim.TimerID, tag string) {
	if c.idle {
		return
	}
	switch tag {
	case tagThink:
		c.next()
	case tagQuiet:
		c.finals = c.gen.finals()
		c.final = true
		c.next()
	case tagTimeout:
		if c.cur == nil || c.cur.timer != id {
			return
		}
		c.w.stats.Timeouts++
		if c.w.cfg.Targeting == TargetSticky {
			c.sticky = c.after(c.cur.target)
		}
		c.unknown("", "timeout")
	}
}

// next issues the next operation, or ends the client's part.
func (c *client) next() {
	cfg := &c.w.cfg
	switch {
	case c.final && len(c.finals) > 0:
		f := c.finals[0]
		c.finals = c.finals[1:]
		c.begin(f, 0)
	case c.final:
		c.w.stats.FinalsDone = true
		c.env.Logf("final reads done")
	case c.issued < cfg.OpsPerClient && (cfg.Until <= 0 || c.env.TrueNow() < clock.Time(cfg.Until)):
		c.issued++
		c.begin(c.gen.next(), 0)
	default:
		c.w.running--
		if c.w.running == 0 {
			// The last client to finish takes the final reads after the
			// quiet period, so they see every other client's effects.
			c.env.SetTimer(cfg.Quiet, tagQuiet)
		}
	}
}

// begin invokes a history operation for op and sends its first attempt.
func (c *client) begin(op call, tries int) {
	a := &c.slot
	*a = attempt{c: op, tries: tries}
	a.idx = c.w.invoke(c.process, op, c.env.TrueNow())
	a.timer = c.env.SetTimer(c.w.cfg.Timeout, tagTimeout)
	c.cur = a
	c.logOp("invoke op ", a.idx, " ", op.opType, " ", op.key) // "invoke op %d %s %s"
	c.send(c.pick())
}

// send sends the attempt in flight to node with a fresh Request.ID.
func (c *client) send(node string) {
	a := c.cur
	c.reqSeq++
	a.reqID, a.target = c.reqSeq, node
	req := Request{ID: a.reqID, Client: c.name(), Model: c.w.cfg.Model, Op: a.c.opType, Key: a.c.key, Input: a.c.input}
	if ad := c.w.cfg.Adapter; ad.AppendRequest != nil {
		c.wire = ad.AppendRequest(c.wire[:0], req)
		c.env.Send(node, c.wire) // Send copies it
		return
	}
	c.env.Send(node, c.w.cfg.Adapter.EncodeRequest(req))
}

// pick chooses the target of a new operation.
func (c *client) pick() string {
	ts := c.w.cfg.Targets
	switch c.w.cfg.Targeting {
	case TargetRoundRobin:
		t := ts[(c.process+c.rr)%len(ts)]
		c.rr++
		return t
	case TargetSticky:
		if c.sticky == "" {
			c.sticky = ts[c.process%len(ts)]
		}
		return c.sticky
	}
	return ts[c.target.Intn(len(ts))]
}

// after returns the target following node in Targets (the first one if
// node is not a target).
func (c *client) after(node string) string {
	ts := c.w.cfg.Targets
	for i, t := range ts {
		if t == node {
			return ts[(i+1)%len(ts)]
		}
	}
	return ts[0]
}

// Receive handles a reply: the outcome of the attempt in flight, or a late
// reply to an abandoned one (ignored), or bytes that are no reply at all.
func (c *client) Receive(from string, msg []byte) {
	if c.idle {
		return
	}
	rep, err := c.w.cfg.Adapter.DecodeReply(msg)
	if err != nil {
		c.bad(from, fmt.Sprintf("undecodable reply: %v", err))
		return
	}
	a := c.cur
	if a == nil || rep.ID != a.reqID {
		c.w.stats.LateReplies++
		c.env.Logf("ignore late reply %d from %s", rep.ID, from)
		return
	}
	switch rep.Status {
	case StatusOK:
		if err := c.checkOutput(rep.Output); err != nil {
			c.bad(from, fmt.Sprintf("reply %d to %s %s: %v", rep.ID, a.c.opType, a.c.key, err))
			return
		}
		if c.w.cfg.Targeting == TargetSticky {
			c.sticky = from
		}
		c.finish(history.OK, rep.Output, "", from)
	case StatusFail:
		e := rep.Error
		if e == "" {
			e = "refused without a reason"
		}
		c.finish(history.Fail, nil, e, from)
	case StatusUnknown:
		c.unknown(from, "unknown: "+rep.Error)
	case StatusRedirect:
		c.redirect(from, rep.Leader)
	default:
		c.bad(from, fmt.Sprintf("reply %d: status %q is not one of ok, fail, redirect, unknown", rep.ID, rep.Status))
	}
}

// checkOutput rejects an ok output that is not JSON or lacks what the
// model's vocabulary requires of an ok completion.
func (c *client) checkOutput(out json.RawMessage) error {
	if len(out) > 0 && !flatjson.Canonical(out) && !json.Valid(out) {
		return fmt.Errorf("output is not valid JSON")
	}
	if history.LacksOutput(c.w.cfg.Model, c.cur.c.opType, out) {
		return fmt.Errorf("ok without the output model %s requires", c.w.cfg.Model)
	}
	return nil
}

// redirect follows a redirect: the node did not act, so the operation
// stays the same history op, sent to the leader hint (or the next target)
// unless it has been redirected too often.
func (c *client) redirect(from, leader string) {
	a := c.cur
	a.redirects++
	if a.redirects > c.w.cfg.MaxRedirects {
		c.w.stats.GaveUp++
		c.finish(history.Fail, nil, fmt.Sprintf("gave up after %d redirects; last from %s (leader hint %q)", a.redirects, from, leader), from)
		return
	}
	c.w.stats.Redirects++
	to := leader
	if leader != "" && !c.nodes[leader] {
		c.bad(from, fmt.Sprintf("redirect names leader %q, which is no node of the world", leader))
		to = ""
	}
	if to == "" || to == from || to == c.name() {
		to = c.after(from)
	}
	if c.w.cfg.Targeting == TargetSticky {
		c.sticky = to
	}
	c.send(to)
}

// finish records a known outcome (ok or fail) and moves on.
func (c *client) finish(t history.Type, output json.RawMessage, errText, from string) {
	a := c.cur
	c.cur = nil
	c.env.CancelTimer(a.timer)
	c.w.complete(a.idx, t, output, errText, from, c.env.TrueNow())
	c.gen.observe(a.c, t, output)
	c.logOp("op ", a.idx, " ", string(t), " from ", from) // "op %d %s from %s"
	c.proceed()
}

// logOp writes the trace line pre + (op index + 1) + the rest, as
// Logf with %d and %s would, without fmt's boxing and formatting (two
// such lines per operation).
func (c *client) logOp(pre string, idx int, s1, s2, s3, s4 string) {
	b := append(c.line[:0], pre...)
	b = strconv.AppendInt(b, int64(idx)+1, 10)
	b = append(append(append(append(b, s1...), s2...), s3...), s4...)
	c.line = b
	c.env.Log(string(b))
}

// unknown records an unknown outcome (timeout, StatusUnknown) and retries
// the same call as a new history op while retries remain.
func (c *client) unknown(from, why string) {
	a := c.cur
	c.cur = nil
	c.env.CancelTimer(a.timer)
	c.w.complete(a.idx, history.Info, nil, "", from, c.env.TrueNow())
	c.gen.observe(a.c, history.Info, nil)
	c.env.Logf("op %d info (%s)", a.idx+1, why)
	retries := c.w.cfg.Retries
	if c.final {
		retries = c.w.cfg.FinalRetries
	}
	if a.tries < retries {
		c.w.stats.Retries++
		c.begin(a.c, a.tries+1)
		return
	}
	c.proceed()
}

// proceed schedules what follows a completed operation: the next final
// read at once, or the next operation after a think time.
func (c *client) proceed() {
	if c.final {
		c.next()
		return
	}
	c.env.SetTimer(c.thinkTime(), tagThink)
}

func (c *client) bad(from, why string) {
	c.w.badReply(BadReply{At: c.env.TrueNow(), Client: c.name(), From: from, Err: why})
	c.env.Logf("bad reply from %s: %s", from, why)
}
