package disk

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

// TestLongTailLatency: a long-tailed sync latency has its median at
// Median, a tenth of its draws beyond Min+9(Median-Min), the share the
// Lomax law puts beyond the cap piled at Max, and nothing outside [Min,
// Max]; the first draws of a seed are pinned, so a change to the formula
// or to the stream it draws from shows.
func TestLongTailLatency(t *testing.T) {
	lat := Latency{Min: time.Millisecond, Median: 3 * time.Millisecond, Max: 200 * time.Millisecond}
	fs := newFS(t, Config{SyncLatency: lat}, 11)
	f := durableFile(t, fs, "f")
	const n = 20000
	var draws []time.Duration
	for i := range n {
		fs.Begin(clock.Time(i) * clock.Time(time.Second))
		if _, err := f.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		draws = append(draws, fs.Elapsed())
	}
	if got, want := fmt.Sprint(draws[:6]), "[1.307108ms 1.312289ms 200ms 5.276247ms 81.335193ms 9.260407ms]"; got != want {
		t.Errorf("first draws of seed 11: %s, want %s", got, want)
	}
	s := slices.Clone(draws)
	slices.Sort(s)
	if s[0] < lat.Min || s[n-1] > lat.Max {
		t.Fatalf("draws within [%v, %v], want within [%v, %v]", s[0], s[n-1], lat.Min, lat.Max)
	}
	share := func(pred func(time.Duration) bool) float64 {
		k := 0
		for _, d := range draws {
			if pred(d) {
				k++
			}
		}
		return float64(k) / n
	}
	scale := lat.Median - lat.Min
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"at most Median", share(func(d time.Duration) bool { return d <= lat.Median }), 0.5},
		{"beyond Min+9s", share(func(d time.Duration) bool { return d > lat.Min+9*scale }), 0.1},
		{"beyond Min+99s (at the cap)", share(func(d time.Duration) bool { return d > lat.Min+99*scale }), 0.01},
		{"at the cap Max", share(func(d time.Duration) bool { return d == lat.Max }), float64(scale) / float64(lat.Max-lat.Min+scale)},
	} {
		if c.got < c.want*0.85 || c.got > c.want*1.15 {
			t.Errorf("share %s: %.4f, want %.4f within 15%%", c.what, c.got, c.want)
		}
	}
}

// TestLongTailMatchesNetsim: the disk's long tail is netsim's formula:
// the excess at the quantiles the doc comment names.
func TestLongTailMatchesNetsim(t *testing.T) {
	const s, limit = 1000, 1_000_000
	for _, c := range []struct {
		u    uint64
		want int64
	}{
		{1 << 31, 1000},             // U = 1/2: the median, Min + s
		{1 << 32 / 10, 9000},        // U = 1/10: Min + 9s (rounded down)
		{1 << 32 / 100, 99_000 + 2}, // U = 1/100: Min + 99s (u is rounded down)
		{1, limit},                  // the tail's end: capped
		{1 << 32, 0},                // U = 1: Min
	} {
		if got := rng.LomaxExcess(s, limit, c.u); got < c.want-3 || got > c.want+3 {
			t.Errorf("rng.LomaxExcess(%d, %d, %d) = %d, want about %d", s, limit, c.u, got, c.want)
		}
	}
}

// TestReadLatency: a read costs Config.ReadLatency (fixed, uniform or
// long-tailed), set at New or later with SetReadLatency; Slow faults do
// not touch reads, and with no read latency a read costs nothing and
// draws nothing (a disk's other draws do not move).
func TestReadLatency(t *testing.T) {
	read := func(fs *FS, f *File) time.Duration {
		fs.Begin(clock.Time(time.Hour))
		b := make([]byte, 4)
		if _, err := f.ReadAt(b, 0); err != nil {
			t.Fatal(err)
		}
		return fs.Elapsed()
	}
	fs := newFS(t, Config{ReadLatency: Latency{Min: 2 * time.Millisecond, Max: 2 * time.Millisecond}}, 3)
	f := durableFile(t, fs, "f")
	f.Write([]byte("data"))
	f.Sync()
	if got := read(fs, f); got != 2*time.Millisecond {
		t.Errorf("fixed read latency: a read took %v, want 2ms", got)
	}
	if err := fs.Inject("slow", Fault{Kind: Slow, P: 1, Delay: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if got := read(fs, f); got != 2*time.Millisecond {
		t.Errorf("a Slow fault changed a read's latency: %v, want 2ms", got)
	}
	if err := fs.SetReadLatency(Latency{Min: time.Millisecond, Median: 2 * time.Millisecond, Max: time.Second}); err != nil {
		t.Fatal(err)
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		d := read(fs, f)
		if d < time.Millisecond || d > time.Second {
			t.Fatalf("long-tailed read took %v, outside [1ms, 1s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("50 long-tailed reads gave %d distinct latencies", len(seen))
	}
	if err := fs.SetReadLatency(Latency{Min: 2, Median: 1, Max: 3}); err == nil {
		t.Error("SetReadLatency accepted Median below Min")
	}

	// No read latency: reads leave the latency stream alone, so a
	// uniform sync latency draws the same values with or without reads.
	syncs := func(reads bool) []time.Duration {
		fs := newFS(t, Config{SyncLatency: Latency{Min: time.Millisecond, Max: 9 * time.Millisecond}}, 5)
		f := durableFile(t, fs, "f")
		var out []time.Duration
		for i := range 10 {
			fs.Begin(clock.Time(i) * clock.Time(time.Second))
			f.Write([]byte("x"))
			if reads {
				f.ReadAt(make([]byte, 1), 0)
			}
			f.Sync()
			out = append(out, fs.Elapsed())
		}
		return out
	}
	if a, b := syncs(false), syncs(true); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("reads with no read latency moved the sync draws:\n%v\n%v", a, b)
	}
}

// TestLongTailValidation: a long tail needs Min < Median <= Max.
func TestLongTailValidation(t *testing.T) {
	for _, c := range []struct {
		l  Latency
		ok bool
	}{
		{Latency{Min: 1, Median: 2, Max: 3}, true},
		{Latency{Min: 1, Median: 3, Max: 3}, true},
		{Latency{Min: 1, Median: 1, Max: 3}, false},
		{Latency{Min: 1, Median: 4, Max: 3}, false},
		{Latency{Min: 0, Median: 1, Max: MaxLatency + 1}, false},
	} {
		_, err := New(Config{ReadLatency: c.l}, rng.New(1, "d"))
		if (err == nil) != c.ok {
			t.Errorf("New with ReadLatency %+v: %v, want ok=%v", c.l, err, c.ok)
		}
		if err := c.l.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v.Validate() = %v, want ok=%v", c.l, err, c.ok)
		}
	}
	if got := (Latency{Min: time.Millisecond, Median: 5 * time.Millisecond, Max: 200 * time.Millisecond}).String(); got != "longtail 1ms 5ms 200ms" {
		t.Errorf("String() = %q", got)
	}
}
