package scenario_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
)

// TestPlanAimingFields: nemesis.roles, jitter, generate and drift set
// what the Go declaration sets, and bad values are refused with the line.
func TestPlanAimingFields(t *testing.T) {
	r := registry(t)
	tests := []struct {
		lines string
		check func(s scenario.Scenario) bool
		err   string
	}{
		{lines: "  roles: leader, primary\n", check: func(s scenario.Scenario) bool {
			return slices.Equal(s.Nemesis.Budget.Roles, []string{"leader", "primary"}) && !s.Nemesis.NoRoles
		}},
		{lines: "  roles: none\n", check: func(s scenario.Scenario) bool { return s.Nemesis.NoRoles && s.Nemesis.Budget.Roles == nil }},
		{lines: "  roles: any\n", err: `plan.md:21: nemesis.roles: "any" is a selector, not a role`},
		{lines: "  roles: not-leader\n", err: `plan.md:21: nemesis.roles: "not-leader" is a selector, not a role`},
		{lines: "  jitter: 150ms\n", check: func(s scenario.Scenario) bool { return s.Nemesis.Jitter == 150*time.Millisecond }},
		{lines: "  jitter: -1s\n", err: `plan.md:21: nemesis.jitter: "-1s" is not a duration of 0 or more`},
		{lines: "  generate: true\n", check: func(s scenario.Scenario) bool { return s.Nemesis.Extend }},
		{lines: "  generate: false\n", check: func(s scenario.Scenario) bool { return !s.Nemesis.Extend }},
		{lines: "  generate: maybe\n", err: `plan.md:21: nemesis.generate: "maybe" is not true or false`},
		{lines: "  drift: slow\n", check: func(s scenario.Scenario) bool { return s.Nemesis.Budget.DriftDirection == nemesis.DriftSlow }},
		{lines: "  drift: fast\n", check: func(s scenario.Scenario) bool { return s.Nemesis.Budget.DriftDirection == nemesis.DriftFast }},
		{lines: "  drift: both\n", check: func(s scenario.Scenario) bool { return s.Nemesis.Budget.DriftDirection == nemesis.DriftBoth }},
		{lines: "  drift: sideways\n", err: `plan.md:21: nemesis.drift: "sideways"; valid: fast, slow, both`},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSpace(tt.lines), func(t *testing.T) {
			const at = "  shapes: isolate, halves\n"
			plan := strings.Replace(reachPlan, at, at+tt.lines, 1)
			got, err := r.ParsePlan(strings.NewReader(plan), "plan.md")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v\nwant an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(got[0].Scenario) {
				t.Errorf("parsed nemesis %+v", got[0].Scenario.Nemesis)
			}
			// Nothing else changed: the rest is the Go declaration.
			s, want := got[0].Scenario, reachGo()
			s.Nemesis, want.Nemesis = scenario.NemesisSpec{}, scenario.NemesisSpec{}
			if !reflect.DeepEqual(s, want) {
				t.Errorf("the field changed more than the nemesis")
			}
		})
	}
}

// TestPlanAimingFieldsReachTheRun: jitter moves the explicit fault,
// generate adds generated faults around it, both by seed.
func TestPlanAimingFieldsReachTheRun(t *testing.T) {
	r := registry(t)
	spec := pause()
	run := func(s scenario.Scenario, seed uint64) nemesis.Schedule {
		res, err := r.Run(s, seed, scenario.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Schedule
	}
	tests := []struct {
		name   string
		jitter time.Duration
		extend bool
		moved  bool // the explicit fault moves on some seed
		more   bool // some seed has generated faults too
	}{
		{"as written", 0, false, false, false},
		{"jitter", 100 * time.Millisecond, false, true, false},
		{"generate", 0, true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base("aim")
			s.Nemesis = spec
			s.Nemesis.Budget.MaxFaults = 3
			s.Nemesis.Budget.Kinds = []nemesis.Kind{nemesis.Pause, nemesis.Clog}
			s.Nemesis.Budget.MaxDelay = 20 * time.Millisecond
			s.Nemesis.Jitter, s.Nemesis.Extend = tt.jitter, tt.extend
			var moved, more bool
			for seed := uint64(1); seed <= 4; seed++ {
				sched := run(s, seed)
				i := slices.IndexFunc(sched, func(f nemesis.Fault) bool { return f.ID == "f1" })
				if i < 0 {
					t.Fatalf("seed %d: the explicit fault is gone: %v", seed, sched)
				}
				moved = moved || sched[i].Start != spec.Schedule[0].Start
				more = more || len(sched) > 1
			}
			if moved != tt.moved || more != tt.more {
				t.Errorf("moved %v, generated %v; want %v, %v", moved, more, tt.moved, tt.more)
			}
		})
	}
}
