package sweep_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

// TestServeDoesWhatACommandAsksOfAPackage: a worker reads a plan with
// its own registry, runs a plan block writing artifacts and a trace,
// stamps the source on the result, and shrinks a seed into a plan whose
// replay line names the package and the plan's path.
func TestServeDoesWhatACommandAsksOfAPackage(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.md")
	block := "```faultline\nscenario: plan_drop\nbase: " + memDrop + "\n```\n"
	if err := os.WriteFile(plan, []byte("# A plan\n\n"+block), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.md")
	if err := os.WriteFile(bad, []byte("```faultline\nscenario: x\nbase: nope\n```\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	at := scenario.Source{Package: "example.com/mystore", Plan: plan}
	reqs := []sweep.Request{
		{Op: sweep.OpPlan, Source: scenario.Source{Plan: plan}},
		{Op: sweep.OpPlan, Source: scenario.Source{Plan: bad}},
		{Job: sweep.Job{Scenario: "plan_drop", Seed: 1}, Source: at, Out: filepath.Join(dir, "out"), Trace: filepath.Join(dir, "t.trace")},
		{Job: sweep.Job{Scenario: memDrop, Seed: 1}, Source: scenario.Source{Package: at.Package}, Op: sweep.OpShrink, MaxRuns: 40, ShrunkPlan: "s/shrunk.md"},
		{Job: sweep.Job{Scenario: memKV, Seed: 1}, Op: sweep.OpShrink},
	}
	var in bytes.Buffer
	for _, r := range reqs {
		b, _ := json.Marshal(r)
		in.Write(append(b, '\n'))
	}
	var out bytes.Buffer
	if err := sweep.Serve(&in, &out, testRegistry(), sweep.ServeOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 1+len(reqs) {
		t.Fatalf("want hello and %d answers, got %d:\n%s", len(reqs), len(lines)-1, out.String())
	}
	var pr sweep.PlanReply
	if err := json.Unmarshal([]byte(lines[1]), &pr); err != nil || len(pr.Scenarios) != 1 || pr.Scenarios[0].Name != "plan_drop" ||
		pr.Scenarios[0].Line != 3 || pr.Scenarios[0].System != "memstore" {
		t.Errorf("plan reply %s (%v)", lines[1], err)
	}
	if err := json.Unmarshal([]byte(lines[2]), &pr); err != nil || !strings.Contains(pr.UsageError, bad+":3:") {
		t.Errorf("bad plan reply %s (%v)", lines[2], err)
	}
	var res scenario.Result
	if err := json.Unmarshal([]byte(lines[3]), &res); err != nil || res.Source != at || !res.Verdict.IsFail() {
		t.Errorf("plan block run %.300s (%v)", lines[3], err)
	}
	for _, f := range []string{"t.trace", "out/trace.txt", "out/history.jsonl"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if !strings.Contains(lines[3], `"package":"example.com/mystore","plan":"`+plan+`"`) {
		t.Errorf("result line lacks its source: %.300s", lines[3])
	}
	var sr sweep.ShrinkReply
	if err := json.Unmarshal([]byte(lines[4]), &sr); err != nil || sr.Shrunk == nil || sr.Error != "" {
		t.Fatalf("shrink reply %.300s (%v)", lines[4], err)
	}
	if want := "Replay: `faultline run example.com/mystore --plan s/shrunk.md --seed 1`"; !strings.Contains(sr.PlanText, want) {
		t.Errorf("shrunk plan lacks %q:\n%s", want, sr.PlanText)
	}
	var pass sweep.ShrinkReply
	if err := json.Unmarshal([]byte(lines[5]), &pass); err != nil || pass.Shrunk != nil || !strings.Contains(pass.Error, "nothing to shrink") {
		t.Errorf("shrink of a passing seed %.300s (%v)", lines[5], err)
	}
}
