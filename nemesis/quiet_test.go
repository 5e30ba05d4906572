package nemesis_test

import (
	"slices"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/rng"
)

// silenced returns the share of network fault f's window during which a
// crash, pause, upgrade or another partition of s is in force, sampled
// at 1,000 points (an estimate independent of the generator's own sum).
func silenced(s nemesis.Schedule, f nemesis.Fault) float64 {
	hit := 0
	const points = 1000
	for k := range points {
		at := f.Start + (f.End-f.Start)*clock.Time(2*k+1)/(2*points)
		for _, o := range s {
			if o.ID == f.ID || !slices.Contains([]nemesis.Kind{nemesis.Crash, nemesis.Pause, nemesis.Upgrade, nemesis.Partition}, o.Kind) {
				continue
			}
			if o.Start <= at && at < o.End {
				hit++
				break
			}
		}
	}
	return float64(hit) / points
}

func isNet(k nemesis.Kind) bool {
	return slices.Contains([]nemesis.Kind{nemesis.Partition, nemesis.Clog, nemesis.Loss, nemesis.Duplicate, nemesis.Reorder}, k)
}

// TestGeneratedNetworkFaultsKeepHalfTheirWindowQuiet: a drawn network
// fault has at least half its window free of faults that could silence
// the traffic it needs (a crash or pause stops a node and the clients
// waiting on it; a partition cuts links), with roles declared or not.
func TestGeneratedNetworkFaultsKeepHalfTheirWindowQuiet(t *testing.T) {
	b := nemesis.DefaultBudget([]string{"n1", "n2", "n3"}, 10*time.Second)
	b.Kinds = []nemesis.Kind{nemesis.Partition, nemesis.Crash, nemesis.Pause, nemesis.Duplicate, nemesis.Clog, nemesis.ClockDrift}
	b.MaxDown, b.MaxFaults = 1, 10
	for _, roles := range [][]string{nil, {"leader"}} {
		b.Roles = roles
		net, overlapping := 0, 0
		for seed := uint64(1); seed <= propertySeeds; seed++ {
			for _, gen := range []func(*rng.Stream, []string, nemesis.Budget) (nemesis.Schedule, error){nemesis.Generate, nemesis.Swarm} {
				s, err := gen(rng.New(seed, "nemesis"), worldOf(b), b)
				if err != nil {
					t.Fatalf("roles %v seed %d: %v", roles, seed, err)
				}
				for _, f := range s {
					if !isNet(f.Kind) {
						continue
					}
					net++
					sh := silenced(s, f)
					if sh > 0.5+1e-3 {
						t.Fatalf("roles %v seed %d: %s is silenced over %.0f%% of its window\n%v", roles, seed, f.ID, 100*sh, s)
					}
					if sh > 0 {
						overlapping++
					}
				}
			}
		}
		// The rule bounds overlap; it does not forbid it.
		if net == 0 || overlapping == 0 {
			t.Errorf("roles %v: %d network faults, %d overlapping a silencer: want some of each", roles, net, overlapping)
		}
	}
}

// TestPartitionsFollowRoleAimedClockFaults: with roles declared, a
// partition often starts while a clock fault aimed at a role is in force,
// aimed at the same role and cutting its holder off from its peers only
// (isolate), the pattern of a leader on a slow clock that keeps serving
// clients after losing its peers. Drawn independently the two would meet
// on the same role with that shape far less often.
func TestPartitionsFollowRoleAimedClockFaults(t *testing.T) {
	b := nemesis.DefaultBudget([]string{"n1", "n2", "n3"}, 15*time.Second)
	b.Kinds = []nemesis.Kind{nemesis.Partition, nemesis.ClockDrift}
	b.MaxDown, b.MaxFaults, b.Roles = 1, 8, []string{"leader"}
	b.Shapes = []nemesis.Shape{nemesis.Isolate, nemesis.Minority, nemesis.Halves, nemesis.MajorityMinority}
	b.MaxDriftPPM, b.DriftDirection = 990_000, nemesis.DriftSlow
	with := 0
	for seed := uint64(1); seed <= propertySeeds; seed++ {
		s, err := nemesis.Generate(rng.New(seed, "nemesis"), worldOf(b), b)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(s, func(p nemesis.Fault) bool {
			return p.Kind == nemesis.Partition && p.Shape == nemesis.Isolate && slices.ContainsFunc(s, func(c nemesis.Fault) bool {
				return c.Kind == nemesis.ClockDrift && c.Role == p.Role && c.Start <= p.Start && p.Start < c.End
			})
		}) {
			with++
		}
	}
	// Measured: 164 of 250 seeds; 49 with partitions drawn
	// independently of the clock faults.
	if with < propertySeeds*2/5 {
		t.Errorf("%d of %d seeds have an isolate partition starting under a drift aimed at its role; want at least %d", with, propertySeeds, propertySeeds*2/5)
	}
}
