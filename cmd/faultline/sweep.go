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

Scenarios come from the built-in reference catalogue, a test plan (--plan),
or a Go package whose test binary registers them (PKG: built once with
go test -c and driven as the workers; its TestMain calls
sweep.WorkerMain when FAULTLINE_WORKER=1).

Usage:
  faultline sweep [PKG] [--scenario NAME]... [--plan PLAN.md] [--seeds N|A..B]
                  [--workers N] [--results FILE] [--resume] [--shard i/n | n]

Examples:
  faultline sweep --seeds 1000
  faultline sweep --scenario reads_linearizable_under_partition@stale-read --seeds 200 --results r.jsonl
  faultline sweep --plan plan.md --seeds 100..199 --workers 2 --results r.jsonl --resume
  faultline sweep --seeds 10000 --shard 3/8 --results shard3.jsonl
  JOB_COMPLETION_INDEX=3 faultline sweep --seeds 10000 --shard 8 --results shard.jsonl
  faultline sweep ./internal/mystore --seeds 500
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
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	for _, err := range []error{checkScenarioNames(fs, *names...), checkWorkers(fs, *workers), checkPositiveDuration("job-timeout", *jobTimeout)} {
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
	var command func() *exec.Cmd
	switch {
	case fs.NArg() > 1:
		return fail(stderr, "sweep", usagef("want at most one package, got %q", fs.Args()))
	case fs.NArg() == 1:
		if *plan != "" {
			return fail(stderr, "sweep", usagef("--plan and a package are two sources of scenarios; give one"))
		}
		bin, cleanup, err := buildTestBinary(fs.Arg(0), stderr)
		if err != nil {
			return fail(stderr, "sweep", err)
		}
		defer cleanup()
		command = func() *exec.Cmd {
			c := exec.Command(bin, "-test.run=^$")
			c.Env = append(os.Environ(), sweep.WorkerEnv+"=1")
			return c
		}
		p.Scenarios = *names
		if len(p.Scenarios) == 0 {
			infos, err := hello(command)
			if err != nil {
				return fail(stderr, "sweep", err)
			}
			for _, in := range infos {
				p.Scenarios = append(p.Scenarios, in.Name)
			}
		}
	default:
		src, err := loadSource(*plan)
		if err != nil {
			return fail(stderr, "sweep", err)
		}
		scs, err := src.selected(*names)
		if err != nil {
			return fail(stderr, "sweep", err)
		}
		for _, s := range scs {
			p.Scenarios = append(p.Scenarios, s.Name)
		}
		self, err := os.Executable()
		if err != nil {
			return fail(stderr, "sweep", err)
		}
		planAbs := ""
		if *plan != "" {
			planAbs, _ = filepath.Abs(*plan)
		}
		command = func() *exec.Cmd {
			if planAbs != "" {
				return exec.Command(self, "worker", "--plan", planAbs)
			}
			return exec.Command(self, "worker")
		}
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
		Progress:   sweep.NewProgress(stderr, isTerminal(stderr), 10*time.Second, nil),
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
	for i := range sum.Findings {
		switch {
		case fs.NArg() == 1:
			sum.Findings[i].Replay = strings.Replace(sum.Findings[i].Replay, "faultline replay ", "faultline replay "+fs.Arg(0)+" ", 1)
		case *plan != "":
			sum.Findings[i].Replay += " --plan " + *plan
		}
	}
	if *asJSON {
		_ = printJSON(stdout, sum)
	} else {
		printSummary(stdout, sum, *results)
	}
	return sum.ExitCode
}

func printSummary(w io.Writer, sum sweep.Summary, results string) {
	fmt.Fprintf(w, "seeds       %d recorded of %d (%d resumed, %d run, %d worker deaths)\n", sum.Recorded, sum.Jobs, sum.Resumed, sum.Ran, sum.WorkerDeaths)
	for _, v := range scenario.Verdicts() {
		if n := sum.Verdicts[v]; n > 0 {
			fmt.Fprintf(w, "verdict     %-32s %d\n", v, n)
		}
	}
	for _, f := range sum.Findings {
		fmt.Fprintf(w, "finding     %s %s: %s, blame %s, %d seeds; replay: %s\n", f.ID, f.Scenario, f.Anomaly, f.Blame, len(f.Seeds), f.Replay)
	}
	fmt.Fprintf(w, "results     %s (faultline report %s)\n", results, results)
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

// buildTestBinary builds the test binary of a Go package once, like go
// test -fuzz does, so that it can serve as the sweep's workers.
func buildTestBinary(pkg string, stderr io.Writer) (string, func(), error) {
	dir, err := os.MkdirTemp("", "faultline-pkg-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	bin := filepath.Join(dir, "pkg.test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, pkg)
	if st, err := os.Stat(pkg); err == nil && st.IsDir() {
		// A directory: build it from inside, so that its own module is used
		// wherever faultline runs from.
		cmd = exec.Command("go", "test", "-c", "-o", bin, ".")
		cmd.Dir = pkg
	}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, usagef("building the test binary of %s: %v", pkg, err)
	}
	if _, err := os.Stat(bin); err != nil {
		cleanup()
		return "", nil, usagef("%s has no test files to build a worker from", pkg)
	}
	return bin, cleanup, nil
}

// hello starts one worker and reads the scenarios it announces.
func hello(command func() *exec.Cmd) ([]sweep.ScenarioInfo, error) {
	cmd := command()
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, rerr := bufio.NewReader(out).ReadBytes('\n')
	in.Close()
	_ = cmd.Wait()
	var h sweep.Hello
	if rerr != nil || json.Unmarshal(line, &h) != nil || h.Protocol == 0 {
		return nil, usagef("the package's test binary did not answer as a faultline worker; its TestMain must call sweep.WorkerMain when %s=1 (stderr: %s)", sweep.WorkerEnv, strings.TrimSpace(errb.String()))
	}
	return h.Scenarios, nil
}

// listPackage lists the scenarios a package's test binary registers.
func listPackage(pkg string, stderr io.Writer) ([]listEntry, error) {
	bin, cleanup, err := buildTestBinary(pkg, stderr)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	infos, err := hello(func() *exec.Cmd {
		c := exec.Command(bin, "-test.run=^$")
		c.Env = append(os.Environ(), sweep.WorkerEnv+"=1")
		return c
	})
	if err != nil {
		return nil, err
	}
	var out []listEntry
	for _, in := range infos {
		out = append(out, listEntry{Name: in.Name, System: in.System, Model: in.Model, Checker: in.Checker, Claims: in.Claims, Bugs: in.Bugs, KnownBug: len(in.Bugs) > 0, Seeds: in.Seeds})
	}
	return out, nil
}

// runInPackage runs one seed of a scenario that a Go package registers,
// through its test binary serving as a worker for one job.
func runInPackage(pkg, name string, seed uint64, stderr io.Writer) (scenario.Result, error) {
	bin, cleanup, err := buildTestBinary(pkg, stderr)
	if err != nil {
		return scenario.Result{}, err
	}
	defer cleanup()
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), sweep.WorkerEnv+"=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		return scenario.Result{}, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return scenario.Result{}, err
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return scenario.Result{}, err
	}
	defer func() { in.Close(); _ = cmd.Wait() }()
	rd := bufio.NewReaderSize(out, 1<<20)
	var h sweep.Hello
	line, err := rd.ReadBytes('\n')
	if err != nil || json.Unmarshal(line, &h) != nil || h.Protocol == 0 {
		return scenario.Result{}, usagef("the test binary of %s did not answer as a faultline worker; its TestMain must call sweep.WorkerMain when %s=1", pkg, sweep.WorkerEnv)
	}
	if name == "" {
		if len(h.Scenarios) != 1 {
			var names []string
			for _, s := range h.Scenarios {
				names = append(names, s.Name)
			}
			return scenario.Result{}, usagef("%s registers %d scenarios; name one with --scenario: %s", pkg, len(names), strings.Join(names, ", "))
		}
		name = h.Scenarios[0].Name
	}
	job, _ := json.Marshal(sweep.Job{Scenario: name, Seed: seed})
	if _, err := in.Write(append(job, '\n')); err != nil {
		return scenario.Result{}, err
	}
	line, err = rd.ReadBytes('\n')
	if err != nil {
		return scenario.Result{}, fmt.Errorf("the worker died running %s seed %d: %v", name, seed, err)
	}
	var bad struct {
		UsageError string `json:"usage_error"`
	}
	if json.Unmarshal(line, &bad) == nil && bad.UsageError != "" {
		return scenario.Result{}, usageError{bad.UsageError}
	}
	var res scenario.Result
	if err := json.Unmarshal(line, &res); err != nil {
		return res, fmt.Errorf("the worker's answer is not a result: %v", err)
	}
	return res, nil
}
