package quickstart

import (
	"fmt"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/fl"
)

// recorder stands in for a *testing.T to see what fl.Test reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Name() string              { return "TestX" }
func (r *recorder) Error(args ...any)         { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recorder) Logf(string, ...any)       {}

// TestFailureNamesThisPackage: a failure under fl.Test prints the replay
// command of this package (whose TestMain serves as a worker), not of fl.
func TestFailureNamesThisPackage(t *testing.T) {
	rec := &recorder{TB: t}
	fl.Test(rec, registry(), "quickstore_linearizable_under_pauses@lossy")
	want := "faultline replay github.com/faultline-dst/faultline/examples/quickstart --scenario quickstore_linearizable_under_pauses@lossy --seed 1"
	if len(rec.errors) == 0 || !strings.Contains(rec.errors[0], want) {
		t.Fatalf("errors %q\nwant the first to contain %q", rec.errors, want)
	}
}
