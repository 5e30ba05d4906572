package nemesis_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/rng"
)

var jitterNodes = append(slices.Clone(allSUT), "client")

// TestJitter: each explicit fault moves by its own seeded shift within
// [-d, d], keeps its duration, stays in the budget's window, and never
// makes the schedule invalid.
func TestJitter(t *testing.T) {
	b := testBudget()
	b.MaxDown = 1
	crash := func(id, node string, from, to clock.Time) nemesis.Fault {
		return nemesis.Fault{ID: id, Kind: nemesis.Crash, Nodes: []string{node}, Start: from, End: to}
	}
	tests := []struct {
		name  string
		sched nemesis.Schedule
		d     time.Duration
		// moves: some seed moves the faults; unit: every shift is a multiple of it
		moves bool
		unit  time.Duration
	}{
		{"zero jitter keeps the schedule", nemesis.Schedule{crash("f1", "n1", 500*ms, 600*ms)}, 0, false, 1},
		{"whole milliseconds", nemesis.Schedule{crash("f1", "n1", 500*ms, 600*ms)}, 200 * time.Millisecond, true, time.Millisecond},
		{"below 10ms: nanoseconds", nemesis.Schedule{crash("f1", "n1", 500*ms, 600*ms)}, 5 * time.Millisecond, true, 1},
		{"clamped to the window", nemesis.Schedule{crash("f1", "n1", b.WarmUp, b.WarmUp+50*ms), crash("f2", "n2", b.HealBy-50*ms, b.HealBy)}, 300 * time.Millisecond, true, time.Millisecond},
		// Back to back under MaxDown 1: a shift that would overlap them is not made.
		{"never breaks the budget", nemesis.Schedule{crash("f1", "n1", 400*ms, 500*ms), crash("f2", "n2", 500*ms, 600*ms)}, 100 * time.Millisecond, true, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			moved := false
			starts := map[clock.Time]bool{}
			for seed := uint64(1); seed <= 40; seed++ {
				got, err := nemesis.Jitter(rng.New(seed, "j"), jitterNodes, b, tt.sched, tt.d)
				if err != nil {
					t.Fatal(err)
				}
				again, _ := nemesis.Jitter(rng.New(seed, "j"), jitterNodes, b, tt.sched, tt.d)
				if !slices.EqualFunc(got, again, func(x, y nemesis.Fault) bool { return x.String() == y.String() }) {
					t.Fatalf("seed %d: %v then %v", seed, got, again)
				}
				if err := got.Validate(jitterNodes, b); err != nil {
					t.Fatalf("seed %d: jittered schedule %v is invalid: %v", seed, got, err)
				}
				for i, f := range got {
					w := tt.sched[i]
					shift := time.Duration(f.Start - w.Start)
					if f.ID != w.ID || !slices.Equal(f.Nodes, w.Nodes) || f.End-f.Start != w.End-w.Start {
						t.Fatalf("seed %d: %v became %v: only the window may move, whole", seed, w, f)
					}
					if shift < -tt.d || shift > tt.d || shift%tt.unit != 0 {
						t.Fatalf("seed %d: %s shifted by %v; want within ±%v, a multiple of %v", seed, f.ID, shift, tt.d, tt.unit)
					}
					if f.Start < b.WarmUp || f.End > b.HealBy {
						t.Fatalf("seed %d: %v leaves the window [%v, %v]", seed, f, b.WarmUp, b.HealBy)
					}
					moved = moved || shift != 0
					starts[f.Start] = true
				}
			}
			if moved != tt.moves {
				t.Errorf("over 40 seeds moved = %v, want %v", moved, tt.moves)
			}
			if tt.moves && len(starts) < 10 {
				t.Errorf("over 40 seeds only %d distinct starts", len(starts))
			}
		})
	}
	// A schedule that does not fit the budget as written is refused.
	bad := nemesis.Schedule{crash("f1", "n1", 400*ms, 500*ms), crash("f2", "n2", 450*ms, 600*ms)}
	if _, err := nemesis.Jitter(rng.New(1, "j"), jitterNodes, b, bad, time.Millisecond); err == nil || !strings.Contains(err.Error(), "explicit faults") {
		t.Errorf("overlapping crashes under MaxDown 1: %v", err)
	}
}

// TestExtend: explicit faults keep their ids, instants and targets;
// generated ones are added around them, within the budget, up to
// MaxFaults in all.
func TestExtend(t *testing.T) {
	b := testBudget()
	b.MaxFaults = 5
	base := nemesis.Schedule{
		{ID: "mine", Kind: nemesis.Crash, Nodes: []string{"n2"}, Start: 700 * ms, End: 800 * ms},
		{ID: "f1", Kind: nemesis.Pause, Role: "leader", Start: 300 * ms, End: 350 * ms},
	}
	for _, swarm := range []bool{false, true} {
		added := 0
		for seed := uint64(1); seed <= 20; seed++ {
			got, err := nemesis.Extend(rng.New(seed, "x"), jitterNodes, b, base, swarm)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := nemesis.Extend(rng.New(seed, "x"), jitterNodes, b, base, swarm)
			if !slices.EqualFunc(got, again, func(x, y nemesis.Fault) bool { return x.String() == y.String() }) {
				t.Fatalf("seed %d: not deterministic", seed)
			}
			if len(got) > b.MaxFaults {
				t.Fatalf("seed %d: %d faults, MaxFaults %d", seed, len(got), b.MaxFaults)
			}
			if err := got.Validate(jitterNodes, b); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			ids := map[string]bool{}
			for _, f := range got {
				if ids[f.ID] {
					t.Fatalf("seed %d: id %s twice in %v", seed, f.ID, got)
				}
				ids[f.ID] = true
			}
			for _, w := range base {
				i := slices.IndexFunc(got, func(f nemesis.Fault) bool { return f.ID == w.ID })
				if i < 0 || got[i].Start != w.Start || got[i].End != w.End || !slices.Equal(got[i].Nodes, w.Nodes) || got[i].Role != w.Role {
					t.Fatalf("seed %d: explicit %v not kept in %v", seed, w, got)
				}
			}
			added += len(got) - len(base)
		}
		if added == 0 {
			t.Errorf("swarm=%v: 20 seeds added no generated fault", swarm)
		}
	}
	full := append(base.Clone(), nemesis.Schedule{
		{ID: "a", Kind: nemesis.Loss, P: 0.1, Start: 200 * ms, End: 250 * ms},
		{ID: "b", Kind: nemesis.Loss, P: 0.1, Start: 900 * ms, End: 950 * ms},
		{ID: "c", Kind: nemesis.Loss, P: 0.1, Start: 1000 * ms, End: 1050 * ms},
	}...)
	if got, err := nemesis.Extend(rng.New(1, "x"), jitterNodes, b, full, false); err != nil || len(got) != len(full) {
		t.Errorf("a base of MaxFaults faults: %d faults, %v; want it alone", len(got), err)
	}
	over := nemesis.Schedule{{ID: "x", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 0, End: 50 * ms}}
	if _, err := nemesis.Extend(rng.New(1, "x"), jitterNodes, b, over, false); err == nil {
		t.Error("a base outside the budget's window was accepted")
	}
}

// TestDriftDirection: the budget's direction decides the sign of every
// generated drift, and slow drifts stay above clock.MinDriftPPM.
func TestDriftDirection(t *testing.T) {
	tests := []struct {
		dir        nemesis.DriftDirection
		fast, slow bool // signs that must appear (and no other)
	}{
		{nemesis.DriftFast, true, false},
		{nemesis.DriftSlow, false, true},
		{nemesis.DriftBoth, true, true},
		{"", true, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.dir), func(t *testing.T) {
			b := testBudget()
			b.Kinds = []nemesis.Kind{nemesis.ClockDrift}
			b.MaxDriftPPM = 9_000_000 // 10x fast; slow is bounded by MinDriftPPM
			b.DriftDirection = tt.dir
			var fast, slow int
			for seed := uint64(1); seed <= 30; seed++ {
				s, err := nemesis.Generate(rng.New(seed, "d"), jitterNodes, b)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range s {
					switch {
					case f.PPM > 0 && f.PPM <= b.MaxDriftPPM:
						fast++
					case f.PPM < 0 && f.PPM > clock.MinDriftPPM:
						slow++
					default:
						t.Fatalf("seed %d: drift %d ppm outside (%d, %d]", seed, f.PPM, clock.MinDriftPPM, b.MaxDriftPPM)
					}
				}
			}
			if (fast > 0) != tt.fast || (slow > 0) != tt.slow {
				t.Errorf("direction %q: %d fast, %d slow drifts", tt.dir, fast, slow)
			}
		})
	}
	b := testBudget()
	b.DriftDirection = "sideways"
	if err := b.Validate(jitterNodes); err == nil {
		t.Error("direction sideways accepted")
	}
}

// TestGeneratedFaultsAimAtDeclaredRoles: with roles in the budget some
// generated faults aim at them (or at not-<role>), each still valid; with
// none, every fault names its nodes.
func TestGeneratedFaultsAimAtDeclaredRoles(t *testing.T) {
	for _, roles := range [][]string{nil, {"leader"}} {
		b := testBudget()
		b.Kinds = []nemesis.Kind{nemesis.Crash, nemesis.Pause, nemesis.Partition, nemesis.ClockDrift}
		b.Roles = roles
		aimed := 0
		for seed := uint64(1); seed <= 20; seed++ {
			s, err := nemesis.Generate(rng.New(seed, "r"), jitterNodes, b)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(jitterNodes, b); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, f := range s {
				if f.Role == "" {
					continue
				}
				aimed++
				if f.Role != "leader" && f.Role != "not-leader" && f.Role != "any" {
					t.Fatalf("seed %d: role %q not drawn from %v", seed, f.Role, roles)
				}
			}
		}
		if (aimed > 0) != (len(roles) > 0) {
			t.Errorf("roles %v: %d role-aimed faults over 20 seeds", roles, aimed)
		}
	}
}
