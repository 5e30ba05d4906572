package scenario

import (
	"fmt"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/sim"
)

// finalStateOnly are checkers that judge only a final read, not the
// history: too weak for claims about histories.
var finalStateOnly = map[string]bool{"set": true}

// greenButBroken runs METHOD.md's automatic checks on an attempt. Each
// failing check keeps the run from a PASS, with the verdict it demotes to.
func greenButBroken(s Scenario, a attempt) []Check {
	st := a.stats
	var cs []Check
	add := func(name string, ok bool, demote Verdict, format string, args ...any) {
		cs = append(cs, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...), Demote: demote})
	}
	add("workload-ran", st.Invoked > 0 && st.OK > 0, InconclusiveOracleTooWeak,
		"%d operations invoked, %d ok, %d fail, %d info", st.Invoked, st.OK, st.Fail, st.Info)
	finals := st.FinalsDone || s.Model == history.Lock || s.Model == history.Lease
	add("workload-finished", st.Pending == 0 && finals, PartialModel,
		"%d operations pending at the end; final reads done: %v", st.Pending, finals)
	if c := a.check; c != nil {
		add("checker-consumed-all", c.Checked == c.Recorded, PartialModel,
			"checker %s consumed %d of %d operations", c.Checker, c.Checked, c.Recorded)
		hist := s.Claim.Kind == "safety" || s.Claim.Kind == "ordering" || s.Claim.Kind == "isolation"
		add("checker-judges-history", !(hist && finalStateOnly[c.Checker]), PartialSurface,
			"checker %s for a %s claim", c.Checker, s.Claim.Kind)
	}
	landed, reached := 0, 0
	for _, e := range a.evidence {
		if e.State == nemesis.NotReached {
			continue // the run stopped before it: no evidence either way
		}
		reached++
		if e.Landed {
			landed++
		}
	}
	add("faults-landed", landed == reached, InconclusiveFaultNotProven,
		"%d of %d faults have landing evidence (%d not reached)", landed, reached, len(a.evidence)-reached)
	add("planned-duration", a.sim.Stop == sim.StopTimeLimit || (a.sim.Stop == sim.StopQuiescent && st.Pending == 0), PartialModel,
		"run stopped by %s at %v of %v", a.sim.Stop, a.sim.SimTime, s.SimTime)
	add("no-swallowed-errors", a.runErr == nil && st.BadReplies == 0, PartialModel,
		"run error: %v; bad replies: %d", a.runErr, st.BadReplies)
	if len(a.evidence) > 0 {
		add("recovered-after-heal", st.OK > 0 && st.LastOK > a.lastHeal, PartialModel,
			"last fault healed at %v; last ok operation completed at %v", a.lastHeal, st.LastOK)
	}
	bad := 0
	for _, o := range a.hist.Ops {
		if o.InvokeTS < 0 || o.InvokeTS > int64(a.sim.SimTime) || (o.Type != history.Info && (o.CompleteTS < o.InvokeTS || o.CompleteTS > int64(a.sim.SimTime))) {
			bad++
		}
	}
	add("true-time-stamps", bad == 0, InconclusiveOracleTooWeak,
		"%d operations stamped outside the run's simulated time [0, %v]", bad, a.sim.SimTime)
	return cs
}
