package nemesis

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
)

func TestQuietFor(t *testing.T) {
	sec := func(x float64) clock.Time { return clock.Time(x * float64(time.Second)) }
	part := func(id string, from, to float64) Fault {
		return Fault{ID: id, Kind: Partition, Role: "leader", Shape: Isolate, Start: sec(from), End: sec(to)}
	}
	crash := func(id string, from, to float64) Fault {
		return Fault{ID: id, Kind: Crash, Role: "leader", Start: sec(from), End: sec(to)}
	}
	dup := func(id string, from, to float64) Fault {
		return Fault{ID: id, Kind: Duplicate, Role: AnyRole, P: 0.3, Start: sec(from), End: sec(to)}
	}
	drift := func(id string, from, to float64) Fault {
		return Fault{ID: id, Kind: ClockDrift, Role: "leader", PPM: -500_000, Start: sec(from), End: sec(to)}
	}
	up := Fault{ID: "u", Kind: Upgrade, Nodes: []string{"n1", "n2"}, Start: sec(2), End: sec(4)} // down 2-2.5, 3-3.5
	for _, c := range []struct {
		name  string
		s     Schedule
		i     int // the fault judged
		quiet bool
	}{
		{"alone", Schedule{part("a", 1, 2)}, 0, true},
		{"partition inside a crash", Schedule{crash("c", 1, 3), part("a", 1.1, 1.5)}, 1, false},
		{"crash after the first half", Schedule{crash("c", 1.5, 3), part("a", 1, 2)}, 1, true},
		{"crash over more than half", Schedule{crash("c", 1.4, 3), part("a", 1, 2)}, 1, false},
		{"two silencers, each under half, together over", Schedule{crash("c", 0.5, 1.3), part("p", 1.6, 2.5), part("a", 1, 2)}, 2, false},
		{"overlapping silencers counted once", Schedule{crash("c", 1, 1.4), part("p", 1.1, 1.45), dup("a", 1, 2)}, 2, true},
		{"duplicate under a partition", Schedule{part("p", 0, 5), dup("a", 1, 2)}, 1, false},
		{"a drift silences nothing", Schedule{drift("d", 0, 5), part("a", 1, 2)}, 1, true},
		{"a duplicate silences nothing", Schedule{dup("d", 0, 5), part("a", 1, 2)}, 1, true},
		{"a crash is never judged", Schedule{part("p", 0, 5), crash("a", 1, 2)}, 1, true},
		{"upgrade counts its down spans only", Schedule{up, part("a", 2, 4)}, 1, true},
		{"upgrade down spans over exactly half", Schedule{up, part("a", 2, 3)}, 1, true},
		{"upgrade down spans over half of a short one", Schedule{up, part("a", 2.1, 2.6)}, 1, false},
	} {
		if got := quietFor(c.s, &c.s[c.i]); got != c.quiet {
			t.Errorf("%s: quietFor(%s) = %v, want %v", c.name, c.s[c.i].ID, got, c.quiet)
		}
	}
}

func TestQuietKept(t *testing.T) {
	sec := func(x float64) clock.Time { return clock.Time(x * float64(time.Second)) }
	p := func(id string, from, to float64) Fault {
		return Fault{ID: id, Kind: Partition, Role: "leader", Shape: Isolate, Start: sec(from), End: sec(to)}
	}
	c := func(id string, from, to float64) Fault {
		return Fault{ID: id, Kind: Crash, Role: "leader", Start: sec(from), End: sec(to)}
	}
	// An explicit pair that is not quiet stays as written; a new fault
	// may neither be silenced nor silence a quiet one.
	loud := Schedule{c("x", 1, 3), p("y", 1.1, 1.5)}
	for _, tc := range []struct {
		name string
		s    Schedule
		add  Fault
		ok   bool
	}{
		{"apart", Schedule{p("a", 1, 2)}, c("g", 3, 4), true},
		{"silences a quiet one", Schedule{p("a", 1, 2)}, c("g", 0.5, 2), false},
		{"is silenced", Schedule{c("a", 1, 3)}, p("g", 1.5, 2), false},
		{"loud explicit faults left alone", loud, c("g", 5, 6), true},
		{"but a new one is judged", loud, p("g", 2, 2.5), false},
	} {
		cand := append(tc.s.Clone(), tc.add)
		if got := quietKept(tc.s, cand); got != tc.ok {
			t.Errorf("%s: quietKept = %v, want %v", tc.name, got, tc.ok)
		}
	}
}
