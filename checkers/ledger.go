package checkers

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/faultline-dst/faultline/history"
)

// Ledger checks a ledger of accounts (one partition, "ledger"): transfers
// between accounts keyed by a business idempotency key ("idem"), balance
// reads of one account, and balances snapshots of all accounts. Opening
// balances come from Options.InitialBalances (required; unlisted accounts
// open at 0) and Options.Floor is the least balance allowed.
//
// A transfer is the set of operations with one idempotency key. It has
// surely applied from the earliest completion of an ok operation with that
// key, and may have applied from the earliest invocation of an ok or info
// one; with only fail operations it never applied. A balance read of
// account a is explained (a documented approximation of "some order of
// transfers explains it", judged per account) when it lies within
//
//	opening(a) + Σ sure effects on a + any subset of the possible ones
//
// where sure means applied before the read began and possible means it may
// have applied before the read ended. Anomaly kinds:
//
//   - "below-floor": a balance read below Options.Floor;
//   - "duplicate-apply": an idempotency key applied twice: two ok
//     operations with the key answered {"applied": true}, or a balance
//     explained only if one transfer applied a second time;
//   - "stale-read": a balance explained only if one acknowledged transfer
//     had not applied yet (an acknowledged transfer is missing);
//   - "invalid-balance": a balance neither explanation reaches;
//   - "total-not-conserved": a snapshot whose sum differs from the sum of
//     the opening balances (an account the snapshot leaves out counts 0).
//
// Transfer operations with one idempotency key but different arguments
// make the history malformed: a retry must repeat its arguments.
func Ledger(h history.History, opts Options) Result {
	return run("ledger", h, opts, func(ops []history.Op, r *report) error {
		if r.opts.InitialBalances == nil {
			return &undecided{reasonNotConfig, "ledger checker needs Options.InitialBalances (the opening balance of every account)"}
		}
		return checkLedger(ops, r)
	})
}

type transfer struct {
	idem       string
	from, to   string
	amount     int64
	first      history.Op // first operation with the key
	sure       bool
	sureAt     int64 // earliest ok completion
	possibleAt int64 // earliest ok or info invocation
	possible   bool
	appliedBy  []history.Op // ok operations that answered {"applied": true}
}

// effect returns the transfer's effect on account a.
func (t *transfer) effect(a string) int64 {
	var d int64
	if t.from == a {
		d -= t.amount
	}
	if t.to == a {
		d += t.amount
	}
	return d
}

func checkLedger(ops []history.Op, r *report) error {
	var work int64
	index := make(map[string]*transfer)
	var transfers []*transfer // in order of first operation
	for _, o := range ops {
		if o.OpType != "transfer" {
			continue
		}
		work++
		m, err := object(o.Input, []string{"from", "to", "amount", "idem"}, nil)
		if err != nil {
			return malformed(o, "input", err)
		}
		t := transfer{first: o}
		if t.from, err = text(m["from"]); err == nil {
			if t.to, err = text(m["to"]); err == nil {
				if t.amount, err = integer(m["amount"]); err == nil {
					t.idem, err = text(m["idem"])
				}
			}
		}
		if err != nil {
			return malformed(o, "input", err)
		}
		prev, ok := index[t.idem]
		if !ok {
			prev = &t
			index[t.idem] = prev
			transfers = append(transfers, prev)
		} else if prev.from != t.from || prev.to != t.to || prev.amount != t.amount {
			return fmt.Errorf("op %d: transfer with idempotency key %q has arguments %s->%s %d, but op %d with the same key had %s->%s %d (a retry must repeat its arguments)",
				o.ID, t.idem, t.from, t.to, t.amount, prev.first.ID, prev.from, prev.to, prev.amount)
		}
		switch o.Type {
		case history.OK:
			if !prev.sure || o.CompleteTS < prev.sureAt {
				prev.sureAt = o.CompleteTS
			}
			prev.sure = true
			applied := true
			if len(o.Output) > 0 && string(o.Output) != "null" {
				mo, err := object(o.Output, nil, []string{"applied"})
				if err != nil {
					return malformed(o, "output", err)
				}
				if a, ok := mo["applied"]; ok {
					if applied, err = boolean(a); err != nil {
						return malformed(o, "output", err)
					}
				}
			}
			if applied {
				prev.appliedBy = append(prev.appliedBy, o)
			}
			fallthrough
		case history.Info:
			if !prev.possible || o.InvokeTS < prev.possibleAt {
				prev.possibleAt = o.InvokeTS
			}
			prev.possible = true
		}
	}
	for _, t := range transfers {
		if len(t.appliedBy) > 1 {
			r.violate("duplicate-apply", "ledger", ids(t.appliedBy...), "transfer %q (%s->%s %d) answered applied by %d operations (ops %v)",
				t.idem, t.from, t.to, t.amount, len(t.appliedBy), ids(t.appliedBy...))
		}
	}
	// Accounts: opening balances plus every account a transfer touches, sorted.
	opening := make(map[string]int64)
	for a, b := range r.opts.InitialBalances {
		opening[a] = b
	}
	for _, t := range transfers {
		opening[t.from] += 0
		opening[t.to] += 0
	}
	accounts := make([]string, 0, len(opening))
	var total int64
	for a, b := range opening {
		accounts = append(accounts, a)
		total += b
	}
	sort.Strings(accounts)

	judge := func(o history.Op, account string, v int64) {
		if v < r.opts.Floor {
			r.violate("below-floor", "ledger", ids(o), "op %d read balance %d for account %s, below the floor %d", o.ID, v, account, r.opts.Floor)
		}
		base := opening[account]
		var lo, hi int64 // offsets from base
		var sure, poss []*transfer
		for _, t := range transfers {
			work++
			d := t.effect(account)
			if d == 0 || !t.possible {
				continue
			}
			switch {
			case t.sure && t.sureAt < o.InvokeTS:
				sure = append(sure, t)
				lo, hi = lo+d, hi+d
			case t.possibleAt <= o.CompleteTS:
				poss = append(poss, t)
				lo, hi = lo+min(d, 0), hi+max(d, 0)
			}
		}
		x := v - base
		if x >= lo && x <= hi {
			return
		}
		why := fmt.Sprintf("op %d read balance %d for account %s (opening %d); the %d transfers applied before it and the %d possibly concurrent ones allow [%d, %d]",
			o.ID, v, account, base, len(sure), len(poss), base+lo, base+hi)
		for _, t := range sure {
			if d := t.effect(account); x >= lo-d && x <= hi-d {
				r.violate("stale-read", "ledger", append(ids(o), ids(t.first)...), "%s; explained only if acknowledged transfer %q (%s->%s %d) had not applied", why, t.idem, t.from, t.to, t.amount)
				return
			}
		}
		for _, t := range append(sure, poss...) {
			if d := t.effect(account); x >= lo+d && x <= hi+d {
				r.violate("duplicate-apply", "ledger", append(ids(o), ids(t.first)...), "%s; explained only if transfer %q (%s->%s %d) applied more than once", why, t.idem, t.from, t.to, t.amount)
				return
			}
		}
		r.violate("invalid-balance", "ledger", ids(o), "%s; no order of these transfers, even missing or repeating one, gives it", why)
	}
	reads := 0
	for _, o := range ops {
		if o.Type != history.OK {
			continue
		}
		switch o.OpType {
		case "balance", "balances":
			reads++
		}
		switch o.OpType {
		case "balance":
			v, err := intIn(o, o.Output, "output", "balance")
			if err != nil {
				return err
			}
			judge(o, o.Key, v)
		case "balances":
			m, err := object(o.Output, []string{"balances"}, nil)
			if err != nil {
				return malformed(o, "output", err)
			}
			var snap map[string]json.RawMessage
			if err := json.Unmarshal(m["balances"], &snap); err != nil {
				return malformed(o, "output", fmt.Errorf(`"balances": want an object of account balances`))
			}
			names := make([]string, 0, len(snap))
			for a := range snap {
				names = append(names, a)
			}
			sort.Strings(names)
			var sum int64
			for _, a := range names {
				v, err := integer(snap[a])
				if err != nil {
					return malformed(o, "output", fmt.Errorf("account %s: %v", a, err))
				}
				sum += v
				judge(o, a, v)
			}
			if sum != total {
				r.violate("total-not-conserved", "ledger", ids(o), "snapshot op %d sums to %d over %d accounts, but the opening balances sum to %d", o.ID, sum, len(names), total)
			}
		}
	}
	reason := ""
	if reads == 0 {
		reason = reasonNoReads + ": no ok balance or balances read to judge"
	}
	r.partition("ledger", len(ops), work, reason)
	return nil
}
