package scenario

import (
	"fmt"
	"sort"
)

// SweepCheck is a check of a whole sweep of one scenario, not of any one
// seed: METHOD.md's "a failover scenario saw more than one failover". The
// sweep command and the report apply it alike (DemoteBySweep).
type SweepCheck struct {
	Name     string `json:"name"`
	Scenario string `json:"scenario"`
	OK       bool   `json:"ok"`
	Detail   string `json:"detail"`
	// Demote is the verdict a PASS of the scenario gets when the check
	// fails.
	Demote Verdict `json:"demote,omitempty"`
}

// FailoverSweepCheck is the sweep-level check of a failover scenario
// (one whose results carry Failovers), over rs, the results of one
// scenario: more than one failover over the sweep, else a PASS of it
// proves nothing about failover. ok is false when rs are not a failover
// scenario's.
func FailoverSweepCheck(rs []Result) (c SweepCheck, ok bool) {
	total, seeds := 0, 0
	for _, r := range rs {
		if r.Failovers != nil {
			total += *r.Failovers
			seeds++
		}
	}
	if seeds == 0 {
		return SweepCheck{}, false
	}
	c = SweepCheck{Name: "failovers-seen", Scenario: rs[0].Scenario, OK: total > 1,
		Detail: fmt.Sprintf("%s over %s: a failover scenario must see more than one", plural(total, "failover"), plural(seeds, "seed"))}
	if !c.OK {
		c.Demote = InconclusiveFaultNotProven
	}
	return c, true
}

// SweepChecks runs the sweep-level checks on rs, the results of a sweep
// of any scenarios, one scenario at a time, in scenario order.
func SweepChecks(rs []Result) []SweepCheck {
	by := map[string][]Result{}
	for _, r := range rs {
		by[r.Scenario] = append(by[r.Scenario], r)
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []SweepCheck
	for _, n := range names {
		if c, ok := FailoverSweepCheck(by[n]); ok {
			out = append(out, c)
		}
	}
	return out
}

// DemoteBySweep returns the verdict of a scenario whose seeds' worst
// verdict is v once its sweep-level checks are applied: a PASS-* with a
// failed check gets the check's Demote (the first failed check's), with
// the reason; any other verdict stands, and the reason is "".
func DemoteBySweep(v Verdict, checks []SweepCheck) (Verdict, string) {
	if v != PassHardening && v != PassSmoke {
		return v, ""
	}
	for _, c := range checks {
		if !c.OK {
			return c.Demote, "sweep-level check " + c.Name + " failed: " + c.Detail
		}
	}
	return v, ""
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
