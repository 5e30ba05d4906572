package workloads

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/sim"
)

// A Workload is one run's clients and the history they record. Build it
// with New, add Nodes to the world's configuration, run the world, then
// read History and Stats. A Workload records one run: build a new one for
// every world.
type Workload struct {
	cfg     Config
	names   []string // client node names, by process
	ops     []history.Op
	pending []bool               // pending[i]: ops[i] has no outcome yet
	epochs  []history.FaultEpoch // the current chunk ops' FaultEpochs point into
	stats   Stats
	bad     []BadReply
	running int // clients still issuing regular operations
}

// Stats counts what the clients did, for the green-but-broken checks
// (the workload produced operations throughout the run, the SUT served
// after the last heal).
type Stats struct {
	Invoked int // history operations invoked (retries included)
	OK      int
	Fail    int
	Info    int // outcome unknown: timeouts and StatusUnknown replies
	Pending int // invoked but not completed yet; History records them as info
	// Timeouts counts info outcomes decided by the client's timer.
	Timeouts int
	// Retries counts operations re-issued after an unknown outcome.
	Retries int
	// Redirects counts redirects followed; GaveUp counts operations
	// recorded as fail because they exceeded MaxRedirects.
	Redirects, GaveUp int
	// LateReplies counts replies to attempts the client had abandoned
	// (ignored), BadReplies replies it could not use (see BadReplies).
	LateReplies, BadReplies int
	// FirstInvoke and LastOK are true instants; LastOK is meaningful when
	// OK > 0.
	FirstInvoke, LastOK clock.Time
	// FinalsDone reports that the final reads were all issued and
	// answered (ok, fail or info).
	FinalsDone bool
}

// A BadReply is a reply a client could not use: bytes the adapter could
// not decode, an ok reply without the output its model requires, or a
// leader hint naming no node. It is the SUT's fault: the scenario layer
// blames the SUT for it. The operation it answered, if any, stays pending
// and ends as info at its timeout.
type BadReply struct {
	At     clock.Time
	Client string
	From   string
	Err    string
}

func (b BadReply) String() string {
	return fmt.Sprintf("%v: %s got a bad reply from %s: %s", b.At, b.Client, b.From, b.Err)
}

// New validates cfg, applies its defaults and returns the workload.
// Validation errors name the field, its value and the valid choices.
func New(cfg Config) (*Workload, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.Targets = append([]string(nil), cfg.Targets...)
	cfg.Mix = copyMix(cfg.Mix)
	w := &Workload{cfg: cfg, running: cfg.Clients}
	// Room for every regular operation and the final reads, so that the
	// history is not copied as it grows (retries may still add some).
	if n := cfg.Clients*cfg.OpsPerClient + cfg.Keys; n <= 1<<20 {
		w.ops = make([]history.Op, 0, n)
		w.pending = make([]bool, 0, n)
	}
	for i := 0; i < cfg.Clients; i++ {
		w.names = append(w.names, cfg.ClientPrefix+strconv.Itoa(i))
	}
	return w, nil
}

// Config returns the workload's configuration with its defaults applied
// (a copy: changing it changes nothing).
func (w *Workload) Config() Config {
	c := w.cfg
	c.Targets = append([]string(nil), c.Targets...)
	c.Mix = copyMix(c.Mix)
	return c
}

func copyMix(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Nodes returns the client nodes to add to the world: harness nodes
// (they stamp the history with true time) named ClientPrefix0, ... with
// undrifted clocks. A client that crashes and restarts stays idle: its
// operation in flight ends as info.
func (w *Workload) Nodes() []sim.NodeSpec {
	out := make([]sim.NodeSpec, len(w.names))
	for i, name := range w.names {
		process := i
		out[i] = sim.NodeSpec{Name: name, Harness: true, Factory: func(env *sim.Env) sim.Node { return newClient(w, process, env) }}
	}
	return out
}

// Clients returns the client node names, by process number.
func (w *Workload) Clients() []string { return append([]string(nil), w.names...) }

// Keys returns the objects the workload addresses (for a ledger: the
// accounts, whose opening balances the SUT and the checker must agree on).
func (w *Workload) Keys() []string { return KeyNames(w.cfg.Model, w.cfg.Keys) }

// History returns the history so far, in invocation order with op_ids 1,
// 2, ...: a copy the caller owns. Operations still pending are recorded
// as info (timeout_marker true, complete_ts and output null).
func (w *Workload) History() history.History {
	h := history.History{Ops: make([]history.Op, len(w.ops))}
	// One allocation for every operation's values and one for their
	// fault epochs, rather than three per operation.
	n := 0
	for _, src := range w.ops {
		n += len(src.Input) + len(src.Output)
	}
	vals := make([]byte, 0, n)
	epochs := make([]history.FaultEpoch, len(w.ops))
	for i, src := range w.ops {
		o := src
		o.Input, vals = carve(vals, src.Input)
		o.Output, vals = carve(vals, src.Output)
		e := &epochs[i]
		e.Invoke = append([]string{}, src.FaultEpoch.Invoke...)
		if w.pending[i] {
			o.Type, o.TimeoutMarker, o.Output = history.Info, true, nil
		}
		if o.Type != history.Info {
			e.Complete = append([]string{}, src.FaultEpoch.Complete...)
		}
		o.FaultEpoch = e
		h.Ops[i] = o
	}
	return h
}

// Final returns the history once the run is over (the world's Run has
// returned), as History does but without the copy: the workload's own
// records, operations still pending made info, which the caller then
// owns. Call it once; Stats and the other accessors still answer. A
// scenario takes its history this way: the copy was most of a run's
// allocation outside the system under test.
func (w *Workload) Final() history.History {
	for i := range w.ops {
		if w.pending[i] {
			o := &w.ops[i]
			o.Type, o.TimeoutMarker, o.Output = history.Info, true, nil
		}
	}
	return history.History{Ops: w.ops[:len(w.ops):len(w.ops)]}
}

// carve copies a JSON value to the end of vals and returns the copy,
// capped so that appending to it cannot reach the next one, and vals;
// empty is nil (null).
func carve(vals []byte, m json.RawMessage) (json.RawMessage, []byte) {
	if len(m) == 0 {
		return nil, vals
	}
	start := len(vals)
	vals = append(vals, m...)
	return json.RawMessage(vals[start:len(vals):len(vals)]), vals
}

// Stats returns the counters so far.
func (w *Workload) Stats() Stats { return w.stats }

// BadReplies returns the replies the clients could not use, in order.
func (w *Workload) BadReplies() []BadReply { return append([]BadReply(nil), w.bad...) }

// epoch returns the active fault ids, sorted, never nil.
func (w *Workload) epoch() []string {
	out := []string{}
	if w.cfg.Epoch != nil {
		out = append(out, w.cfg.Epoch()...)
		sort.Strings(out)
	}
	return out
}

// newEpoch returns a FaultEpoch for a new operation, its Invoke filled:
// one of a chunk allocated 64 at a time, not one allocation per
// operation. A chunk is never grown (the pointers into it stay valid).
func (w *Workload) newEpoch() *history.FaultEpoch {
	if len(w.epochs) == cap(w.epochs) {
		w.epochs = make([]history.FaultEpoch, 0, 64)
	}
	w.epochs = w.epochs[:len(w.epochs)+1]
	e := &w.epochs[len(w.epochs)-1]
	e.Invoke = w.epoch()
	return e
}

// invoke records the invocation of c by process at true instant at and
// returns its index in the history.
func (w *Workload) invoke(process int, c call, at clock.Time) int {
	if w.stats.Invoked == 0 {
		w.stats.FirstInvoke = at
	}
	w.stats.Invoked++
	w.stats.Pending++
	w.ops = append(w.ops, history.Op{
		ID:         int64(len(w.ops) + 1),
		Process:    process,
		Model:      w.cfg.Model,
		OpType:     c.opType,
		Key:        c.key,
		Input:      c.input,
		InvokeTS:   int64(at),
		FaultEpoch: w.newEpoch(),
	})
	w.pending = append(w.pending, true)
	return len(w.ops) - 1
}

// complete records the outcome of the operation at index i. For info,
// output is dropped and the completion instant is not recorded.
func (w *Workload) complete(i int, t history.Type, output json.RawMessage, errText, node string, at clock.Time) {
	if !w.pending[i] {
		panic(fmt.Sprintf("workloads: op %d completed twice", w.ops[i].ID)) // a harness defect
	}
	w.pending[i] = false
	w.stats.Pending--
	o := &w.ops[i]
	o.Type, o.Error, o.NodeSeen = t, errText, node
	switch t {
	case history.OK:
		w.stats.OK++
		w.stats.LastOK = at
		o.Output, o.CompleteTS = output, int64(at)
		o.FaultEpoch.Complete = w.epoch()
	case history.Fail:
		w.stats.Fail++
		o.CompleteTS = int64(at)
		o.FaultEpoch.Complete = w.epoch()
	case history.Info:
		w.stats.Info++
		o.TimeoutMarker = true
	}
}

func (w *Workload) badReply(b BadReply) {
	w.stats.BadReplies++
	w.bad = append(w.bad, b)
}
