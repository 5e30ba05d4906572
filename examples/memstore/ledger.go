package memstore

import (
	"fmt"

	"github.com/faultline-dst/faultline/workloads"
)

func (s *store) ledger(req workloads.Request) (any, error) {
	switch req.Op {
	case "transfer":
		var in struct {
			From, To string
			Amount   int64
			Idem     string
		}
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		switch {
		case in.Idem == "":
			return nil, fmt.Errorf("transfer without an idempotency key")
		case s.applied[in.Idem]:
			return out{"applied": false}, nil
		case in.From == "" || in.To == "" || in.From == in.To:
			return nil, fmt.Errorf("transfer needs two different accounts, got %q and %q", in.From, in.To)
		case in.Amount <= 0:
			return nil, fmt.Errorf("amount %d is not positive", in.Amount)
		case s.balances[in.From]-in.Amount < s.cfg.Floor:
			return nil, fmt.Errorf("insufficient funds: %s holds %d, floor %d", in.From, s.balances[in.From], s.cfg.Floor)
		}
		s.applied[in.Idem] = true
		s.transfers++
		times := int64(1)
		if s.cfg.Bug == BugDoubleApply && s.transfers%4 == 0 {
			times = 2
		}
		s.balances[in.From] -= times * in.Amount
		s.balances[in.To] += times * in.Amount
		return out{"applied": true}, nil
	case "balance":
		return out{"balance": s.balances[req.Key]}, nil
	case "balances":
		// encoding/json writes map keys sorted: the reply is deterministic.
		snap := make(map[string]int64, len(s.balances))
		for a, b := range s.balances {
			snap[a] = b
		}
		return out{"balances": snap}, nil
	}
	return nil, unsupported(req)
}
