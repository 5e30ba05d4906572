package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
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

// TestUserPackage drives examples/userpkg the way its doc says: list
// its scenarios and run its known bug; the result line records the
// package, so replay --result needs nothing else.
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
	code, out = exe(t, dir, "run", pkg, "--scenario", "userstore_linearizable_under_pauses@forget", "--seed", "1", "--json")
	if code != exitFinding || !strings.Contains(out, `"package":"`+pkg+`"`) {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "r.json"), []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out = exe(t, dir, "replay", "--result", "r.json")
	if code != exitFinding || !strings.Contains(out, "reproduced  yes") {
		t.Fatalf("replay: exit %d\n%s", code, out)
	}
}

// TestPackagePrintedCommands drives a user's package with a known bug
// (testdata/lostwrite, outside examples/reference) through sweep, replay
// from a result line, shrink, the shrunk plan, the report with pages and
// bisect, running only the commands faultline printed: each is parsed
// from its output (or file) and run as pasted. The package's test binary
// is built by go's cache once and relinked per command.
func TestPackagePrintedCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package's test binary and runs the binary end to end")
	}
	pkg, err := filepath.Abs("testdata/lostwrite")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const bug = "lostwrite_reads_see_writes@lose"
	// The one command typed by hand.
	code, out := exe(t, dir, "sweep", pkg, "--scenario", "lostwrite_reads_see_writes", "--scenario", bug, "--seeds", "3", "--workers", "2", "--results", "r.jsonl")
	if code != exitFinding || !strings.Contains(out, "finding     F1 "+bug) {
		t.Fatalf("sweep: exit %d\n%s", code, out)
	}
	sweepOut := out
	// Replay from the result line the sweep names: the line alone says
	// which package.
	code, out = paste(t, dir, printed(t, sweepOut, "or: ", "faultline replay --result r.jsonl:"))
	if code != exitFinding || !strings.Contains(out, "reproduced  yes") || !strings.Contains(out, "FAIL-reproducible") {
		t.Fatalf("replay --result: exit %d\n%s", code, out)
	}
	replayOut := out
	// Replay's own replay line.
	code, out = paste(t, dir, printed(t, replayOut, "replay      ", "faultline replay "+pkg))
	if code != exitFinding || !strings.Contains(out, "FAIL-reproducible") {
		t.Fatalf("replay's replay: exit %d\n%s", code, out)
	}
	// The finding's seed replay: no recorded hash, nothing to compare.
	code, out = paste(t, dir, printed(t, sweepOut, "replay: ", "faultline replay "+pkg+" --scenario "+bug))
	if code != exitFinding || !strings.Contains(out, "reproduced  nothing to compare") {
		t.Fatalf("finding replay: exit %d\n%s", code, out)
	}
	// Shrink, from the command replay printed, then the shrunk plan from
	// both shrink's output and the plan's own Replay line.
	code, out = paste(t, dir, printed(t, replayOut, "shrink      ", "faultline shrink "+pkg))
	if code != exitFinding || !strings.Contains(out, "reproducer  shrunk/shrunk.md") {
		t.Fatalf("shrink: exit %d\n%s", code, out)
	}
	shrunkRun := printed(t, out, "replay      ", "faultline run "+pkg)
	md, err := os.ReadFile(filepath.Join(dir, "shrunk", "shrunk.md"))
	if err != nil {
		t.Fatal(err)
	}
	if got := printed(t, string(md), "Replay: `", "faultline run"); got != shrunkRun {
		t.Errorf("shrunk.md replays with %q, shrink printed %q", got, shrunkRun)
	}
	code, out = paste(t, dir, shrunkRun)
	if code != exitFinding || !strings.Contains(out, "FAIL-reproducible") || !strings.Contains(out, bug+"-shrunk") {
		t.Fatalf("shrunk plan: exit %d\n%s", code, out)
	}
	code, out = paste(t, dir, printed(t, out, "replay      ", "faultline replay "+pkg))
	if code != exitFinding || !strings.Contains(out, bug+"-shrunk") {
		t.Fatalf("shrunk replay: exit %d\n%s", code, out)
	}
	// The shrunk plan checks and lists with the package's systems.
	if code, out = exe(t, dir, "plan", "check", pkg, "shrunk/shrunk.md"); code != exitOK || !strings.Contains(out, "ok: "+bug+"-shrunk") {
		t.Errorf("plan check: exit %d\n%s", code, out)
	}
	// The report with pages, as the sweep printed it, and the replay
	// command the report shows for the finding.
	code, out = paste(t, dir, printed(t, sweepOut, "(", "faultline report r.jsonl"))
	if code != exitFinding {
		t.Fatalf("report: exit %d\n%s", code, out)
	}
	report, err := os.ReadFile(filepath.Join(dir, "r.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "r-pages/"+bug+"-") || !strings.Contains(string(report), "history.html") {
		t.Errorf("r.md does not link the finding's pages:\n%s", report)
	}
	code, out = paste(t, dir, printed(t, string(report), "**Replay:** `", "faultline replay "+pkg))
	if code != exitFinding || !strings.Contains(out, "FAIL-reproducible") {
		t.Fatalf("report's replay: exit %d\n%s", code, out)
	}
	// Bisect, as replay printed it for git bisect run.
	code, out = paste(t, dir, printed(t, replayOut, "bisect      git bisect run ", "faultline bisect "+pkg))
	if code != exitFinding || !strings.Contains(out, "bad: seed") {
		t.Fatalf("bisect: exit %d\n%s", code, out)
	}
	// A system that ends its process: run and bisect blame it, as a
	// sweep would (the seed reruns in a fresh worker).
	code, out = exe(t, dir, "run", pkg, "--scenario", "lostwrite_reads_see_writes@exit", "--seed", "1")
	if code != exitFinding || !strings.Contains(out, "FAIL-reproducible") || !strings.Contains(out, "exited with status 7") || strings.Contains(out, "shrink      ") {
		t.Fatalf("a worker death: exit %d\n%s", code, out)
	}
	// faultlinetest's failure names the package by import path: pasted
	// from inside the module.
	gt := exec.Command("go", "test", "-run", "TestLoseFails", "-args", "-faultline.seeds=3")
	gt.Dir = "testdata/lostwrite"
	gtOut, _ := gt.CombinedOutput()
	code, out = paste(t, ".", printed(t, string(gtOut), "replay: ", "faultline replay github.com/faultline-dst/faultline/cmd/faultline/testdata/lostwrite --scenario "+bug))
	if code != exitFinding || !strings.Contains(out, "FAIL-reproducible") {
		t.Fatalf("faultlinetest's replay: exit %d\n%s", code, out)
	}
}

// printed returns the command on the first line of out that holds
// after+prefix: from prefix to the end of the line, without a closing
// backquote or parenthesis.
func printed(t *testing.T, out, after, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		i := strings.Index(l, after+prefix)
		if i < 0 {
			continue
		}
		cmd := l[i+len(after):]
		if j := strings.IndexAny(cmd, "`)"); j >= 0 {
			cmd = cmd[:j]
		}
		return strings.TrimSpace(cmd)
	}
	t.Fatalf("no printed command %q after %q in:\n%s", prefix, after, out)
	return ""
}

// paste runs a printed faultline command line in dir, as a shell would
// split it (single quotes only: the quoting faultline prints).
func paste(t *testing.T, dir, line string) (int, string) {
	t.Helper()
	var args []string
	var cur strings.Builder
	quoted, inArg := false, false
	for _, c := range line {
		switch {
		case c == '\'':
			quoted, inArg = !quoted, true
		case c == ' ' && !quoted:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	if len(args) < 2 || args[0] != "faultline" {
		t.Fatalf("not a faultline command: %q", line)
	}
	return exe(t, dir, args[1:]...)
}

// TestStuckCallbackThroughTheCommand: a user's node whose write never
// returns (lostwrite's spin: `for {}`; block: a receive nobody sends
// to) is abandoned after --stuck-after, blamed on the SUT from its stack
// with the stuck frame shown, by run and by sweep, and the commands end.
func TestStuckCallbackThroughTheCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package's test binary and runs the binary end to end")
	}
	pkg, err := filepath.Abs("testdata/lostwrite")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const frame = "github.com/faultline-dst/faultline/cmd/faultline/testdata/lostwrite."
	for _, bug := range []string{"spin", "block"} {
		start := time.Now()
		code, out := exe(t, dir, "run", pkg, "--scenario", "lostwrite_reads_see_writes@"+bug, "--seed", "1", "--stuck-after", "300ms")
		if code != exitFinding || !strings.Contains(out, "verdict     FAIL-reproducible") || !strings.Contains(out, "blame       SUT") ||
			!strings.Contains(out, "stuck       r1 receive from ") || !strings.Contains(out, "  at        "+frame+"(*Register).Receive (") ||
			!strings.Contains(out, "(stuck frame "+frame) || !strings.Contains(out, " is code of the system under test)") || strings.Contains(out, "shrink      ") {
			t.Errorf("run @%s: exit %d\n%s", bug, code, out)
		}
		if took := time.Since(start); took > time.Minute {
			t.Errorf("run @%s took %v with a 300ms limit", bug, took)
		}
	}
	code, out := exe(t, dir, "sweep", pkg, "--scenario", "lostwrite_reads_see_writes@spin", "--seeds", "3", "--workers", "1", "--stuck-after", "300ms", "--results", "stuck.jsonl")
	if code != exitFinding || !strings.Contains(out, "stuck:"+frame+"(*Register).Receive, blame SUT, 3 seeds") || !strings.Contains(out, "0 worker deaths") || strings.Contains(out, "shrink: ") {
		t.Errorf("sweep: exit %d\n%s", code, out)
	}
}
