package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/scenario"
)

// mix makes one result per spec, "scenario/verdict" or
// "scenario/verdict/blame", with seeds 1, 2, ... in spec order.
func mix(t *testing.T, specs ...string) []scenario.Result {
	t.Helper()
	var out []scenario.Result
	for i, spec := range specs {
		parts := strings.Split(spec, "/")
		v, err := scenario.ParseVerdict(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		r := res(parts[0], []string{"C1"}, uint64(i+1), v)
		if v == scenario.PassSmoke {
			smoke(&r)
		}
		if len(parts) > 2 {
			r.Blame = scenario.Blame(parts[2])
		}
		if v.IsFail() {
			r.Anomaly = "anomaly:linearizable:not-linearizable"
			if r.Blame == scenario.BlameNone {
				r.Blame = scenario.BlameSUT
			}
		}
		r.Reason = fmt.Sprintf("reason for %s", v)
		out = append(out, r)
	}
	return out
}

func TestSessionStatus(t *testing.T) {
	tests := []struct {
		name  string
		tier  Tier
		seeds []string
		want  Status
		exit  int
	}{
		{"no results", TierHardening, nil, StatusBlocked, ExitInconclusive},
		{"all not run", TierHardening, []string{"a/NOT-RUN", "b/NOT-RUN"}, StatusBlocked, ExitInconclusive},
		{"not run and env", TierHardening, []string{"a/NOT-RUN", "b/INCONCLUSIVE-env/environment", "b/INCONCLUSIVE-env/environment"}, StatusBlocked, ExitInconclusive},
		{"SUT fail among passes", TierHardening, []string{"a/PASS-hardening", "a/FAIL-reproducible", "b/PASS-hardening"}, StatusFail, ExitFinding},
		{"fail beats blocked", TierHardening, []string{"a/NOT-RUN", "b/FAIL-reproducible"}, StatusFail, ExitFinding},
		{"nondeterministic SUT", TierHardening, []string{"a/FAIL-nondeterministic/SUT"}, StatusFail, ExitFinding},
		{"harness fail only", TierHardening, []string{"a/FAIL-reproducible/harness", "b/PASS-hardening"}, StatusFail, ExitInconclusive},
		{"unknown-blame fail", TierHardening, []string{"a/FAIL-nondeterministic/unknown"}, StatusFail, ExitInconclusive},
		{"harness and SUT fail", TierHardening, []string{"a/FAIL-reproducible/harness", "b/FAIL-reproducible/SUT"}, StatusFail, ExitFinding},
		{"fault not proven", TierHardening, []string{"a/PASS-hardening", "b/INCONCLUSIVE-fault-not-proven/harness"}, StatusInconclusive, ExitInconclusive},
		{"oracle too weak beats partial", TierHardening, []string{"a/PARTIAL-model", "b/INCONCLUSIVE-oracle-too-weak/checker"}, StatusInconclusive, ExitInconclusive},
		{"one scenario not run", TierHardening, []string{"a/PASS-hardening", "b/NOT-RUN"}, StatusInconclusive, ExitInconclusive},
		{"env on one scenario", TierHardening, []string{"a/PASS-hardening", "b/INCONCLUSIVE-env/environment"}, StatusInconclusive, ExitInconclusive},
		{"partial model", TierHardening, []string{"a/PASS-hardening", "a/PARTIAL-model"}, StatusConcerns, ExitOK},
		{"partial surface", TierHardening, []string{"a/PARTIAL-surface", "b/PASS-hardening"}, StatusConcerns, ExitOK},
		{"smoke at hardening", TierHardening, []string{"a/PASS-hardening", "b/PASS-smoke"}, StatusConcerns, ExitOK},
		{"smoke at smoke", TierSmoke, []string{"a/PASS-smoke", "a/PASS-smoke"}, StatusConcerns, ExitOK},
		{"mixed pass in one scenario", TierRelease, []string{"a/PASS-hardening", "a/PASS-smoke"}, StatusConcerns, ExitOK},
		{"all hardening", TierHardening, []string{"a/PASS-hardening", "a/PASS-hardening", "b/PASS-hardening"}, StatusDone, ExitOK},
	}
	seen := map[Status]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Build(Meta{Tier: tt.tier}, mix(t, tt.seeds...), nil, nil)
			if rep.Summary.Status != tt.want {
				t.Errorf("status %s (%s), want %s", rep.Summary.Status, rep.Summary.Why, tt.want)
			}
			if got := rep.ExitCode(); got != tt.exit {
				t.Errorf("exit code %d, want %d", got, tt.exit)
			}
			if rep.Summary.Why == "" || rep.Summary.Headline == "" {
				t.Error("no reason or headline")
			}
			if tt.want == StatusConcerns && len(rep.Summary.Concerns) == 0 {
				t.Error("DONE_WITH_CONCERNS without concerns")
			}
			if tt.want == StatusDone && len(rep.Summary.Concerns) != 0 {
				t.Errorf("DONE with concerns %v", rep.Summary.Concerns)
			}
		})
		seen[tt.want] = true
	}
	for _, s := range []Status{StatusFail, StatusBlocked, StatusInconclusive, StatusConcerns, StatusDone} {
		if !seen[s] {
			t.Errorf("status %s never reached", s)
		}
	}
}

// TestHardeningClaimSmokeOnly: a claim whose only scenario passed without
// faults is a concern at the hardening tier, named by claim.
func TestHardeningClaimSmokeOnly(t *testing.T) {
	results := mix(t, "a/PASS-smoke", "a/PASS-smoke")
	for _, tier := range []Tier{TierHardening, TierRelease} {
		rep := Build(Meta{Tier: tier}, results, nil, nil)
		found := false
		for _, c := range rep.Summary.Concerns {
			found = found || strings.HasPrefix(c, "claim C1 is tested at tier "+string(tier))
		}
		if !found {
			t.Errorf("tier %s: concerns %q lack the smoke-only claim", tier, rep.Summary.Concerns)
		}
	}
	rep := Build(Meta{Tier: TierSmoke}, results, nil, nil)
	for _, c := range rep.Summary.Concerns {
		if strings.HasPrefix(c, "claim C1") {
			t.Errorf("tier smoke names a hardening claim: %q", c)
		}
	}
}

// TestWorstIsOrderFree: the scenario verdict among alike-ranked verdicts
// does not depend on the order of the seeds.
func TestWorstIsOrderFree(t *testing.T) {
	a := mix(t, "s/NOT-RUN", "s/INCONCLUSIVE-env", "s/INCONCLUSIVE-fault-not-proven")
	b := []scenario.Result{a[2], a[1], a[0]}
	for _, rs := range [][]scenario.Result{a, b} {
		rep := Build(Meta{}, rs, nil, nil)
		if v := rep.Scenarios[0].Verdict; v != scenario.InconclusiveFaultNotProven {
			t.Errorf("verdict %s, want INCONCLUSIVE-fault-not-proven", v)
		}
	}
	if v := worst([]scenario.Verdict{scenario.PartialModel, scenario.PartialSurface}); v != scenario.PartialSurface {
		t.Errorf("worst partial %s", v)
	}
}

func TestParseTier(t *testing.T) {
	for _, s := range []string{"smoke", "hardening", "release"} {
		if tier, err := ParseTier(s); err != nil || string(tier) != s {
			t.Errorf("ParseTier(%q) = %q, %v", s, tier, err)
		}
	}
	if _, err := ParseTier("nightly"); err == nil || !strings.Contains(err.Error(), "valid: smoke, hardening, release") {
		t.Errorf("ParseTier(nightly): %v", err)
	}
}
