package scenario

import (
	"fmt"
	"maps"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// maxShrunkOps is the most operations in all a shrunk reproducer should
// need, counted in its history (final reads included): the ops search
// keeps counts whose runs stay within it.
const maxShrunkOps = 50

// opsSteps are the operations per client the shrinker tries, smallest
// first, before halving.
var opsSteps = []int{1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, 40, 50}

// earlierSteps are where the shrinker tries to move the faults, all
// together, in eighths of the first fault's start, earliest first; and
// shorterSteps the run times it tries, in eighths of the run's.
var (
	earlierSteps = []int{1, 2, 4, 6}
	shorterSteps = []int{1, 2, 4, 6}
)

// ShrinkOptions bound the shrinker's work.
type ShrinkOptions struct {
	// MaxRuns bounds the runs shrinking may make (default 300).
	MaxRuns int
	Run     RunOptions
}

// shrinker is one Shrink: the scenario cut so far and what its run gave.
type shrinker struct {
	r    *Registry
	sys  System
	seed uint64
	opts ShrinkOptions
	want string // the anomaly to keep
	// blame is the first run's: a cut that moves the blame is no cut.
	blame Blame
	cur   Scenario
	ops   int // operations in cur's history
	out   *Shrunk
}

// run reports whether cand still fails with the same anomaly, and the
// operations its history holds.
func (k *shrinker) run(cand Scenario) (bool, int) {
	if k.out.Runs >= k.opts.MaxRuns {
		return false, 0
	}
	k.out.Runs++
	a, err := k.r.attempt(withDefaults(cand), k.sys, k.seed, nil, k.opts.Run, false)
	if err != nil {
		return false, 0
	}
	sig, blame, _ := failure(a.obs)
	return sig == k.want && blame == k.blame, len(a.hist.Ops)
}

// try keeps cand when it still fails the same way and its history is no
// longer than limit (no limit when limit is 0).
func (k *shrinker) try(cand Scenario, limit int) bool {
	ok, ops := k.run(cand)
	if !ok || (limit > 0 && ops > limit) {
		return false
	}
	k.cur, k.ops = cand, ops
	return true
}

// Shrink reduces a failing seed of s to the reproducer a person would
// write, keeping each cut while the same anomaly (with the same blame)
// persists; at most opts.MaxRuns runs. With the seed fixed, it
//
//   - drops faults one at a time, then clients;
//   - moves the faults earlier, all together (their order, spacing and
//     lengths kept), so that they strike soon after the clients start,
//     and shortens the run, so that a paced workload's operations crowd
//     around the faults;
//   - looks for the fewest operations per client that reproduce, from
//     small counts up (whose histories stay within maxShrunkOps), then
//     halving and stepping down;
//   - when the history still holds more than maxShrunkOps operations,
//     lowers the system's shrinkable options (System.Shrinkable: a
//     snapshot interval, say) and searches clients and operations
//     together;
//   - then drops clients, faults and nodes again.
//
// A role-aimed fault keeps its role. It returns the sizes before and
// after (operations counted in the histories) and the shrunk scenario,
// whose explicit fault list, run time and system options reproduce the
// anomaly on its own (checked by a final run with a rerun).
func (r *Registry) Shrink(s Scenario, seed uint64, opts ShrinkOptions) (Shrunk, Scenario, error) {
	if opts.MaxRuns == 0 {
		opts.MaxRuns = 300
	}
	s = withDefaults(s)
	sys, err := r.System(s.System)
	if err != nil {
		return Shrunk{}, s, err
	}
	first, err := r.Run(s, seed, opts.Run)
	if err != nil {
		return Shrunk{}, s, err
	}
	if !first.Verdict.IsFail() {
		return Shrunk{}, s, fmt.Errorf("seed %d of %s does not fail (%s): nothing to shrink", seed, s.Name, first.Verdict)
	}
	if first.Stop == string(sim.StopStuck) {
		return Shrunk{}, s, fmt.Errorf("seed %d of %s hangs (%s): every run of it would leave a goroutine stuck in the process and wait out the limit, so it is not shrunk; its stack names the code", seed, s.Name, first.Anomaly)
	}
	nodes := s.Nodes
	if nodes == 0 {
		nodes = sys.DefaultNodes
	}
	cur := s
	cur.Nodes = nodes
	cur.Nemesis.Schedule = first.Schedule.Clone()
	cur.Nemesis.None = len(first.Schedule) == 0
	// The run's schedule is already jittered and extended: replay it as is.
	cur.Nemesis.Jitter, cur.Nemesis.Extend = 0, false
	wcfg := s.Workload
	wcfg.Model, wcfg.Targets = s.Model, []string{"n"}
	if wl, err := workloads.New(wcfg); err == nil {
		cur.Workload.Clients, cur.Workload.OpsPerClient = wl.Config().Clients, wl.Config().OpsPerClient
	}
	out := Shrunk{Seed: seed, Anomaly: first.Anomaly, Runs: 2,
		Before: Size{Faults: len(first.Schedule), Operations: first.Operations, Clients: cur.Workload.Clients, Nodes: nodes}}
	k := &shrinker{r: r, sys: sys, seed: seed, opts: opts, want: first.Anomaly, blame: first.Blame, cur: cur, ops: first.Operations, out: &out}
	k.dropFaults()
	k.dropClients()
	// Operations at the run's own timing, and after moving the faults
	// earlier and shortening the run: either may give the shorter
	// history (timing changes which counts reproduce), so both are
	// searched and the shorter kept, the first on a tie.
	start := k.cur
	k.fewerOps()
	kept, keptOps := k.cur, k.ops
	k.cur = start
	moved := k.earlier()
	if k.shorter() || moved {
		k.fewerOps()
	}
	if k.ops >= keptOps {
		k.cur, k.ops = kept, keptOps
	}
	if k.ops > maxShrunkOps && k.lowerOptions() {
		k.fewerOps()
	}
	if k.ops > maxShrunkOps {
		k.clientsAndOps()
	}
	k.dropClients()
	// Faults again: with fewer operations, a fault may no longer matter.
	k.dropFaults()
	k.dropNodes()
	cur = k.cur
	cur.Name = s.Name + "-shrunk"
	final, err := r.Run(cur, seed, opts.Run)
	if err != nil {
		return out, cur, err
	}
	out.Runs += 2
	if final.Anomaly != k.want || final.Verdict != FailReproducible {
		return out, cur, fmt.Errorf("shrunk scenario of seed %d does not reproduce on its own: got %s (%s), want %s", seed, final.Verdict, final.Anomaly, k.want)
	}
	// The final run's list: where its role-aimed faults struck.
	out.Schedule = cur.Nemesis.Schedule
	if len(final.Schedule) == len(cur.Nemesis.Schedule) {
		out.Schedule = final.Schedule
	}
	if out.Schedule == nil {
		out.Schedule = nemesis.Schedule{}
	}
	out.OpsPerClient, out.Clients, out.Nodes = cur.Workload.OpsPerClient, cur.Workload.Clients, cur.Nodes
	out.SimTime = cur.SimTime
	if !maps.Equal(cur.SystemOptions, s.SystemOptions) {
		out.SystemOptions = cur.SystemOptions
	}
	out.CrossCheck = final.CrossCheck
	out.After = Size{Faults: len(cur.Nemesis.Schedule), Operations: final.Operations, Clients: cur.Workload.Clients, Nodes: cur.Nodes}
	return out, cur, nil
}

// dropFaults drops each fault that is not needed.
func (k *shrinker) dropFaults() {
	for i := 0; i < len(k.cur.Nemesis.Schedule); {
		cand := k.cur
		cand.Nemesis.Schedule = append(k.cur.Nemesis.Schedule[:i:i], k.cur.Nemesis.Schedule[i+1:]...)
		cand.Nemesis.None = len(cand.Nemesis.Schedule) == 0
		if cand.Nemesis.None {
			cand.Nemesis.Schedule = nil
		}
		if !k.try(cand, 0) {
			i++
		}
	}
}

// dropClients drops clients one at a time while the anomaly persists.
func (k *shrinker) dropClients() {
	for k.cur.Workload.Clients > 1 {
		cand := k.cur
		cand.Workload.Clients--
		if !k.try(cand, 0) {
			return
		}
	}
}

// dropNodes drops nodes one at a time, unless the system's topology is
// fixed.
func (k *shrinker) dropNodes() {
	for k.cur.Nodes > 1 && !k.sys.FixedTopology {
		cand := k.cur
		cand.Nodes--
		if !k.try(cand, 0) {
			return
		}
	}
}

// fewerOps looks for the fewest operations per client that reproduce:
// from small counts up, keeping the first whose history stays within
// maxShrunkOps (a reproducer a person would write has a few dozen
// operations, and fewer operations change the run's timing, so that a
// count may fail where a smaller one works), then halving and stepping
// down from there.
func (k *shrinker) fewerOps() {
	for _, n := range opsSteps {
		if n >= k.cur.Workload.OpsPerClient || n*k.cur.Workload.Clients > maxShrunkOps {
			break
		}
		cand := k.cur
		cand.Workload.OpsPerClient = n
		if k.try(cand, maxShrunkOps) {
			break
		}
	}
	for n := k.cur.Workload.OpsPerClient / 2; n >= 1; n = k.cur.Workload.OpsPerClient / 2 {
		cand := k.cur
		cand.Workload.OpsPerClient = n
		if !k.try(cand, max(k.ops, maxShrunkOps)) {
			break
		}
	}
	for k.cur.Workload.OpsPerClient > 1 {
		cand := k.cur
		cand.Workload.OpsPerClient--
		if !k.try(cand, max(k.ops, maxShrunkOps)) {
			break
		}
	}
}

// clientsAndOps searches clients and operations per client together,
// fewest clients first, for a history within maxShrunkOps: dropping
// clients one at a time at a large count stops at the first count that
// needs them all, although fewer clients with a few operations each may
// reproduce.
func (k *shrinker) clientsAndOps() {
	for c := 1; c <= k.cur.Workload.Clients; c++ {
		for _, n := range opsSteps {
			if n*c > maxShrunkOps {
				break
			}
			cand := k.cur
			cand.Workload.Clients, cand.Workload.OpsPerClient = c, n
			if k.try(cand, maxShrunkOps) {
				return
			}
		}
	}
}

// earlier moves the faults earlier, all together, keeping their order,
// spacing and lengths: a fault late in the run needs every operation
// before it to reach it, where one soon after the clients start needs a
// few. It tries the first fault's start at earlierSteps eighths of where
// it is, earliest first.
func (k *shrinker) earlier() bool {
	sched := k.cur.Nemesis.Schedule
	if len(sched) == 0 {
		return false
	}
	first := sched[0].Start
	for _, f := range sched {
		first = min(first, f.Start)
	}
	for _, eighths := range earlierSteps {
		d := first - roundMS(first*clock.Time(eighths)/8)
		if d <= 0 {
			continue
		}
		cand := k.cur
		cand.Nemesis.Schedule = sched.Clone()
		for i := range cand.Nemesis.Schedule {
			f := &cand.Nemesis.Schedule[i]
			f.Start, f.End = f.Start-d, f.End-d
			f.Resolved, f.ResolvedAt = nil, 0 // output: the run resolves it again
		}
		if k.try(cand, 0) {
			return true
		}
	}
	return false
}

// shorter shortens the run: a paced workload (no think time of its own)
// spreads its operations over the run, so a shorter run crowds them
// around the faults, and every client stops issuing operations sooner.
// It tries shorterSteps eighths of the run time, shortest first, each
// ending after the last fault heals.
func (k *shrinker) shorter() bool {
	var lastEnd clock.Time
	for _, f := range k.cur.Nemesis.Schedule {
		lastEnd = max(lastEnd, f.End)
	}
	for _, eighths := range shorterSteps {
		t := time.Duration(roundMS(clock.Time(k.cur.SimTime) * clock.Time(eighths) / 8))
		if t >= k.cur.SimTime || clock.Time(t) <= lastEnd {
			continue
		}
		cand := k.cur
		cand.SimTime = t
		if k.try(cand, 0) {
			return true
		}
	}
	return false
}

// lowerOptions lowers the system's shrinkable options, one at a time,
// each to the first of its values that reproduces (they are listed
// smallest first; a value the scenario already sets stops the search).
// It reports whether it lowered one.
func (k *shrinker) lowerOptions() bool {
	lowered := false
	for _, o := range k.sys.Shrinkable {
		for _, v := range o.Values {
			if k.cur.SystemOptions[o.Option] == v {
				break
			}
			cand := k.cur
			cand.SystemOptions = maps.Clone(k.cur.SystemOptions)
			if cand.SystemOptions == nil {
				cand.SystemOptions = map[string]string{}
			}
			cand.SystemOptions[o.Option] = v
			if k.try(cand, 0) {
				lowered = true
				break
			}
		}
	}
	return lowered
}

// roundMS rounds t down to a whole millisecond, as a person would write
// it.
func roundMS(t clock.Time) clock.Time {
	return t / clock.Time(time.Millisecond) * clock.Time(time.Millisecond)
}
