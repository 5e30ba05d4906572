package raftkv

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/faultline-dst/faultline/clock"
)

// maxLeaseTerm bounds the term a client may ask for.
const maxLeaseTerm = time.Hour

// lease is the lease model (history.Lease): a lease per key, granted to
// one client (the holder, the request's Client) for a term.
//
//	acquire  input {"duration_ns": n}  output {"duration_ns": n}  granted
//	         when the lease is free, already the caller's, or expired
//	renew    input {"duration_ns": n}  output {"duration_ns": n}  the
//	         holder only; a new term from now
//	release  input null                output null                the
//	         holder only
//
// # Validity and the drift bound
//
// The contract with the holder is METHOD.md's: clocks run at a rate
// within 1±ρ of true time (ρ is LeaseConfig.DriftBound), and a holder
// granted a term D may use the lease for at most D(1−ρ)/(1+ρ) of its own
// clock, counted from when it sent the request. Its clock runs at least
// 1−ρ, so it stops by D/(1+ρ) of true time after sending: that is the
// end of its validity window, which the lease checker judges.
//
// The cluster must not grant the lease to anyone else before then. A
// replica starts the lease's expiry when it applies the grant (at or
// after the request was sent) and waits out the holder's true-time bound
// D/(1+ρ) on its own clock, which may itself run up to 1+ρ fast: it waits
// D/(1+ρ) × (1+ρ) = D of its own clock (holdFor). Expiry is soft state of
// each replica, like a lock's TTL (lock.go): the leader admits an acquire
// of a lease held by another client only once it has expired on the
// leader's clock, and apply grants only if the lease's generation is the
// one the leader saw.
type lease struct {
	drift    float64 // ρ
	noMargin bool    // BugLeaseNoDriftMargin
	now      func() clock.Time
	leases   map[string]*leaseState
	expires  map[string]clock.Time // soft state: when each held lease expires here
}

type leaseState struct {
	Holder string `json:"holder,omitempty"`
	Gen    uint64 `json:"gen,omitempty"`  // raft index of the last change
	Term   int64  `json:"term,omitempty"` // the holder's granted term, ns
}

func newLease(drift float64, noMargin bool, now func() clock.Time) *lease {
	return &lease{drift: drift, noMargin: noMargin, now: now, leases: map[string]*leaseState{}, expires: map[string]clock.Time{}}
}

// holdFor returns how long this replica keeps a lease granted for term d,
// on its own clock. The holder stops using it by d/(1+ρ) of true time
// after it asked; this replica's clock may run 1+ρ fast, so it waits that
// bound times 1+ρ (that is, d). BugLeaseNoDriftMargin trusts the local
// clock to keep true time and waits only d/(1+ρ).
func (l *lease) holdFor(d int64) time.Duration {
	bound := float64(d) / (1 + l.drift) // true time the holder may use it
	if l.noMargin {
		return time.Duration(math.Floor(bound))
	}
	return time.Duration(math.Ceil(bound * (1 + l.drift)))
}

type leaseTerm struct {
	DurationNS *int64 `json:"duration_ns"`
}

func (l *lease) readOnly(string) bool { return false }

func (l *lease) check(c *command) error {
	if c.Key == "" {
		return fmt.Errorf("lease %s: key (the lease name) required", c.Op)
	}
	switch c.Op {
	case "release":
		return nil
	case "acquire", "renew":
		var in leaseTerm
		if err := decodeInput(c, &in); err != nil {
			return err
		}
		if in.DurationNS == nil || *in.DurationNS <= 0 || *in.DurationNS > int64(maxLeaseTerm) {
			return fmt.Errorf("lease %s: input needs \"duration_ns\" between 1 and %d", c.Op, int64(maxLeaseTerm))
		}
		return nil
	}
	return unknownOp(c)
}

func (l *lease) state(key string) *leaseState {
	s := l.leases[key]
	if s == nil {
		s = &leaseState{}
		l.leases[key] = s
	}
	return s
}

// admit vets an acquire or renew on the leader: a lease held by another
// client may be taken over only once it has expired on this node's clock;
// only the holder renews.
func (l *lease) admit(c *command) error {
	s := l.state(c.Key)
	switch c.Op {
	case "acquire":
		if s.Holder != "" && s.Holder != c.Client && l.now() < l.expires[c.Key] {
			return fmt.Errorf("lease %s is held by %s", c.Key, s.Holder)
		}
	case "renew":
		if s.Holder != c.Client {
			return fmt.Errorf("lease %s is not held by %s", c.Key, c.Client)
		}
	default:
		return nil
	}
	gen := s.Gen
	c.Expect = &gen
	return nil
}

func (l *lease) apply(index uint64, c *command) result {
	s := l.state(c.Key)
	switch c.Op {
	case "acquire", "renew":
		var in leaseTerm
		_ = decodeInput(c, &in) // checked
		switch {
		case c.Expect != nil && *c.Expect != s.Gen:
			return refuse("lease %s changed while the %s was proposed", c.Key, c.Op)
		case c.Expect == nil && c.Op == "acquire" && s.Holder != "" && s.Holder != c.Client:
			return refuse("lease %s is held by %s", c.Key, s.Holder)
		case c.Op == "renew" && s.Holder != c.Client:
			return refuse("lease %s is not held by %s", c.Key, c.Client)
		}
		d := *in.DurationNS
		s.Holder, s.Gen, s.Term = c.Client, index, d
		l.expires[c.Key] = l.now().Add(l.holdFor(d))
		return okWith(mustJSON(map[string]int64{"duration_ns": d}))
	case "release":
		if s.Holder != c.Client {
			return refuse("lease %s is not held by %s", c.Key, c.Client)
		}
		s.Holder, s.Gen, s.Term = "", index, 0
		delete(l.expires, c.Key)
		return okWith(nil)
	}
	return refuse("%v", unknownOp(c))
}

func (l *lease) read(c *command) result { return refuse("%v", unknownOp(c)) }

func (l *lease) snapshot() (json.RawMessage, error) { return json.Marshal(l.leases) }

// restore replaces the leases; every held one is kept for its full term
// from now on this node, as if its grant had just been applied.
func (l *lease) restore(b json.RawMessage) error {
	leases := map[string]*leaseState{}
	if err := json.Unmarshal(b, &leases); err != nil {
		return err
	}
	l.leases = leases
	l.expires = map[string]clock.Time{}
	for k, s := range leases {
		if s.Holder != "" {
			l.expires[k] = l.now().Add(l.holdFor(s.Term))
		}
	}
	return nil
}
