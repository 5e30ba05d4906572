package pbkv

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// Timer tags of a replica.
const (
	tagPing   = "ping"
	tagResend = "resend"
	tagShip   = "ship"
)

// replica is one replica: a backup that applies the states its primary
// sends, or the primary that serves clients and replicates to its
// backups. Its view, state and sequence number live on its disk (store.go).
type replica struct {
	env *sim.Env
	cfg *resolved
	d   *durable // the durable state, as last saved

	pingSeq    uint64
	pingSent   map[uint64]clock.Time // mono at which each outstanding ping left
	leaseUntil clock.Time            // mono until which the primary may serve

	acked   map[string]uint64 // primary: seq each backup acknowledged in the current view
	pending []waiting         // primary: replies waiting for the backups
	// snaps are the primary's states not yet known to be on every backup,
	// by seq (states are never changed in place, see set); commitKV is
	// the latest state every backup of the view holds, from which reads
	// are served at once; commitOK says it is known.
	snaps    []snap
	commitKV map[string]json.RawMessage
	commitOK bool
	lastReq  map[string]uint64 // primary: the last request ID served per client
	halted   error
}

// snap is the primary's state at seq.
type snap struct {
	seq uint64
	kv  map[string]json.RawMessage
}

// waiting is a reply held until every backup of the view has the state
// at seq.
type waiting struct {
	client string
	seq    uint64
	reply  workloads.Reply
}

func newReplica(env *sim.Env, cfg *resolved) *replica {
	return &replica{env: env, cfg: cfg, pingSent: map[uint64]clock.Time{}, acked: map[string]uint64{}, lastReq: map[string]uint64{}}
}

// Start recovers the durable state and starts pinging the view manager.
// A restarted replica has no lease: it serves again only once the view
// manager grants it one.
func (r *replica) Start() {
	d, err := load(r.env.Disk())
	if err != nil {
		r.halted = err
		r.env.Logf("FATAL recovery: %v; the node stops", err)
		return
	}
	r.d = d
	r.env.Logf("recovered %v, state of view %d at seq %d", d.View, d.StateView, d.Seq)
	r.resetCommit()
	r.declare()
	r.ping()
	r.env.SetTimer(r.cfg.Resend, tagResend)
	if r.cfg.bugs.async {
		r.env.SetTimer(r.cfg.AsyncBatch, tagShip)
	}
}

func (r *replica) primary() bool {
	return r.d.View.Primary == r.env.Name() && r.d.StateView == r.d.View.Num
}

// declare tells the world the role this replica's view gives it (faults
// may aim at the primary); called wherever the view it knows changes.
func (r *replica) declare() {
	r.env.SetRole(map[bool]string{true: "primary", false: "backup"}[r.primary()])
}

// serving reports whether this replica may answer clients now: it is the
// primary of its view and holds the lease.
func (r *replica) serving() bool { return r.primary() && r.env.Mono() < r.leaseUntil }

func (r *replica) Timer(_ sim.TimerID, tag string) {
	if r.halted != nil {
		return
	}
	switch tag {
	case tagPing:
		r.ping()
	case tagResend:
		if r.primary() && !r.cfg.bugs.async {
			r.replicate(false)
		}
		r.env.SetTimer(r.cfg.Resend, tagResend)
	case tagShip:
		if r.primary() {
			r.replicate(false)
		}
		r.env.SetTimer(r.cfg.AsyncBatch, tagShip)
	}
}

// ping tells the view manager what this replica knows and asks for the
// view (and, for the primary, the lease).
func (r *replica) ping() {
	r.pingSeq++
	r.pingSent[r.pingSeq] = r.env.Mono()
	for s := range r.pingSent {
		if s+16 < r.pingSeq {
			delete(r.pingSent, s) // answers that late grant nothing useful
		}
	}
	r.env.Send(ViewManager, encode(message{T: msgPing, Seq: r.pingSeq, ViewNum: r.d.View.Num, Synced: r.d.StateView}))
	r.env.SetTimer(r.cfg.PingInterval, tagPing)
}

// leaseFor returns how long the primary may serve on a lease of term d,
// counted on its own clock from when it sent the ping: d(1−ρ)/(1+ρ). Its
// clock runs at least 1−ρ, so it stops within d/(1+ρ) of true time; the
// view manager, whose clock runs at most 1+ρ, waits at least that long
// after granting before it installs another primary.
func (r *replica) leaseFor(d time.Duration) time.Duration {
	rho := r.cfg.DriftBound
	return time.Duration(math.Floor(float64(d) * (1 - rho) / (1 + rho)))
}

func (r *replica) Receive(from string, b []byte) {
	if r.halted != nil {
		return
	}
	if from != ViewManager && !r.cfg.isReplica(from) {
		r.request(from, b)
		return
	}
	m, err := decode(b)
	if err != nil {
		r.env.Logf("from %s: %v", from, err)
		return
	}
	switch m.T {
	case msgView:
		r.onView(m)
	case msgState:
		r.onState(from, m)
	case msgAck:
		r.onAck(from, m)
	case msgNack:
		if m.View != nil && m.View.Num > r.d.View.Num {
			r.adopt(*m.View)
		}
	}
}

// onView learns the view manager's view and, for the primary, the lease.
func (r *replica) onView(m message) {
	sent, ok := r.pingSent[m.Seq]
	delete(r.pingSent, m.Seq)
	if m.View == nil {
		return
	}
	if m.View.Num > r.d.View.Num {
		r.adopt(*m.View)
	}
	if ok && m.Lease && m.View.Num == r.d.View.Num && r.primary() {
		r.leaseUntil = max(r.leaseUntil, sent.Add(r.leaseFor(r.cfg.LeaseTerm)))
	}
}

// adopt moves to a newer view. A backup promoted to primary takes over
// with the state it holds; a primary that is no longer one gives up the
// replies it was holding, whose writes may or may not survive.
func (r *replica) adopt(v View) {
	r.d.View = v
	if v.Primary == r.env.Name() {
		r.d.StateView = v.Num // the view manager promotes only a synced backup
	}
	if err := save(r.env.Disk(), r.d); err != nil {
		r.halt("save", err)
		return
	}
	r.env.Logf("adopt %v", v)
	r.declare()
	clear(r.acked)
	r.resetCommit()
	if !r.primary() {
		r.leaseUntil = 0
		r.abandon()
		return
	}
	r.replicate(true)
}

// resetCommit forgets what the backups are known to hold: a primary that
// takes over, restarts or changes backups serves reads again only once
// every backup of its view has acknowledged its state (its disk may hold
// writes that never reached them).
func (r *replica) resetCommit() {
	r.snaps = []snap{{seq: r.d.Seq, kv: r.d.KV}}
	r.commitKV, r.commitOK = nil, false
}

// abandon answers every held reply with StatusUnknown: this node is no
// longer the primary, and whether the next one has the write is unknown.
func (r *replica) abandon() {
	for _, w := range r.pending {
		r.env.Send(w.client, workloads.EncodeReply(workloads.Reply{ID: w.reply.ID, Status: workloads.StatusUnknown, Error: "no longer the primary"}))
	}
	r.pending = nil
}

// replicate sends the state to every backup of the view that has not
// acknowledged it (all of them when all is set).
func (r *replica) replicate(all bool) {
	st := message{T: msgState, View: &r.d.View, Seq: r.d.Seq, KV: r.d.KV}
	var b []byte
	for _, to := range r.d.View.Backups {
		if a, ok := r.acked[to]; ok && a >= r.d.Seq && !all {
			continue
		}
		if b == nil {
			b = encode(st)
		}
		r.env.Send(to, b)
	}
}

// onState is a backup receiving its primary's state: it takes a state of
// a newer view, or a newer state of its view, makes it durable and
// acknowledges what it holds; a state from an older view is refused and
// its sender told the newer view.
func (r *replica) onState(from string, m message) {
	if m.View == nil {
		return
	}
	switch {
	case m.View.Num < r.d.View.Num:
		r.env.Send(from, encode(message{T: msgNack, View: &r.d.View}))
		return
	case m.View.Num > r.d.StateView || (m.View.Num == r.d.StateView && m.Seq > r.d.Seq):
		if m.View.Num > r.d.View.Num && r.primary() {
			r.abandon()
		}
		r.d.View, r.d.StateView, r.d.Seq, r.d.KV = *m.View, m.View.Num, m.Seq, m.KV
		if r.d.KV == nil {
			r.d.KV = map[string]json.RawMessage{}
		}
		if err := save(r.env.Disk(), r.d); err != nil {
			r.halt("save", err)
			return
		}
		r.declare()
	}
	r.env.Send(from, encode(message{T: msgAck, ViewNum: r.d.StateView, Seq: r.d.Seq}))
}

// onAck records a backup's acknowledgement and releases the replies it
// completes.
func (r *replica) onAck(from string, m message) {
	if !r.primary() || m.ViewNum != r.d.View.Num {
		return
	}
	if a, ok := r.acked[from]; !ok || m.Seq > a {
		r.acked[from] = m.Seq
	}
	r.release()
}

// committed returns the greatest seq every backup of the view holds;
// ok is false while a backup has acknowledged nothing in this view.
func (r *replica) committed() (c uint64, ok bool) {
	c = r.d.Seq
	for _, b := range r.d.View.Backups {
		a, acked := r.acked[b]
		if !acked {
			return 0, false
		}
		c = min(c, a)
	}
	return c, true
}

// release advances the committed state and sends the held replies whose
// state every backup now holds.
func (r *replica) release() {
	c, ok := r.committed()
	if ok {
		i := 0
		for i < len(r.snaps) && r.snaps[i].seq <= c {
			i++
		}
		if i > 0 {
			r.commitKV, r.commitOK = r.snaps[i-1].kv, true
			r.snaps = append(r.snaps[:0], r.snaps[i-1:]...)
		}
	}
	k := 0
	for _, w := range r.pending {
		if !ok || w.seq > c {
			r.pending[k] = w
			k++
			continue
		}
		r.env.Send(w.client, workloads.EncodeReply(w.reply))
	}
	clear(r.pending[k:])
	r.pending = r.pending[:k]
}

func (r *replica) halt(what string, err error) {
	r.halted = err
	r.env.Logf("FATAL %s: %v; the node stops", what, err)
	r.env.SetRole("") // a stopped process holds no role
}

// request serves a client request (workloads wire format). Only the
// primary holding its lease serves; the others redirect to the primary
// they know without acting. A write (or cas) is applied, saved, sent to
// the backups and answered once every backup holds it. A read is answered
// at once from the committed state, the latest every backup holds (so it
// never shows a write a failover could lose, and shows every write
// acknowledged before it); when that is not known yet, it is answered
// with the value as of its arrival once every backup holds it. The lease
// is what makes a read at once safe: no other primary is installed
// before it runs out.
func (r *replica) request(from string, b []byte) {
	req, err := workloads.DecodeRequest(b)
	if err != nil {
		r.env.Send(from, workloads.EncodeReply(workloads.Reply{ID: req.ID, Status: workloads.StatusFail, Error: err.Error()}))
		return
	}
	if last, ok := r.lastReq[req.Client]; ok && req.ID <= last {
		return // a duplicate, or an attempt its client gave up on
	}
	reply := func(rep workloads.Reply) {
		rep.ID = req.ID
		r.env.Send(from, workloads.EncodeReply(rep))
	}
	if !r.serving() && !(r.cfg.bugs.readWithoutLease && req.Op == "read" && r.primary() && r.commitOK) {
		// BugReadWithoutLease: a primary past its lease still answers
		// reads from its committed state.
		rep := workloads.Reply{Status: workloads.StatusRedirect, Error: "not the primary"}
		if p := r.d.View.Primary; p != "" && p != r.env.Name() {
			rep.Leader = p
		}
		reply(rep)
		return
	}
	if len(r.pending) >= maxPending {
		reply(workloads.Reply{Status: workloads.StatusFail, Error: "overloaded: too many requests waiting for the backups"})
		return
	}
	r.lastReq[req.Client] = req.ID
	if req.Op == "read" && r.commitOK && !r.cfg.bugs.async {
		out, _, err := r.apply(req, r.commitKV)
		if err != nil {
			reply(workloads.Reply{Status: workloads.StatusFail, Error: err.Error()})
			return
		}
		reply(workloads.Reply{Status: workloads.StatusOK, Output: out})
		return
	}
	out, write, err := r.apply(req, r.d.KV)
	if err != nil {
		reply(workloads.Reply{Status: workloads.StatusFail, Error: err.Error()})
		return
	}
	if write {
		r.d.Seq++
		if err := save(r.env.Disk(), r.d); err != nil {
			r.halt("save", err)
			return
		}
		if !r.cfg.bugs.async {
			r.snaps = append(r.snaps, snap{seq: r.d.Seq, kv: r.d.KV})
		}
	}
	rep := workloads.Reply{ID: req.ID, Status: workloads.StatusOK, Output: out}
	if r.cfg.bugs.async {
		reply(rep) // BugAsyncReplication: the backups will catch up, some day
		return
	}
	r.pending = append(r.pending, waiting{client: from, seq: r.d.Seq, reply: rep})
	if write {
		r.replicate(false)
	}
	r.release()
}

// apply executes a kv or register operation, as history/vocabulary.go
// defines it: a read on kv, a write or cas on the current state; write
// reports a change of state.
func (r *replica) apply(req workloads.Request, kv map[string]json.RawMessage) (out json.RawMessage, write bool, err error) {
	if req.Model != history.KV && req.Model != history.Register {
		return nil, false, fmt.Errorf("model %q not served; served: kv, register", req.Model)
	}
	if req.Key == "" {
		return nil, false, fmt.Errorf("%s %s: key required", req.Model, req.Op)
	}
	k := string(req.Model) + "/" + req.Key
	cur := kv[k]
	if cur == nil {
		cur = json.RawMessage("null")
	}
	switch req.Op {
	case "read":
		return mustJSON(map[string]json.RawMessage{"value": cur}), false, nil
	case "write":
		var in struct{ Value json.RawMessage }
		if err := json.Unmarshal(req.Input, &in); err != nil || in.Value == nil {
			return nil, false, fmt.Errorf("%s write: input needs \"value\"", req.Model)
		}
		v, err := history.CanonicalJSON(in.Value)
		if err != nil {
			return nil, false, err
		}
		r.set(k, v)
		return nil, true, nil
	case "cas":
		var in struct{ From, To json.RawMessage }
		if err := json.Unmarshal(req.Input, &in); err != nil || in.From == nil || in.To == nil {
			return nil, false, fmt.Errorf("%s cas: input needs \"from\" and \"to\"", req.Model)
		}
		from, err1 := history.CanonicalJSON(in.From)
		to, err2 := history.CanonicalJSON(in.To)
		if err1 != nil || err2 != nil {
			return nil, false, fmt.Errorf("%s cas: bad input %s", req.Model, req.Input)
		}
		if c, _ := history.CanonicalJSON(cur); c != from {
			return json.RawMessage(`{"ok":false}`), false, nil
		}
		r.set(k, to)
		return json.RawMessage(`{"ok":true}`), true, nil
	}
	return nil, false, fmt.Errorf("%q is not an operation of model %s; valid: cas, read, write", req.Op, req.Model)
}

// set stores a canonical value; null removes the key. The map is copied,
// never changed in place: a state sent to the backups must not change
// under them.
func (r *replica) set(k, v string) {
	kv := make(map[string]json.RawMessage, len(r.d.KV)+1)
	for _, key := range sortedKeys(r.d.KV) {
		kv[key] = r.d.KV[key]
	}
	if v == "null" {
		delete(kv, k)
	} else {
		kv[k] = json.RawMessage(v)
	}
	r.d.KV = kv
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("pbkv: encoding %T: %v", v, err))
	}
	return b
}
