package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestNewcomerPath is what a newcomer does, with the built binary: sweep
// the built-in scenario, sweep a seeded bug variant and find it, replay
// the finding, shrink it, replay the shrunk reproducer, and write the
// findings report.
func TestNewcomerPath(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary end to end")
	}
	dir := t.TempDir()
	// 1. The built-in reference scenario: clean.
	code, out := exe(t, dir, "sweep", "--seeds", "6", "--workers", "2", "--results", "clean.jsonl")
	if code != exitOK || !strings.Contains(out, "PASS-hardening") {
		t.Fatalf("clean sweep: exit %d\n%s", code, out)
	}
	// 2. A known bug: found, as a finding blamed on the SUT.
	bug := "reads_linearizable_under_partition@stale-read"
	code, out = exe(t, dir, "sweep", "--scenario", bug, "--seeds", "8", "--workers", "2", "--results", "bug.jsonl")
	if code != exitFinding || !strings.Contains(out, "finding     F1 "+bug) || !strings.Contains(out, "blame SUT") {
		t.Fatalf("bug sweep: exit %d\n%s", code, out)
	}
	failing := firstFailing(t, filepath.Join(dir, "bug.jsonl"))
	// 3. Replay it from its result line: same trace hash, same verdict.
	code, out = exe(t, dir, "replay", "--result", "bug.jsonl:"+failing, "--out", "f1")
	if code != exitFinding || !strings.Contains(out, "reproduced  yes") || !strings.Contains(out, "FAIL-reproducible") {
		t.Fatalf("replay: exit %d\n%s", code, out)
	}
	for _, f := range []string{"trace.txt", "history.jsonl", "result.json", "history.html", "trace.html"} {
		if st, err := os.Stat(filepath.Join(dir, "f1", f)); err != nil || st.Size() == 0 {
			t.Errorf("replay --out did not write %s: %v", f, err)
		}
	}
	// 4. Shrink it, and replay the shrunk reproducer on its own.
	seed := seedOf(t, filepath.Join(dir, "bug.jsonl"), failing)
	code, out = exe(t, dir, "shrink", "--scenario", bug, "--seed", seed, "--out", "shrunk")
	if code != exitFinding || !strings.Contains(out, "faults      ") || !strings.Contains(out, "reproducer  shrunk/shrunk.md") {
		t.Fatalf("shrink: exit %d\n%s", code, out)
	}
	code, out = exe(t, dir, "run", "--plan", "shrunk/shrunk.md", "--seed", seed)
	if code != exitFinding || !strings.Contains(out, "FAIL-reproducible") {
		t.Fatalf("shrunk reproducer: exit %d\n%s", code, out)
	}
	// 5. The findings report, Markdown and JSON.
	code, out = exe(t, dir, "report", "clean.jsonl", "bug.jsonl", "--md", "report.md", "--json-out", "report.json", "--pages", "pages")
	if code != exitFinding {
		t.Fatalf("report: exit %d\n%s", code, out)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for _, want := range []string{"# Findings report", "FAIL-reproducible", "faultline replay --scenario " + bug, "PASS-hardening", "history.html", "trace.html"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	var js map[string]any
	if b, _ := os.ReadFile(filepath.Join(dir, "report.json")); json.Unmarshal(b, &js) != nil {
		t.Error("report.json is not JSON")
	}
}

// TestSweepSameResultsWithOneAndTwoWorkers: the same seeds give the same
// result lines whatever the worker count and the order of completion.
func TestSweepSameResultsWithOneAndTwoWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary end to end")
	}
	dir := t.TempDir()
	for _, w := range []string{"1", "2"} {
		if code, out := exe(t, dir, "sweep", "--scenario", memKV, "--scenario", memKV+"@drop-writes", "--seeds", "5", "--workers", w, "--results", "w"+w+".jsonl"); code != exitFinding {
			t.Fatalf("%s workers: exit %d\n%s", w, code, out)
		}
	}
	a, b := sortedLines(t, filepath.Join(dir, "w1.jsonl")), sortedLines(t, filepath.Join(dir, "w2.jsonl"))
	if len(a) != 10 || strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("1 and 2 workers differ:\n%s\n---\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	// merge of the two is a no-op union; report reads it.
	if code, out := exe(t, dir, "merge", "w1.jsonl", "w2.jsonl", "--out", "m.jsonl"); code != exitFinding || !strings.Contains(out, "merged 10 results") {
		t.Errorf("merge: exit %d %s", code, out)
	}
}

func sortedLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		out = append(out, strip(sc.Text()))
	}
	sort.Strings(out)
	return out
}

// firstFailing returns the line number (as text) of the first FAIL line.
func firstFailing(t *testing.T, path string) string {
	t.Helper()
	for i, l := range rawLines(t, path) {
		if strings.Contains(l, `"verdict":"FAIL-reproducible"`) {
			return itoa(i + 1)
		}
	}
	t.Fatalf("%s has no failing seed", path)
	return ""
}

func seedOf(t *testing.T, path, line string) string {
	t.Helper()
	var r struct{ Seed uint64 }
	ls := rawLines(t, path)
	n := 0
	for _, c := range line {
		n = n*10 + int(c-'0')
	}
	if err := json.Unmarshal([]byte(ls[n-1]), &r); err != nil {
		t.Fatal(err)
	}
	return itoa(int(r.Seed))
}

func rawLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestUserPackage drives a user's package (examples/userpkg) the way a
// user would: list its scenarios, sweep them through its test binary, and
// replay the finding.
func TestUserPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a test binary")
	}
	pkg, err := filepath.Abs("../../examples/userpkg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	code, out := exe(t, dir, "list", pkg, "--json")
	if code != exitOK || !strings.Contains(out, `"name":"userstore_linearizable_under_pauses@forget"`) || !strings.Contains(out, `"known_bug":true`) {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	code, out = exe(t, dir, "sweep", pkg, "--seeds", "4", "--workers", "2", "--results", "u.jsonl")
	if code != exitFinding || !strings.Contains(out, "faultline replay "+pkg+" --scenario userstore_linearizable_under_pauses@forget") {
		t.Fatalf("sweep: exit %d\n%s", code, out)
	}
	line := firstFailing(t, filepath.Join(dir, "u.jsonl"))
	seed := seedOf(t, filepath.Join(dir, "u.jsonl"), line)
	var r struct {
		TraceHash string `json:"trace_hash"`
	}
	ls := rawLines(t, filepath.Join(dir, "u.jsonl"))
	n := 0
	for _, c := range line {
		n = n*10 + int(c-'0')
	}
	_ = json.Unmarshal([]byte(ls[n-1]), &r)
	code, out = exe(t, dir, "replay", pkg, "--scenario", "userstore_linearizable_under_pauses@forget", "--seed", seed, "--hash", r.TraceHash)
	if code != exitFinding || !strings.Contains(out, "reproduced  true") {
		t.Fatalf("replay: exit %d\n%s", code, out)
	}
}
