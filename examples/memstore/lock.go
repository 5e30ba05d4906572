package memstore

import (
	"fmt"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/workloads"
)

// lock is one lock and the resource it protects.
type lock struct {
	holder   string // client holding it; "" when free
	token    int64  // the holder's token
	expires  clock.Time
	last     int64 // the last token granted
	accepted int64 // the greatest token the resource accepted
}

func (s *store) lock(req workloads.Request) (any, error) {
	l := s.locks[req.Key]
	if l == nil {
		l = &lock{}
		s.locks[req.Key] = l
	}
	now := s.env.Mono()
	if l.holder != "" && now >= l.expires {
		l.holder = "" // expired
	}
	switch req.Op {
	case "acquire":
		if l.holder != "" && l.holder != req.Client {
			return nil, fmt.Errorf("held by %s", l.holder)
		}
		if s.cfg.Bug != BugStaleToken || l.last == 0 {
			l.last++
		}
		l.holder, l.token, l.expires = req.Client, l.last, now.Add(s.cfg.LockTTL)
		return out{"token": l.token}, nil
	case "release", "use":
		var in struct{ Token *int64 }
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		if in.Token == nil {
			return nil, fmt.Errorf("%s without a token", req.Op)
		}
		t := *in.Token
		if req.Op == "use" {
			// The protected resource: fencing, whoever holds the lock.
			if t < l.accepted {
				return nil, fmt.Errorf("stale token %d: already accepted %d", t, l.accepted)
			}
			l.accepted = t
			return nil, nil
		}
		if l.holder != req.Client || l.token != t {
			return nil, fmt.Errorf("token %d does not hold the lock", t)
		}
		l.holder = ""
		return nil, nil
	}
	return nil, unsupported(req)
}

// lease is one lease.
type lease struct {
	holder  string
	expires clock.Time
}

func (s *store) lease(req workloads.Request) (any, error) {
	l := s.leases[req.Key]
	if l == nil {
		l = &lease{}
		s.leases[req.Key] = l
	}
	now := s.env.Mono()
	if l.holder != "" && now >= l.expires {
		l.holder = ""
	}
	switch req.Op {
	case "acquire", "renew":
		var in struct {
			DurationNS *int64 `json:"duration_ns"`
		}
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		if in.DurationNS == nil || *in.DurationNS <= 0 {
			return nil, fmt.Errorf("%s needs a positive duration_ns", req.Op)
		}
		switch {
		case req.Op == "renew" && l.holder != req.Client:
			return nil, fmt.Errorf("not held by %s", req.Client)
		case l.holder != "" && l.holder != req.Client:
			return nil, fmt.Errorf("held by %s", l.holder)
		}
		l.holder, l.expires = req.Client, now+clock.Time(*in.DurationNS)
		return out{"duration_ns": *in.DurationNS}, nil
	case "release":
		if l.holder != req.Client {
			return nil, fmt.Errorf("not held by %s", req.Client)
		}
		l.holder = ""
		return nil, nil
	}
	return nil, unsupported(req)
}
