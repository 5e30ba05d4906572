package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
)

// Status summarises a session (one report), METHOD.md "Verdicts".
type Status string

// The session statuses, in the order they are decided: the first that
// applies wins.
const (
	// StatusFail: some scenario is FAIL-reproducible or
	// FAIL-nondeterministic.
	StatusFail Status = "FAIL"
	// StatusBlocked: nothing could run; every seed was NOT-RUN or
	// INCONCLUSIVE-env (or there were no results).
	StatusBlocked Status = "BLOCKED"
	// StatusInconclusive: none failed, but some scenario is INCONCLUSIVE-*
	// or NOT-RUN (a selected scenario that never ran supports nothing).
	StatusInconclusive Status = "INCONCLUSIVE"
	// StatusConcerns: everything ran and decided, but not every scenario
	// is PASS-hardening: the worst is PARTIAL-* or PASS-smoke, or a claim
	// at the hardening or release tier has only PASS-smoke.
	StatusConcerns Status = "DONE_WITH_CONCERNS"
	// StatusDone: every scenario is PASS-hardening.
	StatusDone Status = "DONE"
)

// The exit codes a report decides (METHOD.md, "Exit codes"); 2, a usage
// or input error, is the command line's.
const (
	ExitOK           = 0 // no finding against the SUT, nothing inconclusive
	ExitFinding      = 1 // at least one finding blamed on the SUT
	ExitInconclusive = 3 // inconclusive, or a failure blamed on harness, checker or environment
)

// ExitCode is the session's exit code: ExitFinding when a finding is
// blamed on the SUT, else ExitInconclusive when the session failed (on
// the harness, the checker, the environment or nobody known), is
// inconclusive or was blocked, else ExitOK.
func (r Report) ExitCode() int {
	for _, f := range r.Findings {
		if f.Blame == scenario.BlameSUT {
			return ExitFinding
		}
	}
	switch r.Summary.Status {
	case StatusFail, StatusInconclusive, StatusBlocked:
		return ExitInconclusive
	}
	return ExitOK
}

// inconclusive reports whether a scenario verdict leaves its claim
// undecided: INCONCLUSIVE-* or NOT-RUN, which scenario.Worst ranks alike.
func inconclusive(v scenario.Verdict) bool {
	return strings.HasPrefix(string(v), "INCONCLUSIVE") || v == scenario.NotRun
}

// ran reports whether a seed with verdict v ran at all.
func ran(v scenario.Verdict) bool { return v != scenario.NotRun && v != scenario.InconclusiveEnv }

// status decides the session status from the scenario rows, says why,
// and lists the concerns: what, besides failed and undecided scenarios,
// keeps the session from DONE (listed whatever the status, for the
// reviewer).
func status(tier Tier, rows []ScenarioRow, claims []Claim) (Status, string, []string) {
	if len(rows) == 0 {
		return StatusBlocked, "no results: nothing ran", nil
	}
	var failed, undecided, concerns []string
	anyRan := false
	for _, row := range rows {
		for _, c := range row.Counts {
			anyRan = anyRan || ran(c.Verdict)
		}
		name := row.ID + " " + row.Scenario
		switch v := row.Verdict; {
		case v.IsFail():
			failed = append(failed, fmt.Sprintf("%s (%s)", name, v))
		case inconclusive(v):
			undecided = append(undecided, fmt.Sprintf("%s (%s: %s)", name, v, row.Reason))
		case strings.HasPrefix(string(v), "PARTIAL"):
			concerns = append(concerns, fmt.Sprintf("%s is %s on %s: %s", name, v, ofSeeds(row, v), row.Reason))
		case v == scenario.PassSmoke:
			concerns = append(concerns, fmt.Sprintf("%s is PASS-smoke on %s: no fault was active there, so they support nothing under fault", name, ofSeeds(row, v)))
		case v != scenario.PassHardening:
			concerns = append(concerns, fmt.Sprintf("%s has a verdict this report does not know: %s", name, v))
		}
	}
	if tier == TierHardening || tier == TierRelease {
		for _, c := range claims {
			if smokeOnly(c.ID, rows) {
				concerns = append(concerns, fmt.Sprintf("claim %s is tested at tier %s but has only PASS-smoke: no seed ran it under a landed fault", c.ID, tier))
			}
		}
	}
	switch {
	case len(failed) > 0:
		return StatusFail, "failed: " + strings.Join(failed, "; "), concerns
	case !anyRan:
		return StatusBlocked, "nothing could run: every seed was NOT-RUN or INCONCLUSIVE-env", concerns
	case len(undecided) > 0:
		return StatusInconclusive, "nothing failed, but undecided: " + strings.Join(undecided, "; "), concerns
	}
	if len(concerns) > 0 {
		return StatusConcerns, "nothing failed and nothing is inconclusive, but not every scenario is PASS-hardening", concerns
	}
	return StatusDone, "every scenario is PASS-hardening", nil
}

// smokeOnly reports whether the claim's scenarios all passed and none on
// a seed with faults.
func smokeOnly(claim string, rows []ScenarioRow) bool {
	seen := false
	for _, row := range rows {
		if !slices.Contains(row.Claims, claim) {
			continue
		}
		if !row.Verdict.IsPass() {
			return false
		}
		seen = true
		for _, c := range row.Counts {
			if c.Verdict == scenario.PassHardening {
				return false
			}
		}
	}
	return seen
}

// ofSeeds renders "k of n seeds" for the seeds of row with verdict v.
func ofSeeds(row ScenarioRow, v scenario.Verdict) string {
	k := 0
	for _, c := range row.Counts {
		if c.Verdict == v {
			k = c.N
		}
	}
	return fmt.Sprintf("%d of %d seeds", k, row.Seeds)
}

// summary writes the headline and decides the session status.
func summary(tier Tier, rep Report) Summary {
	s := Summary{Findings: len(rep.Findings)}
	var vs []scenario.Verdict
	for _, row := range rep.Scenarios {
		vs = append(vs, row.Verdict)
	}
	s.Verdicts = counts(vs)
	s.Status, s.Why, s.Concerns = status(tier, rep.Scenarios, rep.Claims)
	blamed := map[scenario.Blame][]string{}
	for _, f := range rep.Findings {
		blamed[f.Blame] = append(blamed[f.Blame], f.ID)
	}
	s.SUTFindings = len(blamed[scenario.BlameSUT])
	switch {
	case len(rep.Findings) > 0:
		var parts []string
		for _, b := range []scenario.Blame{scenario.BlameSUT, scenario.BlameHarness, scenario.BlameChecker, scenario.BlameEnvironment, scenario.BlameUnknown} {
			if ids := blamed[b]; len(ids) > 0 {
				who := string(b)
				if b == scenario.BlameSUT {
					who = "the SUT"
				} else if b != scenario.BlameUnknown {
					who = "the " + who
				} else {
					who = "nobody known (unknown)"
				}
				parts = append(parts, fmt.Sprintf("%d blamed on %s (%s)", len(ids), who, strings.Join(ids, ", ")))
			}
		}
		s.Headline = fmt.Sprintf("%s: %s.", plural(len(rep.Findings), "finding"), strings.Join(parts, ", "))
	case len(rep.Scenarios) > 0 && allPass(rep.Scenarios):
		s.Headline = fmt.Sprintf("All %s passed (%s) over %s, covering %s; %s.", plural(len(rep.Scenarios), "scenario"),
			countList(s.Verdicts), plural(rep.Header.Runs, "run"), claimsCovered(rep.Scenarios), landedSummary(rep.Scenarios))
	case len(rep.Scenarios) == 0:
		s.Headline = "No findings: no results were given, so nothing was tested."
	default:
		passed := 0
		for _, row := range rep.Scenarios {
			if row.Verdict.IsPass() {
				passed++
			}
		}
		s.Headline = fmt.Sprintf("No findings, but only %d of %s passed (%s).", passed, plural(len(rep.Scenarios), "scenario"), countList(s.Verdicts))
	}
	return s
}

func allPass(rows []ScenarioRow) bool {
	for _, row := range rows {
		if !row.Verdict.IsPass() {
			return false
		}
	}
	return true
}

// landedSummary names the fault kinds that landed over the sweep, with
// how often.
func landedSummary(rows []ScenarioRow) string {
	landed := map[nemesis.Kind]int{}
	for _, row := range rows {
		for _, l := range row.Landing {
			if l.Landed > 0 {
				landed[l.Kind] += l.Landed
			}
		}
	}
	if len(landed) == 0 {
		return "no fault landed"
	}
	var parts []string
	for _, k := range sortedKinds(landed) {
		parts = append(parts, fmt.Sprintf("%s (%d)", k, landed[k]))
	}
	return "faults landed: " + strings.Join(parts, ", ")
}

// claimsCovered names the claims the scenarios exercised.
func claimsCovered(rows []ScenarioRow) string {
	ids := map[string]bool{}
	for _, row := range rows {
		for _, c := range row.Claims {
			ids[c] = true
		}
	}
	if len(ids) == 0 {
		return "no claim"
	}
	return "claims " + strings.Join(sortedKeys(ids, compareIDs), ", ")
}

func countList(cs []Count) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%d %s", c.N, c.Verdict))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
