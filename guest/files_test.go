package guest

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/sim"
)

func crashWorld(t *testing.T, m *Module, args []string, crashAt, restartAt, end time.Duration) (sim.Result, string) {
	t.Helper()
	var tr bytes.Buffer
	w, err := sim.New(sim.Config{
		Seed:    1,
		Nodes:   []sim.NodeSpec{{Name: "g1", Factory: m.Factory(Config{Args: args})}},
		MaxTime: end,
		Trace:   &tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if crashAt > 0 {
		w.At(clock.Time(crashAt), "crash g1", func(w *sim.World) { _ = w.Crash("g1") })
		w.At(clock.Time(restartAt), "restart g1", func(w *sim.World) { _ = w.Restart("g1") })
	}
	res, err := w.Run()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, tr.String())
	}
	return res, tr.String()
}

// TestWALOnDisk: os.File appends, Sync and directory sync land on the
// node's disk with its crash rules: what was synced (data and the file's
// name) survives a crash, what was not is lost.
func TestWALOnDisk(t *testing.T) {
	m := testModule(t, Compiler)
	for _, tc := range []struct {
		name string
		args []string
		want string // the restarted instance's first line
	}{
		// 0..49 written by 495ms, each synced, the name synced once.
		{"file and dir synced", []string{"wal", "sync", "dirsync"}, "recovered 50 records; err: <nil>"},
		// data synced but the new name never was: the file is gone.
		{"name not synced", []string{"wal", "sync", "nodirsync"}, "recovered 0 records; err: open /data/wal.log: No such file or directory"},
		// the name synced, the data never: an empty file.
		{"data not synced", []string{"wal", "nosync", "dirsync"}, "recovered 0 records; err: <nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, trace := crashWorld(t, m, tc.args, 500*time.Millisecond, 600*time.Millisecond, 700*time.Millisecond)
			out := strings.Split(stdout(trace), "\n")
			var second string
			for i, l := range out {
				if i > 0 && strings.HasPrefix(l, "recovered") {
					second = l
				}
			}
			if !strings.HasPrefix(out[0], "recovered 0 records") {
				t.Fatalf("first boot: %q", out[0])
			}
			if second != tc.want {
				t.Fatalf("after the crash: %q, want %q\n%s", second, tc.want, trace)
			}
		})
	}
}

// TestSnapshotRename: write, sync, rename and directory sync, Stat,
// ReadDir and a missing file's error, across two restarts.
func TestSnapshotRename(t *testing.T) {
	m := testModule(t, Compiler)
	var tr bytes.Buffer
	w, err := sim.New(sim.Config{
		Seed:  1,
		Nodes: []sim.NodeSpec{{Name: "g1", Factory: m.Factory(Config{Args: []string{"snapshot"}})}},
		Trace: &tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{100, 300} {
		w.At(clock.Time(at*time.Millisecond), "crash", func(w *sim.World) { _ = w.Crash("g1") })
		w.At(clock.Time((at+50)*time.Millisecond), "restart", func(w *sim.World) { _ = w.Restart("g1") })
	}
	if _, err := w.RunUntil(clock.Time(500 * time.Millisecond)); err != nil {
		t.Fatalf("run: %v\n%s", err, tr.String())
	}
	got := stdout(tr.String())
	want := "found 0 err: true\nsize 1 mode true\ndirsync: <nil>\nls /data: snap <nil>\nmissing: true\n" +
		"found 1 err: false\nsize 1 mode true\ndirsync: <nil>\nls /data: snap <nil>\nmissing: true\n" +
		"found 2 err: false\nsize 1 mode true\ndirsync: <nil>\nls /data: snap <nil>\nmissing: true\n"
	if got != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s\ntrace:\n%s", got, want, tr.String())
	}
}

// TestDiskFaultsReachGuest: the disk faults the nemesis injects on a
// node's disk reach a guest's os.File calls as the errors a native node
// gets from the disk package, EIO and ENOSPC: a write error, a failed
// fsync (which drops the unsynced data), a full disk, a read error; each
// counts as the fault's landing evidence, and calls succeed again once
// it is cleared.
func TestDiskFaultsReachGuest(t *testing.T) {
	m := testModule(t, Compiler)
	var tr bytes.Buffer
	w, err := sim.New(sim.Config{
		Seed:    1,
		Nodes:   []sim.NodeSpec{{Name: "g1", Factory: m.Factory(Config{Args: []string{"diskfaults"}})}},
		MaxTime: 2 * time.Second,
		Trace:   &tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	faults := []struct {
		id       string
		f        disk.Fault
		from, to time.Duration
		want     string // in the lines printed while it is active
	}{
		{"w", disk.Fault{Kind: disk.WriteError, P: 1}, 250 * time.Millisecond, 450 * time.Millisecond, "write=EIO sync=ok read=ok"},
		{"s", disk.Fault{Kind: disk.SyncFail, P: 1}, 650 * time.Millisecond, 850 * time.Millisecond, "write=ok sync=EIO read=ok"},
		{"n", disk.Fault{Kind: disk.NoSpace, P: 1}, 1050 * time.Millisecond, 1250 * time.Millisecond, "write=ENOSPC sync=ok read=ok"},
		{"r", disk.Fault{Kind: disk.ReadError, P: 1}, 1450 * time.Millisecond, 1650 * time.Millisecond, "write=ok sync=ok read=EIO"},
	}
	for _, f := range faults {
		w.At(clock.Time(f.from), "inject "+f.id, func(w *sim.World) {
			if err := w.Disk("g1").Inject(f.id, f.f); err != nil {
				t.Error(err)
			}
		})
		w.At(clock.Time(f.to), "clear "+f.id, func(w *sim.World) { _ = w.Disk("g1").Clear(f.id) })
	}
	if _, err := w.Run(); err != nil {
		t.Fatalf("run: %v\n%s", err, tr.String())
	}
	out := stdout(tr.String())
	t.Log(out)
	active := func(ns time.Duration) string {
		for _, f := range faults {
			if ns >= f.from && ns < f.to {
				return f.want
			}
		}
		return "write=ok sync=ok read=ok"
	}
	seen := map[string]int{}
	for _, l := range strings.Split(tr.String(), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 8 || f[2] != "log" || !strings.Contains(f[7], "stdout: ") || !strings.Contains(f[7], "write=") {
			continue
		}
		ns, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		want := active(time.Duration(ns))
		if !strings.Contains(f[7], want) {
			t.Errorf("at %v the guest saw %s; want %s", time.Duration(ns), f[7], want)
		}
		seen[want]++
	}
	for _, f := range faults {
		if seen[f.want] == 0 {
			t.Errorf("no call ran while fault %s (%v) was active", f.id, f.f.Kind)
		}
	}
	fired := map[string]int64{}
	for _, c := range w.Disk("g1").Counters().Faults {
		fired[c.ID] = c.Fired
	}
	for _, f := range faults {
		if fired[f.id] == 0 {
			t.Errorf("fault %s (%v) has no landing evidence: %v", f.id, f.f.Kind, fired)
		}
	}
}

// TestDirectoriesOnDisk: os.Mkdir, os.Remove of a directory and os.Rename
// of a directory are name operations on the node's disk, durable only once
// the parent directory is synced: a crash before that brings back the
// removed directory and the old name and loses the empty new one.
func TestDirectoriesOnDisk(t *testing.T) {
	m := testModule(t, Compiler)
	before := "now: /empty/ /snap/ /snap/f=x"
	for _, tc := range []struct {
		name, arg, want string
	}{
		{"parent not synced", "nodirsync", "found: /gone/ /tmp/ /tmp/f=x"},
		{"parent synced", "dirsync", "found: /empty/ /snap/ /snap/f=x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, trace := crashWorld(t, m, []string{"dirs", tc.arg}, 100*time.Millisecond, 150*time.Millisecond, 200*time.Millisecond)
			got := stdout(trace)
			want := "found: \nmkdir again exists: true\nrmdir non-empty fails: true\n" + before + "\n" + tc.want + "\n"
			if got != want {
				t.Fatalf("stdout:\n%s\nwant:\n%s\ntrace:\n%s", got, want, trace)
			}
		})
	}
}
