package sweep_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

// TestThroughput measures seeds per second of the reference scenario
// (raftkv key-value under partitions and crashes) in this process, one
// seed after another, against worker processes. It runs only when asked:
//
//	SWEEP_THROUGHPUT=40 go test -run Throughput -v ./sweep/
func TestThroughput(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("SWEEP_THROUGHPUT"))
	if err != nil || n <= 0 {
		t.Skip("set SWEEP_THROUGHPUT=<seeds> to measure")
	}
	seeds := scenario.Seeds(1, n)
	reg := testRegistry()
	s, err := reg.Scenario(reference.Default)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	local, err := reg.Sweep(s, scenario.SweepOptions{Seeds: seeds})
	if err != nil {
		t.Fatal(err)
	}
	inProcess := time.Since(start)
	t.Logf("%s, %d seeds, in one process: %v, %.1f seeds/s", reference.Default, n, inProcess.Round(time.Millisecond), float64(n)/inProcess.Seconds())
	for _, workers := range []int{1, 2} {
		path := filepath.Join(t.TempDir(), "results.jsonl")
		start := time.Now()
		sum, err := sweep.Run(context.Background(), sweep.Plan{Scenarios: []string{reference.Default}, Seeds: seeds},
			sweep.Options{Command: workerCommand(), Workers: workers, Results: path})
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		rs, _ := sweep.ReadResults(path)
		if canonical(t, rs) != canonical(t, local) {
			t.Errorf("%d workers: results differ from the in-process sweep", workers)
		}
		t.Logf("%d worker processes: %v, %.1f seeds/s (%.2fx the in-process rate); verdicts %v",
			workers, took.Round(time.Millisecond), float64(n)/took.Seconds(), inProcess.Seconds()/took.Seconds(), sum.Verdicts)
	}
}
