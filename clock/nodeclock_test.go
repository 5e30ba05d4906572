package clock

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/rng"
)

func TestClockReadings(t *testing.T) {
	tests := []struct {
		name     string
		offset   time.Duration
		ppm      int64
		jumps    []jump
		at       Time
		wantMono Time
		wantNow  Time
	}{
		{"perfect", 0, 0, nil, 5 * Time(time.Second), 5 * Time(time.Second), 5 * Time(time.Second)},
		{"offset", time.Second, 0, nil, 1000, 1000, 1000 + Time(time.Second)},
		{"fast 100ppm", 0, 100, nil, Time(time.Second), Time(time.Second) + 100*Time(time.Microsecond), Time(time.Second) + 100*Time(time.Microsecond)},
		{"slow 100ppm", 0, -100, nil, Time(time.Second), Time(time.Second) - 100*Time(time.Microsecond), Time(time.Second) - 100*Time(time.Microsecond)},
		{"jump forward passed", 0, 0, []jump{{at: 10, d: time.Minute}}, 20, 20, 20 + Time(time.Minute)},
		{"jump not yet", 0, 0, []jump{{at: 30, d: time.Minute}}, 20, 20, 20},
		{"jump back", 0, 0, []jump{{at: 10, d: -5}}, 20, 20, 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Clock
			c.SetOffset(tt.offset)
			if err := c.SetDrift(0, tt.ppm); err != nil {
				t.Fatal(err)
			}
			for _, j := range tt.jumps {
				c.ScheduleJump(j.at, j.d)
			}
			if got := c.Mono(tt.at); got != tt.wantMono {
				t.Errorf("Mono(%d) = %d, want %d", tt.at, got, tt.wantMono)
			}
			if got := c.Now(tt.at); got != tt.wantNow {
				t.Errorf("Now(%d) = %d, want %d", tt.at, got, tt.wantNow)
			}
		})
	}
}

func TestSetDriftRejectsBadInput(t *testing.T) {
	var c Clock
	if err := c.SetDrift(0, MaxDriftPPM+1); err == nil {
		t.Error("accepted drift beyond the bound")
	}
	if err := c.SetDrift(0, MinDriftPPM-1); err == nil {
		t.Error("accepted a slow drift beyond the bound")
	}
	if err := c.SetDrift(100, 5); err != nil {
		t.Fatal(err)
	}
	if err := c.SetDrift(50, 5); err == nil {
		t.Error("accepted a drift change in the past")
	}
}

// TestDriftMovesTimersAsComputed is the property behind node timers: a
// timer of local duration d set at true instant now fires at the earliest
// true instant where the local monotonic clock has advanced by d, which is
// d*1e6/(1e6+ppm) rounded up to the clock's integer steps.
func TestDriftMovesTimersAsComputed(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		r := rng.New(seed, "drift")
		var c Clock
		var now Time
		for step := 0; step < 20; step++ {
			now += Time(r.Intn(1_000_000_000))
			if err := c.SetDrift(now, r.Int64Range(MinDriftPPM, MaxDriftPPM)); err != nil {
				t.Fatal(err)
			}
			d := Time(r.Int64Range(0, int64(time.Hour)))
			start := c.Mono(now)
			fire := c.TrueAtMono(now, start+d)
			if fire < now {
				t.Fatalf("seed %d: fire %v before now %v", seed, fire, now)
			}
			if c.Mono(fire) < start+d {
				t.Fatalf("seed %d: at fire mono advanced %v < %v", seed, c.Mono(fire)-start, d)
			}
			if fire > now && c.Mono(fire-1) >= start+d {
				t.Fatalf("seed %d: timer could have fired at %v", seed, fire-1)
			}
			// Compare with the ideal real-valued rate within 2ns of the
			// node's clock (on a slow clock, one of its ns is several true
			// ns).
			ppm := c.DriftPPM()
			ideal := float64(d) * 1e6 / float64(1e6+ppm)
			tol := 2 * max(1, 1e6/float64(1e6+ppm))
			if diff := float64(fire-now) - ideal; diff > tol || diff < -tol {
				t.Fatalf("seed %d: ppm %d d %v: fired after %v, ideal %.1f", seed, ppm, d, fire-now, ideal)
			}
		}
	}
}

func TestMonoIsMonotone(t *testing.T) {
	for _, ppm := range []int64{MinDriftPPM, -999, -1, 0, 1, 37, MaxDriftPPM} {
		var c Clock
		_ = c.SetDrift(0, ppm)
		prev := c.Mono(0)
		for tt := Time(1); tt < 3_000_000; tt += 7 {
			m := c.Mono(tt)
			if m < prev {
				t.Fatalf("ppm %d: Mono(%d)=%d < %d", ppm, tt, m, prev)
			}
			prev = m
		}
	}
}
