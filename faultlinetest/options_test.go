package faultlinetest

import (
	"testing"

	"github.com/faultline-dst/faultline/scenario"
)

// TestPasses is the whole table of verdicts and options: a PASS passes,
// a FAIL never does, and each weaker verdict passes only with its option.
func TestPasses(t *testing.T) {
	opts := map[string]Options{
		"none": {}, "inconclusive": {AllowInconclusive: true}, "surface": {AllowPartialSurface: true},
		"model": {AllowPartialModel: true}, "not-run": {AllowNotRun: true},
		"all": {AllowInconclusive: true, AllowPartialSurface: true, AllowPartialModel: true, AllowNotRun: true},
	}
	want := map[scenario.Verdict][]string{ // the options under which it passes
		scenario.PassSmoke:                  {"none", "inconclusive", "surface", "model", "not-run", "all"},
		scenario.PassHardening:              {"none", "inconclusive", "surface", "model", "not-run", "all"},
		scenario.PartialSurface:             {"surface", "all"},
		scenario.PartialModel:               {"model", "all"},
		scenario.NotRun:                     {"not-run", "all"},
		scenario.InconclusiveEnv:            {"inconclusive", "all"},
		scenario.InconclusiveFaultNotProven: {"inconclusive", "all"},
		scenario.InconclusiveOracleTooWeak:  {"inconclusive", "all"},
		scenario.FailReproducible:           nil,
		scenario.FailNondeterministic:       nil,
	}
	if len(want) != len(scenario.Verdicts()) {
		t.Fatalf("the table covers %d verdicts of %d", len(want), len(scenario.Verdicts()))
	}
	for v, names := range want {
		for name, o := range opts {
			exp := false
			for _, n := range names {
				exp = exp || n == name
			}
			if got := o.passes(v); got != exp {
				t.Errorf("%s with options %s: passes = %v, want %v", v, name, got, exp)
			}
		}
	}
}
