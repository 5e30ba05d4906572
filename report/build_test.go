package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/faultline-dst/faultline/internal/golden"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
)

// res makes a result of one run, defaulting to a clean PASS-hardening
// with one landed crash; mods adjust it.
func res(sc string, claims []string, seed uint64, v scenario.Verdict, mods ...func(*scenario.Result)) scenario.Result {
	r := scenario.Result{
		Scenario: sc, Claims: claims, System: "kvstore", Seed: seed, Verdict: v,
		Reason:    "1 faults landed; checker linearizable consumed all 100 operations, no anomaly",
		TraceHash: fmt.Sprintf("%016x", seed*0x9e3779b97f4a7c15), Events: 5000, Messages: 1200,
		Operations: 100, OpsOK: 90, OpsFail: 4, OpsInfo: 6, SimNS: int64(10 * time.Second), HostNS: int64(seed) * 1234567, Stop: "sim-time",
		Checker: &checkers.Result{Checker: "linearizable", Outcome: checkers.OK, Checked: 100, Recorded: 100,
			Explanation: "100 operations in 4 partitions: no anomaly"},
		Faults:   []nemesis.Evidence{landedFault("f1", nemesis.Crash, "n2")},
		Schedule: nemesis.Schedule{{ID: "f1", Kind: nemesis.Crash, Nodes: []string{"n2"}, Start: clock.Time(2 * time.Second), End: clock.Time(4 * time.Second)}},
		Checks:   okChecks(),
	}
	for _, m := range mods {
		m(&r)
	}
	return r
}

func landedFault(id string, k nemesis.Kind, node string) nemesis.Evidence {
	counters := map[nemesis.Kind][]nemesis.Counter{
		nemesis.Crash:      {{Name: "timers_discarded", Value: 3}, {Name: "messages_lost", Value: 2}, {Name: "writes_lost", Value: 1}},
		nemesis.Partition:  {{Name: "dropped", Value: 7}, {Name: "delayed", Value: 0}, {Name: "duplicated", Value: 0}, {Name: "reordered", Value: 0}},
		nemesis.Pause:      {{Name: "parked", Value: 5}},
		nemesis.Duplicate:  {{Name: "dropped", Value: 0}, {Name: "delayed", Value: 0}, {Name: "duplicated", Value: 4}, {Name: "reordered", Value: 0}},
		nemesis.ClockDrift: {{Name: "clock_reads", Value: 40}, {Name: "timers_fired", Value: 12}},
	}
	return nemesis.Evidence{ID: id, Kind: k, Nodes: []string{node}, State: nemesis.Healed, Landed: true, Counters: counters[k]}
}

func okChecks() []scenario.Check {
	return []scenario.Check{
		{Name: "ops-throughout", OK: true},
		{Name: "checker-consumed-all", OK: true},
		{Name: "faults-landed", OK: true},
		{Name: "recovered-after-heal", OK: true},
	}
}

func smoke(r *scenario.Result) {
	r.Faults, r.Schedule = []nemesis.Evidence{}, nil
	r.Reason = "no fault was active; checker linearizable consumed all 100 operations, no anomaly"
}

// sweep is a hand-made sweep with every kind of scenario outcome the
// report must show: a clean PASS-hardening scenario, a PASS-smoke-only
// one, a FAIL-reproducible SUT finding with a shrunk reproducer (whose
// explanation holds a pipe and a newline), a harness-blamed FAIL, an
// INCONCLUSIVE-fault-not-proven and a PARTIAL-model. Its results are
// deliberately out of order.
func sweep() ([]scenario.Result, map[Key]*scenario.Shrunk, map[string]string) {
	const (
		clean    = "acked_writes_survive_crash"
		smokeSc  = "reads_see_latest_write"
		sut      = "acked_writes_survive_partition"
		harness  = "lock_tokens_increase_under_pause"
		unproven = "leases_never_overlap_under_clock_drift"
		partial  = "ledger_conserves_money_under_duplicates"
	)
	anomaly := func(r *scenario.Result) {
		r.Bugs = []string{"stale-read"}
		r.Anomaly = "anomaly:linearizable:not-linearizable"
		r.Blame = scenario.BlameSUT
		r.Checker = &checkers.Result{Checker: "linearizable", Outcome: checkers.Anomaly, Kind: "not-linearizable",
			Explanation: "1 violation(s); first: not-linearizable on k1: read | returned 3\nafter write 4 was acked",
			Violations: []checkers.Violation{{Kind: "not-linearizable", Key: "k1", Ops: []int64{17, 12},
				Explanation: "read 17 returned 3 | but write 12 of 4 completed first"}},
			Checked: 100, Recorded: 100}
		r.Reason = "checker linearizable found not-linearizable: " + r.Checker.Explanation
		r.CrossCheck = &scenario.CrossCheck{Name: "brute-force", Ran: true, Agrees: true,
			Detail: `key "k1" has no linearization (48 operations searched exhaustively, 31 states); its minimal non-linearizable prefix is its first 12 operations (up to op_id 17, invoked at 2.1s; 9 states)`}
		r.Rerun = r.TraceHash
		r.Faults = []nemesis.Evidence{landedFault("f1", nemesis.Partition, "n1"), landedFault("f2", nemesis.Partition, "n3"), landedFault("f3", nemesis.ClockDrift, "n3")}
		r.Faults[1].Role, r.Faults[2].Role = "leader", "leader"
		r.Schedule = nemesis.Schedule{
			{ID: "f1", Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n1", "n2", "n3"}, Components: [][]string{{"n1"}, {"n2", "n3"}}, Start: clock.Time(time.Second), End: clock.Time(2 * time.Second)},
			{ID: "f2", Kind: nemesis.Partition, Shape: nemesis.Isolate, Role: "leader", Resolved: []string{"n3"}, ResolvedAt: clock.Time(2500 * time.Millisecond),
				Components: [][]string{{"n1", "n2"}, {"n3"}}, Start: clock.Time(2500 * time.Millisecond), End: clock.Time(4 * time.Second)},
			{ID: "f3", Kind: nemesis.ClockDrift, Role: "leader", Resolved: []string{"n3"}, ResolvedAt: clock.Time(5 * time.Second), PPM: -900_000, Start: clock.Time(5 * time.Second), End: clock.Time(6 * time.Second)},
		}
		r.Artifacts = scenario.Artifacts{Trace: fmt.Sprintf("artifacts/%s/%d/trace.jsonl", r.Scenario, r.Seed),
			History: fmt.Sprintf("artifacts/%s/%d/history (1).jsonl", r.Scenario, r.Seed)}
	}
	partition := func(r *scenario.Result) {
		r.Faults = []nemesis.Evidence{landedFault("f1", nemesis.Partition, "n1")}
	}
	results := []scenario.Result{
		res(partial, []string{"C6"}, 2, scenario.PassHardening, func(r *scenario.Result) {
			r.Checker.Checker = "ledger"
			r.Faults = []nemesis.Evidence{landedFault("f1", nemesis.Duplicate, "n1")}
		}),
		res(partial, []string{"C6"}, 1, scenario.PartialModel, func(r *scenario.Result) {
			r.Checker.Checker = "ledger"
			r.Checker.Checked = 80
			r.Reason = "checker ledger decided 80 of 100 operations (80.0%)"
			r.Faults = []nemesis.Evidence{landedFault("f1", nemesis.Duplicate, "n1")}
		}),
		res(clean, []string{"C1"}, 3, scenario.PassHardening),
		res(clean, []string{"C1"}, 1, scenario.PassHardening, func(r *scenario.Result) {
			r.Artifacts = scenario.Artifacts{Trace: "artifacts/acked_writes_survive_crash/1/trace.jsonl"}
		}),
		res(clean, []string{"C1"}, 2, scenario.PassHardening),
		res(smokeSc, []string{"C2"}, 1, scenario.PassSmoke, smoke),
		res(smokeSc, []string{"C2"}, 2, scenario.PassSmoke, smoke),
		res(sut, []string{"C1", "C3"}, 4, scenario.FailReproducible, anomaly),
		res(sut, []string{"C1", "C3"}, 1, scenario.PassHardening, partition),
		res(sut, []string{"C1", "C3"}, 2, scenario.FailReproducible, anomaly),
		res(sut, []string{"C1", "C3"}, 3, scenario.PassHardening, partition),
		res(harness, []string{"C4"}, 1, scenario.FailReproducible, func(r *scenario.Result) {
			r.Checker = nil
			r.Anomaly = "harness:time-backwards"
			r.Blame = scenario.BlameHarness
			r.Error = "harness invariant time-backwards: timer at 1.2s fired at 1.1s"
			r.Reason = r.Error
			r.Stop = "harness-error"
			r.Faults = []nemesis.Evidence{landedFault("f1", nemesis.Pause, "n2")}
		}),
		res(harness, []string{"C4"}, 2, scenario.PassHardening, func(r *scenario.Result) {
			r.Checker.Checker = "lock"
			r.Faults = []nemesis.Evidence{landedFault("f1", nemesis.Pause, "n2")}
		}),
		res(unproven, []string{"C5"}, 1, scenario.InconclusiveFaultNotProven, func(r *scenario.Result) {
			r.Checker.Checker = "lease"
			r.Blame = scenario.BlameHarness
			r.Reason = "no landing evidence for f1 (clock-drift): the nemesis did not exercise the claim"
			r.Faults = []nemesis.Evidence{{ID: "f1", Kind: nemesis.ClockDrift, Nodes: []string{"n1"}, State: nemesis.Healed,
				Counters: []nemesis.Counter{{Name: "clock_reads", Value: 0}, {Name: "timers_fired", Value: 0}},
				Detail:   "no clock read or timer observed the skewed clock"}}
			r.Checks[2] = scenario.Check{Name: "faults-landed", Detail: "f1 (clock-drift) has no landing evidence", Demote: scenario.InconclusiveFaultNotProven}
		}),
		res(unproven, []string{"C5"}, 2, scenario.InconclusiveFaultNotProven, func(r *scenario.Result) {
			r.Checker.Checker = "lease"
			r.Blame = scenario.BlameHarness
			r.Reason = "no landing evidence for f1 (clock-drift): the nemesis did not exercise the claim"
			r.Faults = []nemesis.Evidence{{ID: "f1", Kind: nemesis.ClockDrift, Nodes: []string{"n1"}, State: nemesis.Healed,
				Counters: []nemesis.Counter{{Name: "clock_reads", Value: 0}, {Name: "timers_fired", Value: 0}}}}
			r.Checks[2] = scenario.Check{Name: "faults-landed", Detail: "f1 (clock-drift) has no landing evidence", Demote: scenario.InconclusiveFaultNotProven}
		}),
	}
	shrunk := map[Key]*scenario.Shrunk{
		{Scenario: sut, Seed: 2}: {Seed: 2, Anomaly: "anomaly:linearizable:not-linearizable",
			Before:       scenario.Size{Faults: 2, Operations: 100, Clients: 4, Nodes: 3},
			After:        scenario.Size{Faults: 1, Operations: 6, Clients: 2, Nodes: 3},
			Schedule:     nemesis.Schedule{{ID: "f2", Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n3", "n1", "n2"}, Start: clock.Time(1500 * time.Millisecond), End: clock.Time(3 * time.Second)}},
			OpsPerClient: 3, Clients: 2, Nodes: 3, Runs: 41,
			CrossCheck: &scenario.CrossCheck{Name: "brute-force", Ran: true, Agrees: true, Detail: `key "k1" has no linearization (6 operations searched exhaustively, 4 states)`}},
		// A reproducer of a seed no finding has is ignored.
		{Scenario: clean, Seed: 1}: {Seed: 1},
	}
	claims := map[string]string{
		"C1":  "an acknowledged write survives any single-node crash or partition",
		"C2":  "a read sees the latest acknowledged write",
		"C3":  "reads are linearizable under a minority partition",
		"C4":  "fencing tokens accepted by the resource strictly increase",
		"C5":  "no two lease holders overlap in true time within the drift bound",
		"C6":  "transfers conserve money under duplicated messages",
		"C10": "membership changes never lose a write (no scenario yet)",
	}
	return results, shrunk, claims
}

func meta() Meta {
	return Meta{Plan: "plans/kvstore.md", SUTVersion: "3f2a9c1e", FaultlineVersion: "v0.4.0", Tier: TierHardening,
		Date: "2025-01-02", Command: "faultline sweep --plan plans/kvstore.md --tier hardening --seeds 4"}
}

func TestGolden(t *testing.T) {
	results, shrunk, claims := sweep()
	rep := Build(meta(), results, shrunk, claims)
	golden.Check(t, "sweep.md.golden", rep.Markdown())
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "sweep.json.golden", js)

	// A clean session: only the passing scenarios, at the smoke tier.
	var pass []scenario.Result
	for _, r := range results {
		if r.Scenario == "acked_writes_survive_crash" || r.Scenario == "reads_see_latest_write" {
			pass = append(pass, r)
		}
	}
	m := meta()
	m.Tier = TierSmoke
	clean := Build(m, pass, nil, nil)
	golden.Check(t, "clean.md.golden", clean.Markdown())
}

// TestBuildContent asserts what the golden files show, so that a careless
// -update cannot bless a wrong report.
func TestBuildContent(t *testing.T) {
	results, shrunk, claims := sweep()
	rep := Build(meta(), results, shrunk, claims)
	if rep.Summary.Status != StatusFail || rep.ExitCode() != ExitFinding {
		t.Errorf("status %s exit %d, want FAIL 1", rep.Summary.Status, rep.ExitCode())
	}
	if rep.Header.Runs != len(results) || rep.Header.Scenarios != 6 || rep.Header.Seeds != 4 {
		t.Errorf("header %+v", rep.Header)
	}
	if !strings.HasPrefix(rep.Summary.Headline, "2 findings: 1 blamed on the SUT (F1), 1 blamed on the harness (F2)") {
		t.Errorf("headline %q", rep.Summary.Headline)
	}
	want := map[string]scenario.Verdict{
		"acked_writes_survive_crash":              scenario.PassHardening,
		"reads_see_latest_write":                  scenario.PassSmoke,
		"acked_writes_survive_partition":          scenario.FailReproducible,
		"lock_tokens_increase_under_pause":        scenario.FailReproducible,
		"leases_never_overlap_under_clock_drift":  scenario.InconclusiveFaultNotProven,
		"ledger_conserves_money_under_duplicates": scenario.PartialModel,
	}
	for i, row := range rep.Scenarios {
		if row.Verdict != want[row.Scenario] {
			t.Errorf("%s: verdict %s, want %s", row.Scenario, row.Verdict, want[row.Scenario])
		}
		if i > 0 && rep.Scenarios[i-1].Scenario >= row.Scenario {
			t.Errorf("rows not sorted: %s before %s", rep.Scenarios[i-1].Scenario, row.Scenario)
		}
	}
	sut := rowOf(t, rep, "acked_writes_survive_partition")
	if sut.ReplaySeed != 2 || sut.Replay != "faultline replay --scenario acked_writes_survive_partition --seed 2" {
		t.Errorf("replay %d %q, want the lowest failing seed 2", sut.ReplaySeed, sut.Replay)
	}
	if len(sut.Counts) != 2 || sut.Counts[0] != (Count{scenario.FailReproducible, 2}) || sut.Counts[1] != (Count{scenario.PassHardening, 2}) {
		t.Errorf("counts %v", sut.Counts)
	}
	if len(sut.Landing) != 2 || sut.Landing[0] != (Landing{nemesis.Partition, 6, 6}) || sut.Landing[1] != (Landing{nemesis.ClockDrift, 2, 2}) {
		t.Errorf("landing %v", sut.Landing)
	}
	// Where each fault of the finding struck, and its clocks.
	f1 := rep.Findings[0]
	var where []string
	for _, f := range f1.Faults {
		where = append(where, f.Where)
	}
	if want := []string{"{n1} | {n2,n3}", "leader → n3; {n1,n2} | {n3}", "leader → n3"}; !slices.Equal(where, want) {
		t.Errorf("F1's faults struck %q, want %q", where, want)
	}
	if want := []string{"n3 ×0.1 (10x slow) over [5s, 6s) (f3)"}; !slices.Equal(f1.Clocks, want) {
		t.Errorf("F1's clocks %q, want %q", f1.Clocks, want)
	}
	for _, want := range []string{"  - f1 partition {n1} \\| {n2,n3}: landed", "  - f2 partition leader → n3; {n1,n2} \\| {n3}: landed", "- **Clocks** (rate against true time, per node):\n  - n3 ×0.1 (10x slow) over \\[5s, 6s) (f3)\n"} {
		if !strings.Contains(string(rep.Markdown()), want) {
			t.Errorf("the Markdown does not show %q", want)
		}
	}
	if e := sut.Evidence; e.Consumed != 400 || e.Recorded != 400 || e.Anomalous != 2 || e.Violations != 2 {
		t.Errorf("checker evidence %+v", e)
	}
	f := rep.Findings[0]
	if f.ID != "F1" || f.Blame != scenario.BlameSUT || f.Shrunk == nil || f.Shrunk.After.Operations != 6 || len(f.Seeds) != 2 || f.Of != 4 {
		t.Errorf("F1 = %+v", f)
	}
	if len(f.Claims) != 2 || f.Claims[1].Text != claims["C3"] {
		t.Errorf("F1 claims %v", f.Claims)
	}
	if h := rep.Findings[1]; h.Blame != scenario.BlameHarness || h.Shrunk != nil || h.Checker != "" {
		t.Errorf("F2 = %+v", h)
	}
	// Coverage: C10 has no scenario; clock-drift never landed; the
	// unproven scenario decided nothing; C2 ran without faults only.
	gaps := map[string]bool{}
	for _, g := range rep.Coverage.Gaps {
		gaps[g.Claim+"/"+g.Scenario+"/"+string(g.Kind)] = true
	}
	for _, g := range []string{"C10//", "C2//", "C5//", "/leases_never_overlap_under_clock_drift/",
		"/leases_never_overlap_under_clock_drift/clock-drift"} {
		if !gaps[g] {
			t.Errorf("gap %s missing from %v", g, rep.Coverage.Gaps)
		}
	}
	if c := rep.Coverage.Claims[0]; c.Claim != "C1" || len(c.Scenarios) != 2 || c.Verdict != scenario.FailReproducible {
		t.Errorf("C1 coverage %+v", c)
	}
	if last := rep.Coverage.Claims[len(rep.Coverage.Claims)-1]; last.Claim != "C10" {
		t.Errorf("claims not in natural order: last is %s", last.Claim)
	}
	// Checks: faults-landed failed on both seeds of the unproven scenario.
	for _, sc := range rep.Checks {
		if sc.Scenario != "leases_never_overlap_under_clock_drift" {
			continue
		}
		c := sc.Checks[2]
		if c.Name != "faults-landed" || c.Passed != 0 || c.Total != 2 || c.First == nil || c.First.Seed != 1 {
			t.Errorf("faults-landed check %+v", c)
		}
	}
	// Confidence: C3 less (the SUT finding), C6 same (partial), C2 same
	// (smoke only), C10 same (not exercised); the harness finding is
	// its own belief; nothing is ever "proven".
	beliefs := map[string]Change{}
	for _, b := range rep.Confidence {
		beliefs[b.Subject] = b.Change
		if strings.Contains(b.Text, "proven correct") || strings.Contains(b.Text, "proves") {
			t.Errorf("belief %q claims proof", b.Text)
		}
	}
	for subj, ch := range map[string]Change{"C1": Less, "C3": Less, "C2": Same, "C4": Same, "C5": Same, "C6": Same, "C10": Same, "harness": Less} {
		if beliefs[subj] != ch {
			t.Errorf("belief on %s: %q, want %q", subj, beliefs[subj], ch)
		}
	}
	md := string(rep.Markdown())
	for _, s := range []string{
		"Session status: **FAIL**",
		"Exit code: **1**",
		"faults 2 → 1, operations 100 → 6",
		"`faultline replay --scenario acked_writes_survive_partition --seed 2`",
		`read \| returned 3<br>after write 4 was acked`,
		"[history](artifacts/acked_writes_survive_partition/2/history%20%281%29.jsonl)",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("Markdown lacks %q", s)
		}
	}
}

func rowOf(t *testing.T, rep Report, name string) ScenarioRow {
	t.Helper()
	for _, row := range rep.Scenarios {
		if row.Scenario == name {
			return row
		}
	}
	t.Fatalf("no row for %s", name)
	return ScenarioRow{}
}

// TestDeterministic builds the report from the results in every rotation
// and reversed: the bytes must not change, nor between two builds.
func TestDeterministic(t *testing.T) {
	results, shrunk, claims := sweep()
	want := Build(meta(), results, shrunk, claims)
	wantMD, wantJS := want.Markdown(), mustJSON(t, want)
	for i := range results {
		rot := append(append([]scenario.Result{}, results[i:]...), results[:i]...)
		if i%2 == 1 {
			for a, b := 0, len(rot)-1; a < b; a, b = a+1, b-1 {
				rot[a], rot[b] = rot[b], rot[a]
			}
		}
		got := Build(meta(), rot, shrunk, claims)
		if !bytes.Equal(got.Markdown(), wantMD) || !bytes.Equal(mustJSON(t, got), wantJS) {
			t.Fatalf("rotation %d changes the report", i)
		}
	}
}

func mustJSON(t *testing.T, r Report) []byte {
	t.Helper()
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestJSONRoundTrip writes the sweep as a results file, reads it back and
// checks that the report is unchanged, and that the JSON report parses
// with the exit code in it.
func TestJSONRoundTrip(t *testing.T) {
	results, shrunk, claims := sweep()
	var file bytes.Buffer
	for _, r := range results {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		file.Write(append(line, '\n'))
	}
	back, err := ReadResults(&file, "results.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	a := mustJSON(t, Build(meta(), results, shrunk, claims))
	b := mustJSON(t, Build(meta(), back, shrunk, claims))
	if !bytes.Equal(a, b) {
		t.Errorf("report changes through the results file:\n%s", golden.FirstDiff(string(b), string(a)))
	}
	var doc struct {
		ExitCode int `json:"exit_code"`
		Summary  struct {
			Status string `json:"status"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(a, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ExitCode != 1 || doc.Summary.Status != "FAIL" {
		t.Errorf("JSON exit code %d status %s", doc.ExitCode, doc.Summary.Status)
	}
}

// TestProvisionalBlame: an SUT blame is final only once the checker's
// anomaly was cross-checked and the failure shrunk; the report labels it
// provisional until then, and says which is missing.
func TestProvisionalBlame(t *testing.T) {
	fail := func(anomaly string, cc *scenario.CrossCheck) scenario.Result {
		return res("s", []string{"C1"}, 1, scenario.FailReproducible, func(r *scenario.Result) {
			r.Anomaly, r.Blame, r.CrossCheck = anomaly, scenario.BlameSUT, cc
			r.Reason = "checker queue found lost-write"
		})
	}
	agrees := &scenario.CrossCheck{Name: "brute-force", Ran: true, Agrees: true, Detail: `key "k1" has no linearization`}
	notRun := &scenario.CrossCheck{Name: "none", Detail: "not cross-checked: model queue has no second checker"}
	shrunk := map[Key]*scenario.Shrunk{{Scenario: "s", Seed: 1}: {Seed: 1, Anomaly: "anomaly:queue:lost-write"}}
	tests := []struct {
		name   string
		r      scenario.Result
		shrunk map[Key]*scenario.Shrunk
		want   string
	}{
		{"cross-checked and shrunk", fail("anomaly:queue:lost-write", agrees), shrunk, ""},
		{"not cross-checked, not shrunk", fail("anomaly:queue:lost-write", notRun), nil, "model queue has no second checker: not cross-checked; not shrunk"},
		{"no cross-check at all, shrunk", fail("anomaly:queue:lost-write", nil), shrunk, "not cross-checked"},
		{"an SUT panic needs no cross-check", fail("panic:n1", nil), nil, "not shrunk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Build(meta(), []scenario.Result{tt.r}, tt.shrunk, nil)
			f := rep.Findings[0]
			if f.Provisional != tt.want {
				t.Fatalf("provisional %q, want %q", f.Provisional, tt.want)
			}
			md := string(rep.Markdown())
			label := "(blame: SUT, provisional,"
			if (tt.want != "") != strings.Contains(md, label) {
				t.Errorf("heading label %q shown: %v, want %v:\n%s", label, strings.Contains(md, label), tt.want != "", md)
			}
		})
	}
	rep := Build(meta(), []scenario.Result{fail("anomaly:queue:lost-write", notRun)}, nil, nil)
	golden.Check(t, "provisional.md.golden", rep.Markdown())
}

// TestFailoverSweepCheck: a failover scenario whose sweep saw at most one
// failover is not a PASS, whatever its seeds say; with two it is.
func TestFailoverSweepCheck(t *testing.T) {
	failovers := func(n int) func(*scenario.Result) {
		return func(r *scenario.Result) { r.Failovers = &n }
	}
	results := []scenario.Result{
		res("one_failover", []string{"C1"}, 1, scenario.PassHardening, failovers(0)),
		res("one_failover", []string{"C1"}, 2, scenario.PassHardening, failovers(1)),
		res("two_failovers", []string{"C1"}, 1, scenario.PassHardening, failovers(1)),
		res("two_failovers", []string{"C1"}, 2, scenario.PassHardening, failovers(1)),
		res("not_failover", []string{"C1"}, 1, scenario.PassHardening),
	}
	rep := Build(meta(), results, nil, nil)
	want := map[string]scenario.Verdict{"one_failover": scenario.InconclusiveFaultNotProven, "two_failovers": scenario.PassHardening, "not_failover": scenario.PassHardening}
	for _, row := range rep.Scenarios {
		if row.Verdict != want[row.Scenario] {
			t.Errorf("%s: %s (%s), want %s", row.Scenario, row.Verdict, row.Reason, want[row.Scenario])
		}
	}
	for _, sc := range rep.Checks {
		var fc *CheckSummary
		for i := range sc.Checks {
			if sc.Checks[i].Name == "failovers-seen" {
				fc = &sc.Checks[i]
			}
		}
		switch {
		case sc.Scenario == "not_failover" && fc != nil:
			t.Errorf("not_failover has a failover check: %+v", fc)
		case sc.Scenario == "one_failover" && (fc == nil || fc.Passed != 0 || !strings.Contains(fc.Detail, "1 failover over 2 seeds")):
			t.Errorf("one_failover: %+v", fc)
		case sc.Scenario == "two_failovers" && (fc == nil || fc.Passed != 1):
			t.Errorf("two_failovers: %+v", fc)
		}
	}
	if rep.Summary.Status != StatusInconclusive {
		t.Errorf("status %s, want INCONCLUSIVE", rep.Summary.Status)
	}
	golden.Check(t, "failover.md.golden", rep.Markdown())
}

// TestFailoverSweepCheckRealRuns: pbkv's failover scenario, run for real
// on seeds whose histories show no failover, is not a PASS over that
// sweep; on seeds that show one each, it is.
func TestFailoverSweepCheckRealRuns(t *testing.T) {
	reg := reference.Registry()
	s, err := reg.Scenario("acked_writes_survive_primary_failover")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		seeds []uint64
		want  scenario.Verdict
	}{
		{[]uint64{4, 12}, scenario.InconclusiveFaultNotProven}, // no failover in either
		{[]uint64{3, 8}, scenario.PassHardening},               // one in each
	} {
		var rs []scenario.Result
		for _, seed := range tt.seeds {
			r, err := reg.Run(s, seed, scenario.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != scenario.PassHardening || r.Failovers == nil {
				t.Fatalf("seed %d: %s, failovers %v: %s", seed, r.Verdict, r.Failovers, r.Reason)
			}
			rs = append(rs, r)
		}
		rep := Build(meta(), rs, nil, nil)
		if got := rep.Scenarios[0].Verdict; got != tt.want {
			t.Errorf("seeds %v: %s (%s), want %s", tt.seeds, got, rep.Scenarios[0].Reason, tt.want)
		}
	}
}

// TestSourcesKeepScenariosApart: results of scenarios of one name from
// two sources (two packages, a package and a plan) merge without a
// conflict, and the report shows two scenarios, each with its own
// finding, seeds, reproducer and replay command, and says where each came
// from.
func TestSourcesKeepScenariosApart(t *testing.T) {
	pkgA := scenario.Source{Package: "example.com/a"}
	pkgB := scenario.Source{Package: "example.com/b", Plan: "plan.md"}
	from := func(src scenario.Source, seed uint64, v scenario.Verdict) scenario.Result {
		return res("s", []string{"C1"}, seed, v, func(r *scenario.Result) {
			r.Source = src
			if v.IsFail() {
				r.Anomaly, r.Blame = "anomaly:linearizable:not-linearizable", scenario.BlameSUT
			}
			if src == pkgB {
				r.TraceHash += "b" // another system: another run
			}
		})
	}
	a1, a2 := from(pkgA, 1, scenario.FailReproducible), from(pkgA, 2, scenario.PassHardening)
	b1, b2 := from(pkgB, 1, scenario.FailReproducible), from(pkgB, 2, scenario.FailReproducible)
	rs, err := Merge(Input{"a.jsonl", []scenario.Result{a1, a2}}, Input{"b.jsonl", []scenario.Result{b2, b1}})
	if err != nil {
		t.Fatalf("results of two sources conflict: %v", err)
	}
	if len(rs) != 4 {
		t.Fatalf("merged %d results, want 4", len(rs))
	}
	shrunk := map[Key]*scenario.Shrunk{{Scenario: "s", Seed: 1, Source: pkgB}: {Seed: 1, Anomaly: "anomaly:linearizable:not-linearizable"}}
	rep := Build(meta(), rs, shrunk, nil)
	if len(rep.Scenarios) != 2 || len(rep.Findings) != 2 {
		t.Fatalf("%d scenarios, %d findings; want 2 and 2", len(rep.Scenarios), len(rep.Findings))
	}
	for i, want := range []struct {
		src   scenario.Source
		seeds []uint64
		of    int
		shrnk bool
	}{{pkgA, []uint64{1}, 2, false}, {pkgB, []uint64{1, 2}, 2, true}} {
		row, f := rep.Scenarios[i], rep.Findings[i]
		if row.Source != want.src || f.Source != want.src || len(row.Findings) != 1 || row.Findings[0] != f.ID {
			t.Errorf("row %s (%s) findings %v; finding %s (%s)", row.ID, row.Source, row.Findings, f.ID, f.Source)
		}
		if fmt.Sprint(f.Seeds) != fmt.Sprint(want.seeds) || f.Of != want.of || (f.Shrunk != nil) != want.shrnk {
			t.Errorf("%s: seeds %v of %d, shrunk %v; want %v of %d, shrunk %v", f.ID, f.Seeds, f.Of, f.Shrunk != nil, want.seeds, want.of, want.shrnk)
		}
		if r := (scenario.Result{Scenario: "s", Seed: 1, Source: want.src}); f.Replay != r.ReplayCommand() {
			t.Errorf("%s replays with %q", f.ID, f.Replay)
		}
	}
	md := string(rep.Markdown())
	for _, want := range []string{"from package example.com/a", "from package example.com/b, plan plan.md"} {
		if strings.Count(md, want) != 2 {
			t.Errorf("the report says %q %d times, want 2 (scenario table, finding):\n%s", want, strings.Count(md, want), md)
		}
	}
	// The same source and seed twice is still one run, and a conflict
	// when they differ.
	bad := b1
	bad.TraceHash = "ffff"
	if _, err := Merge(Input{"a.jsonl", []scenario.Result{a1, b1}}, Input{"b.jsonl", []scenario.Result{bad}}); !errors.Is(err, ErrConflict) ||
		!strings.Contains(err.Error(), "scenario s (package example.com/b, plan plan.md) seed 1") {
		t.Errorf("conflict within a source: %v", err)
	}
}
