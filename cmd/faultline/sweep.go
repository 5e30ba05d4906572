package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

const sweepHelp = `Run scenarios over many seeds on every core, in worker processes: a fatal
error in the system under test (os.Exit, a runtime fatal error, a stack
overflow) costs one seed, recorded with its blame, not the sweep. Results
stream to a JSON Lines file as each seed ends, synced; --resume continues a
killed sweep with nothing lost or run twice. Failures are grouped into
distinct findings (same anomaly kind, checker and blame).

Scenarios come from the built-in reference catalogue or a Go package
whose test binary registers them (PKG: built once with go test -c and
driven as the workers; its TestMain calls sweep.WorkerMain when
FAULTLINE_WORKER=1), or a Go main package (PKG: an ordinary service,
built once with GOOS=wasip1 GOARCH=wasm, cached, and run as guest nodes
by faultline's own workers; its faultline.md declares the system, see
package guest/mainpkg), and from a test plan (--plan) whose blocks name
their systems. Every result line records the package and plan, so that
'faultline replay --result FILE:LINE' needs nothing else.

Usage:
  faultline sweep [PKG] [--scenario NAME]... [--plan PLAN.md] [--seeds N|A..B]
                  [--workers N] [--results FILE] [--resume] [--shard i/n | n]
                  [--job-timeout D] [--stuck-after D]

Examples:
  faultline sweep --seeds 1000
  faultline sweep --scenario reads_linearizable_under_partition@stale-read --seeds 200 --results r.jsonl
  faultline sweep --plan plan.md --seeds 100..199 --workers 2 --results r.jsonl --resume
  faultline sweep --seeds 10000 --shard 3/8 --results shard3.jsonl
  JOB_COMPLETION_INDEX=3 faultline sweep --seeds 10000 --shard 8 --results shard.jsonl
  faultline sweep ./internal/mystore --seeds 500
  faultline sweep ./cmd/mysvc --seeds 200
`

func cmdSweep(args []string, stdout, stderr io.Writer) int {
	fs := flags("sweep", sweepHelp, stderr)
	names := fs.StringSlice("scenario", nil, "scenarios to sweep (repeat or comma-separate; default: the plan's, the package's, or the built-in reference scenario)")
	plan := fs.String("plan", "", "take scenarios from the faultline blocks of `PLAN.md`")
	seeds := fs.String("seeds", "100", "seeds: N (1..N) or A..B")
	workers := fs.Int("workers", 0, "worker processes (default: the number of CPUs)")
	results := fs.String("results", "results.jsonl", "append results to `FILE` (JSON Lines)")
	resume := fs.Bool("resume", false, "continue the sweep recorded in --results")
	shard := fs.String("shard", "", "run one shard: i/n, or n with i from JOB_COMPLETION_INDEX")
	jobTimeout := fs.Duration("job-timeout", 10*time.Minute, "host-time limit per seed, a last resort against a hung worker")
	stuckAfter := fs.Duration("stuck-after", scenario.DefaultStuckAfter, "host-time limit for one call into a node: a callback that never returns is abandoned after it, blamed from its stack, and its worker replaced")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	for _, err := range []error{checkScenarioNames(fs, *names...), checkWorkers(fs, *workers), checkPositiveDuration("job-timeout", *jobTimeout), checkPositiveDuration("stuck-after", *stuckAfter)} {
		if err != nil {
			return fail(stderr, "sweep", err)
		}
	}
	list, err := sweep.ParseSeeds(*seeds)
	if err != nil {
		return fail(stderr, "sweep", usageError{err.Error()})
	}
	p := sweep.Plan{Seeds: list}
	if *shard != "" {
		if p.Shard, err = sweep.ParseShard(*shard, os.Getenv); err != nil {
			return fail(stderr, "sweep", usageError{err.Error()})
		}
	}
	src, err := sourceArg(fs.Args(), *plan, stderr)
	if err != nil {
		return fail(stderr, "sweep", err)
	}
	defer src.close()
	if p.Scenarios, err = src.selected(*names); err != nil {
		return fail(stderr, "sweep", err)
	}
	command := src.workerCmd()
	if src.reg != nil {
		self, err := os.Executable()
		if err != nil {
			return fail(stderr, "sweep", err)
		}
		command = func() *exec.Cmd { return exec.Command(self, "worker") } // the plan travels with each job
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // a second signal kills at once
	sum, err := sweep.Run(ctx, p, sweep.Options{
		Command:    command,
		Workers:    *workers,
		Results:    *results,
		Resume:     *resume,
		JobTimeout: *jobTimeout,
		StuckAfter: *stuckAfter,
		Progress:   sweep.NewProgress(stderr, isTerminal(stderr), 10*time.Second, nil),
		Source:     src.at,
	})
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "faultline sweep: stopped by a signal: %d seeds recorded in %s, nothing torn; continue with the same command and --resume\n", sum.Recorded, *results)
		return exitInconclusive
	}
	if err != nil {
		if errors.Is(err, sweep.ErrUsage) || errors.Is(err, sweep.ErrResultsExist) || errors.Is(err, sweep.ErrResultsFile) {
			return fail(stderr, "sweep", usageError{err.Error()})
		}
		return fail(stderr, "sweep", err)
	}
	if *asJSON {
		_ = printJSON(stdout, sum)
	} else {
		printSummary(stdout, sum, *results)
	}
	return sum.ExitCode
}

func printSummary(w io.Writer, sum sweep.Summary, results string) {
	var lines map[sweep.Job]int
	if len(sum.Findings) > 0 {
		lines = resultLines(results)
	}
	fmt.Fprintf(w, "seeds       %d recorded of %d (%d resumed, %d run, %d worker deaths)\n", sum.Recorded, sum.Jobs, sum.Resumed, sum.Ran, sum.WorkerDeaths)
	if sum.Redone > 0 {
		fmt.Fprintf(w, "redone      %d seeds recorded INCONCLUSIVE-env because their worker died from outside, run again\n", sum.Redone)
	}
	for _, v := range scenario.Verdicts() {
		if n := sum.Verdicts[v]; n > 0 {
			fmt.Fprintf(w, "verdict     %-32s %d\n", v, n)
		}
	}
	for _, c := range sum.SweepChecks {
		if !c.OK {
			what := ""
			if v, ok := sum.Demoted[c.Scenario]; ok {
				what = fmt.Sprintf(" (so the scenario is %s, not PASS)", v)
			}
			fmt.Fprintf(w, "check       %s failed for %s: %s%s\n", c.Name, c.Scenario, c.Detail, what)
		}
	}
	for _, f := range sum.Findings {
		fmt.Fprintf(w, "finding     %s %s: %s, blame %s, %d seeds; replay: %s\n", f.ID, f.Scenario, f.Anomaly, f.Blame, len(f.Seeds), f.Replay)
		if n := lines[sweep.Job{Scenario: f.Scenario, Seed: f.First.Seed}]; n > 0 {
			fmt.Fprintf(w, "            or: %s\n", scenario.Source{}.Command("replay", "--result", fmt.Sprintf("%s:%d", results, n)))
		}
		if f.First.Stop != "worker-died" && f.First.Stop != sweep.StopStuck { // a process that dies, a run that hangs: not shrunk
			fmt.Fprintf(w, "            shrink: %s\n", f.First.Source.Command("shrink", "--scenario", f.Scenario, "--seed", fmt.Sprint(f.First.Seed)))
		}
	}
	base := strings.TrimSuffix(results, filepath.Ext(results))
	fmt.Fprintf(w, "results     %s (%s)\n", results, scenario.Source{}.Command("report", results, "--md", base+".md", "--pages", base+"-pages"))
}

// resultLines maps each (scenario, seed) of a results file to its line
// number, so that the summary can print a replay --result command.
func resultLines(path string) map[sweep.Job]int {
	out := map[sweep.Job]int{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var j sweep.Job
		if json.Unmarshal(sc.Bytes(), &j) == nil && j.Scenario != "" {
			if _, dup := out[j]; !dup {
				out[j] = n
			}
		}
	}
	return out
}

// isTerminal reports whether w is a terminal, for the progress bar.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
