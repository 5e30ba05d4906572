package raftkv

import (
	"encoding/json"
	"fmt"
)

// lock is the lock model (history.Lock): a lock per key with fencing
// tokens, and the resource it protects.
//
//	acquire  input null          output {"token": n}  n is the raft index
//	         of the acquire, so tokens strictly increase in log order
//	release  input {"token": n}  output null          fails unless n is
//	         the current holder's token
//	use      input {"token": n}  output null          the resource accepts
//	         n if no greater token was accepted before, and fails otherwise
//
// An acquire of a held lock fails (the lock has no lease: a holder that
// never releases keeps it).
type lock struct {
	locks map[string]*lockState
}

type lockState struct {
	Holder   string `json:"holder,omitempty"`
	Token    uint64 `json:"token,omitempty"`    // the holder's token; 0 when free
	Accepted uint64 `json:"accepted,omitempty"` // greatest token the resource accepted
}

func newLock() *lock { return &lock{locks: map[string]*lockState{}} }

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

func (l *lock) apply(index uint64, c *command) result {
	s := l.state(c.Key)
	var in lockToken
	if c.Op != "acquire" {
		_ = decodeInput(c, &in) // checked
	}
	switch c.Op {
	case "acquire":
		if s.Token != 0 {
			return refuse("lock %s is held by %s (token %d)", c.Key, s.Holder, s.Token)
		}
		s.Holder, s.Token = c.Client, index
		return okWith(mustJSON(map[string]uint64{"token": index}))
	case "release":
		if s.Token == 0 || *in.Token != s.Token {
			return refuse("lock %s: token %d is not the holder's (%d)", c.Key, *in.Token, s.Token)
		}
		s.Holder, s.Token = "", 0
		return okWith(nil)
	case "use":
		if *in.Token < s.Accepted {
			return refuse("lock %s: resource refuses stale token %d (accepted %d)", c.Key, *in.Token, s.Accepted)
		}
		s.Accepted = *in.Token
		return okWith(nil)
	}
	return refuse("%v", unknownOp(c))
}

func (l *lock) read(c *command) result { return refuse("%v", unknownOp(c)) }

func (l *lock) snapshot() (json.RawMessage, error) { return json.Marshal(l.locks) }

func (l *lock) restore(b json.RawMessage) error {
	locks := map[string]*lockState{}
	if err := json.Unmarshal(b, &locks); err != nil {
		return err
	}
	l.locks = locks
	return nil
}
