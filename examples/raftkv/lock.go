package raftkv

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/faultline-dst/faultline/clock"
)

// lock is the lock model (history.Lock): a lock per key with fencing
// tokens and a time to live, and the resource it protects.
//
//	acquire  input null          output {"token": n}  n is the raft index
//	         of the acquire, so tokens strictly increase in log order
//	release  input {"token": n}  output null          fails unless n is
//	         the current holder's token
//	use      input {"token": n}  output null          the resource accepts
//	         n if no greater token was accepted before, and fails otherwise
//
// An acquire of a held lock fails until the lock expires: Config.LockTTL
// after the acquire was applied, measured on the monotonic clock of the
// leader that admits the next acquire (admit). A holder is not told when
// its lock expires and may go on using its token after a pause or a
// partition: the resource's fencing check is what keeps two holders from
// both writing. Expiry is soft state of each replica, never replicated: a
// replica starts a lock's TTL when it applies the acquire (or restores a
// snapshot holding it), at or after the instant the acquire was
// proposed, so no replica frees a lock earlier than the one that granted
// it would.
type lock struct {
	ttl       time.Duration
	noFencing bool // BugLockNoFencing
	now       func() clock.Time
	locks     map[string]*lockState
	expires   map[string]clock.Time // soft state: when each held lock expires here
}

type lockState struct {
	Holder   string `json:"holder,omitempty"`
	Token    uint64 `json:"token,omitempty"`    // the holder's token; 0 when free
	Accepted uint64 `json:"accepted,omitempty"` // greatest token the resource accepted
}

func newLock(ttl time.Duration, noFencing bool, now func() clock.Time) *lock {
	return &lock{ttl: ttl, noFencing: noFencing, now: now, locks: map[string]*lockState{}, expires: map[string]clock.Time{}}
}

type lockToken struct {
	Token *uint64 `json:"token"`
}

func (l *lock) readOnly(string) bool { return false }

func (l *lock) check(c *command) error {
	if c.Key == "" {
		return fmt.Errorf("lock %s: key (the lock name) required", c.Op)
	}
	switch c.Op {
	case "acquire":
		return nil
	case "release", "use":
		var in lockToken
		if err := decodeInput(c, &in); err != nil {
			return err
		}
		if in.Token == nil {
			return fmt.Errorf("lock %s: input needs \"token\"", c.Op)
		}
		return nil
	}
	return unknownOp(c)
}

func (l *lock) state(key string) *lockState {
	s := l.locks[key]
	if s == nil {
		s = &lockState{}
		l.locks[key] = s
	}
	return s
}

// admit vets an acquire on the leader: a held lock may be taken over only
// once its TTL has run out on this node's clock.
func (l *lock) admit(c *command) error {
	if c.Op != "acquire" {
		return nil
	}
	s := l.state(c.Key)
	if s.Token != 0 && l.now() < l.expires[c.Key] {
		return fmt.Errorf("lock %s is held by %s (token %d)", c.Key, s.Holder, s.Token)
	}
	gen := s.Token
	c.Expect = &gen
	return nil
}

func (l *lock) apply(index uint64, c *command) result {
	s := l.state(c.Key)
	var in lockToken
	if c.Op != "acquire" {
		_ = decodeInput(c, &in) // checked
	}
	switch c.Op {
	case "acquire":
		var expect uint64 // not admitted: only a free lock
		if c.Expect != nil {
			expect = *c.Expect
		}
		if s.Token != expect {
			if s.Token != 0 {
				return refuse("lock %s is held by %s (token %d)", c.Key, s.Holder, s.Token)
			}
			return refuse("lock %s changed hands while the acquire was proposed", c.Key)
		}
		s.Holder, s.Token = c.Client, index
		l.expires[c.Key] = l.now().Add(l.ttl)
		return okWith(mustJSON(map[string]uint64{"token": index}))
	case "release":
		if s.Token == 0 || *in.Token != s.Token {
			return refuse("lock %s: token %d is not the holder's (%d)", c.Key, *in.Token, s.Token)
		}
		s.Holder, s.Token = "", 0
		delete(l.expires, c.Key)
		return okWith(nil)
	case "use":
		if *in.Token < s.Accepted && !l.noFencing {
			return refuse("lock %s: resource refuses stale token %d (accepted %d)", c.Key, *in.Token, s.Accepted)
		}
		s.Accepted = max(s.Accepted, *in.Token)
		return okWith(nil)
	}
	return refuse("%v", unknownOp(c))
}

func (l *lock) read(c *command) result { return refuse("%v", unknownOp(c)) }

func (l *lock) snapshot() (json.RawMessage, error) { return json.Marshal(l.locks) }

// restore replaces the locks; every held one gets a full TTL from now on
// this node, as if its acquire had just been applied.
func (l *lock) restore(b json.RawMessage) error {
	locks := map[string]*lockState{}
	if err := json.Unmarshal(b, &locks); err != nil {
		return err
	}
	l.locks = locks
	l.expires = map[string]clock.Time{}
	for k, s := range locks {
		if s.Token != 0 {
			l.expires[k] = l.now().Add(l.ttl)
		}
	}
	return nil
}
