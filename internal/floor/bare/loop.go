package bare

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// Workload is the closed-loop client workload both sides run: Clients
// clients each issue Ops operations on Keys keys (reads, writes and
// compare-and-sets weighted 2:2:1, values unique per write, a cas expects
// the last value its client saw), one at a time, with a think time uniform
// over [0, 2*Think] between them, to a replica drawn at random, following
// redirects; then, after a quiet period of Timeout, the last client to
// finish reads every key once (the final reads).
type Workload struct {
	Replicas   int
	Clients    int
	Ops        int
	Keys       int
	Think      time.Duration
	Timeout    time.Duration
	StartAfter time.Duration
	Link       time.Duration // one-way latency of every link
	TickEvery  time.Duration // raft tick
}

// Default is the workload of issue 16: 3 replicas, 5 clients x 100
// operations on 5 keys, 10 ms mean think time, 1 ms links, 10 ms ticks.
var Default = Workload{Replicas: 3, Clients: 5, Ops: 100, Keys: 5, Think: 10 * time.Millisecond,
	Timeout: time.Second, StartAfter: 200 * time.Millisecond, Link: time.Millisecond, TickEvery: 10 * time.Millisecond}

// Result is what a bare run did.
type Result struct {
	Events   int64         // events popped from the queue
	Messages int64         // messages sent (raft, requests and replies)
	SimTime  time.Duration // simulated time at the end
	Ops      []Op          // the history
}

// Op is one operation of the history. Type is 'o' (ok), 'f' (fail) or
// 'i' (unknown).
type Op struct {
	Process          int
	Req              Request
	Type             byte
	Out              Reply
	Invoke, Complete time.Duration
}

const (
	evTick = iota + 1
	evDeliver
	evThink
	evTimeout
	evQuiet
)

type event struct {
	at   time.Duration
	seq  uint64
	kind uint8
	node int    // destination: replicas 0..n-1, then clients
	from int    // deliveries: the sender
	gen  uint64 // timeouts: the attempt they guard
	msg  []byte
}

// queue is a binary min-heap of events by (at, seq).
type queue []event

func (q queue) less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}

func (q *queue) push(e event) {
	*q = append(*q, e)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *queue) pop() event {
	h := *q
	e := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = event{}
	h = h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r := l + 1; r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return e
}

// loop is one bare run.
type loop struct {
	wl       Workload
	now      time.Duration
	seq      uint64
	q        queue
	replicas []*Replica
	clients  []*bareClient
	names    []string
	res      Result
	running  int
	done     bool
}

type bareClient struct {
	idx     int // node index
	process int
	rnd     *rand.Rand
	issued  int
	seq     int64
	last    map[string]Value
	cur     int // history index of the op in flight, -1: none
	attempt uint64
	target  int
	redirs  int
	finals  []string
	final   bool
	tries   int
}

// Run runs the workload on seed to the end of the final reads.
func Run(seed uint64, wl Workload) Result {
	l := &loop{wl: wl, running: wl.Clients}
	for i := 0; i < wl.Replicas; i++ {
		r := NewReplica(uint64(i+1), wl.Replicas)
		from := i
		r.Send = func(to uint64, msg []byte) { l.send(from, int(to-1), msg) }
		var buf []byte
		r.Reply = func(client string, rep Reply) {
			buf = EncodeReply(buf[:0], rep)
			l.send(from, l.index(client), buf)
		}
		l.replicas = append(l.replicas, r)
		l.names = append(l.names, NodeName(uint64(i+1)))
	}
	for p := 0; p < wl.Clients; p++ {
		c := &bareClient{idx: wl.Replicas + p, process: p, cur: -1, last: map[string]Value{},
			rnd: rand.New(rand.NewPCG(seed, uint64(p)))}
		l.clients = append(l.clients, c)
		l.names = append(l.names, "client"+strconv.Itoa(p))
		l.after(wl.StartAfter+c.think(wl), event{kind: evThink, node: c.idx})
	}
	for i := range l.replicas {
		l.after(wl.TickEvery, event{kind: evTick, node: i})
	}
	for !l.done && len(l.q) > 0 {
		e := l.q.pop()
		l.now = e.at
		l.res.Events++
		l.dispatch(e)
	}
	l.res.SimTime = l.now
	return l.res
}

func (l *loop) index(name string) int {
	for i, n := range l.names {
		if n == name {
			return i
		}
	}
	panic("bare: unknown node " + name)
}

func (l *loop) after(d time.Duration, e event) {
	l.seq++
	e.at, e.seq = l.now+d, l.seq
	l.q.push(e)
}

func (l *loop) send(from, to int, msg []byte) {
	l.res.Messages++
	p := make([]byte, len(msg))
	copy(p, msg)
	l.after(l.wl.Link, event{kind: evDeliver, node: to, from: from, msg: p})
}

func (l *loop) dispatch(e event) {
	if e.node < len(l.replicas) {
		r := l.replicas[e.node]
		switch {
		case e.kind == evTick:
			r.Tick()
			l.after(l.wl.TickEvery, event{kind: evTick, node: e.node})
		case e.from < len(l.replicas):
			r.Step(e.msg)
		default:
			r.Request(l.names[e.from], e.msg)
		}
		return
	}
	c := l.clients[e.node-len(l.replicas)]
	switch e.kind {
	case evThink:
		l.next(c)
	case evQuiet:
		for k := 0; k < l.wl.Keys; k++ {
			c.finals = append(c.finals, "k"+strconv.Itoa(k))
		}
		c.final = true
		l.next(c)
	case evTimeout:
		if c.cur >= 0 && c.attempt == e.gen {
			l.complete(c, 'i', Reply{})
		}
	case evDeliver:
		l.receive(c, e.from, e.msg)
	}
}

func (c *bareClient) think(wl Workload) time.Duration {
	return time.Duration(c.rnd.Int64N(2*int64(wl.Think) + 1))
}

func (l *loop) next(c *bareClient) {
	switch {
	case c.final && len(c.finals) > 0:
		k := c.finals[0]
		c.finals = c.finals[1:]
		l.begin(c, Request{Op: OpRead, Key: k})
	case c.final:
		l.done = true
	case c.issued < l.wl.Ops:
		c.issued++
		k := "k" + strconv.Itoa(c.rnd.IntN(l.wl.Keys))
		req := Request{Op: OpRead, Key: k}
		switch p := c.rnd.IntN(5); {
		case p < 2:
		case p < 4:
			c.seq++
			req.Op, req.To = OpWrite, Value{V: int64(c.process)*1_000_000 + c.seq}
		default:
			c.seq++
			from, ok := c.last[k]
			if !ok {
				from = Value{Null: true}
			}
			req.Op, req.From, req.To = OpCAS, from, Value{V: int64(c.process)*1_000_000 + c.seq}
		}
		c.tries = 0
		l.begin(c, req)
	default:
		l.running--
		if l.running == 0 {
			l.after(l.wl.Timeout, event{kind: evQuiet, node: c.idx})
		}
	}
}

func (l *loop) begin(c *bareClient, req Request) {
	c.cur = len(l.res.Ops)
	l.res.Ops = append(l.res.Ops, Op{Process: c.process, Req: req, Invoke: l.now})
	c.redirs = 0
	l.attempt(c, c.rnd.IntN(len(l.replicas)))
}

func (l *loop) attempt(c *bareClient, target int) {
	c.attempt++
	c.target = target
	op := &l.res.Ops[c.cur]
	op.Req.ID = c.attempt
	l.send(c.idx, target, EncodeRequest(op.Req))
	l.after(l.wl.Timeout, event{kind: evTimeout, node: c.idx, gen: c.attempt})
}

func (l *loop) receive(c *bareClient, from int, msg []byte) {
	rep, err := DecodeReply(msg)
	if err != nil || c.cur < 0 || rep.ID != c.attempt {
		return
	}
	switch rep.Status {
	case StatusOK:
		op := &l.res.Ops[c.cur]
		switch op.Req.Op {
		case OpRead:
			c.last[op.Req.Key] = rep.Value
		case OpWrite:
			c.last[op.Req.Key] = op.Req.To
		case OpCAS:
			if rep.OK {
				c.last[op.Req.Key] = op.Req.To
			}
		}
		l.complete(c, 'o', rep)
	case StatusFail:
		l.complete(c, 'f', rep)
	case StatusUnknown:
		l.complete(c, 'i', rep)
	case StatusRedirect:
		c.redirs++
		if c.redirs > 3 {
			l.complete(c, 'f', rep)
			return
		}
		to := int(rep.Leader) - 1
		if rep.Leader == 0 || to == from {
			to = (from + 1) % len(l.replicas)
		}
		l.attempt(c, to)
	}
}

func (l *loop) complete(c *bareClient, typ byte, rep Reply) {
	op := &l.res.Ops[c.cur]
	op.Type, op.Out, op.Complete = typ, rep, l.now
	req := op.Req
	c.cur = -1
	c.attempt++ // a late reply or the pending timeout no longer matches
	if c.final {
		if typ == 'i' && c.tries < 3 {
			c.tries++
			l.begin(c, Request{Op: OpRead, Key: req.Key})
			return
		}
		c.tries = 0
		l.next(c)
		return
	}
	l.after(c.think(l.wl), event{kind: evThink, node: c.idx})
}
