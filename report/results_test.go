package report

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/scenario"
)

func line(t *testing.T, r scenario.Result) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadResults(t *testing.T) {
	a := res("s", []string{"C1"}, 1, scenario.PassHardening)
	b := res("s", []string{"C1"}, 2, scenario.PassHardening)
	got, err := ReadResults(strings.NewReader(line(t, a)+"\n\n"+line(t, b)), "r.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Seed != 1 || got[1].Seed != 2 || got[1].Checker.Recorded != 100 || len(got[0].Schedule) != 1 {
		t.Fatalf("read %+v", got)
	}
	good := line(t, a)
	tests := []struct {
		name, file, want string
	}{
		{"bad json", good + "\n{\"scenario\": \n", "r.jsonl:2: not a result"},
		{"after a blank line", good + "\n\n   \nnot json\n", "r.jsonl:4: not a result"},
		{"unknown field", `{"scenario":"s","verdict":"PASS-smoke","blame":"","bogus":1}`, `r.jsonl:1: not a result: json: unknown field "bogus"`},
		{"trailing data", good + " {}", "r.jsonl:1: trailing data"},
		{"two on a line", good + good, "r.jsonl:1: trailing data"},
		{"no scenario", `{"seed":1,"verdict":"PASS-smoke"}`, "r.jsonl:1: result without a scenario"},
		{"unknown verdict", `{"scenario":"s","verdict":"PASS"}`, `r.jsonl:1: unknown verdict "PASS"`},
		{"unknown blame", `{"scenario":"s","verdict":"FAIL-reproducible","blame":"moon"}`, `r.jsonl:1: unknown blame "moon"`},
		{"bad schedule", good + "\n" + strings.Replace(good, `"start":"2s"`, `"start":"soon"`, 1), "r.jsonl:2: not a result"},
		{"truncated last line", good + "\n" + good[:len(good)/2], "r.jsonl:2: not a result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadResults(strings.NewReader(tt.file), "r.jsonl")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want prefix %q", err, tt.want)
			}
		})
	}
	if rs, err := ReadResults(strings.NewReader(""), "empty"); err != nil || len(rs) != 0 {
		t.Errorf("empty file: %v %v", rs, err)
	}
}

func TestMerge(t *testing.T) {
	s1 := res("s", nil, 1, scenario.PassHardening)
	s2 := res("s", nil, 2, scenario.PassHardening)
	t1 := res("t", nil, 1, scenario.PassSmoke, smoke)
	// The same run written by a resumed sweep: other host time and
	// artifact paths, the same result.
	again := s2
	again.HostNS += 999
	again.Artifacts = scenario.Artifacts{Trace: "elsewhere/trace.jsonl"}

	got, err := Merge(Input{"shard-1", []scenario.Result{t1, s2}}, Input{"shard-2", []scenario.Result{again, s1}})
	if err != nil {
		t.Fatal(err)
	}
	var keys []Key
	for _, r := range got {
		keys = append(keys, Key{Scenario: r.Scenario, Seed: r.Seed})
	}
	want := []Key{{Scenario: "s", Seed: 1}, {Scenario: "s", Seed: 2}, {Scenario: "t", Seed: 1}}
	if len(keys) != len(want) {
		t.Fatalf("merged %v, want %v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("merged %v, want %v", keys, want)
		}
	}
	if got[1].HostNS != s2.HostNS {
		t.Error("the first of two equal results was not kept")
	}

	bad := s2
	bad.Verdict, bad.TraceHash = scenario.FailReproducible, "ffff"
	_, err = Merge(Input{"shard-1", []scenario.Result{s1, s2}}, Input{"shard-2", []scenario.Result{bad}})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("conflict not reported: %v", err)
	}
	for _, s := range []string{"scenario s seed 2", "shard-1: result 2", "shard-2: result 1", "trace_hash, verdict"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
}

func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	a := res("s", nil, 1, scenario.PassHardening)
	b := res("s", nil, 2, scenario.PassHardening)
	conflict := b
	conflict.Events++
	write := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p1 := write("one.jsonl", line(t, a), line(t, b))
	p2 := write("two.jsonl", "", line(t, b), line(t, a))
	got, err := ReadFiles(p1, p2)
	if err != nil || len(got) != 2 {
		t.Fatalf("union: %d results, %v", len(got), err)
	}
	p3 := write("three.jsonl", line(t, a), "", line(t, conflict))
	_, err = ReadFiles(p1, p3)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), p1+":2 and "+p3+":3 differ in events") {
		t.Errorf("conflict error: %v", err)
	}
	if _, err := ReadFiles(filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Error("a missing file is no error")
	}
}
