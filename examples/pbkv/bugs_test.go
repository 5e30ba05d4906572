package pbkv

import (
	"testing"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/netsim"
)

// failover runs the schedule the bug test and the correct system share:
// the primary crashes (fsync loss) and restarts, later the next primary
// is cut off from the view manager and the backups (clients still reach
// it), and later the primary crashes again; the network loses 1% of
// messages.
func failover(t *testing.T, seed uint64, bugs []string) *cluster {
	c := newCluster(t, seed, Config{Bugs: bugs}, netsim.LinkConfig{Loss: 0.01},
		crashPrimary(400*ms, 300*ms),
		isolatePrimary("p1", 1000*ms, 400*ms),
		crashPrimary(1700*ms, 300*ms),
	).run()
	if p := c.primaries(); len(p) < 3 {
		t.Fatalf("seed %d: primaries %v, want at least two failovers", seed, p)
	}
	return c
}

// TestFailoverKeepsAcknowledgedWrites: under crashes and a partition of
// the primary the correct cluster fails over (more than once) to backups
// that hold every acknowledged write, and the history is linearizable.
func TestFailoverKeepsAcknowledgedWrites(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		c := failover(t, seed, nil)
		wantOK(t, "correct system", c.check())
		st := c.wl.Stats()
		if st.OK < st.Invoked/2 {
			t.Errorf("seed %d: only %d of %d operations ok", seed, st.OK, st.Invoked)
		}
		t.Logf("seed %d: primaries %v; %d ok, %d info, %d fail", seed, c.primaries(), st.OK, st.Info, st.Fail)
	}
}

// TestBugAsyncReplication: acknowledging before the backups have the
// write, and failing over to whichever backup is alive, loses
// acknowledged writes; the linearizable checker finds it.
func TestBugAsyncReplication(t *testing.T) {
	found := 0
	const seeds = 4
	for seed := uint64(1); seed <= seeds; seed++ {
		res := failover(t, seed, []string{BugAsyncReplication}).check()
		switch res.Outcome {
		case checkers.Anomaly:
			found++
			t.Logf("seed %d: %s: %.300s", seed, res.Kind, res.Explanation)
		case checkers.Unknown:
			t.Errorf("seed %d: checker undecided: %s %s", seed, res.Kind, res.Explanation)
		default:
			t.Logf("seed %d: async-replication passed", seed)
		}
	}
	if found < seeds-1 {
		t.Errorf("async-replication caught on %d of %d seeds, want at least %d", found, seeds, seeds-1)
	}
}

// TestSameSeedSameTrace: a seed gives one execution, faults and all;
// different seeds give different ones.
func TestSameSeedSameTrace(t *testing.T) {
	seen := map[uint64]uint64{}
	for seed := uint64(1); seed <= 3; seed++ {
		a, b := failover(t, seed, nil).res, failover(t, seed, nil).res
		if a.TraceHash != b.TraceHash || a.Events != b.Events {
			t.Fatalf("seed %d: hash %x (%d events) then %x (%d events)", seed, a.TraceHash, a.Events, b.TraceHash, b.Events)
		}
		if other, dup := seen[a.TraceHash]; dup {
			t.Errorf("seeds %d and %d give the same trace hash", other, seed)
		}
		seen[a.TraceHash] = seed
	}
}

// TestFailoverUnderDrift runs the failover schedule with every clock at
// the edge of the declared drift bound ρ = 0.2, the worst case for the
// primary's lease: the view manager's clock runs 20% fast (it lets the
// lease run out early in true time) and the replicas' run 20% slow (a
// primary serves late in true time). The primary serves for
// D(1−ρ)/(1+ρ) of its clock, so the history stays linearizable.
func TestFailoverUnderDrift(t *testing.T) {
	drift := func(c *cluster) {
		c.must(c.w.SetDrift(ViewManager, 200_000))
		for _, n := range Replicas(Config{}) {
			c.must(c.w.SetDrift(n, -200_000))
		}
	}
	for seed := uint64(1); seed <= 3; seed++ {
		c := newCluster(t, seed, Config{DriftBound: 0.2}, netsim.LinkConfig{Loss: 0.01}, drift,
			crashPrimary(400*ms, 300*ms), isolatePrimary("p1", 1000*ms, 400*ms), crashPrimary(1700*ms, 300*ms)).run()
		if p := c.primaries(); len(p) < 3 {
			t.Fatalf("seed %d: primaries %v, want at least two failovers", seed, p)
		}
		wantOK(t, "correct system under drift", c.check())
	}
}
