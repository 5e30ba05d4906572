//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exeIO runs the built binary in dir with a host-time limit (a command that
// hangs fails the test instead of hanging it) and returns its exit code,
// stdout and stderr apart.
func exeIO(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%q hung (killed after 2 minutes)\nstdout: %s\nstderr: %s", args, out.String(), errb.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// hostileDir is a directory with every kind of file the hostile cases
// name: results (good, torn, corrupt with binary bytes, empty), traces
// (two good ones), garbage, a directory and a named pipe.
func hostileDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, errs := exeIO(t, dir, "sweep", "--scenario", memKV, "--seeds", "3", "--workers", "1", "--results", "good.jsonl"); code != exitOK {
		t.Fatalf("sweep: exit %d: %s", code, errs)
	}
	good, err := os.ReadFile(filepath.Join(dir, "good.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(good), "\n"), "\n")
	files := map[string]string{
		"torn.jsonl":    lines[0] + lines[1] + lines[2][:len(lines[2])/2],
		"corrupt.jsonl": lines[0] + "\x00\x01\x1b[31mgarbage\xff\n" + lines[1],
		"empty.jsonl":   "",
		"garbage":       "\x00\x01\x02 not a trace\n\xff\xfe\n",
		"plan.md":       "# plan\n",
		"a-file":        "x",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, seed := range []string{"1", "2"} {
		if code, _, errs := exeIO(t, dir, "run", "--scenario", memKV, "--seed", seed, "--trace", seed+".trace"); code != exitOK {
			t.Fatalf("run: exit %d: %s", code, errs)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestHostileInput runs the built binary on the inputs a hostile user
// would give it: files that are not what they seem, torn and corrupt
// lines, out-of-range flags. Each must exit with its documented code and a
// message that names the problem, without hanging, without a stack trace
// and without echoing binary bytes.
func TestHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary end to end")
	}
	dir := hostileDir(t)
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stderr (or stdout for help and JSON)
	}{
		// Files that are not what they seem.
		{"sweep results dir", []string{"sweep", "--scenario", memKV, "--seeds", "1", "--results", "adir"}, exitUsage, []string{"adir is a directory", "regular file"}},
		{"sweep results fifo", []string{"sweep", "--scenario", memKV, "--seeds", "1", "--results", "fifo"}, exitUsage, []string{"named pipe"}},
		{"sweep results /dev/full", []string{"sweep", "--scenario", memKV, "--seeds", "1", "--results", "/dev/full"}, exitUsage, []string{"/dev/full is a character device"}},
		{"sweep results /dev/stdout", []string{"sweep", "--scenario", memKV, "--seeds", "1", "--results", "/dev/stdout"}, exitUsage, []string{"not a regular file"}},
		{"replay result dir", []string{"replay", "--result", "adir"}, exitUsage, []string{"adir is a directory"}},
		{"replay result fifo", []string{"replay", "--result", "fifo"}, exitUsage, []string{"named pipe"}},
		{"report dir", []string{"report", "adir"}, exitUsage, []string{"adir is a directory"}},
		{"report /dev/zero", []string{"report", "/dev/zero"}, exitUsage, []string{"character device"}},
		{"merge fifo", []string{"merge", "fifo"}, exitUsage, []string{"named pipe"}},
		{"run plan fifo", []string{"run", "--plan", "fifo"}, exitUsage, []string{"named pipe"}},
		{"check history /dev/zero", []string{"check", "--history", "/dev/zero", "--model", "kv", "--checker", "linearizable"}, exitUsage, []string{"character device"}},
		{"diff trace dir", []string{"diff", "1.trace", "adir"}, exitUsage, []string{"adir is a directory"}},
		{"diff garbage garbage", []string{"diff", "garbage", "garbage"}, exitUsage, []string{"garbage:1: not a faultline trace", `"\x00\x01\x02 not a trace"`}},
		{"diff trace results", []string{"diff", "1.trace", "good.jsonl"}, exitUsage, []string{"good.jsonl:1: not a faultline trace"}},
		{"diff traces", []string{"diff", "1.trace", "2.trace"}, exitFinding, nil},
		{"diff equal", []string{"diff", "1.trace", "1.trace"}, exitOK, nil},
		// Outputs that cannot be written where named.
		{"report md dir", []string{"report", "good.jsonl", "--md", "adir"}, exitUsage, []string{"--md adir is a directory"}},
		{"merge out dir", []string{"merge", "good.jsonl", "--out", "adir"}, exitUsage, []string{"--out adir is a directory"}},
		{"shrink out file", []string{"shrink", "--scenario", memKV + "@drop-writes", "--out", "a-file"}, exitUsage, []string{"--out a-file is a regular file, not a directory"}},
		// Torn, corrupt and empty results files.
		{"merge torn", []string{"merge", "torn.jsonl"}, exitUsage, []string{"torn.jsonl:3: torn last line", "--resume"}},
		{"report torn", []string{"report", "torn.jsonl"}, exitUsage, []string{"torn.jsonl:3: torn last line", "--resume"}},
		{"merge corrupt", []string{"merge", "corrupt.jsonl"}, exitUsage, []string{"corrupt.jsonl:2: not a result line", `"\x00\x01\x1b[31mgarbage\xff"`}},
		{"sweep resume corrupt", []string{"sweep", "--scenario", memKV, "--seeds", "3", "--results", "corrupt.jsonl", "--resume"}, exitUsage, []string{"corrupt.jsonl:2: not a result line"}},
		{"merge empty", []string{"merge", "empty.jsonl"}, exitUsage, []string{"empty.jsonl holds no results"}},
		{"merge good", []string{"merge", "good.jsonl"}, exitOK, nil},
		// Flags out of range, named with the valid range.
		{"workers 0", []string{"sweep", "--workers", "0"}, exitUsage, []string{"--workers 0: want 1 to 1024"}},
		{"workers -1", []string{"sweep", "--workers", "-1"}, exitUsage, []string{"--workers -1: want 1 to 1024"}},
		{"job timeout 0", []string{"sweep", "--job-timeout", "0"}, exitUsage, []string{"--job-timeout 0s: want a duration above zero"}},
		{"job timeout -1s", []string{"sweep", "--job-timeout", "-1s"}, exitUsage, []string{"--job-timeout -1s: want a duration above zero"}},
		{"max runs -5", []string{"shrink", "--max-runs", "-5"}, exitUsage, []string{"--max-runs -5: want 1 to 100000"}},
		{"hash zz", []string{"replay", "--hash", "zz"}, exitUsage, []string{`--hash "zz": want a trace hash, 16 lowercase hexadecimal digits`}},
		{"result line 0", []string{"replay", "--result", "good.jsonl:0"}, exitUsage, []string{"line 0; lines count from 1"}},
		{"result past the end", []string{"replay", "--result", "good.jsonl:9"}, exitUsage, []string{"good.jsonl has no line 9 (it has 3)"}},
		{"run scenario empty", []string{"run", "--scenario", ""}, exitUsage, []string{`--scenario "": empty`}},
		{"sweep scenario empty", []string{"sweep", "--scenario", ""}, exitUsage, []string{`--scenario "": empty`}},
		{"replay result and scenario", []string{"replay", "--result", "good.jsonl", "--scenario", memKV}, exitUsage, []string{"--result and --scenario do not go together"}},
		{"seeds overflow", []string{"sweep", "--seeds", "99999999999999999999"}, exitUsage, []string{"out of range"}},
		{"seeds range overflow", []string{"sweep", "--seeds", "1..99999999999999999999"}, exitUsage, []string{"out of range: seeds are at most 18446744073709551615"}},
		{"shard zero", []string{"sweep", "--shard", "0"}, exitUsage, []string{`invalid shard "0"`}},
		{"shard index", []string{"sweep", "--shard", "3/3"}, exitUsage, []string{"from 0 to 2"}},
		{"drift bound", []string{"check", "--drift-bound", "-1"}, exitUsage, []string{"--drift-bound -1: want a rate"}},
		// bisect: a usage error aborts git bisect run (128), never "bad".
		{"bisect bad flag", []string{"bisect", "--sed", "1"}, exitBisectAbort, []string{"unknown flag"}},
		{"bisect seeds x", []string{"bisect", "--seeds", "x"}, exitBisectAbort, []string{`invalid seeds "x"`}},
		{"bisect unknown scenario", []string{"bisect", "--scenario", "nope"}, exitBisectAbort, []string{`unknown scenario "nope"`}},
		{"bisect seed and seeds", []string{"bisect", "--seed", "1", "--seeds", "3"}, exitBisectAbort, []string{"--seed and --seeds do not go together"}},
		{"bisect min conclusive", []string{"bisect", "--min-conclusive", "0"}, exitBisectAbort, []string{"--min-conclusive 0: want a share"}},
		{"bisect good", []string{"bisect", "--scenario", memKV, "--seeds", "3"}, exitOK, nil},
		{"bisect bad", []string{"bisect", "--scenario", memKV + "@drop-writes", "--seeds", "3"}, exitFinding, nil},
		// Habits.
		{"version", []string{"--version"}, exitOK, []string{"faultline ", "module    github.com/faultline-dst/faultline", "go        go1."}},
		{"help sweep", []string{"help", "sweep"}, exitOK, []string{"Usage:\n  faultline sweep"}},
		{"sweep --help", []string{"sweep", "--help"}, exitOK, []string{"Usage:\n  faultline sweep"}},
		{"help unknown", []string{"help", "frobnicate"}, exitUsage, []string{`unknown command "frobnicate"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := exeIO(t, dir, tt.args...)
			text := errs
			if code == exitOK && errs == "" {
				text = out // help and --version go to stdout
			}
			if code != tt.code {
				t.Fatalf("%q: exit %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q: output lacks %q:\n%s", tt.args, w, text)
				}
			}
			if strings.Contains(errs, "goroutine ") || strings.Contains(errs, "panic:") {
				t.Errorf("%q: a stack trace:\n%s", tt.args, errs)
			}
			for _, b := range []byte(out + errs) {
				if b < 0x20 && b != '\n' && b != '\t' || b == 0x7f || b == 0xff {
					t.Errorf("%q: raw control byte %#x in the output", tt.args, b)
					break
				}
			}
		})
	}
	// help CMD prints exactly CMD --help, on stdout.
	_, a, errA := exeIO(t, dir, "help", "merge")
	_, b, errB := exeIO(t, dir, "merge", "--help")
	if a != b || a == "" || errA != "" || errB != "" {
		t.Errorf("help merge and merge --help differ, or write to stderr:\n%s\n---\n%s\nstderr: %q %q", a, b, errA, errB)
	}
}

// TestConcurrentSweepsAndSignals: a second sweep on a results file in use
// exits 2 naming the holder, leaving the file alone; SIGTERM and SIGINT
// stop a sweep promptly with every recorded line whole, and --resume then
// repairs a torn last line and finishes with no seed lost or doubled.
func TestConcurrentSweepsAndSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary end to end")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			results := filepath.Join(dir, "r.jsonl")
			first := exec.Command(bin, "sweep", "--scenario", memKV, "--seeds", "100000", "--workers", "1", "--results", results)
			var errb bytes.Buffer
			first.Stderr = &errb
			if err := first.Start(); err != nil {
				t.Fatal(err)
			}
			defer first.Process.Kill()
			waitForLines(t, results, 3)
			for _, resume := range []bool{false, true} {
				args := []string{"sweep", "--scenario", memKV, "--seeds", "100000", "--workers", "1", "--results", "r.jsonl"}
				if resume {
					args = append(args, "--resume")
				}
				code, _, errs := exeIO(t, dir, args...)
				want := fmt.Sprintf("in use by another sweep (locked by pid %d: %s sweep", first.Process.Pid, bin)
				if code != exitUsage || !strings.Contains(errs, want) {
					t.Errorf("second sweep (resume %v): exit %d, want 2 and %q:\n%s", resume, code, want, errs)
				}
			}
			if err := first.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- first.Wait() }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("the sweep did not stop within 30s of %v", sig)
			}
			if code := first.ProcessState.ExitCode(); code != exitInconclusive || !strings.Contains(errb.String(), "stopped by a signal") || !strings.Contains(errb.String(), "--resume") {
				t.Fatalf("after %v: exit %d, want 3 and a resume hint:\n%s", sig, code, errb.String())
			}
			// Every line whole: merge accepts the file; no seed twice.
			if code, _, errs := exeIO(t, dir, "merge", "r.jsonl", "--out", "m.jsonl"); code == exitUsage || errs != "" {
				t.Fatalf("merge after %v: exit %d: %s", sig, code, errs)
			}
			before := seedsIn(t, results)
			// Tear the last line as a kill mid-write would; --resume repairs
			// it and finishes a smaller sweep over the same seeds.
			data, _ := os.ReadFile(results)
			if err := os.WriteFile(results, append(data, `{"scenario":"`+memKV+`","seed":`...), 0o644); err != nil {
				t.Fatal(err)
			}
			n := len(before) + 5
			code, out, errs := exeIO(t, dir, "sweep", "--scenario", memKV, "--seeds", fmt.Sprint(n), "--workers", "2", "--results", "r.jsonl", "--resume")
			if code != exitOK && code != exitInconclusive {
				t.Fatalf("resume: exit %d\n%s%s", code, out, errs)
			}
			after := seedsIn(t, results)
			if len(after) != n {
				t.Errorf("after resume: %d distinct seeds recorded, want %d", len(after), n)
			}
		})
	}
}

// waitForLines waits until path holds at least n complete lines.
func waitForLines(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && bytes.Count(b, []byte("\n")) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not reach %d lines", path, n)
}

// seedsIn returns the seeds of a results file, failing on a seed recorded
// twice.
func seedsIn(t *testing.T, path string) map[uint64]bool {
	t.Helper()
	seen := map[uint64]bool{}
	for i, l := range rawLines(t, path) {
		var r struct{ Seed uint64 }
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		if seen[r.Seed] {
			t.Errorf("%s:%d: seed %d recorded twice", path, i+1, r.Seed)
		}
		seen[r.Seed] = true
	}
	return seen
}

// snakeKey is what every key of every --json output looks like.
var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestJSONOutputsAreJSONOnly: every command's --json output is JSON only
// (one value, or one per line), and every object key is snake_case (maps
// keyed by data, such as verdict counts, excepted).
func TestJSONOutputsAreJSONOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary end to end")
	}
	dir := hostileDir(t)
	bug := memKV + "@drop-writes"
	if code, _, errs := exeIO(t, dir, "sweep", "--scenario", bug, "--seeds", "2", "--workers", "1", "--results", "bug.jsonl"); code != exitFinding {
		t.Fatalf("sweep: exit %d: %s", code, errs)
	}
	if code, _, errs := exeIO(t, dir, "run", "--scenario", memKV, "--seed", "1", "--out", "art"); code != exitOK {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.md"), []byte(planWithBlock), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := [][]string{
		{"run", "--scenario", memKV, "--seed", "1", "--json"},
		{"replay", "--result", "bug.jsonl:1", "--json"},
		{"sweep", "--scenario", memKV, "--seeds", "2", "--workers", "1", "--results", "s.jsonl", "--json"},
		{"merge", "good.jsonl", "bug.jsonl", "--out", "m.jsonl", "--json"},
		{"report", "good.jsonl", "--json"},
		{"bisect", "--scenario", memKV, "--seeds", "2", "--json"},
		{"bisect", "--scenario", bug, "--seeds", "2", "--json"},
		{"diff", "1.trace", "2.trace", "--json"},
		{"diff", "1.trace", "1.trace", "--json"},
		{"check", "--history", "art/history.jsonl", "--model", "kv", "--checker", "linearizable", "--json"},
		{"list", "--json"},
		{"plan", "check", "plan.md", "--json"},
		{"shrink", "--scenario", bug, "--seed", "1", "--max-runs", "20", "--out", "sh", "--json"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			code, out, errs := exeIO(t, dir, args...)
			if code == exitUsage || out == "" {
				t.Fatalf("%q: exit %d, stdout %q\n%s", args, code, out, errs)
			}
			dec := json.NewDecoder(strings.NewReader(out))
			for {
				var v any
				err := dec.Decode(&v)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%q: stdout is not JSON only: %v\n%s", args, err, out)
				}
				checkKeys(t, args, "", v)
			}
		})
	}
}

// dataKeyed are the JSON objects whose keys are data, not field names.
var dataKeyed = regexp.MustCompile(`(^|\.)(verdicts|by_verdict|counts|per_verdict|input|output|args|settings)$`)

func checkKeys(t *testing.T, args []string, path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !dataKeyed.MatchString(path) && !snakeKey.MatchString(k) {
				t.Errorf("%q: key %q at %s is not snake_case", args, k, path)
			}
			checkKeys(t, args, path+"."+k, e)
		}
	case []any:
		for _, e := range x {
			checkKeys(t, args, path, e)
		}
	}
}

const planWithBlock = "# Plan\n\n```faultline\nscenario: kv_under_pauses\nfalsifies: C1\nsystem: memstore\nmodel: kv\nchecker: linearizable\nnemesis:\n  kinds: pause\nrun:\n  time: 3s\nworkload:\n  timeout: 200ms\n```\n"

// TestSignalsStopEveryCommand: a long-running command of any kind stops
// within seconds of SIGTERM or SIGINT.
func TestSignalsStopEveryCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary end to end")
	}
	long := [][]string{
		{"bisect", "--scenario", memKV, "--seeds", "100000"},
		{"shrink", "--scenario", "reads_linearizable_under_partition@stale-read", "--seed", "2", "--max-runs", "100000", "--out", "sh"},
		{"sweep", "--scenario", memKV, "--seeds", "100000", "--workers", "2", "--results", "r.jsonl"},
	}
	for _, args := range long {
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
			t.Run(args[0]+"/"+sig.String(), func(t *testing.T) {
				cmd := exec.Command(bin, args...)
				cmd.Dir = t.TempDir()
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				defer cmd.Process.Kill()
				time.Sleep(700 * time.Millisecond)
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					t.Fatalf("%q did not stop within 20s of %v", args, sig)
				}
				if cmd.ProcessState.Success() {
					t.Errorf("%q exited 0 after %v, as if it had finished", args, sig)
				}
			})
		}
	}
}
