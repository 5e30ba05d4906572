package checkers

import (
	"fmt"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/history"
)

// Options configures the checkers; each reads only its own fields. The
// zero value is usable: unset limits take the defaults below.
type Options struct {
	// MaxViolations bounds the violations listed in a Result (default
	// 20); the rest are counted in Result.Omitted.
	MaxViolations int

	// linearizable: a key with more than MaxPartitionOps operations
	// (default 10,000) is not searched; a search that needs more than
	// MaxSteps model steps (default 10,000,000) is abandoned. Both make
	// the key undecided ("work-limit"), deterministically. TimeLimit is a
	// host-time safety net per key (default 1 minute; negative: none); it
	// can only make a key undecided ("time-limit"), never pass it.
	MaxPartitionOps int
	MaxSteps        int64
	TimeLimit       time.Duration
	// Linearizations (linearizable) keeps porcupine's linearization
	// information of every decided key in Result.Linearizations, for
	// pictures. Without it only anomalous keys keep theirs: computing it
	// costs more than deciding a linearizable key.
	Linearizations bool

	// queue and log: the delivery claim (required). Under ExactlyOnce a
	// value delivered twice is an anomaly; under AtLeastOnce it is not.
	// Unset, the checker does not guess: the history is undecided
	// ("not-configured").
	Delivery Delivery
	// queue: the claim includes FIFO order per producer.
	FIFO bool

	// lease: the declared clock drift bound ρ (e.g. 1e-4 for 100 ppm).
	DriftBound float64

	// ledger: opening balances per account (required; accounts not listed
	// open at 0) and the floor no balance may go below.
	InitialBalances map[string]int64
	Floor           int64

	// counter: the value every counter starts at.
	CounterInitial int64

	// session: also order writes by real time (a write that completed
	// before another was invoked is older). Claim this only for stores
	// whose writes are linearizable; by default only each process's own
	// order of writes is used.
	RealTimeOrder bool

	// liveness: the true instant the last fault healed, and the declared
	// recovery time (required, > 0) within which an ok operation must
	// complete.
	HealAt   int64
	Recovery time.Duration
}

// Delivery is a queue's or log's delivery claim: whether a value may be
// delivered more than once. It is part of what the system promises, so a
// scenario states it; the checkers have no default.
type Delivery string

// The delivery claims the queue and log checkers judge.
const (
	// ExactlyOnce: every acknowledged value is delivered, none twice.
	ExactlyOnce Delivery = "exactly-once"
	// AtLeastOnce: every acknowledged value is delivered, perhaps more
	// than once (a consumer that redelivers after a crash is correct).
	AtLeastOnce Delivery = "at-least-once"
)

// Deliveries returns the delivery claims, in a fixed order.
func Deliveries() []Delivery { return []Delivery{ExactlyOnce, AtLeastOnce} }

// ParseDelivery returns the delivery claim called s, or an error listing
// the valid ones.
func ParseDelivery(s string) (Delivery, error) {
	for _, d := range Deliveries() {
		if string(d) == s {
			return d, nil
		}
	}
	return "", fmt.Errorf("unknown delivery claim %q; valid: %s, %s", s, ExactlyOnce, AtLeastOnce)
}

// NeedsDelivery reports whether the checker called name judges a
// delivery claim (Options.Delivery must then be set).
func NeedsDelivery(name string) bool { return name == "queue" || name == "log" }

// deliveryClaim is the undecided error of a queue or log checker given
// no valid delivery claim.
func (o Options) deliveryClaim(checker string) error {
	if _, err := ParseDelivery(string(o.Delivery)); err != nil {
		return &undecided{reasonNotConfig, fmt.Sprintf("%s checker needs the delivery claim (Options.Delivery %s or %s; got %q): a second delivery is an anomaly under one and correct under the other", checker, ExactlyOnce, AtLeastOnce, o.Delivery)}
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.MaxViolations <= 0 {
		o.MaxViolations = 20
	}
	if o.MaxPartitionOps <= 0 {
		o.MaxPartitionOps = 10000
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = 10_000_000
	}
	if o.TimeLimit == 0 {
		o.TimeLimit = time.Minute
	}
	return o
}

// A Checker is one named checker: the models it judges, the fields it
// needs beyond the core ones, and the function that runs it.
type Checker struct {
	Name    string
	Models  []history.Model
	Needs   history.FieldSet
	Summary string
	Check   func(h history.History, opts Options) Result
}

// Registry returns every checker, sorted by name.
func Registry() []Checker {
	kv := []history.Model{history.Register, history.KV}
	key, in, out := history.FieldKey, history.FieldInput, history.FieldOutput
	return []Checker{
		{"counter", []history.Model{history.Counter}, history.Fields(key, in, out),
			"reads lie within the bounds acknowledged and uncertain increments allow", Counter},
		{"ledger", []history.Model{history.Ledger}, history.Fields(in, out),
			"each idempotency key applied at most once, total conserved, no balance below the floor, reads explained", Ledger},
		{"lease", []history.Model{history.Lease}, history.Fields(key, in, out, history.FieldProcess),
			"no two holders with overlapping validity in true time, given the drift bound", Lease},
		{"linearizable", kv, history.Fields(key, in, out, history.FieldNodeSeen),
			"register/key-value operations linearizable per key (porcupine)", Linearizable},
		{"liveness", history.Models(), history.Fields(history.FieldFaultEpoch),
			"an operation succeeds within the recovery time after the last heal", Liveness},
		{"lock", []history.Model{history.Lock}, history.Fields(key, in, out, history.FieldProcess, history.FieldFaultEpoch),
			"fencing tokens unique and increasing; the resource never accepts a stale token", Lock},
		{"log", []history.Model{history.Log}, history.Fields(key, in, out),
			"acknowledged appends present; offsets unique and increasing; reads are prefixes", Log},
		{"queue", []history.Model{history.Queue}, history.Fields(key, in, out, history.FieldProcess),
			"no acknowledged enqueue lost, none invented, none delivered twice under exactly-once", Queue},
		{"session", kv, history.Fields(key, in, out, history.FieldProcess),
			"read-your-writes and monotonic reads per process", Session},
		{"set", []history.Model{history.Set}, history.Fields(key, in, out),
			"no acknowledged add missing from a final read; nothing invented", Set},
	}
}

// Names returns the checkers' names, sorted.
func Names() []string {
	var out []string
	for _, c := range Registry() {
		out = append(out, c.Name)
	}
	return out
}

// Lookup returns the checker called name, or an error listing the valid
// names.
func Lookup(name string) (Checker, error) {
	for _, c := range Registry() {
		if c.Name == name {
			return c, nil
		}
	}
	return Checker{}, fmt.Errorf("unknown checker %q; valid: %s", name, strings.Join(Names(), ", "))
}
