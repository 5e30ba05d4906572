package scenario_test

import (
	"testing"

	"github.com/faultline-dst/faultline/scenario"
)

func TestReplayCommandNamesTheSource(t *testing.T) {
	for _, tc := range []struct {
		at   scenario.Source
		want string
	}{
		{scenario.Source{}, "faultline replay --scenario s@bug --seed 7"},
		{scenario.Source{Package: "example.com/m/store"}, "faultline replay example.com/m/store --scenario s@bug --seed 7"},
		{scenario.Source{Plan: "plans/p.md"}, "faultline replay --scenario s@bug --seed 7 --plan plans/p.md"},
		{scenario.Source{Package: "/home/u/my store", Plan: "it's.md"}, `faultline replay '/home/u/my store' --scenario s@bug --seed 7 --plan 'it'\''s.md'`},
	} {
		r := scenario.Result{Scenario: "s@bug", Seed: 7, Source: tc.at}
		if got := r.ReplayCommand(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.at, got, tc.want)
		}
	}
	if got := scenario.ReplayCommand("s@bug", 7); got != "faultline replay --scenario s@bug --seed 7" {
		t.Errorf("built-in: %q", got)
	}
}
