package scenario

import (
	"fmt"

	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// maxShrunkOps is the most operations in all a shrunk reproducer should
// need: the ops search tries counts per client that stay within it first.
const maxShrunkOps = 50

// opsSteps are the operations per client the shrinker tries, smallest
// first, before halving.
var opsSteps = []int{1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, 40, 50}

// ShrinkOptions bound the shrinker's work.
type ShrinkOptions struct {
	// MaxRuns bounds the runs shrinking may make (default 200).
	MaxRuns int
	Run     RunOptions
}

// Shrink reduces a failing seed of s: with the seed fixed, it removes
// faults, then clients, then operations (the fewest per client that
// reproduce, from small counts up to maxShrunkOps in all, then halving
// and stepping down), then clients and faults again, then nodes, keeping
// each cut while the same anomaly persists; at most opts.MaxRuns runs. It returns the sizes before and after
// and the shrunk scenario, whose explicit fault list reproduces the
// anomaly on its own (checked by a final run with a rerun).
func (r *Registry) Shrink(s Scenario, seed uint64, opts ShrinkOptions) (Shrunk, Scenario, error) {
	if opts.MaxRuns == 0 {
		opts.MaxRuns = 200
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
	want := first.Anomaly
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
	out := Shrunk{Seed: seed, Anomaly: want, Runs: 2,
		Before: Size{Faults: len(first.Schedule), Operations: first.Operations, Clients: cur.Workload.Clients, Nodes: nodes}}
	// same reports whether cand still fails with the same anomaly.
	same := func(cand Scenario) bool {
		if out.Runs >= opts.MaxRuns {
			return false
		}
		out.Runs++
		a, err := r.attempt(withDefaults(cand), sys, seed, nil, opts.Run, false)
		if err != nil {
			return false
		}
		sig, _, _ := failure(a.obs)
		return sig == want
	}
	// Faults: drop each one that is not needed.
	for i := 0; i < len(cur.Nemesis.Schedule); {
		cand := cur
		cand.Nemesis.Schedule = append(cur.Nemesis.Schedule[:i:i], cur.Nemesis.Schedule[i+1:]...)
		cand.Nemesis.None = len(cand.Nemesis.Schedule) == 0
		if cand.Nemesis.None {
			cand.Nemesis.Schedule = nil
		}
		if same(cand) {
			cur = cand
			continue
		}
		i++
	}
	// Clients, one at a time; then operations: the fewest per client
	// that reproduce, from small counts up (a reproducer a person would
	// write has a few dozen operations, and fewer operations change the
	// run's timing, so that a count may fail where a smaller one works),
	// then halving and stepping down from there; then clients again.
	dropClients := func() {
		for cur.Workload.Clients > 1 {
			cand := cur
			cand.Workload.Clients--
			if !same(cand) {
				break
			}
			cur = cand
		}
	}
	dropClients()
	for _, n := range opsSteps {
		if n >= cur.Workload.OpsPerClient || n*cur.Workload.Clients > maxShrunkOps {
			break
		}
		cand := cur
		cand.Workload.OpsPerClient = n
		if same(cand) {
			cur = cand
			break
		}
	}
	for n := cur.Workload.OpsPerClient / 2; n >= 1; {
		cand := cur
		cand.Workload.OpsPerClient = n
		if !same(cand) {
			break
		}
		cur = cand
		n = cur.Workload.OpsPerClient / 2
	}
	for cur.Workload.OpsPerClient > 1 {
		cand := cur
		cand.Workload.OpsPerClient--
		if !same(cand) {
			break
		}
		cur = cand
	}
	dropClients()
	// Faults again: with fewer operations, a fault may no longer matter.
	for i := 0; i < len(cur.Nemesis.Schedule); {
		cand := cur
		cand.Nemesis.Schedule = append(cur.Nemesis.Schedule[:i:i], cur.Nemesis.Schedule[i+1:]...)
		cand.Nemesis.None = len(cand.Nemesis.Schedule) == 0
		if cand.Nemesis.None {
			cand.Nemesis.Schedule = nil
		}
		if same(cand) {
			cur = cand
			continue
		}
		i++
	}
	for cur.Nodes > 1 && !sys.FixedTopology {
		cand := cur
		cand.Nodes--
		if !buildsFewer(sys, cand, cur) || !same(cand) {
			break
		}
		cur = cand
	}
	cur.Name = s.Name + "-shrunk"
	final, err := r.Run(cur, seed, opts.Run)
	if err != nil {
		return out, cur, err
	}
	out.Runs += 2
	if final.Anomaly != want || final.Verdict != FailReproducible {
		return out, cur, fmt.Errorf("shrunk scenario of seed %d does not reproduce on its own: got %s (%s), want %s", seed, final.Verdict, final.Anomaly, want)
	}
	out.Schedule = cur.Nemesis.Schedule
	if out.Schedule == nil {
		out.Schedule = nemesis.Schedule{}
	}
	out.OpsPerClient, out.Clients, out.Nodes = cur.Workload.OpsPerClient, cur.Workload.Clients, cur.Nodes
	out.CrossCheck = final.CrossCheck
	out.After = Size{Faults: len(cur.Nemesis.Schedule), Operations: final.Operations, Clients: cur.Workload.Clients, Nodes: cur.Nodes}
	return out, cur, nil
}
