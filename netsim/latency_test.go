package netsim

import (
	"slices"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

// TestLatencyWithinBounds samples every kind directly and through Send:
// every sample lies within the declared bounds (and delivery is at least
// 1ns after the send when the latency is 0).
func TestLatencyWithinBounds(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		lat      Latency
		min, max time.Duration
	}{
		{Latency{Kind: Fixed}, 1, 1},
		{Latency{Kind: Fixed, Min: 3 * ms}, 3 * ms, 3 * ms},
		{Latency{Kind: Fixed, Min: 3 * ms, Max: 3 * ms}, 3 * ms, 3 * ms},
		{Latency{Kind: Uniform, Min: ms, Max: 9 * ms}, ms, 9 * ms},
		{Latency{Kind: Uniform, Min: 0, Max: 2}, 1, 2},
		{Latency{Kind: Uniform, Min: 5 * ms, Max: 5 * ms}, 5 * ms, 5 * ms},
		{Latency{Kind: LongTail, Min: ms, Median: 2 * ms, Max: time.Second}, ms, time.Second},
		{Latency{Kind: LongTail, Median: 1, Max: 10}, 1, 10},
		{Latency{Kind: LongTail, Min: MaxDelay - 2, Median: MaxDelay - 1, Max: MaxDelay}, MaxDelay - 2, MaxDelay},
	} {
		net := mustNew(t, 2, Config{Default: LinkConfig{Latency: tc.lat}}, 9)
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for i := range 20000 {
			now := clock.Time(i) * 1000
			f := net.Send(now, 0, 1)
			d := f.At[0].Sub(now)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < tc.min || hi > tc.max {
			t.Errorf("%+v: deliveries after [%v, %v], want within [%v, %v]", tc.lat, lo, hi, tc.min, tc.max)
		}
		if tc.lat.Kind != Fixed && tc.max-tc.min > 1000 && (lo > tc.min+(tc.max-tc.min)/100 || hi < tc.max-(tc.max-tc.min)/2) {
			t.Errorf("%+v: samples span only [%v, %v]", tc.lat, lo, hi)
		}
	}
}

// TestLongTailHasATail checks the documented law P(X > Min+x) = s/(s+x):
// the median sits at Median, about one sample in ten lies beyond Min+9s,
// one in a hundred beyond Min+99s, and the cap collects the rest.
func TestLongTailHasATail(t *testing.T) {
	ms := time.Millisecond
	lat := Latency{Kind: LongTail, Min: 10 * ms, Median: 12 * ms, Max: 2 * time.Second}
	s := lat.Median - lat.Min
	r := rng.New(5, "lat")
	const N = 200000
	samples := make([]time.Duration, N)
	for i := range samples {
		samples[i] = time.Duration(lat.sample(r))
	}
	slices.Sort(samples)
	med := samples[N/2]
	if med < lat.Median-s/20 || med > lat.Median+s/20 {
		t.Errorf("median %v, want about %v", med, lat.Median)
	}
	frac := func(above time.Duration) float64 {
		i, _ := slices.BinarySearch(samples, above+1)
		return float64(N-i) / N
	}
	for _, c := range []struct {
		above     time.Duration
		want, tol float64
	}{
		{lat.Min + 9*s, 0.1, 0.01},
		{lat.Min + 99*s, 0.01, 0.002},
	} {
		if got := frac(c.above); got < c.want-c.tol || got > c.want+c.tol {
			t.Errorf("P(X > %v) = %.4f, want %.3f±%.3f", c.above, got, c.want, c.tol)
		}
	}
	if samples[0] < lat.Min || samples[N-1] > lat.Max {
		t.Errorf("samples in [%v, %v], outside [%v, %v]", samples[0], samples[N-1], lat.Min, lat.Max)
	}
	if samples[N-1] < 50*med {
		t.Errorf("largest sample %v is not well above the median %v: no tail", samples[N-1], med)
	}
}

func TestLongTailExcessEdges(t *testing.T) {
	for _, c := range []struct {
		s, limit, u uint64
		want        int64
	}{
		{1000, 1 << 40, 1 << 32, 0},             // U = 1: no excess
		{1000, 1 << 40, 1 << 31, 1000},          // U = 1/2: the median, s
		{1000, 1 << 50, 1, 1000*(1<<32) - 1000}, // smallest U
		{1000, 5000, 1, 5000},                   // capped
		{1 << 62, 1<<63 - 1, 1, 1<<63 - 1},      // quotient overflow saturates at the cap
	} {
		if got := rng.LomaxExcess(c.s, c.limit, c.u); got != c.want {
			t.Errorf("rng.LomaxExcess(%d, %d, %d) = %d, want %d", c.s, c.limit, c.u, got, c.want)
		}
	}
}

// TestDatagramReorder: with fixed latency nothing overtakes; with Reorder
// some messages are overtaken, and the extra delay stays in its window.
func TestDatagramReorder(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		cfg       LinkConfig
		overtakes bool
		maxDelay  time.Duration
	}{
		{LinkConfig{Latency: Latency{Kind: Fixed, Min: ms}}, false, ms},
		{LinkConfig{Latency: Latency{Kind: Fixed, Min: ms}, Reorder: 0.2}, true, 2 * ms},                        // window = nominal latency
		{LinkConfig{Latency: Latency{Kind: Fixed, Min: ms}, Reorder: 0.2, ReorderWindow: 5 * ms}, true, 6 * ms}, // explicit window
		{LinkConfig{Latency: Latency{Kind: Fixed}, Reorder: 0.2}, true, ms},                                     // zero latency: 1ms window
	} {
		net := mustNew(t, 2, Config{Default: tc.cfg}, 11)
		var last clock.Time
		overtaken := false
		for i := range 5000 {
			now := clock.Time(i) * clock.Time(10*time.Microsecond)
			f := net.Send(now, 0, 1)
			if f.At[0] < last {
				overtaken = true
			}
			last = max(last, f.At[0])
			if d := f.At[0].Sub(now); d > tc.maxDelay {
				t.Fatalf("%+v: delivered after %v, beyond %v", tc.cfg, d, tc.maxDelay)
			}
		}
		if overtaken != tc.overtakes {
			t.Errorf("%+v: overtaken=%v, want %v", tc.cfg, overtaken, tc.overtakes)
		}
	}
}
