package scenario_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
)

// TestShrunkPlanRecordsTimingAndOptions: what the shrinker changes
// beyond sizes and faults (the run time, the clients' think time, the
// keys, a system option it lowered) is written into both kinds of shrunk plan
// and read back; what it left alone is not written.
func TestShrunkPlanRecordsTimingAndOptions(t *testing.T) {
	changed := scenario.Shrunk{Seed: 3, Anomaly: "x", OpsPerClient: 4, Clients: 2, Nodes: 1,
		Schedule: nemesis.Schedule{}, SimTime: 750 * time.Millisecond, ThinkTime: 25 * time.Millisecond,
		SystemOptions: map[string]string{"batch": "2"}, Keys: 1}
	same := changed
	same.SimTime, same.ThinkTime, same.SystemOptions, same.Keys = 2*time.Second, 0, nil, 0
	block := "scenario: plan_opts\nfalsifies: C1\nsystem: mem-opts\nmodel: kv\nchecker: linearizable\n" +
		"nemesis:\n  kinds: none\nworkload:\n  clients: 3\n  operations: 20\n  keys: 3\n  think_time: 10ms\n  timeout: 100ms\n" +
		"system_options:\n  batch: 8\nrun:\n  time: 2s\n  events: 5000\n"
	tests := []struct {
		name     string
		sh       scenario.Shrunk
		fromPlan bool
		think    time.Duration
		simTime  time.Duration
		batch    string
		keys     int
	}{
		{"registered, changed", changed, false, 25 * time.Millisecond, 750 * time.Millisecond, "2", 1},
		{"registered, left alone", same, false, 0, 2 * time.Second, "8", 5},
		{"plan block, changed", changed, true, 25 * time.Millisecond, 750 * time.Millisecond, "2", 1},
		{"plan block, left alone", same, true, 10 * time.Millisecond, 2 * time.Second, "8", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := registry(t)
			sys := memSystem("mem-opts", "")
			sys.Options = map[string]string{"batch": "a size the system ignores"}
			if err := r.AddSystem(sys); err != nil {
				t.Fatal(err)
			}
			reg := base("registered_opts")
			reg.System = "mem-opts"
			reg.SystemOptions = map[string]string{"batch": "8"}
			if err := r.AddScenario(reg); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "faults.json"), []byte("[]"), 0o644); err != nil {
				t.Fatal(err)
			}
			text := scenario.FormatShrunkPlan(reg, tt.sh, "faults.json", "")
			if tt.fromPlan {
				planPath := filepath.Join(dir, "plan.md")
				if err := os.WriteFile(planPath, []byte("# plan\n\n```faultline\n"+block+"```\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				ps, err := r.ReadPlan(planPath)
				if err != nil {
					t.Fatal(err)
				}
				text = ps[0].FormatShrunk(tt.sh, "faults.json", "")
			}
			path := filepath.Join(dir, "shrunk.md")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := r.ReadPlan(path)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			s := got[0].Scenario
			if s.Workload.ThinkTime != tt.think || s.SimTime != tt.simTime || s.SystemOptions["batch"] != tt.batch ||
				s.Workload.Clients != 2 || s.Workload.OpsPerClient != 4 || s.Workload.Keys != tt.keys {
				t.Errorf("read back think %v, run %v, batch %q, %d clients x %d, %d keys; want %v, %v, %q, 2 x 4, %d keys\n%s",
					s.Workload.ThinkTime, s.SimTime, s.SystemOptions["batch"], s.Workload.Clients, s.Workload.OpsPerClient, s.Workload.Keys,
					tt.think, tt.simTime, tt.batch, tt.keys, text)
			}
			if !tt.fromPlan && tt.sh.ThinkTime == 0 && (strings.Contains(text, "think_time") || strings.Contains(text, "system_options") || strings.Contains(text, "run:") || strings.Contains(text, "keys")) {
				t.Errorf("the shrinker left the timing and options alone, yet the plan sets them:\n%s", text)
			}
		})
	}
}
