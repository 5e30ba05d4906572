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

// thinkSteps are the think times the shrinker tries, in quarters of the
// workload's own, in order: longer pauses first (a holder that pauses
// past its lease's or lock's term lets it lapse, which the bugs of
// expiry need), then a shorter one.
var thinkSteps = []int{10, 8, 6, 12, 2}

// ShrinkOptions bound the shrinker's work.
type ShrinkOptions struct {
	// MaxRuns bounds the runs shrinking may make (default 500).
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
	// start is when the clients start (the workload's and the system's
	// start delay), as the first run's workload said.
	start clock.Time
	out   *Shrunk
	keys  bool // fewerKeys changed the workload's keys
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
	if k.start == 0 {
		k.start = clock.Time(a.wcfg.StartAfter)
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
//   - when it still does, changes the clients' think time (longer pauses
//     first) and searches the operations again;
//   - then drops clients; when the history holds more than half the
//     bound, searches the timing with the operations again for a shorter
//     one; then drops faults and nodes again.
//
// A role-aimed fault keeps its role. It returns the sizes before and
// after (operations counted in the histories) and the shrunk scenario,
// whose explicit fault list, run time, think time and system options reproduce the
// anomaly on its own (checked by a final run with a rerun).
func (r *Registry) Shrink(s Scenario, seed uint64, opts ShrinkOptions) (Shrunk, Scenario, error) {
	if opts.MaxRuns == 0 {
		opts.MaxRuns = 500
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
		cur.Workload.Clients, cur.Workload.OpsPerClient, cur.Workload.Keys = wl.Config().Clients, wl.Config().OpsPerClient, wl.Config().Keys
	}
	out := Shrunk{Seed: seed, Anomaly: first.Anomaly, Runs: 2,
		Before: Size{Faults: len(first.Schedule), Operations: first.Operations, Clients: cur.Workload.Clients, Nodes: nodes}}
	k := &shrinker{r: r, sys: sys, seed: seed, opts: opts, want: first.Anomaly, blame: first.Blame, cur: cur, ops: first.Operations, out: &out}
	k.dropFaults()
	k.dropClients()
	k.fewerOps()
	if k.ops > maxShrunkOps && k.timed(maxShrunkOps) {
		k.fewerOps()
	}
	if k.ops > maxShrunkOps {
		// A lowered option stays only if it brings the history within
		// the bound: it is a change to the system a reader must follow.
		before, beforeOps := k.cur, k.ops
		if k.lowerOptions() {
			k.fewerOps()
		}
		if k.ops > maxShrunkOps {
			k.cur, k.ops = before, beforeOps
		}
	}
	if k.ops > maxShrunkOps {
		k.clientsAndOps(maxShrunkOps, false)
	}
	if k.ops > maxShrunkOps {
		k.thinkAndOps()
	}
	if k.ops > maxShrunkOps {
		k.fewerKeys()
	}
	k.dropClients()
	if k.ops > maxShrunkOps/2 && k.timed(k.ops-1) {
		// Within the bound but more than a few dozen: the faults moved
		// earlier or a shorter run may need fewer.
		k.fewerOps()
	}
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
	if cur.Workload.ThinkTime != s.Workload.ThinkTime {
		out.ThinkTime = cur.Workload.ThinkTime
	}
	if k.keys {
		out.Keys = cur.Workload.Keys
	}
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
// fixed, while the system builds fewer nodes for fewer (a system whose
// Build ignores Build.Nodes would be reported shrunk without being so).
func (k *shrinker) dropNodes() {
	for k.cur.Nodes > 1 && !k.sys.FixedTopology {
		cand := k.cur
		cand.Nodes--
		if !buildsFewer(k.sys, cand, k.cur) || !k.try(cand, 0) {
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

// fewerKeys tries fewer keys, fewest first, with clients and operations
// per client searched again at each (clientsAndOps), for a history within
// maxShrunkOps: every key ends the run with a final read, and fewer keys
// put the clients' operations on the same ones.
func (k *shrinker) fewerKeys() {
	keep := k.cur
	for n := 1; n < keep.Workload.Keys; n++ {
		k.cur.Workload.Keys = n
		if k.clientsAndOps(maxShrunkOps, false) {
			k.keys = true
			return
		}
		k.cur = keep
	}
}

// clientsAndOps searches clients and operations per client together,
// fewest clients first (fewer than now when below), for a history of at
// most limit operations: dropping clients one at a time at a large count
// stops at the first count that needs them all, although fewer clients
// with a few operations each may reproduce. It reports whether one did.
func (k *shrinker) clientsAndOps(limit int, below bool) bool {
	clients := k.cur.Workload.Clients
	if below {
		clients--
	}
	for c := 1; c <= clients; c++ {
		for _, n := range opsSteps {
			if n*c > limit {
				break
			}
			cand := k.cur
			cand.Workload.Clients, cand.Workload.OpsPerClient = c, n
			if k.try(cand, limit) {
				return true
			}
		}
	}
	return false
}

// thinkAndOps changes the clients' think time, when the workload sets
// one (a paced workload's follows the run time), and searches the
// operations per client again at each, for a history within
// maxShrunkOps: how often clients act against how long what they hold
// lasts decides how many operations it takes to meet an expiry bug, and
// a person cutting such a reproducer down would change the pause first.
func (k *shrinker) thinkAndOps() {
	think := k.cur.Workload.ThinkTime
	if think == 0 {
		return
	}
	// The faults where they are and moved earlier: a few operations at
	// a longer pause end early.
	bases := append([]Scenario{k.cur}, k.moves(k.cur)...)
	for _, q := range thinkSteps {
		for _, base := range bases {
			base.Workload.ThinkTime = time.Duration(roundMS(clock.Time(think) * clock.Time(q) / 4))
			if k.opsUp(base, maxShrunkOps) {
				return
			}
		}
	}
}

// opsUp tries s with the operations per client from small counts up,
// fewer than now and within limit in all, and keeps the first that
// reproduces with a history within limit. With a think time of its own, a count whose operations are planned
// to end before the first fault starts is skipped: it cannot meet it.
func (k *shrinker) opsUp(s Scenario, limit int) bool {
	first := clock.Time(-1)
	for _, f := range s.Nemesis.Schedule {
		if first < 0 || f.Start < first {
			first = f.Start
		}
	}
	for _, n := range opsSteps {
		if n >= k.cur.Workload.OpsPerClient || n*s.Workload.Clients > limit {
			break
		}
		if think := s.Workload.ThinkTime; think > 0 && k.start+clock.Time(n)*clock.Time(think) < first {
			continue
		}
		cand := s
		cand.Workload.OpsPerClient = n
		if k.try(cand, limit) {
			return true
		}
	}
	return false
}

// timed searches the run's timing and the operations per client
// together, for a history within limit: a fault late in the run
// needs every operation before it to reach it, where one soon after the
// clients start needs a few, and a paced workload (no think time of its
// own) spreads its operations over the run, so that a shorter run crowds
// them around the faults. For each timing, faults moved earliest first
// (all together, their order, spacing and lengths kept; see timings) and
// the run shortest first, it tries the operations per client from small
// counts up; the first that reproduces wins. It reports whether one did.
func (k *shrinker) timed(limit int) bool {
	for _, t := range k.timings(k.cur) {
		if k.opsUp(t, limit) {
			return true
		}
	}
	return false
}

// moves returns s with its faults moved earlier, the most first: the
// first fault starting an eighth of the way from the clients' start to
// where it starts, then at an eighth, a quarter, a half and three
// quarters of its start.
func (k *shrinker) moves(s Scenario) []Scenario {
	var out []Scenario
	if m, ok := k.moved(s, k.start, 1); ok {
		out = append(out, m)
	}
	for _, eighths := range []int{1, 2, 4, 6} {
		if m, ok := k.moved(s, 0, eighths); ok {
			out = append(out, m)
		}
	}
	return out
}

// timings returns s with its faults moved earlier (moves) and its run
// shortened, the most changed first, s itself excluded: each move, and
// the faults where they are, with the run at a quarter, a half and all
// of its time (those that end after the last fault heals).
func (k *shrinker) timings(s Scenario) []Scenario {
	moves := append(k.moves(s), s)
	var out []Scenario
	for i, m := range moves {
		var lastEnd clock.Time
		for _, f := range m.Nemesis.Schedule {
			lastEnd = max(lastEnd, f.End)
		}
		for _, quarters := range []int{1, 2, 4} {
			t := time.Duration(roundMS(clock.Time(m.SimTime) * clock.Time(quarters) / 4))
			if clock.Time(t) <= lastEnd || (i == len(moves)-1 && quarters == 4) {
				continue
			}
			c := m
			c.SimTime = t
			out = append(out, c)
		}
	}
	return out
}

// moved returns s with its faults moved earlier, all together, so that
// the first starts eighths eighths of the way from from to where it
// starts now; false when that is no earlier.
func (k *shrinker) moved(s Scenario, from clock.Time, eighths int) (Scenario, bool) {
	sched := s.Nemesis.Schedule
	if len(sched) == 0 {
		return s, false
	}
	first := sched[0].Start
	for _, f := range sched {
		first = min(first, f.Start)
	}
	if first <= from {
		return s, false
	}
	d := first - (from + roundMS((first-from)*clock.Time(eighths)/8))
	if d <= 0 {
		return s, false
	}
	s.Nemesis.Schedule = sched.Clone()
	for i := range s.Nemesis.Schedule {
		f := &s.Nemesis.Schedule[i]
		f.Start, f.End = f.Start-d, f.End-d
		f.Resolved, f.ResolvedAt = nil, 0 // output: the run resolves it again
	}
	return s, true
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
