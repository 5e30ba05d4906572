package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/scenario"
)

// TestPackageNames: a package directory inside the module faultline runs
// in is recorded by its import path (it then works from anywhere in the
// module); one outside it by its absolute directory; an import path as
// given.
func TestPackageNames(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "go.mod"), []byte("module example.com/outside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "x.go"), []byte("package outside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ arg, want string }{
		{"testdata/lostwrite", "github.com/faultline-dst/faultline/cmd/faultline/testdata/lostwrite"},
		{"./testdata/lostwrite", "github.com/faultline-dst/faultline/cmd/faultline/testdata/lostwrite"},
		{"example.com/some/pkg", "example.com/some/pkg"},
		{outside, outside},
	} {
		got, err := packageName(tc.arg)
		if err != nil || got != tc.want {
			t.Errorf("packageName(%q) = %q, %v; want %q", tc.arg, got, err, tc.want)
		}
	}
}

// TestReplayWithoutAHash: with no recorded trace hash there is nothing to
// compare, and replay says so instead of claiming a reproduction.
func TestReplayWithoutAHash(t *testing.T) {
	code, out, errs := run(t, "replay", "--scenario", memKV, "--seed", "1")
	if code != exitOK || !strings.Contains(out, "reproduced  nothing to compare") || strings.Contains(out, "reproduced  yes") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

// TestPlanResultLinesReplayAlone: a plan sweep's result lines record the
// plan, so replay --result needs nothing else, and the commands printed
// name the plan.
func TestPlanResultLinesReplayAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary end to end")
	}
	dir := t.TempDir()
	plan := "```faultline\nscenario: plan_drop\nbase: " + memKV + "@drop-writes\n```\n"
	if err := os.WriteFile(filepath.Join(dir, "p.md"), []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := exe(t, dir, "sweep", "--plan", "p.md", "--seeds", "2", "--workers", "1", "--results", "r.jsonl")
	if code != exitFinding || !strings.Contains(out, "replay: faultline replay --scenario plan_drop --seed 1 --plan p.md") {
		t.Fatalf("sweep: exit %d\n%s", code, out)
	}
	if l := rawLines(t, filepath.Join(dir, "r.jsonl"))[0]; !strings.Contains(l, `"plan":"p.md"`) {
		t.Errorf("the result line does not record its plan: %.200s", l)
	}
	code, out = paste(t, dir, printed(t, out, "or: ", "faultline replay --result r.jsonl:"))
	if code != exitFinding || !strings.Contains(out, "reproduced  yes") || !strings.Contains(out, "replay      faultline replay --scenario plan_drop --seed 1 --plan p.md") {
		t.Errorf("replay --result: exit %d\n%s", code, out)
	}
}

// TestResultPlans: without --plan, the report's header names the plans
// its result lines record, each once, sorted; none when no line names one.
func TestResultPlans(t *testing.T) {
	for _, tc := range []struct {
		plans []string
		want  string
	}{
		{nil, ""},
		{[]string{"", ""}, ""},
		{[]string{"plan.md", "", "plan.md"}, "plan.md"},
		{[]string{"b.md", "a.md", "b.md"}, "a.md, b.md"},
	} {
		var rs []scenario.Result
		for _, p := range tc.plans {
			rs = append(rs, scenario.Result{Source: scenario.Source{Plan: p}})
		}
		if got := resultPlans(rs); got != tc.want {
			t.Errorf("resultPlans(%q) = %q, want %q", tc.plans, got, tc.want)
		}
	}
}
