package disk

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func counter(fs *FS, id string) FaultCounter {
	for _, c := range fs.Counters().Faults {
		if c.ID == id {
			return c
		}
	}
	return FaultCounter{}
}

// TestFaultsFireAndAreCounted injects each kind with P = 1 (or its
// deterministic form), checks its effect and its counter, and that a fault
// on another file or range does not fire.
func TestFaultsFireAndAreCounted(t *testing.T) {
	const ss = 16
	data := strings.Repeat("0123456789abcdef", 4) // 4 sectors
	tests := []struct {
		name   string
		fault  Fault
		act    func(t *testing.T, fs *FS, f *File) // must make the fault fire once
		miss   func(t *testing.T, fs *FS, f *File) // must not make it fire
		fired  int64
		effect func(t *testing.T, fs *FS) // checked after the action, a SyncDir and a crash
	}{
		{
			name:  "ReadError",
			fault: Fault{Kind: ReadError, P: 1, Name: "f", Off: 32, Len: 1},
			act: func(t *testing.T, fs *FS, f *File) {
				if _, err := f.ReadAt(make([]byte, 4), 30); !errors.Is(err, ErrIO) {
					t.Errorf("read: %v, want ErrIO", err)
				}
			},
			miss: func(t *testing.T, fs *FS, f *File) {
				if _, err := f.ReadAt(make([]byte, 16), 0); err != nil {
					t.Errorf("read outside the range: %v", err)
				}
				if _, err := f.ReadAt(make([]byte, 16), 48); err != nil {
					t.Errorf("read outside the range: %v", err)
				}
			},
			fired: 1,
		},
		{
			name:  "WriteError",
			fault: Fault{Kind: WriteError, P: 1, Name: "f"},
			act: func(t *testing.T, fs *FS, f *File) {
				if n, err := f.WriteAt([]byte("XX"), 0); !errors.Is(err, ErrIO) || n != 0 {
					t.Errorf("write: %d, %v, want 0, ErrIO", n, err)
				}
			},
			miss: func(t *testing.T, fs *FS, f *File) {
				g, _ := fs.Create("other")
				if _, err := g.Write([]byte("x")); err != nil {
					t.Errorf("write to another file: %v", err)
				}
			},
			fired: 1,
			effect: func(t *testing.T, fs *FS) {
				if got := mustRead(t, fs, "f"); got != data {
					t.Errorf("a failed write changed the file: %q", got)
				}
			},
		},
		{
			name:  "NoSpace",
			fault: Fault{Kind: NoSpace, P: 1},
			act: func(t *testing.T, fs *FS, f *File) {
				if _, err := f.Write([]byte("X")); !errors.Is(err, ErrNoSpace) {
					t.Errorf("append: %v, want ErrNoSpace", err)
				}
			},
			miss: func(t *testing.T, fs *FS, f *File) {
				if _, err := f.WriteAt([]byte("X"), 0); err != nil {
					t.Errorf("overwrite (no growth): %v", err)
				}
				if err := f.Truncate(10); err != nil {
					t.Errorf("shrink: %v", err)
				}
			},
			fired: 1,
		},
		{
			name:  "SyncFail",
			fault: Fault{Kind: SyncFail, P: 1, Name: "f"},
			act: func(t *testing.T, fs *FS, f *File) {
				f.Write([]byte("lost"))
				if err := f.Sync(); !errors.Is(err, ErrIO) {
					t.Errorf("sync: %v, want ErrIO", err)
				}
				// The dropped data is still in the cache...
				if got := mustRead(t, fs, "f"); got != data+"lost" {
					t.Errorf("after failed sync: %q, want the cached data", got)
				}
				// ...and a retried sync succeeds without writing it.
				fs.Clear("fault")
				if err := f.Sync(); err != nil {
					t.Errorf("retried sync: %v", err)
				}
			},
			miss: func(t *testing.T, fs *FS, f *File) {
				if err := f.Sync(); err != nil {
					t.Errorf("sync with nothing dirty: %v", err)
				}
			},
			fired: 1,
			effect: func(t *testing.T, fs *FS) {
				if got := mustRead(t, fs, "f"); got != data {
					t.Errorf("after crash: %q, want the dropped data gone", got)
				}
			},
		},
		{
			name:  "Corrupt",
			fault: Fault{Kind: Corrupt, P: 1, Name: "f", Off: 16, Len: 32},
			act:   func(t *testing.T, fs *FS, f *File) {},
			miss: func(t *testing.T, fs *FS, f *File) {
				if got := mustRead(t, fs, "f"); got != data {
					t.Errorf("corrupted before the crash: %q", got)
				}
			},
			fired: 2,
			effect: func(t *testing.T, fs *FS) {
				got := mustRead(t, fs, "f")
				for s := 0; s < 4; s++ {
					same := got[s*ss:(s+1)*ss] == data[s*ss:(s+1)*ss]
					if want := s == 0 || s == 3; same != want {
						t.Errorf("sector %d unchanged = %v, want %v: %q", s, same, want, got)
					}
				}
			},
		},
		{
			name:  "LatentSector",
			fault: Fault{Kind: LatentSector, Name: "f", Off: 20, Len: 1},
			act: func(t *testing.T, fs *FS, f *File) {
				if _, err := f.ReadAt(make([]byte, 64), 0); !errors.Is(err, ErrIO) {
					t.Errorf("read over the sector: %v, want ErrIO", err)
				}
				f.WriteAt([]byte("Z"), 31) // rewrites (heals) sector 1
				if _, err := f.ReadAt(make([]byte, 64), 0); err != nil {
					t.Errorf("read after rewrite: %v", err)
				}
			},
			miss: func(t *testing.T, fs *FS, f *File) {
				if _, err := f.ReadAt(make([]byte, 16), 0); err != nil {
					t.Errorf("read of another sector: %v", err)
				}
			},
			fired: 1,
		},
		{
			name:  "Misdirect",
			fault: Fault{Kind: Misdirect, P: 1, Name: "f", Off: 16, Len: 16},
			act: func(t *testing.T, fs *FS, f *File) {
				f.WriteAt([]byte("MISDIRECTED"), 16)
				if got := mustRead(t, fs, "f"); got[16:27] != "MISDIRECTED" {
					t.Errorf("cache does not show the write where it was aimed: %q", got)
				}
				f.Sync()
			},
			miss: func(t *testing.T, fs *FS, f *File) {
				f.WriteAt([]byte("x"), 0)
				f.Sync()
			},
			fired: 1,
			effect: func(t *testing.T, fs *FS) {
				got := mustRead(t, fs, "f")
				if got[16:32] != data[16:32] {
					t.Errorf("the aimed-at sector changed on the medium: %q", got)
				}
				i := strings.Index(got, "MISDIRECTED")
				if i < 0 || i == 16 || (i-16)%ss != 0 {
					t.Errorf("misdirected data at %d, want a whole number of sectors from 16: %q", i, got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFS(t, Config{SectorSize: ss}, 1)
			put(t, fs, "f", data, true)
			f, _ := fs.Open("f")
			if err := fs.Inject("fault", tt.fault); err != nil {
				t.Fatal(err)
			}
			tt.miss(t, fs, f)
			if c := counter(fs, "fault"); c.Fired != 0 {
				t.Fatalf("fired %d times on operations it does not cover", c.Fired)
			}
			tt.act(t, fs, f)
			fs.SyncDir(".")
			fs.Crash()
			c := counter(fs, "fault")
			if c.Fired != tt.fired || c.Kind != tt.fault.Kind || c.Bytes == 0 {
				t.Errorf("counter %+v, want %d firings of %v with bytes", c, tt.fired, tt.fault.Kind)
			}
			if tt.effect != nil {
				tt.effect(t, fs)
			}
			if err := fs.CheckInvariants(); err != nil {
				t.Errorf("declared fault tripped the self-check: %v", err)
			}
		})
	}
}

func TestFaultProbabilityAndClear(t *testing.T) {
	fs := newFS(t, Config{}, 3)
	put(t, fs, "f", "data", true)
	f, _ := fs.Open("f")
	fs.Inject("r", Fault{Kind: ReadError, P: 0.3})
	errs := 0
	for i := 0; i < 1000; i++ {
		if _, err := f.ReadAt(make([]byte, 4), 0); err != nil {
			errs++
		}
	}
	if errs < 200 || errs > 400 {
		t.Errorf("P=0.3 fired %d of 1000", errs)
	}
	if c := counter(fs, "r"); c.Fired != int64(errs) || !c.Active {
		t.Errorf("counter %+v, want %d firings, active", c, errs)
	}
	if err := fs.Clear("r"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadAt(make([]byte, 4), 0); err != nil {
		t.Errorf("read after clear: %v", err)
	}
	if c := counter(fs, "r"); c.Active || c.Fired != int64(errs) {
		t.Errorf("counter after clear %+v", c)
	}
}

// TestSyncFailDropsDirtyData is the fsyncgate scenario: an application that
// retries a failed fsync and trusts the success loses data at a crash.
func TestSyncFailDropsDirtyData(t *testing.T) {
	fs := newFS(t, Config{}, 1)
	put(t, fs, "wal", "rec1;", true)
	f, _ := fs.Open("wal")
	f.Write([]byte("rec2;"))
	fs.Inject("eio", Fault{Kind: SyncFail, P: 1})
	if err := f.Sync(); !errors.Is(err, ErrIO) {
		t.Fatalf("sync: %v, want ErrIO", err)
	}
	fs.Clear("eio")
	if err := f.Sync(); err != nil {
		t.Fatalf("retry: %v", err)
	}
	f.Write([]byte("rec3;"))
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, fs, "wal"); got != "rec1;rec2;rec3;" {
		t.Errorf("before crash: %q", got)
	}
	rep := fs.Crash()
	if got := mustRead(t, fs, "wal"); got != "rec1;\x00\x00\x00\x00\x00rec3;" {
		t.Errorf("after crash: %q, want rec2 dropped (a hole) and rec3 kept", got)
	}
	if rep.WritesLost != 0 {
		t.Errorf("dropped data was counted again at the crash: %+v", rep)
	}
	if c := counter(fs, "eio"); c.Fired != 1 || c.Bytes != 5 {
		t.Errorf("counter %+v, want 1 firing dropping 5 bytes", c)
	}
	if err := fs.CheckInvariants(); err != nil {
		t.Error(err)
	}
}

// TestCheckInvariantsDetectsUndeclaredChange: declared corruption passes,
// the same kind of change made behind the FS's back does not.
func TestCheckInvariantsDetectsUndeclaredChange(t *testing.T) {
	fs := newFS(t, Config{SectorSize: 16}, 1)
	put(t, fs, "d/f", strings.Repeat("x", 100), true)
	fs.Inject("rot", Fault{Kind: Corrupt, P: 0.5})
	rep := fs.Crash()
	if rep.SectorsCorrupted == 0 || mustRead(t, fs, "d/f") == strings.Repeat("x", 100) {
		t.Fatalf("no corruption landed: %+v", rep)
	}
	if err := fs.CheckInvariants(); err != nil {
		t.Fatalf("declared corruption tripped the self-check: %v", err)
	}
	fs.Clear("rot")

	tamper := []struct {
		name string
		do   func(ino *inode)
		want string
	}{
		{"flip a synced byte", func(ino *inode) { ino.durable[40] ^= 1 }, "synced sector 2"},
		{"lose a synced byte", func(ino *inode) { ino.durable = ino.durable[:99] }, "durable size is 99"},
		{"grow durable", func(ino *inode) { ino.durable = append(ino.durable, 0) }, "durable size is 101"},
	}
	for _, tt := range tamper {
		ino := fs.durable("d/f")
		saved := bytes.Clone(ino.durable)
		tt.do(ino)
		err := fs.CheckInvariants()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "d/f") {
			t.Errorf("%s: CheckInvariants = %v, want a breach naming d/f and %q", tt.name, err, tt.want)
		}
		ino.durable = saved
		if err := fs.CheckInvariants(); err != nil {
			t.Fatalf("%s: restored state still breaches: %v", tt.name, err)
		}
	}
}

// TestCrashModesRename: under LoseSome an unsynced rename sometimes
// persists and sometimes not; after SyncDir it always persists; a rename is
// never half done.
func TestCrashModesRename(t *testing.T) {
	kept, lost := 0, 0
	for seed := uint64(1); seed <= 100; seed++ {
		for _, syncDir := range []bool{false, true} {
			fs := newFS(t, Config{Crash: LoseSome}, seed)
			put(t, fs, "d/tmp", "new", true)
			put(t, fs, "d/cur", "old", true)
			fs.Rename("d/tmp", "d/cur")
			if syncDir {
				fs.SyncDir("d")
			}
			fs.Crash()
			got := snapshot(t, fs)
			switch {
			case mapsEqual(got, map[string]string{"d/cur": "new"}):
				kept++
			case !syncDir && mapsEqual(got, map[string]string{"d/tmp": "new", "d/cur": "old"}):
				lost++
			default:
				t.Fatalf("seed %d syncdir %v: after crash %v", seed, syncDir, got)
			}
		}
	}
	if kept <= 100 || lost == 0 {
		t.Errorf("unsynced rename kept %d lost %d times in 100", kept-100, lost)
	}
}

// TestTearIsSectorGranular: a torn write keeps a whole-sector prefix.
func TestTearIsSectorGranular(t *testing.T) {
	const ss = 8
	torn := 0
	for seed := uint64(1); seed <= 200; seed++ {
		fs := newFS(t, Config{SectorSize: ss, Crash: Tear}, seed)
		put(t, fs, "f", strings.Repeat(".", 40), true)
		f, _ := fs.Open("f")
		f.WriteAt([]byte(strings.Repeat("#", 30)), 5) // sectors 0..4, partial at both ends
		rep := fs.Crash()
		got := mustRead(t, fs, "f")
		n := strings.Count(got, "#")
		if want := strings.Repeat(".", 5) + strings.Repeat("#", n) + strings.Repeat(".", 35-n); got != want {
			t.Fatalf("seed %d: %q is not a prefix of the write", seed, got)
		}
		if n != 0 && n != 30 && (5+n)%ss != 0 {
			t.Fatalf("seed %d: torn at byte %d, not a sector boundary", seed, 5+n)
		}
		if rep.WritesTorn > 0 {
			torn++
			if n == 0 || n == 30 {
				t.Errorf("seed %d: reported torn but kept %d bytes", seed, n)
			}
		}
	}
	if torn == 0 {
		t.Error("no write was torn in 200 seeds")
	}
}
