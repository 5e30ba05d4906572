package faultlinetest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/faultlinetest"
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
