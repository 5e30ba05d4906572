package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/examples/reference"
)

// bin is the faultline binary built once for the tests that run it as a
// user would (TestMain).
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faultline-cmd-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "faultline")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building faultline: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// exe runs the built binary in dir and returns its exit code and output.
func exe(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return code, string(out)
}

const memKV = "memstore_kv_linearizable_under_pauses"

func TestRunJSONContract(t *testing.T) {
	code, out, errs := run(t, "run", "--seed", "7", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not one JSON object: %v: %q", err, out)
	}
	for _, k := range []string{"scenario", "seed", "verdict", "blame", "trace_hash", "events", "sim_ns"} {
		if _, ok := got[k]; !ok {
			t.Errorf("--json lacks %q", k)
		}
	}
	if got["scenario"] != reference.Default || got["seed"] != 7.0 || got["verdict"] != "PASS-hardening" {
		t.Errorf("got %v", got)
	}
	if _, ok := got["trace_hash"].(string); !ok {
		t.Errorf("trace_hash is not a string: %v", got["trace_hash"])
	}
	_, again, _ := run(t, "run", "--seed", "7", "--json")
	if strip(out) != strip(again) {
		t.Error("same seed, different output")
	}
	_, other, _ := run(t, "run", "--seed", "8", "--json")
	if strip(out) == strip(other) {
		t.Error("seeds 7 and 8 print the same output")
	}
}

// strip removes host time, the one field that may differ between runs.
func strip(s string) string {
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return s
	}
	delete(m, "host_ns")
	b, _ := json.Marshal(m)
	return string(b)
}

func TestRunExitCodes(t *testing.T) {
	if code, out, _ := run(t, "run", "--scenario", memKV+"@drop-writes", "--seed", "1"); code != exitFinding || !strings.Contains(out, "FAIL-reproducible") || !strings.Contains(out, "replay      faultline replay --scenario") {
		t.Errorf("known bug: exit %d\n%s", code, out)
	}
	if code, out, _ := run(t, "run", "--scenario", memKV, "--seed", "1"); code != exitOK || !strings.Contains(out, "PASS-hardening") {
		t.Errorf("correct system: exit %d\n%s", code, out)
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commands() {
		args := []string{c.name, "--help"}
		if c.name == "plan" {
			args = []string{"plan", "check", "--help"}
		}
		code, out, errs := run(t, args...)
		if code != exitOK || !strings.Contains(out+errs, "Usage:") {
			t.Errorf("%s --help: exit %d\n%s%s", c.name, code, out, errs)
		}
		if c.name != "worker" && !strings.Contains(out+errs, "Example") {
			t.Errorf("%s --help has no examples", c.name)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "Commands:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"; valid commands: bisect, check, diff, list, merge, plan, replay, report, run, shrink, sweep`},
		{[]string{"run", "--seed", "x"}, "invalid argument"},
		{[]string{"run", "--sed", "1"}, "unknown flag: --sed"},
		{[]string{"run", "./no-such-package"}, "building the test binary of ./no-such-package"},
		{[]string{"run", "--scenario", "nope"}, `unknown scenario "nope"; valid: `},
		{[]string{"run", "--plan", "/nonexistent/plan.md"}, "no such file"},
		{[]string{"run", "--trace", "/nonexistent-dir/x"}, "--trace"},
		{[]string{"sweep", "--seeds", "0"}, `invalid seeds "0"`},
		{[]string{"sweep", "--seeds", "9..3"}, "A is greater than B"},
		{[]string{"sweep", "--shard", "5/3"}, `invalid shard "5/3"`},
		{[]string{"replay", "--result", "/nonexistent.jsonl"}, "--result"},
		{[]string{"check", "--history", "h.jsonl"}, "--history, --model and --checker are required"},
		{[]string{"check", "--history", "h.jsonl", "--model", "kv", "--checker", "linearisable"}, `unknown checker "linearisable"; valid:`},
		{[]string{"check", "--history", "h.jsonl", "--model", "kvv", "--checker", "linearizable"}, `unknown model "kvv"`},
		{[]string{"check", "--history", "h.jsonl", "--model", "queue", "--checker", "linearizable"}, "does not judge model queue"},
		{[]string{"diff", "one"}, "want two trace files"},
		{[]string{"report"}, "name at least one results file"},
		{[]string{"report", "r.jsonl", "--tier", "gold"}, "gold"},
		{[]string{"plan"}, "valid: check"},
		{[]string{"plan", "check"}, "name at least one plan file"},
		{[]string{"merge"}, "name at least one results file"},
		{[]string{"bisect", "--seeds", "x"}, `invalid seeds "x"`},
	}
	for _, tt := range tests {
		code, out, errs := run(t, tt.args...)
		wantCode := exitUsage
		if len(tt.args) > 0 && tt.args[0] == "bisect" {
			wantCode = exitBisectAbort // 2 would mark the revision bad
		}
		if code != wantCode || !strings.Contains(out+errs, tt.want) {
			t.Errorf("%q: exit %d, output %q; want exit %d and %q", tt.args, code, out+errs, wantCode, tt.want)
		}
	}
}

func TestTraceFilesAndDiff(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	run(t, "run", "--scenario", memKV, "--seed", "3", "--trace", a)
	run(t, "run", "--scenario", memKV, "--seed", "3", "--trace", b)
	run(t, "run", "--scenario", memKV, "--seed", "4", "--trace", c)
	if code, out, _ := run(t, "diff", a, b); code != exitOK || !strings.Contains(out, "equal") {
		t.Errorf("same seed: exit %d %s", code, out)
	}
	code, out, _ := run(t, "diff", a, c, "--json")
	var d struct {
		Equal bool
		Diff  struct {
			Line     int
			A, B     string
			Producer string
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != exitFinding || d.Equal || d.Diff.Line < 2 || d.Diff.A == d.Diff.B {
		t.Errorf("different seeds: exit %d %s", code, out)
	}
}

func TestListJSON(t *testing.T) {
	code, out, _ := run(t, "list", "--json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	bugs := 0
	for _, l := range lines {
		var e listEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if e.Name == "" || e.System == "" || e.Model == "" || e.Checker == "" {
			t.Errorf("incomplete entry %s", l)
		}
		if e.KnownBug {
			bugs++
		}
	}
	if len(lines) != len(reference.Scenarios()) || bugs < 8 {
		t.Errorf("%d scenarios, %d known-bug variants", len(lines), bugs)
	}
}

func TestCheckAHistoryFromARun(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := run(t, "run", "--scenario", memKV+"@drop-writes", "--seed", "2", "--out", dir); code != exitFinding {
		t.Fatalf("exit %d %s %s", code, out, errs)
	}
	h := filepath.Join(dir, "history.jsonl")
	code, out, _ := run(t, "check", "--history", h, "--model", "kv", "--checker", "linearizable")
	if code != exitFinding || !strings.Contains(out, "outcome     anomaly") {
		t.Errorf("exit %d\n%s", code, out)
	}
	// A malformed history names its line.
	if err := os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte("{\"op_id\": 1}\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "check", "--history", filepath.Join(dir, "bad.jsonl"), "--model", "kv", "--checker", "linearizable")
	if code != exitUsage || !strings.Contains(out+errs, "bad.jsonl:1") {
		t.Errorf("malformed: exit %d %s%s", code, out, errs)
	}
}

func TestPlanCheck(t *testing.T) {
	dir := t.TempDir()
	good := "# Plan\n\n```faultline\nscenario: kv_under_pauses\nfalsifies: C1\nsystem: memstore\nmodel: kv\nchecker: linearizable\nnemesis:\n  kinds: pause\nrun:\n  time: 3s\nworkload:\n  timeout: 200ms\n```\n"
	bad := strings.Replace(good, "checker: linearizable", "checker: linearisable\nnemsis: x", 1)
	gp, bp := filepath.Join(dir, "good.md"), filepath.Join(dir, "bad.md")
	os.WriteFile(gp, []byte(good), 0o644)
	os.WriteFile(bp, []byte(bad), 0o644)
	if code, out, errs := run(t, "plan", "check", gp); code != exitOK || !strings.Contains(out, "good.md:3: ok: kv_under_pauses") {
		t.Errorf("good plan: exit %d %s%s", code, out, errs)
	}
	code, out, errs := run(t, "plan", "check", bp)
	if code != exitUsage || !strings.Contains(errs, "bad.md:8: unknown checker") || !strings.Contains(errs, `bad.md:9: unknown field "nemsis"`) {
		t.Errorf("bad plan: exit %d %s%s", code, out, errs)
	}
	if code, out, _ := run(t, "run", "--plan", gp, "--seed", "2"); code != exitOK || !strings.Contains(out, "kv_under_pauses") {
		t.Errorf("run --plan: exit %d %s", code, out)
	}
}

func TestBisectExitCodes(t *testing.T) {
	if code, out, _ := run(t, "bisect", "--scenario", memKV, "--seeds", "3"); code != exitOK || !strings.Contains(out, "good") {
		t.Errorf("good: exit %d %s", code, out)
	}
	if code, out, _ := run(t, "bisect", "--scenario", memKV+"@drop-writes", "--seeds", "3"); code != exitFinding || !strings.Contains(out, "bad") {
		t.Errorf("bad: exit %d %s", code, out)
	}
	dir := t.TempDir()
	weak := "```faultline\nscenario: weak\nbase: " + memKV + "\nhistory: op_id, process\n```\n"
	p := filepath.Join(dir, "weak.md")
	os.WriteFile(p, []byte(weak), 0o644)
	if code, out, errs := run(t, "bisect", "--plan", p, "--seed", "1"); code != exitSkip || !strings.Contains(out, "skip") {
		t.Errorf("skip: exit %d %s%s", code, out, errs)
	}
}

// TestTwoProcesses runs the built binary twice, with different
// GOMAXPROCS: the results must agree with each other and with this process.
func TestTwoProcesses(t *testing.T) {
	var outs []string
	for _, procs := range []string{"1", "2"} {
		cmd := exec.Command(bin, "run", "--seed", "12", "--json")
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("GOMAXPROCS=%s: %v", procs, err)
		}
		outs = append(outs, strip(string(out)))
	}
	_, here, _ := run(t, "run", "--seed", "12", "--json")
	if outs[0] != outs[1] || outs[0] != strip(here) {
		t.Errorf("outputs differ across processes:\n%s\n%s\n%s", outs[0], outs[1], strip(here))
	}
}
