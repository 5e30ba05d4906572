package checkers

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/history"
)

func TestLedgerCanaries(t *testing.T) {
	lg := history.Ledger
	open := Options{InitialBalances: map[string]int64{"a": 10, "b": 0}}
	tr := func(id int64, from, to string, amt int, idem string, inv, cmp int64) history.Op {
		o := ok(id, 0, lg, "transfer", "", obj{"from": from, "to": to, "amount": amt, "idem": idem}, nil, inv, cmp)
		return o
	}
	trApplied := func(id int64, idem string, applied bool, inv, cmp int64) history.Op {
		o := tr(id, "a", "b", 5, idem, inv, cmp)
		o.Output = history.MustJSON(obj{"applied": applied})
		return o
	}
	bal := func(id int64, acct string, v int, inv, cmp int64) history.Op {
		return ok(id, 1, lg, "balance", acct, nil, obj{"balance": v}, inv, cmp)
	}
	snap := func(id int64, a, b int, inv, cmp int64) history.Op {
		return ok(id, 1, lg, "balances", "", nil, obj{"balances": obj{"a": a, "b": b}}, inv, cmp)
	}
	retryInfo := info(2, 0, lg, "transfer", "", obj{"from": "a", "to": "b", "amount": 5, "idem": "k1"}, 0)
	runCanaries(t, Ledger, []canary{
		{name: "transfer seen", h: hist(tr(1, "a", "b", 5, "k1", 0, 10), bal(2, "a", 5, 20, 30), snap(3, 5, 5, 40, 50)), opts: open, want: OK},
		{name: "retry applied once", h: hist(retryInfo, tr(3, "a", "b", 5, "k1", 20, 30), bal(4, "b", 5, 40, 50), snap(5, 5, 5, 60, 70)), opts: open, want: OK},
		{name: "concurrent transfer either way", h: hist(tr(1, "a", "b", 5, "k1", 0, 100), bal(2, "a", 10, 20, 30), bal(3, "a", 5, 40, 50)), opts: open, want: OK},
		{name: "retry applied twice", h: hist(retryInfo, tr(3, "a", "b", 5, "k1", 20, 30), bal(4, "b", 10, 40, 50)), opts: open,
			want: Anomaly, kind: "duplicate-apply", ops: []int64{4}, mention: []string{"applied more than once"}},
		{name: "applied answered twice", h: hist(trApplied(1, "k1", true, 0, 10), trApplied(2, "k1", true, 20, 30), bal(3, "a", 5, 40, 50)), opts: open,
			want: Anomaly, kind: "duplicate-apply", ops: []int64{1, 2}},
		{name: "recognised retry", h: hist(trApplied(1, "k1", true, 0, 10), trApplied(2, "k1", false, 20, 30), bal(3, "a", 5, 40, 50)), opts: open, want: OK},
		{name: "acknowledged transfer missing", h: hist(tr(1, "a", "b", 5, "k1", 0, 10), bal(2, "b", 0, 20, 30)), opts: open,
			want: Anomaly, kind: "stale-read", ops: []int64{2}},
		{name: "money from nowhere", h: hist(tr(1, "a", "b", 5, "k1", 0, 10), bal(2, "b", 7, 20, 30)), opts: open,
			want: Anomaly, kind: "invalid-balance", mention: []string{"read balance 7 for account b"}},
		{name: "below floor", h: hist(bal(1, "a", -1, 20, 30)), opts: Options{InitialBalances: map[string]int64{"a": -1}},
			want: Anomaly, kind: "below-floor"},
		{name: "total not conserved", h: hist(tr(1, "a", "b", 5, "k1", 0, 100), snap(2, 10, 5, 20, 30)), opts: open,
			want: Anomaly, kind: "total-not-conserved", mention: []string{"sums to 15", "sum to 10"}},
		{name: "failed transfer never applies", h: hist(fail(1, 0, lg, "transfer", "", obj{"from": "a", "to": "b", "amount": 5, "idem": "k1"}, 0, 10), bal(2, "b", 5, 20, 30)), opts: open,
			want: Anomaly, kind: "invalid-balance"},
		{name: "retry with other arguments", h: hist(tr(1, "a", "b", 5, "k1", 0, 10), tr(2, "a", "b", 6, "k1", 20, 30), bal(3, "a", 5, 40, 50)), opts: open,
			want: Unknown, kind: "malformed-history", mention: []string{"a retry must repeat its arguments"}},
		{name: "not configured", h: hist(bal(1, "a", 10, 0, 10)), want: Unknown, kind: "not-configured"},
		{name: "no reads", h: hist(tr(1, "a", "b", 5, "k1", 0, 10)), opts: open, want: Unknown, kind: "no-reads"},
	})
}

func TestLivenessCanaries(t *testing.T) {
	kv := history.KV
	w := func(id int64, inv, cmp int64) history.Op {
		return ok(id, 0, kv, "write", "x", obj{"value": id}, nil, inv, cmp)
	}
	during := w(1, 0, 10)
	during.FaultEpoch = &history.FaultEpoch{Invoke: []string{"p1"}, Complete: []string{"p1"}}
	opts := Options{HealAt: 100, Recovery: 50 * time.Nanosecond}
	runCanaries(t, Liveness, []canary{
		{name: "recovers", h: hist(during, info(2, 0, kv, "write", "x", obj{"value": 2}, 90), w(3, 110, 140)), opts: opts, want: OK},
		{name: "too slow", h: hist(during, fail(2, 0, kv, "write", "x", obj{"value": 2}, 110, 120), info(3, 0, kv, "write", "x", obj{"value": 3}, 130), w(4, 160, 170)), opts: opts,
			want: Anomaly, kind: "no-recovery", ops: []int64{2, 3}, mention: []string{"2 operations were tried", "1 fail, 1 info"}},
		{name: "history ends early", h: hist(during, w(2, 20, 30)), opts: opts, want: Unknown, kind: "history-too-short"},
		{name: "recovery not declared", h: hist(during), want: Unknown, kind: "not-configured"},
		{name: "needs fault epochs", h: func() history.History {
			h := hist(during, w(2, 110, 140))
			h.Ops[1].FaultEpoch = nil
			return h
		}(), opts: opts, want: Unknown, kind: "too-weak"},
	})
}
