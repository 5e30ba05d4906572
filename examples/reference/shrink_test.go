package reference_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/scenario"
)

// shrinkBound is the reproducer a person would write (issue 13): at most
// maxShrunkFaults faults and maxShrunkOps operations in its history,
// role-aimed faults keeping their role.
const (
	maxShrunkFaults = 3
	maxShrunkOps    = 50
)

// shortShrink are the variants TestShrinkCorpus shrinks under -short
// (a few seconds): one that needs its fault moved earlier, one a system option
// lowered, one another think time.
var shortShrink = map[string]bool{
	"acked_writes_survive_crash_with_fsync_loss@ack-before-sync":   true,
	"state_rebuilt_from_disk_after_crash@snapshot-no-dirsync":      true,
	"leases_never_overlap_under_clock_drift@lease-no-drift-margin": true,
}

// TestShrinkCorpus shrinks the first failing seed of every known-bug
// variant (seed 1 for most: docs/BUGS.md; about 20s for all), checks the reproducer's size
// (faults, operations in its history) and that no fault names a node a
// role resolved to instead of the role, and replays the shrunk plan
// (shrunk.md and faults.json, as `faultline shrink` writes them) to the
// shrunk run's trace: whatever the shrinker changed (fault times, run
// time, think time, system options) is in the plan.
//
// Under -short it shrinks only shortShrink: one variant for each way the
// shrinker goes beyond dropping faults and cutting counts.
func TestShrinkCorpus(t *testing.T) {
	r := reference.Registry()
	for _, s := range r.Scenarios() {
		if len(s.Bugs) == 0 || (testing.Short() && !shortShrink[s.Name]) {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			seed := firstFailing(t, r, s, 5)
			sh, shrunk, err := r.Shrink(s, seed, scenario.ShrinkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sh.After.Faults > maxShrunkFaults {
				t.Errorf("%d faults after shrinking, want at most %d: %v", sh.After.Faults, maxShrunkFaults, sh.Schedule)
			}
			if sh.After.Operations > maxShrunkOps {
				t.Errorf("%d operations after shrinking (%d clients x %d), want at most %d", sh.After.Operations, sh.Clients, sh.OpsPerClient, maxShrunkOps)
			}
			for _, f := range sh.Schedule {
				if len(f.Resolved) > 0 && f.Role == "" {
					t.Errorf("fault %s resolved to %v but lost its role", f.ID, f.Resolved)
				}
			}
			replayPlan(t, r, s, shrunk, sh, seed)
			t.Logf("%s seed %d: %d faults, %d operations -> %d faults, %d operations (%d clients, %d nodes, run %v, think %v, options %v) in %d runs",
				s.Name, seed, sh.Before.Faults, sh.Before.Operations, sh.After.Faults, sh.After.Operations, sh.Clients, sh.Nodes, sh.SimTime, sh.ThinkTime, sh.SystemOptions, sh.Runs)
		})
	}
}

// firstFailing returns the first of seeds 1..n on which s fails.
func firstFailing(t *testing.T, r *scenario.Registry, s scenario.Scenario, n uint64) uint64 {
	t.Helper()
	for seed := uint64(1); seed <= n; seed++ {
		res, err := r.Run(s, seed, scenario.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict.IsFail() {
			return seed
		}
	}
	t.Fatalf("%s fails on none of seeds 1..%d", s.Name, n)
	return 0
}

// replayPlan writes the shrunk plan of base, shrunk on seed, and runs it
// from the file: it must give the shrunk scenario's trace and anomaly.
func replayPlan(t *testing.T, r *scenario.Registry, base, shrunk scenario.Scenario, sh scenario.Shrunk, seed uint64) {
	t.Helper()
	dir := t.TempDir()
	sched, _ := json.MarshalIndent(sh.Schedule, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "faults.json"), sched, 0o644); err != nil {
		t.Fatal(err)
	}
	text := scenario.FormatShrunkPlan(base, sh, "faults.json", "")
	path := filepath.Join(dir, "shrunk.md")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := r.ReadPlan(path)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	opts := scenario.RunOptions{NoRerun: true}
	want, err := r.Run(shrunk, seed, opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Run(ps[0].Scenario, seed, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got.TraceHash != want.TraceHash || got.Anomaly != sh.Anomaly || got.Operations != sh.After.Operations {
		t.Errorf("the shrunk plan replays to %s (%s, %d operations), the shrunk run to %s (%s, %d)\n%s",
			got.TraceHash, got.Anomaly, got.Operations, want.TraceHash, sh.Anomaly, sh.After.Operations, text)
	}
}
