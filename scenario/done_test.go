package scenario_test

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/scenario"
)

// TestRunEndsWhenItsWorkIsDone: a run ends once its final reads are done
// and its faults have healed, instead of idling to its SimTime, and the
// green-but-broken checks still earn the PASS: the early stop is accepted
// by planned-duration as "done", and recovery after the heal is proven by
// an ok operation after it.
func TestRunEndsWhenItsWorkIsDone(t *testing.T) {
	r := registry(t)
	for _, tc := range []struct {
		name string
		s    scenario.Scenario
		want scenario.Verdict
	}{
		{"smoke", base("done-smoke"), scenario.PassSmoke},
		{"hardening", func() scenario.Scenario { s := base("done-hardening"); s.Nemesis = pause(); return s }(), scenario.PassHardening},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := r.Run(tc.s, 1, scenario.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != tc.want || res.Stop != "done" || time.Duration(res.SimNS) >= tc.s.SimTime {
				t.Fatalf("verdict %s (%s), stop %q at %v of %v; want %s, stopped done before the end", res.Verdict, res.Reason, res.Stop, time.Duration(res.SimNS), tc.s.SimTime, tc.want)
			}
			for _, c := range res.Checks {
				if (c.Name == "planned-duration" || c.Name == "recovered-after-heal") && !c.OK {
					t.Errorf("check %s failed: %s", c.Name, c.Detail)
				}
			}
		})
	}
}
