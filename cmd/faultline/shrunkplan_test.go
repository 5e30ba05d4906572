package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A plan whose scenario needs its partition to fail: the shrunk plan
// keeps an explicit fault list.
const staleReadPlan = "# Stale reads\n\n```faultline\n" +
	"scenario: my_reads_are_fresh\nfalsifies: C3\nclaim: reads see the latest acknowledged write\n" +
	"system: raftkv\nbugs: stale-read\nmodel: kv\nchecker: linearizable\n" +
	"nemesis:\n  kinds: partition\n  max_down: 1\n  max_faults: 6\n" +
	"workload:\n  clients: 5\n  operations: 100\n  keys: 5\n  timeout: 500ms\n  targeting: sticky\n" +
	"network:\n  latency: 1ms\ndisk:\n  crash: lose-unsynced\nrun:\n  time: 15s\n  events: 200000\nseeds: 4\n```\n"

// A plan of a user's package: one block written out, one based on a
// scenario the package registers.
const lostWritePlan = "# Lost writes\n\n```faultline\n" +
	"scenario: my_writes_stay\nfalsifies: L1\nsystem: lostwrite\nbugs: lose\nmodel: kv\nchecker: linearizable\n" +
	"nemesis:\n  kinds: pause\n  max_down: 1\n" +
	"workload:\n  clients: 2\n  operations: 12\n  keys: 1\n  timeout: 200ms\nrun:\n  time: 2s\nseeds: 3\n```\n\n" +
	"```faultline\nscenario: my_writes_stay_based\nbase: lostwrite_reads_see_writes@lose\nworkload:\n  operations: 10\nseeds: 3\n```\n"

// TestShrunkPlanOfAPlanScenario: a scenario declared in a plan, with a
// bug, is swept, shrunk with the command the sweep printed, and the
// shrunk plan, copied alone to another directory, replays with the
// command shrink printed to the same finding and trace; for the built-in
// systems and for a user's package.
func TestShrunkPlanOfAPlanScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary end to end")
	}
	pkg, err := filepath.Abs("testdata/lostwrite")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, plan string
		sweep      []string
		scenarios  []string
	}{
		{"built-in", staleReadPlan, []string{"sweep", "--plan", "plan.md", "--workers", "2", "--results", "r.jsonl"}, []string{"my_reads_are_fresh"}},
		{"package", lostWritePlan, []string{"sweep", pkg, "--plan", "plan.md", "--workers", "2", "--results", "r.jsonl"}, []string{"my_writes_stay", "my_writes_stay_based"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "plan.md"), []byte(tt.plan), 0o644); err != nil {
				t.Fatal(err)
			}
			code, sweepOut := exe(t, dir, tt.sweep...)
			if code != exitFinding {
				t.Fatalf("sweep: exit %d\n%s", code, sweepOut)
			}
			for _, sc := range tt.scenarios {
				anomaly := findingAnomaly(t, sweepOut, sc)
				shrink := printed(t, sweepOut, "shrink: ", "faultline shrink ")
				for _, l := range strings.Split(sweepOut, "\n") {
					if strings.Contains(l, "shrink: ") && strings.Contains(l, "--scenario "+sc+" ") {
						shrink = printed(t, l, "shrink: ", "faultline shrink ")
					}
				}
				shrink += " --out " + sc
				code, out := paste(t, dir, shrink)
				if code != exitFinding || !strings.Contains(out, "anomaly     "+anomaly) {
					t.Fatalf("%s: exit %d\n%s", shrink, code, out)
				}
				replay := printed(t, out, "replay      ", "faultline run ")
				md, err := os.ReadFile(filepath.Join(dir, sc, "shrunk.md"))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(md), "base: "+sc+"\n") {
					t.Errorf("the shrunk plan is based on the plan's scenario:\n%s", md)
				}
				code, here := paste(t, dir, replay)
				if code != exitFinding {
					t.Fatalf("%s: exit %d\n%s", replay, code, here)
				}
				// Elsewhere: only the shrunk plan and its fault list.
				other := t.TempDir()
				if err := os.MkdirAll(filepath.Join(other, sc), 0o755); err != nil {
					t.Fatal(err)
				}
				for _, f := range []string{"shrunk.md", "faults.json"} {
					b, err := os.ReadFile(filepath.Join(dir, sc, f))
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(other, sc, f), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				code, there := paste(t, other, replay)
				if code != exitFinding || !strings.Contains(there, "FAIL-reproducible") || !strings.Contains(there, sc+"-shrunk") {
					t.Fatalf("%s elsewhere: exit %d\n%s\n%s", replay, code, there, md)
				}
				if a, b := lineField(t, here, "trace_hash  "), lineField(t, there, "trace_hash  "); a != b {
					t.Errorf("the shrunk plan replays to trace %s here and %s elsewhere", a, b)
				}
				code, js := paste(t, other, replay+" --json")
				if code != exitFinding || !strings.Contains(js, `"anomaly":"`+anomaly+`"`) {
					t.Errorf("the shrunk plan's anomaly is not the finding's (%s): exit %d\n%s", anomaly, code, js)
				}
			}
		})
	}
}

// findingAnomaly returns the anomaly of the sweep's finding of scenario.
func findingAnomaly(t *testing.T, out, scenario string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(l, " "+scenario+": "); ok && strings.HasPrefix(l, "finding ") {
			a, _, _ := strings.Cut(rest, ",")
			return a
		}
	}
	t.Fatalf("no finding of %s in:\n%s", scenario, out)
	return ""
}

// lineField returns what follows prefix on the line of out that starts
// with it.
func lineField(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return strings.TrimSpace(strings.TrimPrefix(l, prefix))
		}
	}
	t.Fatalf("no %q line in:\n%s", prefix, out)
	return ""
}
