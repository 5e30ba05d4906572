package scenario

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/sim"
)

// finalStateOnly are checkers that judge only a final read, not the
// history: too weak for claims about histories.
var finalStateOnly = map[string]bool{"set": true}

// stallBuckets is how many time buckets the workload's active period is
// cut into to detect a stall; a bucket is never narrower than the longest
// pause a working client may take (see stallWidth).
const stallBuckets = 20

// greenButBroken runs METHOD.md's automatic checks on an attempt. Each
// failing check keeps the run from a PASS, with the verdict it demotes to.
// Every check compares with what the harness itself recorded (the
// history, the workload's counters, the nemesis's schedule), never with a
// checker's or an SUT's own account.
func greenButBroken(s Scenario, a attempt) []Check {
	st := a.stats
	n := len(a.hist.Ops)
	var cs []Check
	add := func(name string, ok bool, demote Verdict, format string, args ...any) *Check {
		cs = append(cs, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...), Demote: demote})
		return &cs[len(cs)-1]
	}
	add("workload-ran", st.Invoked > 0 && st.OK > 0, InconclusiveOracleTooWeak,
		"%d operations invoked, %d ok, %d fail, %d info", st.Invoked, st.OK, st.Fail, st.Info)
	finals := st.FinalsDone || s.Model == history.Lock || s.Model == history.Lease
	add("workload-finished", st.Pending == 0 && finals, PartialModel,
		"%d operations pending at the end; final reads done: %v", st.Pending, finals)
	gap, width := stall(a)
	add("workload-throughout", gap == "", PartialModel, "%s", stallDetail(a, gap, width))
	if c := a.check; c != nil {
		// The checker's own counts are its word; the history the harness
		// handed it is the fact.
		add("checker-counts-match-history", c.Recorded == n && c.Checked <= c.Recorded, InconclusiveOracleTooWeak,
			"checker %s reports %d decided of %d recorded; the harness gave it %d operations", c.Checker, c.Checked, c.Recorded, n).Blame = BlameChecker
		add("checker-consumed-all", c.Checked == n, PartialModel,
			"checker %s consumed %d of the %d recorded operations", c.Checker, c.Checked, n)
		hist := s.Claim.Kind == "safety" || s.Claim.Kind == "ordering" || s.Claim.Kind == "isolation"
		add("checker-judges-history", !(hist && finalStateOnly[c.Checker]), PartialSurface,
			"checker %s for a %s claim", c.Checker, s.Claim.Kind)
	}
	landed := 0
	var why []string
	for _, f := range a.landings {
		if f.Landed {
			landed++
		} else {
			why = append(why, f.ID+": "+f.Detail)
		}
	}
	detail := fmt.Sprintf("%d of %d faults landed with a client operation in flight in their window or recovery", landed, len(a.landings))
	if len(why) > 0 {
		detail += "; " + strings.Join(why, "; ")
	}
	add("faults-landed", landed == len(a.landings), InconclusiveFaultNotProven, "%s", detail)
	// StopDone: the run ended early because its work was finished (the
	// final reads done, nothing pending, every fault healed), which is
	// checked again here rather than trusted.
	done := a.sim.Stop == sim.StopDone && st.FinalsDone && st.Pending == 0 && a.healed
	add("planned-duration", a.sim.Stop == sim.StopTimeLimit || (a.sim.Stop == sim.StopQuiescent && st.Pending == 0) || done, PartialModel,
		"run stopped by %s at %v of %v", a.sim.Stop, a.sim.SimTime, s.SimTime)
	add("no-swallowed-errors", a.runErr == nil && st.BadReplies == 0, PartialModel,
		"run error: %v; bad replies: %d", a.runErr, st.BadReplies)
	if len(a.landings) > 0 {
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

// inFlight is the true-time interval during which a client waited for op:
// from its invocation to its completion, or, for an operation of unknown
// outcome, to its timeout (the client gave up then), or to end.
func inFlight(o history.Op, timeout time.Duration, end clock.Time) (from, to clock.Time) {
	from = clock.Time(o.InvokeTS)
	if o.Type != history.Info {
		return from, clock.Time(o.CompleteTS)
	}
	return from, min(from.Add(timeout), end)
}

// landings decides, for every scheduled fault, whether it landed: the
// nemesis saw it act on the system (nemesis.Evidence), and a client
// operation was in flight at some instant of its window [Start, End] or
// of its recovery window (End plus one client timeout). A fault whose
// only effect was on the SUT's internal traffic while no client waited
// tested no claim about what clients see. It returns the landings and
// the evidence with Landed and Detail brought in line with them.
func landings(a *attempt) ([]FaultLanding, []nemesis.Evidence) {
	timeout, end := a.wcfg.Timeout, a.sim.SimTime
	evidence := make([]nemesis.Evidence, len(a.evidence))
	var out []FaultLanding
	for i, e := range a.evidence {
		f, _ := findFault(a.schedule, e.ID)
		fl := FaultLanding{ID: e.ID, Kind: string(e.Kind), Landed: e.Landed, Detail: e.Detail}
		switch e.State {
		case nemesis.NotReached:
			// The run stopped (on a finding) before it: no evidence
			// either way, and nothing held against the run.
			evidence[i] = e
			continue
		case nemesis.Pending:
			fl.Landed, fl.Detail = false, fmt.Sprintf("never started: scheduled at %v, the run ended at %v", f.Start, end)
		case nemesis.Refused:
			fl.Landed = false
			if fl.Detail == "" {
				fl.Detail = "refused by the nemesis: never applied"
			}
		default:
			stop := f.End
			if e.State == nemesis.Active || stop > end {
				stop = end
			}
			rec := min(stop.Add(timeout), end)
			window := fmt.Sprintf("window %v–%v, recovery to %v", f.Start, stop, rec)
			ops := 0
			for _, o := range a.hist.Ops {
				if from, to := inFlight(o, timeout, end); from <= rec && to >= f.Start {
					ops++
				}
			}
			switch {
			case !e.Landed && e.Detail != "":
				fl.Detail = window + ": " + e.Detail
				if f.Kind == nemesis.Partition && time.Duration(stop-f.Start) < timeout {
					// The likeliest cause, and what to change: clients
					// waiting out an earlier fault send nothing.
					fl.Detail += fmt.Sprintf(" (the cut lasted %v, less than the client timeout %v: clients waiting out an earlier fault may have sent nothing through it; a nemesis min_duration above the timeout lets them)", time.Duration(stop-f.Start), timeout)
				}
			case !e.Landed:
				fl.Detail = fmt.Sprintf("%s: the nemesis saw no effect on the system (%s)", window, counters(e))
			case ops == 0:
				fl.Landed = false
				fl.Detail = fmt.Sprintf("%s: no client operation was in flight (its only effect, %s, was on the system's internal traffic or state)", window, counters(e))
			default:
				fl.Detail = fmt.Sprintf("%s: %d client operations in flight; %s", window, ops, counters(e))
			}
		}
		out = append(out, fl)
		evidence[i] = e
		evidence[i].Landed, evidence[i].Detail = fl.Landed, fl.Detail
	}
	return out, evidence
}

func findFault(s nemesis.Schedule, id string) (nemesis.Fault, bool) {
	for _, f := range s {
		if f.ID == id {
			return f, true
		}
	}
	return nemesis.Fault{}, false
}

func counters(e nemesis.Evidence) string {
	var parts []string
	for _, c := range e.Counters {
		if c.Value != 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", c.Name, c.Value))
		}
	}
	if len(parts) == 0 {
		return "no counter moved"
	}
	return strings.Join(parts, " ")
}

// stallWidth is the narrowest stall the check reports: longer than any
// gap between invocations a working workload leaves (an operation waits
// at most its timeout, a client then thinks at most twice its mean think
// time, and the last one waits the quiet period before the final reads),
// and at least a stallBuckets-th of the active period.
func stallWidth(a attempt, span time.Duration) time.Duration {
	c := a.wcfg
	return max(span/stallBuckets, c.Timeout+2*c.ThinkTime+c.Quiet, time.Millisecond)
}

// stall cuts the workload's active period (its first invocation to its
// last) into buckets of stallWidth and returns the first bucket in which
// no operation was invoked ("" when there is none), and the width.
func stall(a attempt) (string, time.Duration) {
	ops := a.hist.Ops
	if len(ops) < 2 {
		return "", 0
	}
	first, last := clock.Time(ops[0].InvokeTS), clock.Time(ops[0].InvokeTS)
	for _, o := range ops {
		first, last = min(first, clock.Time(o.InvokeTS)), max(last, clock.Time(o.InvokeTS))
	}
	width := stallWidth(a, last.Sub(first))
	buckets := int(last.Sub(first)/width) + 1
	hit := make([]bool, buckets)
	for _, o := range ops {
		hit[int(clock.Time(o.InvokeTS).Sub(first)/width)] = true
	}
	for i, h := range hit {
		if !h {
			from := first.Add(time.Duration(i) * width)
			return fmt.Sprintf("%v–%v", from, from.Add(width)), width
		}
	}
	return "", width
}

func stallDetail(a attempt, gap string, width time.Duration) string {
	if gap == "" {
		return fmt.Sprintf("operations invoked in every %v of the active period", width)
	}
	return fmt.Sprintf("no operation invoked in %s: the workload stalled (buckets of %v over its active period)", gap, width)
}

// Failovers counts the failovers a history shows: how many times the node
// that served successful writes (every ok operation that is not a read)
// changes, in order of completion. It is the client-visible evidence that
// the system moved its primary or leader: a sweep of a failover scenario
// must see more than one over its seeds (METHOD.md's green-but-broken
// checks), which the report checks. Operations without node_seen are
// skipped.
func Failovers(h history.History) int {
	ops := slices.Clone(h.Ops)
	slices.SortStableFunc(ops, func(a, b history.Op) int { return cmp.Compare(a.CompleteTS, b.CompleteTS) })
	n, last := 0, ""
	for _, o := range ops {
		if o.Type != history.OK || o.OpType == "read" || o.NodeSeen == "" {
			continue
		}
		if last != "" && o.NodeSeen != last {
			n++
		}
		last = o.NodeSeen
	}
	return n
}
