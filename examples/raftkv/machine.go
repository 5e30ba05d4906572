package raftkv

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/workloads"
)

// model is one abstract model's state behind the log. Every model is
// deterministic: its replicated state and every result change only
// through apply, in log order, and depend on nothing but the commands and
// their raft indices. (Locks and leases also keep soft state, when each
// expires on this replica's clock, which only admit reads; see admitter.)
type model interface {
	// readOnly reports whether op only reads: it is served through
	// ReadIndex and never proposed.
	readOnly(op string) bool
	// check validates a request before it is proposed or read, so that
	// nothing malformed enters the log.
	check(c *command) error
	// apply executes a write at raft index index.
	apply(index uint64, c *command) result
	// read serves a read-only op from the current state.
	read(c *command) result
	// snapshot returns the model's state as canonical JSON; restore
	// replaces the state with one snapshot returned.
	snapshot() (json.RawMessage, error)
	restore(json.RawMessage) error
}

// admitter is implemented by models whose writes the leader must vet
// against its own soft state before proposing them: a lock or lease held
// by another client may be taken over only once it has expired on the
// leader's clock, which the replicated state cannot know. admit refuses
// the request (an error: StatusFail, nothing proposed) or returns it with
// Expect set to the generation it observed; apply then grants only if the
// generation is still the same, so the decision is deterministic on every
// replica and a stale leader's admission never takes effect.
type admitter interface {
	admit(c *command) error
}

// result is a model's answer to one operation.
type result struct {
	status workloads.Status // StatusOK or StatusFail
	output json.RawMessage
	err    string
}

func okWith(output json.RawMessage) result { return result{status: workloads.StatusOK, output: output} }

func refuse(format string, args ...any) result {
	return result{status: workloads.StatusFail, err: fmt.Sprintf(format, args...)}
}

// command is an operation as it travels in the log. Node, Inc and Seq
// identify the proposal so that the proposer can answer its client when
// the entry is applied; the state machine does not use them.
type command struct {
	Node   uint64          `json:"node"`
	Inc    int             `json:"inc"`
	Seq    uint64          `json:"seq"`
	Client string          `json:"client"`
	Model  history.Model   `json:"model"`
	Op     string          `json:"op"`
	Key    string          `json:"key,omitempty"`
	Input  json.RawMessage `json:"input,omitempty"`
	// Expect is the generation of the object (lock token, lease
	// generation) the leader saw when it admitted the command; see
	// admitter. nil: the command was not vetted, and apply grants only
	// what is free.
	Expect *uint64 `json:"expect,omitempty"`
	// Internal marks a command the node made itself rather than a
	// client's request (the dequeue-before-commit bug's removals); models
	// refuse internal ops without it.
	Internal bool `json:"internal,omitempty"`
}

// machine is the replicated state machine: one model per history.Model it
// serves. Adding a model is adding a file with its type and one line in
// newMachine.
type machine struct {
	models map[history.Model]model
	names  []history.Model // sorted, for snapshots
	now    func() clock.Time
	// wall reads the node's wall clock; only BugLeaseWallClock times
	// anything on it.
	wall func() clock.Time
}

// newMachine returns the empty state machine. now reads the node's
// monotonic clock; only soft state (when a lock or lease expires on this
// node) depends on it, never the replicated state or a command's result.
func newMachine(cfg *resolved, now func() clock.Time) *machine {
	m := &machine{now: now}
	leaseNow := now
	if cfg.bugs.leaseWallClock {
		// BugLeaseWallClock: lease expiry read off the wall clock, which
		// steps when NTP (or an operator) sets it.
		leaseNow = func() clock.Time {
			if m.wall != nil {
				return m.wall()
			}
			return m.now()
		}
	}
	m.models = map[history.Model]model{
		history.KV:       newKV(),
		history.Register: newKV(),
		history.Set:      newSet(),
		history.Counter:  newCounter(),
		history.Queue:    newQueue(),
		history.Log:      newLog(),
		history.Ledger:   newLedger(cfg.Ledger, cfg.bugs.ledgerNoIdempotency),
		history.Lock:     newLock(cfg.LockTTL, cfg.bugs.lockNoFencing, now),
		history.Lease:    newLease(cfg.Lease.DriftBound, cfg.bugs.leaseNoDriftMargin, leaseNow),
	}
	for _, name := range history.Models() { // sorted
		if _, ok := m.models[name]; ok {
			m.names = append(m.names, name)
		}
	}
	return m
}

// lookup returns the model that serves c, or an error naming the choices.
func (m *machine) lookup(c *command) (model, error) {
	md, ok := m.models[c.Model]
	if !ok {
		names := make([]string, len(m.names))
		for i, n := range m.names {
			names[i] = string(n)
		}
		return nil, fmt.Errorf("model %q not served; served: %s", c.Model, strings.Join(names, ", "))
	}
	return md, nil
}

func (m *machine) apply(index uint64, c *command) result {
	md, err := m.lookup(c)
	if err != nil {
		return refuse("%v", err)
	}
	if err := md.check(c); err != nil {
		return refuse("%v", err)
	}
	return md.apply(index, c)
}

func (m *machine) read(c *command) result {
	md, err := m.lookup(c)
	if err != nil {
		return refuse("%v", err)
	}
	return md.read(c)
}

// snapshot encodes every model's state, in model-name order.
func (m *machine) snapshot() ([]byte, error) {
	all := make(map[string]json.RawMessage, len(m.names))
	for _, name := range m.names {
		b, err := m.models[name].snapshot()
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: %w", name, err)
		}
		all[string(name)] = b
	}
	return json.Marshal(all) // encoding/json sorts map keys
}

// restore replaces every model's state from data (nil: the empty state).
func (m *machine) restore(data []byte, cfg *resolved) error {
	fresh := newMachine(cfg, m.now)
	fresh.wall = m.wall
	if len(data) > 0 {
		var all map[string]json.RawMessage
		if err := json.Unmarshal(data, &all); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		for _, name := range fresh.names {
			if b, ok := all[string(name)]; ok {
				if err := fresh.models[name].restore(b); err != nil {
					return fmt.Errorf("snapshot of %s: %w", name, err)
				}
			}
		}
	}
	*m = *fresh
	return nil
}

// decodeInput unmarshals a command's input into v. (json.Unmarshal rather
// than a strict json.Decoder: a Decoder allocates a read buffer per call,
// which was the largest allocation of a run.)
func decodeInput(c *command, v any) error {
	if len(c.Input) == 0 || string(c.Input) == "null" {
		return fmt.Errorf("%s %s: input required", c.Model, c.Op)
	}
	if err := json.Unmarshal(c.Input, v); err != nil {
		return fmt.Errorf("%s %s: input %s: %w", c.Model, c.Op, c.Input, err)
	}
	return nil
}

// unknownOp is the error for an op outside a model's vocabulary.
func unknownOp(c *command) error {
	return fmt.Errorf("%q is not an operation of model %s; valid: %s", c.Op, c.Model, strings.Join(history.OpTypes(c.Model), ", "))
}

// mustJSON encodes a value built by this package.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("raftkv: encoding %T: %v", v, err))
	}
	return b
}

// canonical returns the canonical text of a JSON value (null for none), as
// history.CanonicalJSON defines it. Scalars that are already canonical (a
// number, a literal, a string of plain printable ASCII) are returned as
// they are, without the decoding round trip, which dominated the cost of
// applying kv commands.
func canonical(raw json.RawMessage) (string, error) {
	if isCanonicalScalar(raw) {
		return string(raw), nil
	}
	return history.CanonicalJSON(raw)
}

func isCanonicalScalar(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch s := string(b); {
	case s == "null" || s == "true" || s == "false":
		return true
	case b[0] == '"':
		if len(b) < 2 || b[len(b)-1] != '"' {
			return false
		}
		for _, c := range b[1 : len(b)-1] {
			// json.Marshal escapes these; anything else printable ASCII is
			// written as is.
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
		}
		return true
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		// A valid number is written as is (json.Number); check validity.
		return json.Valid(b) && !strings.ContainsAny(s, " \t\r\n")
	}
	return false
}
