package nemesis

import (
	"fmt"

	"github.com/faultline-dst/faultline/rng"
)

// Swarm draws a schedule as Generate does, but with a mix drawn per seed
// (swarm testing: a seed that leaves some kinds out explores the others
// harder, and the union over seeds covers every combination of kinds).
// From a child stream of r called "mix":
//
//   - each allowed kind is enabled with probability 1/2; if none is, one
//     allowed kind is enabled, uniformly;
//   - each enabled kind gets a weight uniform in [1, 8];
//   - the allowed disk fault kinds and partition shapes are thinned the
//     same way (each kept with probability 1/2, at least one);
//   - the number of faults to try for is uniform in [1, b.MaxFaults];
//   - when the budget names roles, the share of node faults aimed at a
//     role is one of 1/4, 1/2, 3/4 and 1, uniformly.
//
// Then it draws the faults from r. Like Generate, it never leaves the
// budget.
func Swarm(r *rng.Stream, nodes []string, b Budget) (Schedule, error) {
	if err := b.Validate(nodes); err != nil {
		return nil, fmt.Errorf("nemesis: budget: %w", err)
	}
	m := swarmMix(r.Split("mix"), &b)
	return generate(r, nodes, &b, &m, nil)
}

// Extend draws faults as Generate does (as Swarm does, with swarm set)
// and adds them to base, explicit faults that keep their ids, instants
// and targets, up to b.MaxFaults faults in all. A scenario mixes a
// hand-aimed fault with generated ones this way. base must fit the budget
// on its own.
func Extend(r *rng.Stream, nodes []string, b Budget, base Schedule, swarm bool) (Schedule, error) {
	if err := b.Validate(nodes); err != nil {
		return nil, fmt.Errorf("nemesis: budget: %w", err)
	}
	m := mix{kinds: b.Kinds, count: b.MaxFaults, disk: b.DiskKinds, shapes: b.shapes(), roleShare: 0.5}
	for range m.kinds {
		m.weights = append(m.weights, 1)
	}
	if swarm {
		m = swarmMix(r.Split("mix"), &b)
	}
	return generate(r, nodes, &b, &m, base)
}

// swarmMix draws the mix Swarm uses for one seed.
func swarmMix(r *rng.Stream, b *Budget) mix {
	m := mix{
		kinds:  thin(r, b.Kinds),
		disk:   thin(r, b.DiskKinds),
		shapes: thin(r, b.shapes()),
	}
	for range m.kinds {
		m.weights = append(m.weights, 1+r.Intn(8))
	}
	if b.MaxFaults > 0 {
		m.count = 1 + r.Intn(b.MaxFaults)
	}
	if len(b.Roles) > 0 {
		m.roleShare = float64(1+r.Intn(4)) / 4
	}
	return m
}

// thin keeps each element with probability 1/2, and one at random if that
// kept none.
func thin[T any](r *rng.Stream, all []T) []T {
	var out []T
	for _, x := range all {
		if r.Intn(2) == 0 {
			out = append(out, x)
		}
	}
	if len(out) == 0 && len(all) > 0 {
		out = append(out, all[r.Intn(len(all))])
	}
	return out
}
