package guest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
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
