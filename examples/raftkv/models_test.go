package raftkv

import (
	"fmt"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/workloads"
)

const opening = 100 // every ledger account's opening balance, SUT and checker

// checkerFor is METHOD.md's model -> checker table.
func checkerFor(m history.Model) string {
	if m == history.Register || m == history.KV {
		return "linearizable"
	}
	return string(m)
}

// ledgerOpening returns the opening balances of a ledger workload's
// accounts, for the SUT and the checker alike.
func ledgerOpening(keys int) map[string]int64 {
	out := map[string]int64{}
	for _, a := range workloads.KeyNames(history.Ledger, keys) {
		out[a] = opening
	}
	return out
}

// crashAndPartition is a schedule for three replicas: n2 crashes (fsync
// loss) and restarts, then n1 is cut off from the other replicas.
func crashAndPartition() nemesis.Schedule {
	return nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Crash, Start: clock.Time(600 * ms), End: clock.Time(900 * ms), Nodes: []string{"n2"}},
		{ID: "f2", Kind: nemesis.Partition, Shape: nemesis.Isolate, Start: clock.Time(1200 * ms), End: clock.Time(1600 * ms), Nodes: []string{"n1"}},
	}
}

// TestModelsUnderNemesis runs a workload of every model against the
// correct cluster while a replica crashes with fsync loss and another is
// partitioned away: each model's checker must answer ok on every
// operation, and every fault must have landed.
func TestModelsUnderNemesis(t *testing.T) {
	for _, m := range history.Models() {
		t.Run(string(m), func(t *testing.T) {
			for seed := uint64(1); seed <= 2; seed++ {
				wl := workloads.Config{Model: m, Clients: 3, OpsPerClient: 60, Keys: 2}
				cfg := Config{SnapshotEntries: 50, LockTTL: 100 * ms}
				opts := checkers.Options{DriftBound: DefaultDriftBound, Delivery: checkers.ExactlyOnce}
				switch m {
				case history.Ledger:
					wl.Keys = 3
					cfg.Ledger.Opening = ledgerOpening(3)
					opts.InitialBalances = ledgerOpening(3)
				case history.KV, history.Register, history.Set, history.Lease, history.Lock:
					wl.Retries = 1
				}
				r := runWorkload(t, wlSpec{seed: seed, cfg: cfg, wl: wl, disk: disk.Config{Crash: disk.LoseUnsynced}, schedule: crashAndPartition()})
				res := r.check(checkerFor(m), opts)
				wantOKResult(t, fmt.Sprintf("seed %d", seed), res)
				st := r.wl.Stats()
				if st.OK < st.Invoked/2 {
					t.Errorf("seed %d: only %d of %d operations ok: the run exercised little", seed, st.OK, st.Invoked)
				}
				if testing.Verbose() {
					t.Logf("seed %d: %+v; %s", seed, st, r.nem.Summary())
				}
			}
		})
	}
}

// TestLockAndLeaseExpiry drives lock and lease admission and apply on a
// state machine with a hand-set clock: a held lock or lease is refused to
// another client until it expires on this replica's clock, and apply
// grants only at the generation the leader saw.
func TestLockAndLeaseExpiry(t *testing.T) {
	cfg, err := Config{LockTTL: 100 * ms, Lease: LeaseConfig{DriftBound: 0.25}}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	var now clock.Time
	m := newMachine(cfg, func() clock.Time { return now })
	admitApply := func(index uint64, model history.Model, op, key, client, input string) result {
		c := &command{Model: model, Op: op, Key: key, Client: client}
		if input != "" {
			c.Input = []byte(input)
		}
		md, _ := m.lookup(c)
		if err := md.check(c); err != nil {
			return refuse("%v", err)
		}
		if a, ok := md.(admitter); ok {
			if err := a.admit(c); err != nil {
				return refuse("%v", err)
			}
		}
		return m.apply(index, c)
	}
	steps := []struct {
		at     time.Duration
		index  uint64
		model  history.Model
		op     string
		client string
		input  string
		status string
	}{
		{0, 10, history.Lock, "acquire", "a", "", "ok"},
		{99 * ms, 11, history.Lock, "acquire", "b", "", "fail"},
		{100 * ms, 12, history.Lock, "acquire", "b", "", "ok"},
		{101 * ms, 13, history.Lock, "use", "b", `{"token":12}`, "ok"},
		{102 * ms, 14, history.Lock, "use", "a", `{"token":10}`, "fail"},
		{0, 20, history.Lease, "acquire", "a", `{"duration_ns":100000000}`, "ok"},
		{50 * ms, 21, history.Lease, "renew", "b", `{"duration_ns":100000000}`, "fail"},
		{50 * ms, 22, history.Lease, "renew", "a", `{"duration_ns":100000000}`, "ok"},
		{149 * ms, 23, history.Lease, "acquire", "b", `{"duration_ns":100000000}`, "fail"},
		{150 * ms, 24, history.Lease, "acquire", "b", `{"duration_ns":100000000}`, "ok"},
		{151 * ms, 25, history.Lease, "release", "a", "", "fail"},
		{152 * ms, 26, history.Lease, "release", "b", "", "ok"},
		{153 * ms, 27, history.Lease, "acquire", "a", `{"duration_ns":100000000}`, "ok"},
	}
	base := clock.Time(0)
	for i, s := range steps {
		if s.index == 20 {
			base = now + clock.Time(time.Second) // the lease steps start afresh
		}
		now = base + clock.Time(s.at)
		if r := admitApply(s.index, s.model, s.op, "L", s.client, s.input); string(r.status) != s.status {
			t.Fatalf("step %d: %s %s by %s at %v: %s (%s), want %s", i, s.model, s.op, s.client, s.at, r.status, r.err, s.status)
		}
	}
	// A command admitted at an old generation does not take effect.
	stale := &command{Model: history.Lock, Op: "acquire", Key: "M", Client: "x", Expect: new(uint64)}
	if r := m.apply(30, stale); r.status != workloads.StatusOK {
		t.Fatalf("free lock: %v", r)
	}
	if r := m.apply(31, &command{Model: history.Lock, Op: "acquire", Key: "M", Client: "y", Expect: new(uint64)}); r.status != workloads.StatusFail {
		t.Fatalf("acquire admitted while free but applied after another: %v, want fail", r)
	}
	// Without the drift margin a replica keeps a lease only D/(1+ρ).
	bad, _ := Config{Lease: LeaseConfig{DriftBound: 0.25}, Bugs: []string{BugLeaseNoDriftMargin}}.resolve()
	if got, want := newLease(0.25, bad.bugs.leaseNoDriftMargin, nil).holdFor(100e6), 80*ms; got != want {
		t.Errorf("no-drift-margin holds %v, want %v", got, want)
	}
	if got, want := newLease(0.25, false, nil).holdFor(100e6), 100*ms; got != want {
		t.Errorf("correct lease holds %v, want %v", got, want)
	}
}
