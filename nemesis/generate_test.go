package nemesis_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/rng"
)

const propertySeeds = 250

// within checks, independently of Validate, that s stays inside b: count,
// kinds, targets, window, bounds, nodes down at once and one fault at a
// time per node. It returns every breach.
func within(s nemesis.Schedule, b nemesis.Budget) []string {
	var bad []string
	fail := func(f nemesis.Fault, format string, args ...any) {
		bad = append(bad, f.ID+": "+fmt.Sprintf(format, args...))
	}
	if len(s) > b.MaxFaults {
		bad = append(bad, fmt.Sprintf("%d faults > MaxFaults %d", len(s), b.MaxFaults))
	}
	abs := func(x int64) int64 { return max(x, -x) }
	type hold struct {
		fault, node string
		from, to    clock.Time
	}
	var down, occ []hold
	for i, f := range s {
		if want := fmt.Sprintf("f%d", i+1); f.ID != want {
			fail(f, "id, want %s", want)
		}
		if i > 0 && f.Start < s[i-1].Start {
			fail(f, "out of start order")
		}
		if !slices.Contains(b.Kinds, f.Kind) {
			fail(f, "kind %s not allowed", f.Kind)
		}
		if f.Start < b.WarmUp || f.End > b.HealBy || f.End <= f.Start {
			fail(f, "window [%v, %v) outside [%v, %v]", f.Start, f.End, b.WarmUp, b.HealBy)
		}
		for _, n := range f.Nodes {
			if !slices.Contains(b.Targets, n) {
				fail(f, "node %s not a target", n)
			}
		}
		links := f.Links
		if len(links) == 0 && f.Kind != nemesis.Partition || f.Kind == nemesis.Partition && f.Shape == nemesis.Isolate && len(links) == 0 {
			// As documented: omitted links are those between the fault's
			// nodes and the other targets, or all links with no nodes.
			for _, x := range b.Targets {
				for _, y := range b.Targets {
					inX, inY := slices.Contains(f.Nodes, x), slices.Contains(f.Nodes, y)
					if x != y && (len(f.Nodes) == 0 || inX != inY) {
						links = append(links, nemesis.Link{From: x, To: y})
					}
				}
			}
		}
		for _, l := range links {
			// isolate-all also cuts its node from the world's other
			// nodes (clients), as documented.
			aimedAt := f.Shape == nemesis.IsolateAll && len(f.Nodes) == 1 && (l.From == f.Nodes[0] || l.To == f.Nodes[0])
			if (!aimedAt && (!slices.Contains(b.Targets, l.From) || !slices.Contains(b.Targets, l.To))) || l.From == l.To {
				fail(f, "link %s", l)
			}
		}
		if (f.Kind == nemesis.Partition || f.Kind == nemesis.Clog || f.Kind == nemesis.Loss || f.Kind == nemesis.Duplicate || f.Kind == nemesis.Reorder) && len(links) == 0 {
			fail(f, "network fault with no links")
		}
		if abs(f.PPM) > b.MaxDriftPPM || abs(int64(f.Offset)) > int64(b.MaxOffset) || abs(int64(f.Jump)) > int64(b.MaxJump) || f.Delay > b.MaxDelay {
			fail(f, "clock or delay bound: ppm %d offset %v jump %v delay %v", f.PPM, f.Offset, f.Jump, f.Delay)
		}
		switch f.Kind {
		case nemesis.Disk:
			if !slices.Contains(b.DiskKinds, f.DiskKind) || f.P > b.MaxDiskP || f.P < 0 {
				fail(f, "disk %s p %v", f.DiskKind, f.P)
			}
		case nemesis.Loss, nemesis.Duplicate, nemesis.Reorder:
			if f.P <= 0 || f.P > b.MaxNetP {
				fail(f, "p %v", f.P)
			}
		case nemesis.Partition:
			if len(b.Shapes) > 0 && !slices.Contains(b.Shapes, f.Shape) {
				fail(f, "shape %s", f.Shape)
			}
		case nemesis.Upgrade:
			if !slices.Contains(b.Upgrades, f.Factory) {
				fail(f, "factory %s", f.Factory)
			}
		}
		switch {
		case f.Kind == nemesis.Crash || f.Kind == nemesis.Pause:
			for _, n := range f.Nodes {
				down = append(down, hold{f.ID, n, f.Start, f.End})
				occ = append(occ, hold{f.ID, n, f.Start, f.End})
			}
		case f.Kind == nemesis.Upgrade:
			// As documented: len(Nodes) equal steps, each node down for
			// the first half of its step.
			step := (f.End - f.Start) / clock.Time(len(f.Nodes))
			for j, n := range f.Nodes {
				at := f.Start + clock.Time(j)*step
				down = append(down, hold{f.ID, n, at, at + max(step/2, 1)})
				occ = append(occ, hold{f.ID, n, f.Start, f.End})
			}
		case f.Kind == nemesis.Disk && f.CrashAtEnd:
			for _, n := range f.Nodes {
				down = append(down, hold{f.ID, n, f.End, f.End + 1})
				occ = append(occ, hold{f.ID, n, f.End, f.End + 1})
			}
		}
	}
	// Nodes down at once, at every instant where a hold begins.
	for _, h := range down {
		var at []string
		for _, o := range down {
			if o.from <= h.from && h.from < o.to {
				at = append(at, o.node+"/"+o.fault)
			}
		}
		if len(at) > b.MaxDown {
			bad = append(bad, fmt.Sprintf("at %v %d down (%v) > MaxDown %d", h.from, len(at), at, b.MaxDown))
		}
	}
	for i, h := range occ {
		for _, o := range occ[:i] {
			if h.node == o.node && h.fault != o.fault && h.from < o.to && o.from < h.to {
				bad = append(bad, fmt.Sprintf("%s and %s overlap on %s", h.fault, o.fault, h.node))
			}
		}
	}
	return bad
}

// propertyBudgets are budgets of several shapes to generate under.
func propertyBudgets() map[string]nemesis.Budget {
	tight := testBudget()
	tight.MaxFaults = 12
	five := nemesis.DefaultBudget([]string{"a", "b", "c", "d", "e"}, 10*time.Second)
	five.Kinds = nemesis.Kinds()
	five.MaxDown = 2
	five.DiskKinds = allDiskKinds
	five.Upgrades = []string{"v2"}
	two := nemesis.DefaultBudget([]string{"a", "b"}, time.Second)
	two.MaxFaults = 6
	short := nemesis.DefaultBudget([]string{"a", "b", "c"}, 50*time.Microsecond) // nanosecond instants
	short.Shapes = []nemesis.Shape{nemesis.Bridge, nemesis.OneWay}
	return map[string]nemesis.Budget{"tight": tight, "five": five, "two": two, "short": short}
}

func worldOf(b nemesis.Budget) []string { return append(slices.Clone(b.Targets), "client") }

func TestGenerateAndSwarmStayWithinBudget(t *testing.T) {
	budgets := propertyBudgets()
	for _, name := range []string{"tight", "five", "two", "short"} {
		b := budgets[name]
		for _, gen := range []struct {
			name string
			fn   func(*rng.Stream, []string, nemesis.Budget) (nemesis.Schedule, error)
		}{{"Generate", nemesis.Generate}, {"Swarm", nemesis.Swarm}} {
			t.Run(name+"/"+gen.name, func(t *testing.T) {
				total := 0
				for seed := uint64(1); seed <= propertySeeds; seed++ {
					s, err := gen.fn(rng.New(seed, "nemesis"), worldOf(b), b)
					if err != nil {
						t.Fatalf("seed %d: %v", seed, err)
					}
					if bad := within(s, b); len(bad) > 0 {
						t.Fatalf("seed %d: outside the budget:\n%s\nschedule: %v", seed, strings.Join(bad, "\n"), s)
					}
					if err := s.Validate(worldOf(b), b); err != nil {
						t.Fatalf("seed %d: Validate: %v", seed, err)
					}
					if len(s) == 0 {
						t.Fatalf("seed %d: empty schedule", seed)
					}
					total += len(s)
				}
				// Generate aims at MaxFaults; most faults must fit.
				if gen.name == "Generate" && total < propertySeeds*b.MaxFaults/2 {
					t.Errorf("only %d faults over %d seeds (MaxFaults %d)", total, propertySeeds, b.MaxFaults)
				}
			})
		}
	}
}

func TestGenerateCoversEveryAllowedKindAndShape(t *testing.T) {
	b := propertyBudgets()["five"]
	kinds := map[nemesis.Kind]int{}
	shapes := map[nemesis.Shape]int{}
	disks := map[disk.FaultKind]int{}
	for seed := uint64(1); seed <= 100; seed++ {
		s, err := nemesis.Generate(rng.New(seed, "nemesis"), worldOf(b), b)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s {
			kinds[f.Kind]++
			if f.Kind == nemesis.Partition {
				shapes[f.Shape]++
			}
			if f.Kind == nemesis.Disk {
				disks[f.DiskKind]++
				if f.DiskKind == disk.Corrupt && !f.CrashAtEnd {
					t.Errorf("seed %d: %s: Corrupt without CrashAtEnd can never land", seed, f.ID)
				}
			}
		}
	}
	for _, k := range nemesis.Kinds() {
		if kinds[k] == 0 {
			t.Errorf("kind %s never generated", k)
		}
	}
	for _, sh := range nemesis.Shapes() {
		if shapes[sh] == 0 {
			t.Errorf("shape %s never generated", sh)
		}
	}
	for _, k := range allDiskKinds {
		if disks[k] == 0 {
			t.Errorf("disk fault %s never generated", k)
		}
	}
}

func TestSwarmVariesTheMix(t *testing.T) {
	b := propertyBudgets()["five"]
	sets := map[string]int{}
	present := map[nemesis.Kind]int{}
	for seed := uint64(1); seed <= propertySeeds; seed++ {
		s, err := nemesis.Swarm(rng.New(seed, "nemesis"), worldOf(b), b)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, k := range s.Kinds() {
			names = append(names, string(k))
			present[k]++
		}
		sets[strings.Join(names, ",")]++
	}
	if len(sets) < 50 {
		t.Errorf("only %d distinct kind sets over %d seeds: %v", len(sets), propertySeeds, sets)
	}
	for _, k := range nemesis.Kinds() {
		if present[k] == 0 || present[k] == propertySeeds {
			t.Errorf("kind %s in %d of %d swarm schedules; want some but not all", k, present[k], propertySeeds)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	b := propertyBudgets()["five"]
	for seed := uint64(1); seed <= 20; seed++ {
		a, _ := nemesis.Generate(rng.New(seed, "nemesis"), worldOf(b), b)
		c, _ := nemesis.Generate(rng.New(seed, "nemesis"), worldOf(b), b)
		if !reflect.DeepEqual(a, c) {
			t.Fatalf("seed %d: schedules differ", seed)
		}
		d, _ := nemesis.Generate(rng.New(seed+1000, "nemesis"), worldOf(b), b)
		if reflect.DeepEqual(a, d) {
			t.Fatalf("seeds %d and %d give the same schedule", seed, seed+1000)
		}
	}
}

func TestGenerateRefusesBadBudget(t *testing.T) {
	b := testBudget()
	b.Targets = append(b.Targets, "nowhere")
	if _, err := nemesis.Generate(rng.New(1, "n"), allSUT, b); err == nil || !strings.Contains(err.Error(), `Targets[4] = "nowhere"`) {
		t.Errorf("Generate with a bad budget: %v", err)
	}
	none := testBudget()
	none.Kinds = nil
	if _, err := nemesis.Swarm(rng.New(1, "n"), allSUT, none); err == nil {
		t.Error("Swarm with no kinds allowed gave no error")
	}
}

// A generated partition lasts at least Budget.MinCut, moved later or
// earlier within the window (one that follows a clock fault may end at
// HealBy shorter: it starts inside that fault), with roles on and off, in
// Generate and Swarm; with MinCut 0 some partitions are shorter, so the
// bound is what makes them long; and a negative MinCut is refused.
func TestGeneratedPartitionsLastMinCut(t *testing.T) {
	base := nemesis.DefaultBudget([]string{"a", "b", "c"}, 10*time.Second)
	base.Kinds = []nemesis.Kind{nemesis.Partition, nemesis.Crash, nemesis.ClockDrift}
	base.MinDuration, base.MaxDuration = 100*time.Millisecond, 400*time.Millisecond
	roles := base
	roles.Roles = []string{"leader"}
	for name, b := range map[string]nemesis.Budget{"blind": base, "roles": roles} {
		for _, gen := range []func(*rng.Stream, []string, nemesis.Budget) (nemesis.Schedule, error){nemesis.Generate, nemesis.Swarm} {
			short, cut := 0, 0
			for seed := uint64(1); seed <= 200; seed++ {
				for _, minCut := range []time.Duration{0, time.Second} {
					b.MinCut = minCut
					s, err := gen(rng.New(seed, "nemesis"), worldOf(b), b)
					if err != nil {
						t.Fatalf("%s seed %d: %v", name, seed, err)
					}
					if bad := within(s, b); len(bad) > 0 && name == "blind" { // aimed faults take their links when they strike
						t.Fatalf("%s seed %d: outside the budget: %v", name, seed, bad)
					}
					for _, f := range s {
						if f.Kind != nemesis.Partition {
							continue
						}
						d := time.Duration(f.End - f.Start)
						switch {
						case minCut == 0 && d < time.Second:
							short++
						case minCut > 0 && d < minCut && (f.End != b.HealBy || f.Role == ""):
							t.Fatalf("%s seed %d: %s lasts %v < MinCut %v, [%v, %v) in the window [%v, %v]", name, seed, f.ID, d, minCut, f.Start, f.End, b.WarmUp, b.HealBy)
						case minCut > 0:
							cut++
						}
					}
				}
			}
			if short == 0 || cut == 0 {
				t.Fatalf("%s: %d partitions shorter than 1s without MinCut, %d with it: the test does not reach both", name, short, cut)
			}
		}
	}
	b := base
	b.MinCut = -time.Second
	if _, err := nemesis.Generate(rng.New(1, "n"), worldOf(b), b); err == nil || !strings.Contains(err.Error(), "MinCut") {
		t.Errorf("a negative MinCut: %v, want an error naming MinCut", err)
	}
}
