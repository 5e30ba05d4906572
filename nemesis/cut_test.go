package nemesis_test

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/nemesis"
)

// TestCrashCutsSlowSyncs: with n1's disk slowed (a Slow fault, 30ms a
// sync), a crash of n1 finds an fsync in flight and its evidence counts
// the cut sync; the slow disk fault's evidence counts the slowed
// operations.
func TestCrashCutsSlowSyncs(t *testing.T) {
	s := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Disk, DiskKind: disk.Slow, P: 1, Delay: 30 * time.Millisecond, Nodes: []string{"n1"}, Start: 100 * ms, End: 1000 * ms},
		{ID: "f2", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 400 * ms, End: 500 * ms},
	}
	if err := s.Validate(jitterNodes, testBudget()); err != nil {
		t.Fatal(err)
	}
	cut := 0
	for seed := uint64(1); seed <= 5; seed++ {
		_, nem, _ := run(t, seed, s, nil)
		ev := nem.Evidence()
		if !ev[0].Landed || ev[0].Counter("fired") == 0 {
			t.Fatalf("seed %d: the slow disk did not land: %+v", seed, ev[0])
		}
		if ev[1].Counter("syncs_cut") > 0 {
			cut++
			if !ev[1].Landed {
				t.Errorf("seed %d: a crash that cut a sync did not land: %+v", seed, ev[1])
			}
		}
	}
	if cut == 0 {
		t.Errorf("in 5 seeds, no crash of a node with a 30ms fsync cut one")
	}
}
