package disk

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"
)

// tree renders the current namespace: directories (with a trailing
// slash) and files with their contents, sorted.
func tree(t *testing.T, fs *FS) string {
	t.Helper()
	var out []string
	var walk func(dir string)
	walk = func(dir string) {
		join := func(n string) string {
			if dir == "." {
				return n
			}
			return dir + "/" + n
		}
		files, err := fs.List(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			out = append(out, join(f)+"="+mustRead(t, fs, join(f)))
		}
		dirs, err := fs.Dirs(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			out = append(out, join(d)+"/")
			walk(join(d))
		}
	}
	walk(".")
	slices.Sort(out)
	return strings.Join(out, " ")
}

// TestDirectoryDurability: a made, removed or renamed directory is a name
// like a file's: volatile until SyncDir of its parent directory, and
// pending operations inside a renamed directory stay with it.
func TestDirectoryDurability(t *testing.T) {
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name      string
		do        func(t *testing.T, fs *FS)
		before    string // tree before the crash
		after     string // tree after it
		namesLost int64
	}{
		{"mkdir not synced", func(t *testing.T, fs *FS) { must(t, fs.Mkdir("d")) }, "d/", "", 1},
		{"mkdir synced", func(t *testing.T, fs *FS) { must(t, fs.Mkdir("d")); must(t, fs.SyncDir(".")) }, "d/", "d/", 0},
		{"mkdir synced in the wrong directory", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("a"))
			must(t, fs.SyncDir("."))
			must(t, fs.Mkdir("a/b"))
			must(t, fs.SyncDir("a/b"))
		}, "a/ a/b/", "a/", 1},
		// Directories are implicit for files: only a file's immediate
		// directory is involved in its durability.
		{"file in a made directory whose name was not synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("d"))
			put(t, fs, "d/f", "x", true) // syncs the file and d, not "."
		}, "d/ d/f=x", "d/ d/f=x", 1},
		{"file removed from a made directory whose name was not synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("d"))
			put(t, fs, "d/f", "x", true)
			must(t, fs.Remove("d/f"))
			must(t, fs.SyncDir("d"))
		}, "d/", "", 1},
		{"rmdir then mkdir again, synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("d"))
			must(t, fs.SyncDir("."))
			must(t, fs.RemoveDir("d"))
			must(t, fs.Mkdir("d"))
			must(t, fs.SyncDir("."))
		}, "d/", "d/", 0},
		// A directory renamed away: a file created at its old name
		// without Mkdir is in a new, implicit directory, which takes
		// the old name durably once the rename is durable.
		{"implicit directory where one moved away", func(t *testing.T, fs *FS) {
			put(t, fs, "data/x", "old", true)
			must(t, fs.Rename("data", "data.old"))
			put(t, fs, "data/x", "new", true)
			must(t, fs.SyncDir("."))
		}, "data.old/ data.old/x=old data/ data/x=new", "data.old/ data.old/x=old data/ data/x=new", 0},
		{"implicit directory where one moved away, rename not synced", func(t *testing.T, fs *FS) {
			put(t, fs, "data/x", "old", true)
			must(t, fs.Rename("data", "data.old"))
			put(t, fs, "data/x", "new", true)
		}, "data.old/ data.old/x=old data/ data/x=new", "data/ data/x=old", 2},
		{"file in a made directory, all synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("d"))
			put(t, fs, "d/f", "x", true)
			must(t, fs.SyncDir("."))
		}, "d/ d/f=x", "d/ d/f=x", 0},
		{"rmdir not synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("d"))
			must(t, fs.SyncDir("."))
			must(t, fs.RemoveDir("d"))
		}, "", "d/", 1},
		{"rmdir synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("d"))
			must(t, fs.SyncDir("."))
			must(t, fs.RemoveDir("d"))
			must(t, fs.SyncDir("."))
		}, "", "", 0},
		{"rename dir not synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("tmp"))
			put(t, fs, "tmp/f", "x", true)
			must(t, fs.SyncDir("."))
			must(t, fs.Rename("tmp", "snap"))
		}, "snap/ snap/f=x", "tmp/ tmp/f=x", 2},
		{"rename dir synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("tmp"))
			put(t, fs, "tmp/f", "x", true)
			must(t, fs.SyncDir("."))
			must(t, fs.Rename("tmp", "snap"))
			must(t, fs.SyncDir("."))
		}, "snap/ snap/f=x", "snap/ snap/f=x", 0},
		{"rename over an empty directory, synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("a"))
			must(t, fs.Mkdir("b"))
			put(t, fs, "a/f", "x", true)
			must(t, fs.SyncDir("."))
			must(t, fs.Rename("a", "b"))
			must(t, fs.SyncDir("."))
		}, "b/ b/f=x", "b/ b/f=x", 0},
		{"rename over an empty directory, not synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("a"))
			must(t, fs.Mkdir("b"))
			put(t, fs, "a/f", "x", true)
			must(t, fs.SyncDir("."))
			must(t, fs.Rename("a", "b"))
		}, "b/ b/f=x", "a/ a/f=x b/", 2},
		{"rename over an empty directory with an emptied implicit one inside", func(t *testing.T, fs *FS) {
			put(t, fs, "b/c/g", "y", true)
			must(t, fs.Remove("b/c/g"))
			must(t, fs.SyncDir("b/c"))
			must(t, fs.Mkdir("a"))
			must(t, fs.SyncDir("."))
			must(t, fs.Rename("a", "b"))
			must(t, fs.SyncDir("."))
			put(t, fs, "b/c/h", "z", true)
		}, "b/ b/c/ b/c/h=z", "b/ b/c/ b/c/h=z", 0},
		{"rename implicit dir synced", func(t *testing.T, fs *FS) {
			put(t, fs, "a/b/f", "x", true)
			must(t, fs.Rename("a/b", "a/c"))
			must(t, fs.SyncDir("a"))
		}, "a/ a/c/ a/c/f=x", "a/ a/c/ a/c/f=x", 0},
		{"rename across directories synced at the destination", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("a"))
			must(t, fs.Mkdir("b"))
			must(t, fs.Mkdir("a/d"))
			must(t, fs.SyncDir("."))
			must(t, fs.SyncDir("a"))
			must(t, fs.Rename("a/d", "b/d"))
			must(t, fs.SyncDir("b"))
		}, "a/ b/ b/d/", "a/ b/ b/d/", 0},
		{"rename across directories synced at the source only", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("a"))
			must(t, fs.Mkdir("b"))
			must(t, fs.Mkdir("a/d"))
			must(t, fs.SyncDir("."))
			must(t, fs.SyncDir("a"))
			must(t, fs.Rename("a/d", "b/d"))
			must(t, fs.SyncDir("a"))
		}, "a/ b/ b/d/", "a/ a/d/ b/", 2},
		// The file's name is pending in the directory when it is
		// renamed; SyncDir of the directory at its new name makes it
		// durable where the directory durably is: still "tmp".
		{"pending create follows the directory", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("tmp"))
			must(t, fs.SyncDir("."))
			put(t, fs, "tmp/f", "x", false)
			f, err := fs.Open("tmp/f")
			must(t, err)
			must(t, f.Sync())
			must(t, fs.Rename("tmp", "snap"))
			must(t, fs.SyncDir("snap"))
		}, "snap/ snap/f=x", "tmp/ tmp/f=x", 2},
		{"pending create inside, then everything synced", func(t *testing.T, fs *FS) {
			must(t, fs.Mkdir("tmp"))
			must(t, fs.SyncDir("."))
			put(t, fs, "tmp/f", "x", false)
			must(t, fs.Rename("tmp", "snap"))
			put(t, fs, "snap/g", "y", true)
			f, err := fs.Open("snap/f")
			must(t, err)
			must(t, f.Sync())
			must(t, fs.SyncDir("."))
		}, "snap/ snap/f=x snap/g=y", "snap/ snap/f=x snap/g=y", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFS(t, Config{}, 1)
			tc.do(t, fs)
			if got := tree(t, fs); got != tc.before {
				t.Fatalf("before the crash: %q, want %q", got, tc.before)
			}
			rep := fs.Crash()
			if got := tree(t, fs); got != tc.after {
				t.Errorf("after the crash: %q, want %q", got, tc.after)
			}
			if rep.NamesLost != tc.namesLost {
				t.Errorf("names lost: %d, want %d (%v)", rep.NamesLost, tc.namesLost, rep)
			}
			if err := fs.CheckInvariants(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestDirectoryErrors(t *testing.T) {
	fs := newFS(t, Config{}, 1)
	put(t, fs, "f", "x", false)
	put(t, fs, "a/g", "x", false)
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"mkdir over a file", fs.Mkdir("f"), ErrExist},
		{"mkdir over an implicit dir", fs.Mkdir("a"), ErrExist},
		{"mkdir", fs.Mkdir("d"), nil},
		{"mkdir again", fs.Mkdir("d"), ErrExist},
		{"mkdir inside", fs.Mkdir("d/e"), nil},
		{"rmdir non-empty", fs.RemoveDir("d"), ErrNotEmpty},
		{"rmdir implicit", fs.RemoveDir("a"), ErrNotEmpty},
		{"rmdir a file", fs.RemoveDir("f"), ErrNotDir},
		{"rmdir missing", fs.RemoveDir("x"), ErrNotExist},
		{"rename into itself", fs.Rename("d", "d/e/x"), ErrInvalid},
		{"rename onto a non-empty dir", fs.Rename("d", "a"), ErrNotEmpty},
		{"rename onto a file", fs.Rename("d", "f"), ErrNotDir},
		{"rename a file onto a dir", fs.Rename("f", "d"), ErrIsDir},
		{"rmdir leaf", fs.RemoveDir("d/e"), nil},
		{"rmdir", fs.RemoveDir("d"), nil},
		{"rmdir gone", fs.RemoveDir("d"), ErrNotExist},
		{"bad name", fs.Mkdir("../x"), ErrInvalid},
	} {
		if !errors.Is(tc.err, tc.want) || (tc.want == nil) != (tc.err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if got, want := tree(t, fs), "a/ a/g=x f=x"; got != want {
		t.Errorf("tree %q, want %q", got, want)
	}
}

// TestDirectoryChurn: random directory and file operations, syncs and
// crashes under every crash mode keep the bookkeeping consistent, and
// whatever is durable is what the crash leaves.
func TestDirectoryChurn(t *testing.T) {
	for _, mode := range []CrashMode{LoseUnsynced, LoseSome, Tear} {
		for seed := uint64(1); seed <= 30; seed++ {
			fs := newFS(t, Config{Crash: mode}, seed)
			r := fs.r.Split("test")
			dirs := []string{"a", "b", "a/c", "b/c", "a/c/d"}
			for step := 0; step < 200; step++ {
				d := dirs[r.Intn(len(dirs))]
				e := dirs[r.Intn(len(dirs))]
				switch r.Intn(8) {
				case 0:
					_ = fs.Mkdir(d)
				case 1:
					_ = fs.RemoveDir(d)
				case 2:
					_ = fs.Rename(d, e)
				case 3:
					if fs.IsDir(d) {
						put(t, fs, path.Join(d, fmt.Sprint("f", step%3)), "x", r.Intn(2) == 0)
					}
				case 4, 5:
					_ = fs.SyncDir(path.Dir(d))
				case 6:
					_ = fs.SyncDir(d)
				case 7:
					if r.Intn(4) == 0 {
						fs.Crash()
						if err := fs.CheckInvariants(); err != nil {
							t.Fatalf("%v seed %d step %d: %v", mode, seed, step, err)
						}
						// A crash is idempotent once nothing is pending.
						before := tree(t, fs)
						fs.Crash()
						if after := tree(t, fs); after != before {
							t.Fatalf("%v seed %d step %d: second crash changed %q to %q", mode, seed, step, before, after)
						}
					}
				}
			}
			if err := fs.CheckInvariants(); err != nil {
				t.Fatalf("%v seed %d: %v", mode, seed, err)
			}
		}
	}
}
