package disk

import (
	"bytes"
	"errors"
	"io"
	iofs "io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/rng"
)

func newFS(t testing.TB, cfg Config, seed uint64) *FS {
	t.Helper()
	fs, err := New(cfg, rng.New(seed, "disk"))
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// readAll returns the current contents of name, or an error.
func readAll(fs *FS, name string) ([]byte, error) {
	f, err := fs.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return nil, err
	}
	b := make([]byte, size)
	if size == 0 {
		return b, nil
	}
	n, err := f.ReadAt(b, 0)
	if err != nil && !(err == io.EOF && int64(n) == size) {
		return nil, err
	}
	return b[:n], nil
}

func mustRead(t testing.TB, fs *FS, name string) string {
	t.Helper()
	b, err := readAll(fs, name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

// put creates name with contents s; sync says whether to Sync the file and
// SyncDir its directory.
func put(t testing.TB, fs *FS, name, s string, sync bool) {
	t.Helper()
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		dir := name[:max(strings.LastIndex(name, "/"), 0)]
		if dir == "" {
			dir = "."
		}
		if err := fs.SyncDir(dir); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		cfg  Config
		want []string // substrings of the error; nil means no error
	}{
		{Config{}, nil},
		{Config{SectorSize: 4096, Capacity: 1 << 20, Crash: Tear}, nil},
		{Config{SectorSize: 1}, nil},
		{Config{SectorSize: 100}, []string{"Config.SectorSize", "100", "power of two"}},
		{Config{SectorSize: -512}, []string{"Config.SectorSize", "-512"}},
		{Config{SectorSize: 1 << 17}, []string{"Config.SectorSize", "131072"}},
		{Config{Capacity: -1}, []string{"Config.Capacity", "-1", "unlimited"}},
		{Config{Crash: 9}, []string{"Config.Crash", "9", "LoseUnsynced, LoseSome, Tear"}},
	}
	for _, tt := range tests {
		fs, err := New(tt.cfg, rng.New(1, "disk"))
		if tt.want == nil {
			if err != nil {
				t.Errorf("New(%+v): %v", tt.cfg, err)
			} else if fs.Config().SectorSize == 0 {
				t.Errorf("New(%+v): sector size default not filled in", tt.cfg)
			}
			continue
		}
		if err == nil {
			t.Errorf("New(%+v): no error, want one mentioning %q", tt.cfg, tt.want)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New(%+v) = %q, want it to mention %q", tt.cfg, err, w)
			}
		}
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Error("New with nil stream: no error")
	}
}

func TestParse(t *testing.T) {
	for m := LoseUnsynced; m <= Tear; m++ {
		if got, err := ParseCrashMode(strings.ToLower(m.String())); err != nil || got != m {
			t.Errorf("ParseCrashMode(%q) = %v, %v", m, got, err)
		}
	}
	for k := ReadError; k <= LastFaultKind; k++ {
		if got, err := ParseFaultKind(k.String()); err != nil || got != k {
			t.Errorf("ParseFaultKind(%q) = %v, %v", k, got, err)
		}
	}
	if _, err := ParseCrashMode("lose"); err == nil || !strings.Contains(err.Error(), "LoseSome") {
		t.Errorf("ParseCrashMode(lose) = %v, want error listing choices", err)
	}
	if _, err := ParseFaultKind("eio"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseFaultKind(eio) = %v, want ErrInvalid", err)
	}
}

// TestAPIErrors checks that bad input gives the right sentinel error,
// wrapped with the op and the path, and never a panic.
func TestAPIErrors(t *testing.T) {
	fs := newFS(t, Config{}, 1)
	put(t, fs, "d/x", "hello", true)
	f, err := fs.Open("d/x")
	if err != nil {
		t.Fatal(err)
	}
	closed, _ := fs.Open("d/x")
	closed.Close()
	var nilFile *File
	tests := []struct {
		name   string
		op     func() error
		want   error
		inPath string // expected PathError.Path, if any
	}{
		{"open missing", func() error { _, err := fs.Open("d/nope"); return err }, ErrNotExist, "d/nope"},
		{"open empty name", func() error { _, err := fs.Open(""); return err }, ErrInvalid, ""},
		{"open rooted", func() error { _, err := fs.Open("/d/x"); return err }, ErrInvalid, "/d/x"},
		{"open dotdot", func() error { _, err := fs.Open("../x"); return err }, ErrInvalid, "../x"},
		{"create dot", func() error { _, err := fs.Create("."); return err }, ErrInvalid, "."},
		{"create trailing slash", func() error { _, err := fs.Create("d/"); return err }, ErrInvalid, "d/"},
		{"create unclean", func() error { _, err := fs.Create("d//x"); return err }, ErrInvalid, "d//x"},
		{"remove missing", func() error { return fs.Remove("d/nope") }, ErrNotExist, "d/nope"},
		{"rename missing", func() error { return fs.Rename("d/nope", "d/y") }, ErrNotExist, "d/nope"},
		{"rename bad target", func() error { return fs.Rename("d/x", "d/../y") }, ErrInvalid, "d/../y"},
		{"list bad dir", func() error { _, err := fs.List("/d"); return err }, ErrInvalid, "/d"},
		{"syncdir bad dir", func() error { return fs.SyncDir("d/") }, ErrInvalid, "d/"},
		{"read negative", func() error { _, err := f.ReadAt(make([]byte, 1), -1); return err }, ErrInvalid, "d/x"},
		{"write negative", func() error { _, err := f.WriteAt([]byte("a"), -5); return err }, ErrInvalid, "d/x"},
		{"write too far", func() error { _, err := f.WriteAt([]byte("a"), MaxFileSize); return err }, ErrInvalid, "d/x"},
		{"truncate negative", func() error { return f.Truncate(-1) }, ErrInvalid, "d/x"},
		{"truncate huge", func() error { return f.Truncate(MaxFileSize + 1) }, ErrInvalid, "d/x"},
		{"read closed", func() error { _, err := closed.ReadAt(make([]byte, 1), 0); return err }, ErrClosed, "d/x"},
		{"write closed", func() error { _, err := closed.Write([]byte("a")); return err }, ErrClosed, "d/x"},
		{"sync closed", func() error { return closed.Sync() }, ErrClosed, "d/x"},
		{"close twice", func() error { return closed.Close() }, ErrClosed, "d/x"},
		{"size closed", func() error { _, err := closed.Size(); return err }, ErrClosed, "d/x"},
		{"nil file", func() error { _, err := nilFile.Write([]byte("a")); return err }, ErrInvalid, ""},
		{"inject no id", func() error { return fs.Inject("", Fault{Kind: ReadError}) }, ErrInvalid, ""},
		{"inject no kind", func() error { return fs.Inject("a", Fault{}) }, ErrInvalid, ""},
		{"inject bad P", func() error { return fs.Inject("a", Fault{Kind: ReadError, P: 1.5}) }, ErrInvalid, ""},
		{"inject bad range", func() error { return fs.Inject("a", Fault{Kind: Corrupt, Off: -1}) }, ErrInvalid, ""},
		{"inject bad name", func() error { return fs.Inject("a", Fault{Kind: Corrupt, Name: "/x"}) }, ErrInvalid, ""},
		{"clear unknown", func() error { return fs.Clear("nope") }, ErrNotExist, ""},
	}
	for _, tt := range tests {
		err := tt.op()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
			continue
		}
		var pe *iofs.PathError
		if tt.inPath != "" && (!errors.As(err, &pe) || pe.Path != tt.inPath) {
			t.Errorf("%s: err = %v, want a PathError for %q", tt.name, err, tt.inPath)
		}
	}
	if err := fs.Inject("a", Fault{Kind: ReadError}); err != nil {
		t.Fatal(err)
	}
	if err := fs.Inject("a", Fault{Kind: WriteError}); !errors.Is(err, ErrExist) {
		t.Errorf("inject twice: %v, want ErrExist", err)
	}
	if err := fs.CheckInvariants(); err != nil {
		t.Error(err)
	}
}

func TestReadAtSemantics(t *testing.T) {
	fs := newFS(t, Config{}, 1)
	put(t, fs, "f", "0123456789", false)
	f, _ := fs.Open("f")
	tests := []struct {
		off     int64
		n       int
		want    string
		wantErr error
	}{
		{0, 10, "0123456789", nil},
		{0, 4, "0123", nil},
		{8, 4, "89", io.EOF},
		{10, 1, "", io.EOF},
		{100, 1, "", io.EOF},
		{3, 0, "", nil},
		{100, 0, "", nil},
	}
	for _, tt := range tests {
		p := make([]byte, tt.n)
		n, err := f.ReadAt(p, tt.off)
		if err != tt.wantErr || string(p[:n]) != tt.want {
			t.Errorf("ReadAt(%d bytes, %d) = %q, %v; want %q, %v", tt.n, tt.off, p[:n], err, tt.want, tt.wantErr)
		}
	}
}

// TestFileOps runs scripted operations and checks the current contents.
func TestFileOps(t *testing.T) {
	type step func(f *File) error
	writeAt := func(s string, off int64) step {
		return func(f *File) error { _, err := f.WriteAt([]byte(s), off); return err }
	}
	app := func(s string) step {
		return func(f *File) error { _, err := f.Write([]byte(s)); return err }
	}
	trunc := func(n int64) step { return func(f *File) error { return f.Truncate(n) } }
	sync := func(f *File) error { return f.Sync() }
	tests := []struct {
		name  string
		steps []step
		want  string
	}{
		{"append", []step{app("ab"), app("cd")}, "abcd"},
		{"overwrite", []step{app("abcd"), writeAt("XY", 1)}, "aXYd"},
		{"gap is zeros", []step{writeAt("z", 3)}, "\x00\x00\x00z"},
		{"extend past end", []step{app("ab"), writeAt("XYZ", 1)}, "aXYZ"},
		{"shrink", []step{app("abcdef"), trunc(2)}, "ab"},
		{"grow", []step{app("ab"), trunc(4)}, "ab\x00\x00"},
		{"shrink then grow is zeros", []step{app("abcdef"), sync, trunc(1), trunc(4)}, "a\x00\x00\x00"},
		{"shrink then append", []step{app("abcdef"), trunc(2), app("Z")}, "abZ"},
		{"empty write", []step{app(""), writeAt("", 5)}, ""},
		{"synced then written", []step{app("abc"), sync, writeAt("Z", 1), app("d")}, "aZcd"},
	}
	for _, tt := range tests {
		fs := newFS(t, Config{SectorSize: 4}, 1)
		f, err := fs.Create("f")
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range tt.steps {
			if err := s(f); err != nil {
				t.Fatalf("%s: step %d: %v", tt.name, i, err)
			}
		}
		if got := mustRead(t, fs, "f"); got != tt.want {
			t.Errorf("%s: contents %q, want %q", tt.name, got, tt.want)
		}
		if size, _ := f.Size(); size != int64(len(tt.want)) {
			t.Errorf("%s: Size %d, want %d", tt.name, size, len(tt.want))
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		if err := fs.SyncDir("."); err != nil {
			t.Fatal(err)
		}
		fs.Crash()
		if got := mustRead(t, fs, "f"); got != tt.want {
			t.Errorf("%s: after sync and crash: contents %q, want %q", tt.name, got, tt.want)
		}
		if err := fs.CheckInvariants(); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// TestDurabilityRules checks what survives a LoseUnsynced crash.
func TestDurabilityRules(t *testing.T) {
	tests := []struct {
		name  string
		run   func(t *testing.T, fs *FS)
		files map[string]string // after the crash: name -> contents
	}{
		{"synced file and dir survive", func(t *testing.T, fs *FS) {
			put(t, fs, "d/a", "data", true)
		}, map[string]string{"d/a": "data"}},
		{"create without SyncDir vanishes", func(t *testing.T, fs *FS) {
			f, _ := fs.Create("d/a")
			f.Write([]byte("data"))
			f.Sync()
		}, map[string]string{}},
		{"SyncDir without file Sync leaves it empty", func(t *testing.T, fs *FS) {
			f, _ := fs.Create("d/a")
			f.Write([]byte("data"))
			fs.SyncDir("d")
		}, map[string]string{"d/a": ""}},
		{"SyncDir of another dir does not help", func(t *testing.T, fs *FS) {
			f, _ := fs.Create("d/a")
			f.Sync()
			fs.SyncDir(".")
		}, map[string]string{}},
		{"unsynced append lost", func(t *testing.T, fs *FS) {
			put(t, fs, "a", "one", true)
			f, _ := fs.Open("a")
			f.Write([]byte("two"))
		}, map[string]string{"a": "one"}},
		{"unsynced truncate lost", func(t *testing.T, fs *FS) {
			put(t, fs, "a", "one", true)
			f, _ := fs.Open("a")
			f.Truncate(1)
		}, map[string]string{"a": "one"}},
		{"create over existing truncates, volatile until sync", func(t *testing.T, fs *FS) {
			put(t, fs, "a", "one", true)
			f, _ := fs.Create("a")
			f.Write([]byte("x"))
		}, map[string]string{"a": "one"}},
		{"rename without SyncDir reverts", func(t *testing.T, fs *FS) {
			put(t, fs, "d/tmp", "v2", true)
			fs.Rename("d/tmp", "d/cur")
		}, map[string]string{"d/tmp": "v2"}},
		{"rename with SyncDir survives", func(t *testing.T, fs *FS) {
			put(t, fs, "d/cur", "v1", true)
			put(t, fs, "d/tmp", "v2", true)
			fs.Rename("d/tmp", "d/cur")
			fs.SyncDir("d")
		}, map[string]string{"d/cur": "v2"}},
		{"rename of unsynced data loses data", func(t *testing.T, fs *FS) {
			put(t, fs, "d/cur", "v1", true)
			put(t, fs, "d/tmp", "", true)
			f, _ := fs.Open("d/tmp")
			f.Write([]byte("v2"))
			fs.Rename("d/tmp", "d/cur")
			fs.SyncDir("d")
		}, map[string]string{"d/cur": ""}},
		{"cross-dir rename with only target synced links twice", func(t *testing.T, fs *FS) {
			put(t, fs, "a/x", "v", true)
			fs.Rename("a/x", "b/x")
			fs.SyncDir("b")
		}, map[string]string{"a/x": "v", "b/x": "v"}},
		{"cross-dir rename with only source synced loses file", func(t *testing.T, fs *FS) {
			put(t, fs, "a/x", "v", true)
			fs.Rename("a/x", "b/x")
			fs.SyncDir("a")
		}, map[string]string{}},
		{"remove without SyncDir reverts", func(t *testing.T, fs *FS) {
			put(t, fs, "a", "v", true)
			fs.Remove("a")
		}, map[string]string{"a": "v"}},
		{"remove with SyncDir sticks", func(t *testing.T, fs *FS) {
			put(t, fs, "a", "v", true)
			fs.Remove("a")
			fs.SyncDir(".")
		}, map[string]string{}},
		{"unlinked open file syncs into reverted name", func(t *testing.T, fs *FS) {
			put(t, fs, "a", "v", true)
			f, _ := fs.Open("a")
			fs.Remove("a")
			if _, err := f.Write([]byte("w")); err != nil {
				t.Fatalf("write to unlinked file: %v", err)
			}
			if err := f.Sync(); err != nil {
				t.Fatalf("sync of unlinked file: %v", err)
			}
		}, map[string]string{"a": "vw"}},
		{"nested dirs need only the parent", func(t *testing.T, fs *FS) {
			put(t, fs, "a/b/c", "v", true)
		}, map[string]string{"a/b/c": "v"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFS(t, Config{}, 1)
			tt.run(t, fs)
			fs.Crash()
			if err := fs.CheckInvariants(); err != nil {
				t.Error(err)
			}
			got := snapshot(t, fs)
			if !mapsEqual(got, tt.files) {
				t.Errorf("after crash: %v, want %v", got, tt.files)
			}
		})
	}
}

// snapshot returns every current file's contents, walking dirs "." "a" "b"
// "d" "a/b".
func snapshot(t testing.TB, fs *FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range []string{".", "a", "b", "d", "a/b"} {
		names, err := fs.List(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			name := n
			if dir != "." {
				name = dir + "/" + n
			}
			out[name] = mustRead(t, fs, name)
		}
	}
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}

func TestListAndNamespace(t *testing.T) {
	fs := newFS(t, Config{}, 1)
	for _, n := range []string{"d/c", "d/a", "d/b", "top", "d/sub/x"} {
		put(t, fs, n, n, false)
	}
	got, _ := fs.List("d")
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("List(d) = %v, want %v", got, want)
	}
	got, _ = fs.List(".")
	if want := []string{"top"}; !slices.Equal(got, want) {
		t.Errorf("List(.) = %v, want %v", got, want)
	}
	if got, err := fs.List("empty"); err != nil || len(got) != 0 {
		t.Errorf("List(empty) = %v, %v", got, err)
	}
	if err := fs.Rename("d/a", "d/b"); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, fs, "d/b"); got != "d/a" {
		t.Errorf("after rename over: d/b = %q", got)
	}
	if err := fs.Rename("d/b", "d/b"); err != nil {
		t.Errorf("rename onto itself: %v", err)
	}
	got, _ = fs.List("d")
	if want := []string{"b", "c"}; !slices.Equal(got, want) {
		t.Errorf("List(d) = %v, want %v", got, want)
	}
	if err := fs.Remove("d/c"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Open("d/c"); !errors.Is(err, ErrNotExist) {
		t.Errorf("open removed: %v", err)
	}
	if err := fs.CheckInvariants(); err != nil {
		t.Error(err)
	}
}

func TestCrashInvalidatesFiles(t *testing.T) {
	fs := newFS(t, Config{}, 1)
	put(t, fs, "a", "v", true)
	f, _ := fs.Open("a")
	rep := fs.Crash()
	if rep != (CrashReport{}) {
		t.Errorf("crash with nothing pending reported %+v", rep)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "crash") {
		t.Errorf("write after crash: %v, want ErrClosed mentioning the crash", err)
	}
	if err := f.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("close after crash: %v", err)
	}
	g, err := fs.Open("a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Write([]byte("w")); err != nil {
		t.Errorf("write on a file opened after the crash: %v", err)
	}
}

func TestCrashReportCounts(t *testing.T) {
	fs := newFS(t, Config{}, 1)
	put(t, fs, "a", "0123", true)
	f, _ := fs.Open("a")
	f.Write([]byte("456"))
	f.WriteAt([]byte("xy"), 0)
	f.Truncate(2)
	put(t, fs, "new", "zz", false) // 1 name, 1 write
	fs.Rename("a", "b")            // 2 changes, one op
	rep := fs.Crash()
	want := CrashReport{WritesLost: 3, BytesLost: 7, TruncatesLost: 1, NamesLost: 3, FilesLost: 1}
	if rep != want {
		t.Errorf("report %+v, want %+v", rep, want)
	}
	if c := fs.Counters(); c.Crashes != 1 || c.CrashTotals != want {
		t.Errorf("counters %+v", c)
	}
}

func TestCapacity(t *testing.T) {
	fs := newFS(t, Config{Capacity: 10}, 1)
	put(t, fs, "a", "123456", false)
	f, _ := fs.Create("b")
	if _, err := f.Write([]byte("1234")); err != nil {
		t.Fatalf("write up to capacity: %v", err)
	}
	if _, err := f.Write([]byte("5")); !errors.Is(err, ErrNoSpace) {
		t.Errorf("write past capacity: %v, want ErrNoSpace", err)
	}
	if _, err := f.WriteAt([]byte("ab"), 0); err != nil {
		t.Errorf("overwrite at capacity: %v", err)
	}
	if err := f.Truncate(5); !errors.Is(err, ErrNoSpace) {
		t.Errorf("truncate past capacity: %v", err)
	}
	fs.Remove("a")
	if _, err := f.Write([]byte("5")); err != nil {
		t.Errorf("write after remove freed space: %v", err)
	}
	if c := fs.Counters(); c.CapacityRefused != 2 {
		t.Errorf("CapacityRefused = %d, want 2", c.CapacityRefused)
	}
	// An open unlinked file still takes space until closed.
	g, _ := fs.Open("b")
	fs.Remove("b")
	f.Close()
	h, _ := fs.Create("c")
	if _, err := h.Write(bytes.Repeat([]byte{1}, 6)); !errors.Is(err, ErrNoSpace) {
		t.Errorf("write while unlinked file open: %v, want ErrNoSpace", err)
	}
	g.Close()
	if _, err := h.Write(bytes.Repeat([]byte{1}, 6)); err != nil {
		t.Errorf("write after last close of unlinked file: %v", err)
	}
}
