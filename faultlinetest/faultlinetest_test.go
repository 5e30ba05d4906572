package faultlinetest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/faultlinetest"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/scenario"
)

// recorder stands in for a *testing.T to see what Run reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Name() string              { return "TestX" }
func (r *recorder) Error(args ...any)         { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recorder) Fatal(args ...any)         { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Fatalf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recorder) Logf(string, ...any)       {}

func TestRunPassesACorrectSystem(t *testing.T) {
	rec := &recorder{TB: t}
	res := faultlinetest.Run(rec, reference.Registry(), "memstore_kv_linearizable_under_pauses")
	if len(rec.errors) > 0 || len(res) != 10 {
		t.Fatalf("%d results, errors %q", len(res), rec.errors)
	}
}

func TestRunFailsAKnownBugWithTheReplayCommand(t *testing.T) {
	rec := &recorder{TB: t}
	faultlinetest.Run(rec, reference.Registry(), "memstore_kv_linearizable_under_pauses@drop-writes")
	if len(rec.errors) == 0 {
		t.Fatal("a known bug passed")
	}
	e := rec.errors[0]
	for _, want := range []string{"FAIL-reproducible", "blame SUT", "faultline replay --scenario memstore_kv_linearizable_under_pauses@drop-writes --seed 1", "-faultline.seed=1"} {
		if !strings.Contains(e, want) {
			t.Errorf("report lacks %q:\n%s", want, e)
		}
	}
}

func TestRunUnknownScenario(t *testing.T) {
	rec := &recorder{TB: t}
	faultlinetest.Run(rec, reference.Registry(), "nope")
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], `unknown scenario "nope"; valid:`) {
		t.Fatalf("errors %q", rec.errors)
	}
}

// FuzzMemstoreKV runs its seed corpus under plain go test; under
// go test -fuzz=FuzzMemstoreKV the fuzzer chooses fault schedules.
func FuzzMemstoreKV(f *testing.F) {
	faultlinetest.Fuzz(f, reference.Registry(), "memstore_kv_linearizable_under_pauses")
}

// TestOnlyPassPassesByDefault runs real scenarios that end in each weaker
// verdict: each fails the test by default and passes only with its own
// option.
func TestOnlyPassPassesByDefault(t *testing.T) {
	reg := reference.Registry()
	base, err := reg.Scenario("memstore_kv_linearizable_under_pauses")
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name string, change func(*scenario.Scenario)) string {
		s := base
		s.Name = name
		change(&s)
		if err := reg.AddScenario(s); err != nil {
			t.Fatal(err)
		}
		return name
	}
	tests := []struct {
		scenario string
		verdict  scenario.Verdict
		allow    faultlinetest.Options
	}{
		{variant("surface", func(s *scenario.Scenario) { s.Checker = scenario.NoChecker }), scenario.PartialSurface, faultlinetest.Options{AllowPartialSurface: true}},
		{variant("cut-short", func(s *scenario.Scenario) { s.MaxEvents = 200 }), scenario.PartialModel, faultlinetest.Options{AllowPartialModel: true}},
		{variant("no-node-seen", func(s *scenario.Scenario) {
			s.History = history.AllFields.Minus(history.Fields(history.FieldNodeSeen))
		}), scenario.InconclusiveOracleTooWeak, faultlinetest.Options{AllowInconclusive: true}},
	}
	others := []faultlinetest.Options{{AllowInconclusive: true}, {AllowPartialSurface: true}, {AllowPartialModel: true}, {AllowNotRun: true}}
	same := func(a, b faultlinetest.Options) bool {
		return a.AllowInconclusive == b.AllowInconclusive && a.AllowPartialSurface == b.AllowPartialSurface &&
			a.AllowPartialModel == b.AllowPartialModel && a.AllowNotRun == b.AllowNotRun
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rec := &recorder{TB: t}
			res := faultlinetest.Run(rec, reg, tt.scenario)
			if len(res) == 0 || res[0].Verdict != tt.verdict {
				t.Fatalf("want %s, got %+v", tt.verdict, res)
			}
			if len(rec.errors) != len(res) || !strings.Contains(rec.errors[0], string(tt.verdict)) {
				t.Errorf("by default every %s seed must fail the test; errors: %q", tt.verdict, rec.errors)
			}
			rec = &recorder{TB: t}
			faultlinetest.Run(rec, reg, tt.scenario, tt.allow)
			if len(rec.errors) > 0 {
				t.Errorf("with %+v: %q", tt.allow, rec.errors)
			}
			for _, o := range others {
				if same(o, tt.allow) {
					continue
				}
				rec = &recorder{TB: t}
				faultlinetest.Run(rec, reg, tt.scenario, o)
				if len(rec.errors) == 0 {
					t.Errorf("%s passed with the unrelated option %+v", tt.verdict, o)
				}
			}
		})
	}
}

// TestExpectBug keeps known bugs found: it passes when the bug shows with
// its anomaly kind, and fails, naming the replay command, when it does
// not or when another failure shows instead.
func TestExpectBug(t *testing.T) {
	reg := reference.Registry()
	tests := []struct {
		name      string
		scenario  string
		bug       faultlinetest.Bug
		wantError []string // substrings of the first error; none: the test passes
	}{
		{"drop-writes found by kind", "memstore_kv_linearizable_under_pauses@drop-writes", faultlinetest.Bug{Anomaly: "not-linearizable", Seeds: 3, MinFound: 3}, nil},
		{"lose-enqueue found by signature", "memstore_queue_delivers_under_pauses@lose-enqueue", faultlinetest.Bug{Anomaly: "anomaly:queue:lost-write", Seeds: 3}, nil},
		{"stale-token found", "memstore_fencing_tokens_increase_under_pauses@stale-token", faultlinetest.Bug{Anomaly: "duplicate-token", Seeds: 3}, nil},
		{"a correct system does not show the bug", "memstore_kv_linearizable_under_pauses", faultlinetest.Bug{Anomaly: "not-linearizable", Seeds: 2},
			[]string{"the known bug (not-linearizable) was found on 0 of 2 seeds, want at least 1", "verdicts: PASS-hardening 2",
				"replay: faultline replay --scenario memstore_kv_linearizable_under_pauses --seed 1", "-faultline.seed=1"}},
		{"another anomaly is another finding", "memstore_kv_linearizable_under_pauses@drop-writes", faultlinetest.Bug{Anomaly: "lost-write", Seeds: 1},
			[]string{"seed 1: FAIL-reproducible (blame SUT, anomaly \"anomaly:linearizable:not-linearizable\"), but the expected bug is lost-write",
				"replay: faultline replay --scenario memstore_kv_linearizable_under_pauses@drop-writes --seed 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			res := faultlinetest.ExpectBug(rec, reg, tt.scenario, tt.bug)
			if len(res) != tt.bug.Seeds {
				t.Errorf("%d results, want %d", len(res), tt.bug.Seeds)
			}
			if len(tt.wantError) == 0 {
				if len(rec.errors) > 0 {
					t.Fatalf("errors: %q", rec.errors)
				}
				return
			}
			if len(rec.errors) == 0 {
				t.Fatal("passed; want a failure")
			}
			for _, w := range tt.wantError {
				if !strings.Contains(rec.errors[0], w) {
					t.Errorf("error lacks %q:\n%s", w, rec.errors[0])
				}
			}
		})
	}
}
