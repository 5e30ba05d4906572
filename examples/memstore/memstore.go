package memstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// Config configures every node of a memstore.
type Config struct {
	// Leader, when set, is the only node that serves; the others redirect
	// to it.
	Leader string
	// LockTTL is how long a lock stays held without a release (default
	// 1s, on the node's monotonic clock).
	LockTTL time.Duration
	// InitialBalances are the ledger's opening balances; unlisted
	// accounts open at 0. Floor is the least balance a transfer may leave.
	InitialBalances map[string]int64
	Floor           int64
	// Bug switches on one known bug (default: none).
	Bug Bug
}

// Bug is a deliberate defect, for showing that checkers catch it.
type Bug string

// The known bugs.
const (
	// BugNone: the store is correct.
	BugNone Bug = ""
	// BugDropWrites acknowledges every third register/kv write without
	// applying it (the linearizable checker finds it).
	BugDropWrites Bug = "drop-writes"
	// BugLoseEnqueue acknowledges every third enqueue without storing it
	// (queue checker: lost-write).
	BugLoseEnqueue Bug = "lose-enqueue"
	// BugDoubleApply applies every fourth ledger transfer twice (ledger
	// checker: duplicate-apply).
	BugDoubleApply Bug = "double-apply"
	// BugStaleToken stops lock tokens from increasing after the first
	// grant, so later holders get a stale token (lock checker).
	BugStaleToken Bug = "stale-token"
)

const defaultLockTTL = time.Second

// New returns the factory of a memstore node.
func New(cfg Config) sim.Factory {
	if cfg.LockTTL == 0 {
		cfg.LockTTL = defaultLockTTL
	}
	return func(env *sim.Env) sim.Node {
		s := &store{
			env:       env,
			cfg:       cfg,
			registers: map[string]json.RawMessage{},
			sets:      map[string][]json.RawMessage{},
			seen:      map[string]bool{},
			counters:  map[string]int64{},
			queues:    map[string][]json.RawMessage{},
			logs:      map[string][]json.RawMessage{},
			locks:     map[string]*lock{},
			leases:    map[string]*lease{},
			balances:  map[string]int64{},
			applied:   map[string]bool{},
			last:      map[string]served{},
		}
		for a, b := range cfg.InitialBalances {
			s.balances[a] = b
		}
		return s
	}
}

// store is one memstore node.
type store struct {
	env *sim.Env
	cfg Config

	registers map[string]json.RawMessage // model/key -> value
	sets      map[string][]json.RawMessage
	seen      map[string]bool // set key + canonical value, for set semantics
	counters  map[string]int64
	queues    map[string][]json.RawMessage
	logs      map[string][]json.RawMessage
	locks     map[string]*lock
	leases    map[string]*lease
	balances  map[string]int64
	applied   map[string]bool // ledger idempotency keys applied

	writes, enqueues, transfers int // for the Bug modes

	// last is the last request served per client and its reply: the
	// network may duplicate or reorder requests, and a request must take
	// effect at most once.
	last map[string]served
}

// served is a client's last request and the reply it got.
type served struct {
	id    uint64
	reply []byte
}

// Start does nothing: the store starts empty.
func (s *store) Start() {}

// Timer does nothing: the store sets no timers.
func (s *store) Timer(sim.TimerID, string) {}

// Receive serves one request and replies to its sender.
func (s *store) Receive(from string, msg []byte) {
	req, err := workloads.DecodeRequest(msg)
	if err != nil {
		s.env.Logf("ignore bad request from %s: %v", from, err)
		return
	}
	if prev, ok := s.last[req.Client]; ok && req.ID <= prev.id {
		// A duplicate of the last request gets the same reply; an older
		// one was abandoned by its client and is not served.
		if req.ID == prev.id {
			s.env.Send(from, prev.reply)
		}
		return
	}
	var rep workloads.Reply
	if s.cfg.Leader != "" && s.cfg.Leader != s.env.Name() {
		rep = workloads.Reply{Status: workloads.StatusRedirect, Leader: s.cfg.Leader}
	} else {
		out, err := s.serve(req)
		if err != nil {
			rep = workloads.Reply{Status: workloads.StatusFail, Error: err.Error()}
		} else {
			rep = workloads.Reply{Status: workloads.StatusOK}
			if out != nil {
				rep.Output = history.MustJSON(out)
			}
		}
	}
	rep.ID = req.ID
	b := workloads.EncodeReply(rep)
	s.last[req.Client] = served{req.ID, b}
	s.env.Send(from, b)
}

// out is shorthand for an output object.
type out = map[string]any

// serve applies one request; an error is a definite refusal.
func (s *store) serve(req workloads.Request) (any, error) {
	switch req.Model {
	case history.Register, history.KV:
		return s.register(req)
	case history.Set:
		return s.set(req)
	case history.Counter:
		return s.counter(req)
	case history.Queue:
		return s.queue(req)
	case history.Log:
		return s.log(req)
	case history.Lock:
		return s.lock(req)
	case history.Lease:
		return s.lease(req)
	case history.Ledger:
		return s.ledger(req)
	}
	return nil, fmt.Errorf("unsupported model %q", req.Model)
}

// decode parses a request's input into v.
func decode(req workloads.Request, v any) error {
	if err := json.Unmarshal(req.Input, v); err != nil {
		return fmt.Errorf("bad input for %s %s: %v", req.Model, req.Op, err)
	}
	return nil
}

func unsupported(req workloads.Request) error {
	return fmt.Errorf("unsupported op %q for model %s", req.Op, req.Model)
}
