package scenario_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/scenario"
)

// TestGroupBySourceAndScenario: a scenario is its name and where it came
// from; failures of scenarios of one name from two sources are two
// findings, each replayed from its own source.
func TestGroupBySourceAndScenario(t *testing.T) {
	pkgA := scenario.Source{Package: "example.com/a"}
	pkgB := scenario.Source{Package: "example.com/b"}
	plan := scenario.Source{Plan: "plan.md"}
	pkgPlan := scenario.Source{Package: "example.com/a", Plan: "plan.md"}
	fail := func(src scenario.Source, name string, seed uint64) scenario.Result {
		return scenario.Result{Scenario: name, Source: src, Seed: seed, Verdict: scenario.FailReproducible,
			Blame: scenario.BlameSUT, Anomaly: "anomaly:linearizable:not-linearizable"}
	}
	tests := []struct {
		name    string
		results []scenario.Result
		want    []string // "SOURCE SCENARIO SEEDS", in report order
	}{
		{"one source", []scenario.Result{fail(pkgA, "s", 3), fail(pkgA, "s", 1)},
			[]string{"package example.com/a s [1 3]"}},
		{"two packages", []scenario.Result{fail(pkgB, "s", 1), fail(pkgA, "s", 2), fail(pkgA, "s", 1)},
			[]string{"package example.com/a s [1 2]", "package example.com/b s [1]"}},
		{"a package and a plan", []scenario.Result{fail(plan, "s", 1), fail(pkgA, "s", 1)},
			[]string{"plan plan.md s [1]", "package example.com/a s [1]"}},
		{"a package and its plan", []scenario.Result{fail(pkgPlan, "s", 1), fail(pkgA, "s", 1)},
			[]string{"package example.com/a s [1]", "package example.com/a, plan plan.md s [1]"}},
		{"built in and a package", []scenario.Result{fail(pkgA, "s", 1), fail(scenario.Source{}, "s", 1)},
			[]string{"built in s [1]", "package example.com/a s [1]"}},
		{"names order first", []scenario.Result{fail(pkgA, "t", 1), fail(pkgB, "s", 1)},
			[]string{"package example.com/b s [1]", "package example.com/a t [1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for i, f := range scenario.Group(tt.results) {
				got = append(got, fmt.Sprintf("%s %s %v", f.Source, f.Scenario, f.Seeds))
				if f.ID != fmt.Sprintf("F%d", i+1) {
					t.Errorf("finding %d has id %s", i, f.ID)
				}
				want := scenario.Result{Scenario: f.Scenario, Seed: f.Seeds[0], Source: f.Source}.ReplayCommand()
				if f.Source != f.First.Source || f.Replay != want {
					t.Errorf("%s replays with %q, not from %s", f.ID, f.Replay, f.Source)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
