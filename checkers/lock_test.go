package checkers

import (
	"testing"

	"github.com/faultline-dst/faultline/history"
)

func TestLockCanaries(t *testing.T) {
	lk := history.Lock
	acq := func(id int64, p int, tok int, inv, cmp int64) history.Op {
		return ok(id, p, lk, "acquire", "L", nil, obj{"token": tok}, inv, cmp)
	}
	use := func(id int64, p int, tok int, inv, cmp int64) history.Op {
		return ok(id, p, lk, "use", "L", obj{"token": tok}, nil, inv, cmp)
	}
	rel := func(id int64, p int, tok int, inv, cmp int64) history.Op {
		return ok(id, p, lk, "release", "L", obj{"token": tok}, nil, inv, cmp)
	}
	stale := hist(acq(1, 0, 1, 0, 10), acq(2, 1, 2, 20, 30), use(3, 1, 2, 40, 50), use(4, 0, 1, 60, 70))
	stale.Ops[3].FaultEpoch = &history.FaultEpoch{Invoke: []string{"pause-n1"}, Complete: []string{"pause-n1"}}
	runCanaries(t, Lock, []canary{
		{name: "handover", h: hist(acq(1, 0, 1, 0, 10), use(2, 0, 1, 20, 30), rel(3, 0, 1, 40, 50), acq(4, 1, 2, 60, 70), use(5, 1, 2, 80, 90)), want: OK},
		{name: "stale token rejected", h: hist(acq(1, 0, 1, 0, 10), acq(2, 1, 2, 20, 30), use(3, 1, 2, 40, 50), fail(4, 0, lk, "use", "L", obj{"token": 1}, 60, 70)), want: OK},
		{name: "stale token accepted", h: stale,
			want: Anomaly, kind: "stale-token-accepted", ops: []int64{3, 4}, mention: []string{"accepted token 1 from process 0", "pause-n1"}},
		{name: "duplicate token", h: hist(acq(1, 0, 1, 0, 10), acq(2, 1, 1, 5, 30), use(3, 1, 1, 40, 50)),
			want: Anomaly, kind: "duplicate-token", ops: []int64{1, 2}},
		{name: "token order", h: hist(acq(1, 0, 5, 0, 10), acq(2, 1, 3, 20, 30), use(3, 1, 3, 40, 50)),
			want: Anomaly, kind: "token-order", ops: []int64{1, 2}},
		{name: "invented token", h: hist(acq(1, 0, 1, 0, 10), use(2, 0, 9, 20, 30)),
			want: Anomaly, kind: "invented-token", ops: []int64{2}},
		{name: "unknown acquire may grant", h: hist(info(1, 0, lk, "acquire", "L", nil, 0), use(2, 0, 9, 20, 30)), want: OK},
		{name: "no resource ops", h: hist(acq(1, 0, 1, 0, 10), rel(2, 0, 1, 20, 30)), want: Unknown, kind: "no-resource-ops"},
		{name: "needs fault epoch", h: func() history.History {
			h := hist(acq(1, 0, 1, 0, 10), use(2, 0, 1, 20, 30))
			h.Ops[1].FaultEpoch = nil
			return h
		}(), want: Unknown, kind: "too-weak", mention: []string{"fault_epoch"}},
	})
}

func TestLeaseCanaries(t *testing.T) {
	ls := history.Lease
	acq := func(id int64, p int, d int, inv, cmp int64) history.Op {
		return ok(id, p, ls, "acquire", "L", obj{"duration_ns": d}, obj{"duration_ns": d}, inv, cmp)
	}
	renew := func(id int64, p int, d int, inv, cmp int64) history.Op {
		return ok(id, p, ls, "renew", "L", obj{"duration_ns": d}, obj{"duration_ns": d}, inv, cmp)
	}
	rel := func(id int64, p int, inv, cmp int64) history.Op {
		return ok(id, p, ls, "release", "L", nil, nil, inv, cmp)
	}
	runCanaries(t, Lease, []canary{
		{name: "after expiry", h: hist(acq(1, 0, 1000, 0, 10), acq(2, 1, 1000, 1000, 1010)), want: OK},
		{name: "overlap", h: hist(acq(1, 0, 1000, 0, 10), acq(2, 1, 1000, 500, 510)),
			want: Anomaly, kind: "lease-overlap", ops: []int64{1, 2}, mention: []string{"process 0 holds the lease in [10, 1000]", "overlap of 490 ns"}},
		{name: "drift bound shortens the window", h: hist(acq(1, 0, 1000, 0, 10), acq(2, 1, 1000, 940, 950)), opts: Options{DriftBound: 0.1}, want: OK},
		{name: "same grant without drift overlaps", h: hist(acq(1, 0, 1000, 0, 10), acq(2, 1, 1000, 940, 950)),
			want: Anomaly, kind: "lease-overlap"},
		{name: "release ends the window", h: hist(acq(1, 0, 1000, 0, 10), rel(2, 0, 100, 110), acq(3, 1, 1000, 200, 210)), want: OK},
		{name: "renew extends the window", h: hist(acq(1, 0, 1000, 0, 10), renew(2, 0, 1000, 800, 810), acq(3, 1, 1000, 1200, 1210)),
			want: Anomaly, kind: "lease-overlap", ops: []int64{2, 3}},
		{name: "own renewals overlap", h: hist(acq(1, 0, 1000, 0, 10), renew(2, 0, 1000, 500, 510)), want: OK},
		{name: "unknown acquire ignored", h: hist(acq(1, 0, 1000, 0, 10), info(2, 1, ls, "acquire", "L", obj{"duration_ns": 1000}, 500)), want: OK},
		{name: "bad drift bound", h: hist(acq(1, 0, 1000, 0, 10)), opts: Options{DriftBound: 1.5}, want: Unknown, kind: "not-configured"},
	})
}
