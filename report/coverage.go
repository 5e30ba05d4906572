package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
)

// Coverage says, per claim, what exercised it, and what was not
// exercised and why.
type Coverage struct {
	Claims []ClaimCoverage `json:"claims"`
	Gaps   []Gap           `json:"gaps"`
}

// ClaimCoverage is one claim's coverage over the sweep.
type ClaimCoverage struct {
	Claim string `json:"claim"`
	Text  string `json:"text,omitempty"`
	// Verdict is the worst over its scenarios (NOT-RUN when none named
	// it).
	Verdict   scenario.Verdict `json:"verdict"`
	Scenarios []ClaimScenario  `json:"scenarios"`
}

// ClaimScenario is one scenario that exercised a claim: its verdicts and
// the fault kinds that landed in at least one of its seeds.
type ClaimScenario struct {
	Scenario string           `json:"scenario"`
	Verdict  scenario.Verdict `json:"verdict"`
	Counts   []Count          `json:"counts"`
	Landed   []nemesis.Kind   `json:"landed"`
}

// Gap is something the sweep did not exercise, and why. Claim, Scenario
// and Kind say what; the ones that do not apply are empty.
type Gap struct {
	Claim    string       `json:"claim,omitempty"`
	Scenario string       `json:"scenario,omitempty"`
	Kind     nemesis.Kind `json:"kind,omitempty"`
	Why      string       `json:"why"`
}

// landedKinds are the fault kinds that landed in at least one seed.
func landedKinds(row ScenarioRow) []nemesis.Kind {
	out := []nemesis.Kind{}
	for _, l := range row.Landing {
		if l.Landed > 0 {
			out = append(out, l.Kind)
		}
	}
	return out
}

// coverage maps claims to the scenarios that exercised them and lists
// the gaps. Groups and rows are in the same (scenario name) order.
func coverage(claims []Claim, groups [][]scenario.Result, rows []ScenarioRow) Coverage {
	cov := Coverage{Claims: []ClaimCoverage{}, Gaps: []Gap{}}
	for _, c := range claims {
		cc := ClaimCoverage{Claim: c.ID, Text: c.Text, Scenarios: []ClaimScenario{}}
		var vs []scenario.Verdict
		var landed, scheduled, ranAny, decided bool
		for _, row := range rows {
			if !slices.Contains(row.Claims, c.ID) {
				continue
			}
			cs := ClaimScenario{Scenario: row.Scenario, Verdict: row.Verdict, Counts: row.Counts, Landed: landedKinds(row)}
			cc.Scenarios = append(cc.Scenarios, cs)
			vs = append(vs, row.Verdict)
			landed = landed || len(cs.Landed) > 0
			scheduled = scheduled || len(row.Landing) > 0
			for _, n := range row.Counts {
				ranAny = ranAny || ran(n.Verdict)
				decided = decided || !inconclusive(n.Verdict)
			}
		}
		cc.Verdict = worst(vs)
		cov.Claims = append(cov.Claims, cc)
		switch {
		case len(cc.Scenarios) == 0:
			cov.Gaps = append(cov.Gaps, Gap{Claim: c.ID, Why: "no scenario in this session names it"})
		case !ranAny:
			cov.Gaps = append(cov.Gaps, Gap{Claim: c.ID, Why: "none of its scenarios ran"})
		case !decided:
			cov.Gaps = append(cov.Gaps, Gap{Claim: c.ID, Why: "none of its scenarios reached a decision on any seed"})
		case !landed && scheduled:
			cov.Gaps = append(cov.Gaps, Gap{Claim: c.ID, Why: "faults were scheduled, but none landed in any of its seeds"})
		case !landed:
			cov.Gaps = append(cov.Gaps, Gap{Claim: c.ID, Why: "no fault was scheduled in any of its seeds: it was exercised without faults only"})
		}
	}
	for i, row := range rows {
		if len(row.Claims) == 0 {
			cov.Gaps = append(cov.Gaps, Gap{Scenario: row.Scenario, Why: "it names no claim, so it counts toward none"})
		}
		if g, ok := undecidedGap(row, groups[i]); ok {
			cov.Gaps = append(cov.Gaps, g)
		}
		for _, l := range row.Landing {
			if l.Landed == 0 {
				cov.Gaps = append(cov.Gaps, Gap{Scenario: row.Scenario, Kind: l.Kind,
					Why: fmt.Sprintf("scheduled %s, landed in none: the nemesis never exercised the claim under it", plural(l.Scheduled, "time"))})
			}
		}
	}
	return cov
}

// undecidedGap reports a scenario none of whose seeds reached a decision
// (each NOT-RUN or INCONCLUSIVE-*), with the first seed's reason.
func undecidedGap(row ScenarioRow, rs []scenario.Result) (Gap, bool) {
	for _, c := range row.Counts {
		if !inconclusive(c.Verdict) {
			return Gap{}, false
		}
	}
	why := fmt.Sprintf("no seed reached a decision (%s); first, seed %d: %s", countList(row.Counts), rs[0].Seed, rs[0].Reason)
	return Gap{Scenario: row.Scenario, Why: why}, true
}

// ScenarioChecks are one scenario's green-but-broken checks over its
// seeds.
type ScenarioChecks struct {
	Scenario string         `json:"scenario"`
	Checks   []CheckSummary `json:"checks"`
}

// CheckSummary is one green-but-broken check over a scenario's seeds.
type CheckSummary struct {
	Name   string `json:"name"`
	Passed int    `json:"passed"`
	Total  int    `json:"total"` // seeds that ran the check
	// Sweep marks a check of the whole sweep, not of each seed (Passed
	// and Total are then 1 or 0 of 1; Detail says what it saw).
	Sweep  bool   `json:"sweep,omitempty"`
	Detail string `json:"detail,omitempty"`
	// First is the lowest seed where it failed; nil when it never did.
	First *CheckFailure `json:"first_failure,omitempty"`
}

// CheckFailure is a seed where a check failed, and what it saw.
type CheckFailure struct {
	Seed   uint64           `json:"seed"`
	Detail string           `json:"detail"`
	Demote scenario.Verdict `json:"demote,omitempty"`
}

// scenarioChecks aggregates the checks of one scenario's results (sorted
// by seed), in the order the checks first appear.
func scenarioChecks(rs []scenario.Result) ScenarioChecks {
	out := ScenarioChecks{Scenario: rs[0].Scenario, Checks: []CheckSummary{}}
	index := map[string]int{}
	for _, r := range rs {
		for _, c := range r.Checks {
			i, ok := index[c.Name]
			if !ok {
				i = len(out.Checks)
				index[c.Name] = i
				out.Checks = append(out.Checks, CheckSummary{Name: c.Name})
			}
			s := &out.Checks[i]
			s.Total++
			if c.OK {
				s.Passed++
			} else if s.First == nil {
				s.First = &CheckFailure{Seed: r.Seed, Detail: c.Detail, Demote: c.Demote}
			}
		}
	}
	return out
}

// sweepCheckSummary is a sweep-level check (scenario.SweepChecks, the
// ones the sweep command applies too) as the report shows it.
func sweepCheckSummary(sc scenario.SweepCheck) CheckSummary {
	c := CheckSummary{Name: sc.Name, Total: 1, Sweep: true, Detail: sc.Detail}
	if sc.OK {
		c.Passed = 1
	} else {
		c.First = &CheckFailure{Detail: sc.Detail, Demote: sc.Demote}
	}
	return c
}

// Change is which way a belief moved.
type Change string

// The three directions of the confidence delta.
const (
	More Change = "more"
	Less Change = "less"
	Same Change = "same"
)

// Belief is one sentence of the confidence delta: what a reviewer may
// believe more, less or the same about a subject (a claim id, "harness"
// or "checker") after this session.
type Belief struct {
	Change  Change `json:"change"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// confidence writes the confidence delta: one belief per claim, then one
// per finding blamed on faultline itself. Its wording is conservative: a
// pass is "not observed under the tested faults", never "proven".
func confidence(tier Tier, rep Report) []Belief {
	out := []Belief{}
	for _, cc := range rep.Coverage.Claims {
		out = append(out, claimBelief(tier, cc, rep))
	}
	for _, f := range rep.Findings {
		switch f.Blame {
		case scenario.BlameHarness, scenario.BlameChecker:
			out = append(out, Belief{Less, string(f.Blame), fmt.Sprintf(
				"%s: %s is blamed on the %s (%s); until it is fixed, %s says nothing about the SUT on those seeds.",
				f.ID, f.Anomaly, f.Blame, f.Reason, f.Scenario)})
		}
	}
	return out
}

func claimBelief(tier Tier, cc ClaimCoverage, rep Report) Belief {
	b := Belief{Change: Same, Subject: cc.Claim}
	if len(cc.Scenarios) == 0 {
		b.Text = "not exercised in this session; belief in it is unchanged."
		return b
	}
	var sut []string
	for _, f := range rep.Findings {
		for _, c := range f.Claims {
			if c.ID == cc.Claim && f.Blame == scenario.BlameSUT {
				sut = append(sut, fmt.Sprintf("%s (%s in %s, %d of %d seeds, under %s)", f.ID, f.Anomaly, f.Scenario, len(f.Seeds), f.Of, findingFaults(f)))
			}
		}
	}
	var seeds, hardened int
	landed := map[nemesis.Kind]bool{}
	var names []string
	for _, cs := range cc.Scenarios {
		names = append(names, cs.Scenario)
		for _, n := range cs.Counts {
			seeds += n.N
			if n.Verdict == scenario.PassHardening {
				hardened += n.N
			}
		}
		for _, k := range cs.Landed {
			landed[k] = true
		}
	}
	var kinds []string
	for _, k := range sortedKinds(landed) {
		kinds = append(kinds, string(k))
	}
	faults := "no fault"
	if len(kinds) > 0 {
		faults = strings.Join(kinds, ", ")
	}
	v := cc.Verdict
	switch {
	case len(sut) > 0:
		b.Change = Less
		b.Text = fmt.Sprintf("violated: %s. The claim does not hold as stated under those faults.", strings.Join(sut, "; "))
		var others []string
		for _, cs := range cc.Scenarios {
			if !cs.Verdict.IsFail() {
				others = append(others, cs.Scenario+" "+string(cs.Verdict))
			}
		}
		if len(others) > 0 {
			b.Text += " Its other scenarios: " + strings.Join(others, ", ") + "."
		}
	case v.IsFail():
		b.Text = fmt.Sprintf("no conclusion: its scenarios failed with the blame on faultline or unknown (%s), not on the SUT; belief in the claim is unchanged.", verdictList(cc))
	case inconclusive(v):
		b.Text = fmt.Sprintf("no conclusion: %s; belief in the claim is unchanged.", verdictList(cc))
	case strings.HasPrefix(string(v), "PARTIAL"):
		b.Text = fmt.Sprintf("no anomaly in what was checked, but the check was partial (%s); belief in the claim is about unchanged.", verdictList(cc))
	case hardened == 0:
		b.Text = fmt.Sprintf("not observed to fail in %s without faults (%s); its behaviour under fault is untested, so belief in it under fault is unchanged.", plural(seeds, "seed"), strings.Join(names, ", "))
	case hardened < seeds:
		b.Change = More
		b.Text = fmt.Sprintf("not observed to fail under the tested faults (%s) in %d of %s at tier %s; the other seeds ran without faults. This is evidence, not proof.", faults, hardened, plural(seeds, "seed"), tier)
	default:
		b.Change = More
		b.Text = fmt.Sprintf("not observed to fail under the tested faults (%s) in %s at tier %s (%s). This is evidence, not proof: untested faults and schedules remain.", faults, plural(seeds, "seed"), tier, strings.Join(names, ", "))
	}
	return b
}

func verdictList(cc ClaimCoverage) string {
	var parts []string
	for _, cs := range cc.Scenarios {
		parts = append(parts, cs.Scenario+" "+string(cs.Verdict))
	}
	return strings.Join(parts, ", ")
}

// findingFaults names the fault kinds that landed on a finding's lowest
// failing seed.
func findingFaults(f Finding) string {
	kinds := map[nemesis.Kind]bool{}
	for _, e := range f.Faults {
		if e.Landed {
			kinds[e.Kind] = true
		}
	}
	if len(kinds) == 0 {
		return "no landed fault"
	}
	var out []string
	for _, k := range sortedKinds(kinds) {
		out = append(out, string(k))
	}
	return strings.Join(out, ", ")
}
