package disk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

const ms = clock.Time(time.Millisecond)

// durableFile creates name with a durable (empty) entry, so that what a
// crash keeps of it depends on its data alone.
func durableFile(t *testing.T, fs *FS, name string) *File {
	t.Helper()
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.SyncDir("."); err != nil {
		t.Fatal(err)
	}
	fs.Advance(clock.Never)
	return f
}

func fileText(t *testing.T, fs *FS, name string) string {
	t.Helper()
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1<<12)
	n, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return string(b[:n])
}

// TestLatencyModel: what each configuration charges a node's event, and
// when a sync's data becomes durable.
func TestLatencyModel(t *testing.T) {
	fixed := func(d time.Duration) Latency { return Latency{Min: d, Max: d} }
	tests := []struct {
		name   string
		cfg    Config
		fault  *Fault
		writes int // appends of "x" before the one Sync
		// want is the Elapsed of the event; 0 with min/max set checks a range
		want, min, max time.Duration
		atOnce         bool // the writes are durable when Sync returns; else when the event's disk time has passed
		fired          int64
	}{
		{name: "none: instantaneous, durable at once", writes: 2, atOnce: true},
		{name: "fixed sync", cfg: Config{SyncLatency: fixed(5 * time.Millisecond)}, writes: 2, want: 5 * time.Millisecond},
		{name: "fixed write and sync", cfg: Config{SyncLatency: fixed(5 * time.Millisecond), WriteLatency: fixed(time.Millisecond)}, writes: 3, want: 8 * time.Millisecond},
		{name: "write latency alone: sync durable when the writes returned", cfg: Config{WriteLatency: fixed(time.Millisecond)}, writes: 2, want: 2 * time.Millisecond, atOnce: true},
		{name: "uniform sync", cfg: Config{SyncLatency: Latency{Min: time.Millisecond, Max: 3 * time.Millisecond}}, writes: 1, min: time.Millisecond, max: 3 * time.Millisecond},
		{name: "slow fault adds its delay", fault: &Fault{Kind: Slow, P: 1, Delay: 10 * time.Millisecond}, writes: 1, want: 20 * time.Millisecond, fired: 2},
		{name: "slow fault on another file", fault: &Fault{Kind: Slow, P: 1, Delay: 10 * time.Millisecond, Name: "other"}, writes: 1, atOnce: true},
		{name: "nothing to sync costs nothing", cfg: Config{SyncLatency: fixed(5 * time.Millisecond)}, writes: 0, atOnce: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFS(t, tt.cfg, 7)
			if tt.fault != nil {
				if err := fs.Inject("slow", *tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			f := durableFile(t, fs, "f")
			busy0, fired0 := fs.Counters().Busy, counter(fs, "slow").Fired // the file's creation
			const at = 100 * ms
			fs.Begin(at)
			for range tt.writes {
				if _, err := f.Write([]byte("x")); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
			el := fs.Elapsed()
			if tt.max > 0 {
				if el < tt.min || el > tt.max {
					t.Fatalf("Elapsed %v, want within [%v, %v]", el, tt.min, tt.max)
				}
			} else if el != tt.want {
				t.Fatalf("Elapsed %v, want %v", el, tt.want)
			}
			if c := fs.Counters(); c.Busy-busy0 != el {
				t.Errorf("Counters.Busy grew by %v, want %v", c.Busy-busy0, el)
			}
			if tt.fault != nil {
				if got := counter(fs, "slow").Fired - fired0; got != tt.fired {
					t.Errorf("slow fault fired %d times, want %d", got, tt.fired)
				}
			}
			durable := func() int { return len(fs.durable("f").durable) }
			if !tt.atOnce {
				done := at + clock.Time(el)
				fs.Advance(done - 1)
				if durable() != 0 || fs.InFlight() != 1 {
					t.Fatalf("1ns before the sync completes: %d durable bytes, %d in flight; want 0 and 1", durable(), fs.InFlight())
				}
				fs.Advance(done)
			}
			if durable() != tt.writes || fs.InFlight() != 0 {
				t.Fatalf("after the sync completed: %d durable bytes, %d in flight; want %d and 0", durable(), fs.InFlight(), tt.writes)
			}
			if err := fs.CheckInvariants(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestUniformLatencyVaries: a uniform latency draws different values
// within its bounds, the same ones from the same seed.
func TestUniformLatencyVaries(t *testing.T) {
	draws := func(seed uint64) []time.Duration {
		fs := newFS(t, Config{SyncLatency: Latency{Min: time.Millisecond, Max: 9 * time.Millisecond}}, seed)
		f := durableFile(t, fs, "f")
		var out []time.Duration
		for i := range 20 {
			fs.Begin(clock.Time(i) * clock.Time(time.Second))
			f.Write([]byte("x"))
			f.Sync()
			out = append(out, fs.Elapsed())
		}
		return out
	}
	a, b, c := draws(1), draws(1), draws(2)
	seen := map[time.Duration]bool{}
	for _, d := range a {
		if d < time.Millisecond || d > 9*time.Millisecond {
			t.Fatalf("draw %v outside [1ms, 9ms]", d)
		}
		seen[d] = true
	}
	if len(seen) < 5 {
		t.Errorf("20 draws gave only %d distinct latencies: %v", len(seen), a)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different latencies:\n%v\n%v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("seeds 1 and 2 drew the same latencies: %v", a)
	}
}

// TestLatencyValidation: bad latencies and Slow faults are refused.
func TestLatencyValidation(t *testing.T) {
	for _, cfg := range []Config{
		{SyncLatency: Latency{Min: -1}},
		{SyncLatency: Latency{Min: 2, Max: 1}},
		{WriteLatency: Latency{Max: MaxLatency + 1}},
	} {
		if _, err := New(cfg, rng.New(1, "d")); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	fs := newFS(t, Config{}, 1)
	for _, f := range []Fault{
		{Kind: Slow, P: 1},
		{Kind: Slow, P: 1, Delay: MaxLatency + 1},
		{Kind: SyncFail, P: 1, Delay: time.Millisecond},
	} {
		if err := fs.Inject("x", f); !errors.Is(err, ErrInvalid) {
			t.Errorf("Inject(%+v) = %v, want ErrInvalid", f, err)
		}
	}
	if err := fs.SetLatency(Latency{Min: 3, Max: 2}, Latency{}); err == nil {
		t.Error("SetLatency accepted Min > Max")
	}
}

// crashDuringFsync writes eight records, syncs them (the sync completes
// at 10ms), appends one more unsynced record, and crashes at cut; it
// returns what the file holds after the crash and the crash report.
func crashDuringFsync(t *testing.T, seed uint64, mode CrashMode, cut clock.Time) (string, CrashReport) {
	fs := newFS(t, Config{Crash: mode, SyncLatency: Latency{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}}, seed)
	f := durableFile(t, fs, "log")
	fs.Begin(0)
	if _, err := f.Write([]byte("AB")); err != nil { // synced and completed before: always survives
		t.Fatal(err)
	}
	f.Sync()
	fs.Begin(10 * ms)
	for i := range 8 {
		if _, err := f.WriteAt([]byte{byte('a' + i)}, int64(2+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("Z"), 10) // after the sync: pending, under the crash mode
	fs.Advance(cut)
	rep := fs.Crash()
	if err := fs.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	return fileText(t, fs, "log"), rep
}

// TestCrashDuringFsync: a crash while an fsync is in flight keeps a
// seeded subset of its writes; one after it completes keeps them all.
func TestCrashDuringFsync(t *testing.T) {
	kept := map[string]bool{}
	for seed := uint64(1); seed <= 30; seed++ {
		got, rep := crashDuringFsync(t, seed, LoseUnsynced, 15*ms)
		again, _ := crashDuringFsync(t, seed, LoseUnsynced, 15*ms)
		if got != again {
			t.Fatalf("seed %d: %q then %q from the same seed", seed, got, again)
		}
		if !strings.HasPrefix(got, "AB") {
			t.Fatalf("seed %d: %q lost the data synced before", seed, got)
		}
		if strings.Contains(got, "Z") {
			t.Fatalf("seed %d: %q kept the write made after the sync (LoseUnsynced)", seed, got)
		}
		if rep.SyncsCut != 1 || rep.WritesKept+rep.WritesLost != 9 {
			t.Fatalf("seed %d: report %v; want syncs_cut=1 and 9 writes kept or lost", seed, rep)
		}
		// Each survivor is where it was written.
		for i := 2; i < len(got); i++ {
			if c := got[i]; c != 0 && c != byte('a'+i-2) {
				t.Fatalf("seed %d: %q has %q at %d", seed, got, c, i)
			}
		}
		if n := int64(strings.Count(got[2:], "")) - 1 - int64(strings.Count(got[2:], "\x00")); n != rep.WritesKept {
			t.Fatalf("seed %d: %q holds %d of the sync's writes, report says %d kept", seed, got, n, rep.WritesKept)
		}
		kept[got] = true
	}
	if len(kept) < 10 {
		t.Errorf("30 seeds kept only %d distinct subsets of the cut sync: %v", len(kept), kept)
	}
	// Crashing at the instant the sync completes, or after, keeps it whole.
	for _, cut := range []clock.Time{20 * ms, 25 * ms} {
		got, rep := crashDuringFsync(t, 3, LoseUnsynced, cut)
		if got != "ABabcdefgh" || rep.SyncsCut != 0 {
			t.Errorf("crash at %v: %q %v; want ABabcdefgh, no sync cut", time.Duration(cut), got, rep)
		}
	}
}

// TestCutSyncDir: a cut SyncDir keeps or loses the names it was
// making durable, by the seed.
func TestCutSyncDir(t *testing.T) {
	outcomes := map[bool]int{}
	for seed := uint64(1); seed <= 20; seed++ {
		fs := newFS(t, Config{SyncLatency: Latency{Min: time.Millisecond, Max: time.Millisecond}}, seed)
		fs.Begin(0)
		f, _ := fs.Create("a")
		f.Write([]byte("1"))
		f.Sync()
		fs.SyncDir(".")
		fs.Advance(ms) // the data's sync completes; the directory's is still in flight
		if fs.InFlight() != 1 {
			t.Fatalf("%d syncs in flight, want 1", fs.InFlight())
		}
		rep := fs.Crash()
		_, err := fs.Open("a")
		outcomes[err == nil]++
		if (err == nil) != (rep.NamesKept == 1) || rep.SyncsCut != 1 {
			t.Fatalf("seed %d: open %v with report %v", seed, err, rep)
		}
		if err == nil && !bytes.Equal([]byte(fileText(t, fs, "a")), []byte("1")) {
			t.Fatalf("seed %d: a kept its name but not its synced data", seed)
		}
	}
	if outcomes[true] == 0 || outcomes[false] == 0 {
		t.Errorf("cut SyncDir over 20 seeds: %v; want both outcomes", outcomes)
	}
}
