package sweep_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

// canonical renders results as sorted result lines with host time zeroed:
// what must be equal whatever the workers and the completion order.
func canonical(t *testing.T, rs []scenario.Result) string {
	t.Helper()
	rs = append([]scenario.Result(nil), rs...)
	sweep.SortResults(rs)
	var b bytes.Buffer
	for _, r := range rs {
		r.HostNS = 0
		if err := scenario.WriteResult(&b, r); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func run(t *testing.T, plan sweep.Plan, opts sweep.Options) (sweep.Summary, []scenario.Result) {
	t.Helper()
	if opts.Results == "" {
		opts.Results = filepath.Join(t.TempDir(), "results.jsonl")
	}
	if opts.Command == nil {
		opts.Command = workerCommand()
	}
	sum, err := sweep.Run(context.Background(), plan, opts)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sweep.ReadResults(opts.Results)
	if err != nil {
		t.Fatal(err)
	}
	return sum, rs
}

// onceEach fails unless rs holds exactly one result per job of plan.
func onceEach(t *testing.T, plan sweep.Plan, rs []scenario.Result) {
	t.Helper()
	jobs, err := plan.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	count := map[sweep.Job]int{}
	for _, r := range rs {
		count[sweep.Job{Scenario: r.Scenario, Seed: r.Seed}]++
	}
	for _, j := range jobs {
		if count[j] != 1 {
			t.Errorf("%s recorded %d times", j, count[j])
		}
		delete(count, j)
	}
	for j, n := range count {
		t.Errorf("%s recorded %d times but is not in the plan", j, n)
	}
}

func TestOneAndTwoWorkersAndOneProcessGiveTheSameLines(t *testing.T) {
	plan := sweep.Plan{Scenarios: []string{memKV, memDrop, memQueue}, Seeds: scenarioSeeds(6)}
	sum1, one := run(t, plan, sweep.Options{Workers: 1})
	var progress bytes.Buffer
	sum2, two := run(t, plan, sweep.Options{Workers: 2, Progress: sweep.NewProgress(&progress, false, time.Hour, nil)})
	if !strings.HasPrefix(progress.String(), "sweep: 18/18 seeds, 6 failed, ") || strings.Count(progress.String(), "\n") != 1 {
		t.Errorf("progress: %q", progress.String())
	}
	onceEach(t, plan, one)
	onceEach(t, plan, two)
	if a, b := canonical(t, one), canonical(t, two); a != b {
		t.Fatalf("1 and 2 workers differ:\n%s\n---\n%s", a, b)
	}
	// The same seeds in this process, one after another.
	reg := testRegistry()
	var local []scenario.Result
	for _, name := range plan.Scenarios {
		s, err := reg.Scenario(name)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := reg.Sweep(s, scenario.SweepOptions{Seeds: plan.Seeds})
		if err != nil {
			t.Fatal(err)
		}
		local = append(local, rs...)
	}
	if a, b := canonical(t, one), canonical(t, local); a != b {
		t.Fatalf("worker processes and this process differ:\n%s\n---\n%s", a, b)
	}
	for _, sum := range []sweep.Summary{sum1, sum2} {
		if sum.Jobs != 18 || sum.Ran != 18 || sum.Recorded != 18 || sum.WorkerDeaths != 0 {
			t.Errorf("summary counts %+v", sum)
		}
		if sum.ExitCode != sweep.ExitFinding || len(sum.Findings) != 1 || sum.Findings[0].Scenario != memDrop || sum.Findings[0].Blame != scenario.BlameSUT {
			t.Errorf("exit %d, findings %+v; want 1 and one SUT finding on %s", sum.ExitCode, sum.Findings, memDrop)
		}
		if sum.Verdicts[scenario.FailReproducible] != 6 || sum.Verdicts[scenario.PassHardening] != 12 {
			t.Errorf("verdicts %v", sum.Verdicts)
		}
	}
}

func scenarioSeeds(n int) []uint64 { return scenario.Seeds(1, n) }

func TestADyingWorkerCostsOneSeedWithItsBlame(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "flaky-died-once")
	plan := sweep.Plan{Scenarios: []string{dieScen}, Seeds: scenarioSeeds(9)}
	sum, rs := run(t, plan, sweep.Options{Workers: 2,
		Command: workerCommand(dieEnv+"=exit@3,overflow@5,flaky@6,kill@7", markerEnv+"="+marker)})
	onceEach(t, plan, rs)
	want := map[uint64]struct {
		verdict scenario.Verdict
		blame   scenario.Blame
		anomaly string
		reason  string
	}{
		3: {scenario.FailReproducible, scenario.BlameSUT, "fatal:exit-3", "os.Exit"},
		5: {scenario.FailReproducible, scenario.BlameHarness, "fatal:stack-overflow:github.com/faultline-dst/faultline/sweep_test.recurse", "faultline code"},
		6: {scenario.FailNondeterministic, scenario.BlameSUT, "fatal:exit-4", "did not die"},
		7: {scenario.InconclusiveEnv, scenario.BlameEnvironment, "fatal:signal:killed", "died from outside too"},
	}
	for _, r := range rs {
		w, ok := want[r.Seed]
		if !ok {
			if r.Verdict != scenario.PassSmoke {
				t.Errorf("seed %d: %s %s: %s", r.Seed, r.Verdict, r.Blame, r.Reason)
			}
			continue
		}
		if r.Verdict != w.verdict || r.Blame != w.blame || r.Anomaly != w.anomaly || !strings.Contains(r.Reason, w.reason) || r.System != "dying-memstore" || r.Stop != "worker-died" {
			t.Errorf("seed %d: got %s/%s %q: %s\nwant %s/%s %q with %q", r.Seed, r.Verdict, r.Blame, r.Anomaly, r.Reason, w.verdict, w.blame, w.anomaly, w.reason)
		}
		if r.Seed == 5 && !strings.Contains(r.Error, "fatal error: stack overflow") {
			t.Errorf("seed 5: the stderr trace is not in Error: %q", r.Error)
		}
		if r.Seed == 6 && r.Rerun == "" {
			t.Errorf("seed 6: no rerun hash")
		}
	}
	// exit, overflow and kill die twice (first run and rerun), flaky once.
	if sum.WorkerDeaths != 7 || sum.ExitCode != sweep.ExitFinding || sum.Ran != 9 {
		t.Errorf("summary: %d deaths (want 7), exit %d (want 1), ran %d", sum.WorkerDeaths, sum.ExitCode, sum.Ran)
	}
}

func TestAJobPastTheHostTimeLimitIsStoppedAndBlamed(t *testing.T) {
	plan := sweep.Plan{Scenarios: []string{dieScen}, Seeds: scenarioSeeds(3)}
	sum, rs := run(t, plan, sweep.Options{Workers: 2, JobTimeout: time.Second, Command: workerCommand(dieEnv + "=hang@2")})
	onceEach(t, plan, rs)
	for _, r := range rs {
		if r.Seed != 2 {
			if r.Verdict != scenario.PassSmoke {
				t.Errorf("seed %d: %s: %s", r.Seed, r.Verdict, r.Reason)
			}
			continue
		}
		// Timed out twice, in this test's code, which is faultline's: a
		// slow host, not a runaway SUT loop, as far as the dumps tell.
		if r.Verdict != scenario.InconclusiveEnv || r.Blame != scenario.BlameEnvironment || r.Anomaly != "fatal:timeout" ||
			!strings.Contains(r.Reason, "sweep_test.dieIfAsked") || !strings.Contains(r.Error, "SIGQUIT") {
			t.Errorf("seed 2: %s/%s %q: %s\n%s", r.Verdict, r.Blame, r.Anomaly, r.Reason, r.Error)
		}
	}
	if sum.WorkerDeaths != 2 || sum.ExitCode != sweep.ExitInconclusive {
		t.Errorf("%d deaths, exit %d; want 2 and 3", sum.WorkerDeaths, sum.ExitCode)
	}
}

// A node whose code never returns (a loop, a block) is abandoned by the
// worker's watchdog on callbacks and blamed from its stack, with no worker
// death; the worker ends after answering and the next seed gets another.
func TestAStuckCallbackInAWorkerIsBlamedFromItsStack(t *testing.T) {
	plan := sweep.Plan{Scenarios: []string{dieScen}, Seeds: scenarioSeeds(4)}
	sum, rs := run(t, plan, sweep.Options{Workers: 1, StuckAfter: 200 * time.Millisecond, Command: workerCommand(dieEnv + "=spin@2,block@3")})
	onceEach(t, plan, rs)
	const pkg = "github.com/faultline-dst/faultline/scenario/testdata/hangnode."
	for _, r := range rs {
		site := map[uint64]string{2: "Spin", 3: "Block"}[r.Seed]
		if site == "" {
			if r.Verdict != scenario.PassSmoke {
				t.Errorf("seed %d: %s: %s", r.Seed, r.Verdict, r.Reason)
			}
			continue
		}
		if r.Verdict != scenario.FailReproducible || r.Blame != scenario.BlameSUT || r.Anomaly != "stuck:"+pkg+site || r.Stop != sweep.StopStuck || !strings.Contains(r.Reason, pkg+site+" is code of the system under test") ||
			r.Panic == nil || r.Panic.Event != "factory" || !strings.Contains(strings.Join(r.Panic.Frames, " "), pkg+site+" (") {
			t.Errorf("seed %d: %s/%s %q (stop %s, panic %+v): %s", r.Seed, r.Verdict, r.Blame, r.Anomaly, r.Stop, r.Panic, r.Reason)
		}
	}
	if sum.WorkerDeaths != 0 || sum.ExitCode != sweep.ExitFinding || len(sum.Findings) != 2 {
		t.Errorf("%d deaths, exit %d, %d findings; want 0, 1 and 2", sum.WorkerDeaths, sum.ExitCode, len(sum.Findings))
	}
}

// A seed recorded INCONCLUSIVE-env because its worker was killed from
// outside (twice: first run and rerun) is run again by a resumed sweep,
// its old line replaced; a death the seed itself caused is kept.
func TestResumeRedoesSeedsWhoseWorkerWasKilled(t *testing.T) {
	plan := sweep.Plan{Scenarios: []string{dieScen}, Seeds: scenarioSeeds(4)}
	results := filepath.Join(t.TempDir(), "r.jsonl")
	_, rs := run(t, plan, sweep.Options{Workers: 1, Results: results, Command: workerCommand(dieEnv + "=kill@2,exit@3")})
	verdicts := func(rs []scenario.Result) map[uint64]scenario.Verdict {
		out := map[uint64]scenario.Verdict{}
		for _, r := range rs {
			out[r.Seed] = r.Verdict
		}
		return out
	}
	if v := verdicts(rs); v[2] != scenario.InconclusiveEnv || v[3] != scenario.FailReproducible {
		t.Fatalf("first sweep: %v", v)
	}
	sum, rs := run(t, plan, sweep.Options{Workers: 1, Results: results, Resume: true})
	onceEach(t, plan, rs)
	want := map[uint64]scenario.Verdict{1: scenario.PassSmoke, 2: scenario.PassSmoke, 3: scenario.FailReproducible, 4: scenario.PassSmoke}
	if v := verdicts(rs); !maps.Equal(v, want) {
		t.Errorf("after resume: %v, want %v", v, want)
	}
	if sum.Redone != 1 || sum.Resumed != 3 || sum.Ran != 1 || sum.Recorded != 4 {
		t.Errorf("summary: redone %d resumed %d ran %d recorded %d; want 1, 3, 1, 4", sum.Redone, sum.Resumed, sum.Ran, sum.Recorded)
	}
	sum, _ = run(t, plan, sweep.Options{Workers: 1, Results: results, Resume: true})
	if sum.Redone != 0 || sum.Ran != 0 {
		t.Errorf("a second resume redid %d and ran %d", sum.Redone, sum.Ran)
	}
	if st, err := os.Stat(results); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("the rewritten file: %v %v", st.Mode(), err)
	}
	if m, _ := filepath.Glob(results + ".redo-*"); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}
}

// A failover scenario whose sweep saw no failover does not pass: the sweep
// applies the report's sweep-level check to its exit code and summary.
func TestSweepAppliesTheFailoverSweepCheck(t *testing.T) {
	plan := sweep.Plan{Scenarios: []string{failScen, dieScen}, Seeds: scenarioSeeds(2)}
	sum, rs := run(t, plan, sweep.Options{Workers: 1})
	onceEach(t, plan, rs)
	for _, r := range rs {
		if r.Verdict != scenario.PassSmoke {
			t.Errorf("%s seed %d: %s: %s", r.Scenario, r.Seed, r.Verdict, r.Reason)
		}
	}
	if len(sum.SweepChecks) != 1 || sum.SweepChecks[0].Scenario != failScen || sum.SweepChecks[0].OK ||
		sum.SweepChecks[0].Detail != "0 failovers over 2 seeds: a failover scenario must see more than one" {
		t.Errorf("sweep checks: %+v", sum.SweepChecks)
	}
	if sum.Demoted[failScen] != scenario.InconclusiveFaultNotProven || len(sum.Demoted) != 1 || sum.ExitCode != sweep.ExitInconclusive {
		t.Errorf("demoted %v, exit %d; want %s demoted to INCONCLUSIVE-fault-not-proven and exit 3", sum.Demoted, sum.ExitCode, failScen)
	}
	// The same results without the failover scenario pass.
	if s := sweep.Summarize(rs[:0:0]); s.ExitCode != sweep.ExitInconclusive {
		t.Errorf("no results: exit %d", s.ExitCode)
	}
	var plain []scenario.Result
	for _, r := range rs {
		if r.Scenario == dieScen {
			plain = append(plain, r)
		}
	}
	if s := sweep.Summarize(plain); s.ExitCode != sweep.ExitOK || len(s.SweepChecks) != 0 {
		t.Errorf("without the failover scenario: exit %d, checks %v", s.ExitCode, s.SweepChecks)
	}
}

// A worker killed from outside once (kill -9) costs nothing: the seed is
// re-run in a fresh worker and recorded as the rerun decides.
func TestAWorkerKilledOnceIsRerun(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "killed-once")
	plan := sweep.Plan{Scenarios: []string{dieScen}, Seeds: scenarioSeeds(3)}
	sum, rs := run(t, plan, sweep.Options{Workers: 1, Command: workerCommand(dieEnv+"=killonce@2", markerEnv+"="+marker)})
	onceEach(t, plan, rs)
	for _, r := range rs {
		if r.Verdict != scenario.PassSmoke || r.Stop == "worker-died" {
			t.Errorf("seed %d: %s/%s (stop %s): %s", r.Seed, r.Verdict, r.Blame, r.Stop, r.Reason)
		}
		if r.Seed == 2 && !strings.Contains(r.Reason, `killed by signal "killed" from outside`) {
			t.Errorf("seed 2: the reason does not say the first worker was killed: %s", r.Reason)
		}
	}
	if sum.WorkerDeaths != 1 || sum.ExitCode != sweep.ExitOK {
		t.Errorf("%d deaths, exit %d; want 1 and 0", sum.WorkerDeaths, sum.ExitCode)
	}
}

// A job time limit far too short for a correct system stops its seeds
// wherever they are, often in the SUT's code: that is the host's doing,
// never a finding against the SUT.
func TestATooShortJobTimeoutBlamesNoSUT(t *testing.T) {
	plan := sweep.Plan{Scenarios: []string{reference.Default}, Seeds: scenarioSeeds(3)}
	sum, rs := run(t, plan, sweep.Options{Workers: 2, JobTimeout: 10 * time.Millisecond})
	onceEach(t, plan, rs)
	for _, r := range rs {
		if r.Blame == scenario.BlameSUT || r.Verdict.IsFail() {
			t.Errorf("seed %d: %s/%s %q: %s", r.Seed, r.Verdict, r.Blame, r.Anomaly, r.Reason)
		}
	}
	if sum.ExitCode == sweep.ExitFinding {
		t.Errorf("exit %d: a finding against the SUT", sum.ExitCode)
	}
	t.Logf("verdicts %v, %d worker deaths; %s", sum.Verdicts, sum.WorkerDeaths, rs[0].Reason)
}

func TestKilledSweepResumesWithEverySeedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	const seeds = 40
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), coordinatorEnv+"="+path, "SWEEP_TEST_SEEDS=40", slowEnv+"=25ms")
	var stderr bytes.Buffer
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for lines(path) < 5 {
		if time.Now().After(deadline) {
			_ = child.Process.Kill()
			t.Fatalf("the child sweep recorded nothing in 20s; stderr: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	before := lines(path)
	if before >= seeds {
		t.Fatalf("the child finished all %d seeds before it was killed; make it slower", seeds)
	}
	// A write torn by the kill: half of a line, no newline.
	data, _ := os.ReadFile(path)
	lastLine := data[bytes.LastIndexByte(data[:len(data)-1], '\n')+1:]
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.Write(lastLine[:len(lastLine)/2])
	_ = f.Close()

	plan := sweep.Plan{Scenarios: []string{dieScen}, Seeds: scenarioSeeds(seeds)}
	sum, err := sweep.Run(context.Background(), plan, sweep.Options{Command: workerCommand(), Workers: 2, Results: path, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sweep.ReadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	onceEach(t, plan, rs)
	if sum.Resumed != before || sum.Ran != seeds-before || sum.Recorded != seeds || sum.ExitCode != sweep.ExitOK {
		t.Errorf("summary %+v; want %d resumed, %d ran, exit 0", sum, before, seeds-before)
	}
	data, _ = os.ReadFile(path)
	if !bytes.HasSuffix(data, []byte("\n")) || bytes.Count(data, []byte("\n")) != seeds {
		t.Errorf("the file has %d lines, want %d, each ended", bytes.Count(data, []byte("\n")), seeds)
	}
	t.Logf("killed after %d of %d seeds; resumed the rest", before, seeds)
}

// lines counts the complete lines of a file.
func lines(path string) int {
	data, _ := os.ReadFile(path)
	return bytes.Count(data, []byte("\n"))
}

func TestCancelLeavesAFileToResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	plan := sweep.Plan{Scenarios: []string{dieScen}, Seeds: scenarioSeeds(30)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for lines(path) < 3 {
			time.Sleep(2 * time.Millisecond)
		}
		cancel()
	}()
	slow := workerCommand(slowEnv + "=20ms")
	_, err := sweep.Run(ctx, plan, sweep.Options{Command: slow, Workers: 2, Results: path})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled sweep returned %v", err)
	}
	before := lines(path)
	if before >= 30 {
		t.Fatal("the sweep ended before it was cancelled")
	}
	sum, err := sweep.Run(context.Background(), plan, sweep.Options{Command: workerCommand(), Workers: 2, Results: path, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := sweep.ReadResults(path)
	onceEach(t, plan, rs)
	if sum.Resumed != before || sum.Ran != 30-before {
		t.Errorf("resumed %d ran %d, want %d and %d", sum.Resumed, sum.Ran, before, 30-before)
	}
}

func TestShardsUnionIsTheUnsplitSweep(t *testing.T) {
	plan := sweep.Plan{Scenarios: []string{memKV, memDrop}, Seeds: scenarioSeeds(5)}
	_, whole := run(t, plan, sweep.Options{Workers: 2})
	dir := t.TempDir()
	var files []string
	total := 0
	for i := range 3 {
		p := plan
		p.Shard = sweep.Shard{Index: i, Count: 3}
		files = append(files, filepath.Join(dir, "shard"+string(rune('0'+i))+".jsonl"))
		sum, _ := run(t, p, sweep.Options{Workers: 1, Results: files[i]})
		total += sum.Ran
	}
	// Merging a shard twice (a re-uploaded artifact) is harmless.
	merged, err := sweep.Merge(append(files, files[0])...)
	if err != nil {
		t.Fatal(err)
	}
	if total != 10 || len(merged) != 10 {
		t.Fatalf("shards ran %d jobs, merged %d; want 10", total, len(merged))
	}
	if a, b := canonical(t, whole), canonical(t, merged); a != b {
		t.Fatalf("union of shards differs from the unsplit sweep:\n%s\n---\n%s", a, b)
	}
	if s := sweep.Summarize(merged); s.ExitCode != sweep.ExitFinding || s.Verdicts[scenario.FailReproducible] != 5 {
		t.Errorf("merged summary %+v", s)
	}
}

func TestMergeRefusesConflictingDuplicates(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	line := func(seed uint64, v scenario.Verdict, hash string) string {
		var buf bytes.Buffer
		_ = scenario.WriteResult(&buf, scenario.Result{Scenario: "s", Seed: seed, Verdict: v, TraceHash: hash})
		return buf.String()
	}
	write(t, a, line(1, scenario.PassSmoke, "0x1")+line(2, scenario.PassSmoke, "0x2"))
	write(t, b, line(2, scenario.PassSmoke, "0x2")+line(3, scenario.PassSmoke, "0x3"))
	rs, err := sweep.Merge(a, b)
	if err != nil || len(rs) != 3 || rs[0].Seed != 1 || rs[2].Seed != 3 {
		t.Fatalf("identical duplicate: %v, %+v", err, rs)
	}
	write(t, b, line(3, scenario.PassSmoke, "0x3")+line(2, scenario.FailReproducible, "0x9"))
	_, err = sweep.Merge(a, b)
	if err == nil || !strings.Contains(err.Error(), a+":2") || !strings.Contains(err.Error(), b+":2") || !strings.Contains(err.Error(), "s seed 2") {
		t.Fatalf("conflict not reported with both files and lines: %v", err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResultsFileTornLastLineAndCorruptMiddle(t *testing.T) {
	dir := t.TempDir()
	var good bytes.Buffer
	for seed := uint64(1); seed <= 2; seed++ {
		_ = scenario.WriteResult(&good, scenario.Result{Scenario: "s", Seed: seed, Verdict: scenario.PassSmoke})
	}
	torn := filepath.Join(dir, "torn.jsonl")
	write(t, torn, good.String()+`{"scenario":"s","seed":3,"verd`)
	// A torn last line is reported, not dropped: resuming repairs it.
	if _, err := sweep.ReadResults(torn); !errors.Is(err, sweep.ErrTornLine) || !strings.Contains(err.Error(), torn+":3") || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("torn last line: %v", err)
	}
	if _, err := sweep.Merge(torn); !errors.Is(err, sweep.ErrTornLine) {
		t.Fatalf("merge of a torn file: %v", err)
	}
	corrupt := filepath.Join(dir, "corrupt.jsonl")
	write(t, corrupt, `{"scenario":"s","seed":3,"verd`+"\n"+good.String())
	if _, err := sweep.ReadResults(corrupt); !errors.Is(err, sweep.ErrResultsFile) || !strings.Contains(err.Error(), corrupt+":1") {
		t.Fatalf("corrupt first line: %v", err)
	}
	// Without --resume an existing file is refused, and left alone.
	_, err := sweep.Run(context.Background(), sweep.Plan{Scenarios: []string{"s"}, Seeds: []uint64{1}},
		sweep.Options{Command: workerCommand(), Results: torn})
	if !errors.Is(err, sweep.ErrResultsExist) {
		t.Fatalf("existing results without resume: %v", err)
	}
}

func TestUnknownScenarioIsAUsageErrorNamingTheValidOnes(t *testing.T) {
	_, err := sweep.Run(context.Background(), sweep.Plan{Scenarios: []string{"no-such"}, Seeds: []uint64{1}},
		sweep.Options{Command: workerCommand(), Results: filepath.Join(t.TempDir(), "r.jsonl")})
	if !errors.Is(err, sweep.ErrUsage) || !strings.Contains(err.Error(), `"no-such"`) || !strings.Contains(err.Error(), memKV) {
		t.Fatalf("got %v", err)
	}
}

func TestServeAnswersEachJobWithItsResultLine(t *testing.T) {
	in := strings.NewReader(`{"scenario":"` + memKV + `","seed":4}` + "\n" + `{"scenario":"nope","seed":1}` + "\n")
	var out bytes.Buffer
	if err := sweep.Serve(in, &out, testRegistry(), sweep.ServeOptions{}); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != 3 {
		t.Fatalf("want hello, a result and an error; got %q", got)
	}
	var hello sweep.Hello
	if err := json.Unmarshal([]byte(got[0]), &hello); err != nil || hello.Protocol != sweep.ProtocolVersion || len(hello.Scenarios) < 4 {
		t.Fatalf("hello %q: %v", got[0], err)
	}
	reg := testRegistry()
	s, _ := reg.Scenario(memKV)
	want, _ := reg.Run(s, 4, scenario.RunOptions{})
	var res scenario.Result
	if err := json.Unmarshal([]byte(got[1]), &res); err != nil {
		t.Fatal(err)
	}
	if canonical(t, []scenario.Result{res}) != canonical(t, []scenario.Result{want}) {
		t.Errorf("result line %s\nwant %+v", got[1], want)
	}
	if !strings.Contains(got[2], `"usage_error":"unknown scenario \"nope\"`) {
		t.Errorf("error line %s", got[2])
	}
	if err := sweep.Serve(strings.NewReader("garbage\n"), &out, testRegistry(), sweep.ServeOptions{}); err == nil || !strings.Contains(err.Error(), "garbage") {
		t.Errorf("malformed job: %v", err)
	}
}
