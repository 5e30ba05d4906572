package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dst/faultline/scenario"
)

// ErrUsage marks a plan the workers cannot run as written: an unknown
// scenario, or one its registry refuses to run. The command line maps it
// to exit code 2.
var ErrUsage = errors.New("usage error")

// Options configure Run.
type Options struct {
	// Command returns a new, unstarted command for one worker process:
	// a binary that calls Serve on its standard input and output (for
	// example `faultline worker`, or a test binary with WorkerEnv set). It
	// is called once per worker and again for each restart; it must not
	// set the command's Stdin, Stdout or Stderr.
	Command func() *exec.Cmd
	// Workers is how many worker processes run jobs at once (0: the
	// number of CPUs).
	Workers int
	// Results is the JSON Lines file results are appended to.
	Results string
	// Resume continues the sweep recorded in Results: every job already
	// there is skipped, but for those recorded INCONCLUSIVE-env because
	// their worker died from outside (Redoable), whose lines are removed
	// and which run again. Without it, a Results file that holds results
	// is an error (ErrResultsExist).
	Resume bool
	// Progress, when set, is told of every finished job.
	Progress *Progress
	// JobTimeout, when positive, is a host-time limit per job: a worker
	// still running a job after it is asked for a goroutine dump and
	// stopped. That is an environment event, like a worker killed from
	// outside: the job is re-run once in a fresh worker with twice the
	// limit, and the rerun decides (see afterDeath); only a rerun that
	// times out in the same code of the system under test is SUT blame.
	// Set it well above the slowest seed; the simulation's own budgets
	// are deterministic, this is only the last resort.
	JobTimeout time.Duration
	// WorkerStderr, when set, receives everything the workers write on
	// standard error (the system's logs), from several goroutines at
	// once (os.Stderr is safe for that); only the end of each job's is
	// kept otherwise, to blame a death.
	WorkerStderr io.Writer
	// StuckAfter, when not 0, is sent with every job: the host-time limit
	// for one call into a node (scenario.RunOptions.StuckAfter; the
	// workers' default otherwise). A worker whose run it abandoned ends
	// after answering, and the next job gets a fresh worker.
	StuckAfter time.Duration
	// Source is sent with every job: the package and plan the scenarios
	// come from. Workers read the plan's blocks and stamp the source on
	// every result line.
	Source scenario.Source
}

// Run runs the plan's jobs in worker processes and appends each result to
// the results file as its job ends; see the package documentation for the
// contract. It returns the summary of every result of the plan's jobs in
// the file, including those of an earlier, resumed run.
//
// When ctx ends, Run kills the workers and returns ctx's error with the
// summary so far; the jobs that were running are not recorded, and the
// results file is ready to be resumed.
func Run(ctx context.Context, plan Plan, opts Options) (Summary, error) {
	jobs, err := plan.Jobs()
	if err != nil {
		return Summary{}, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if opts.Command == nil {
		return Summary{}, errors.New("sweep: Options.Command is nil: no way to start a worker")
	}
	if opts.Results == "" {
		return Summary{}, errors.New("sweep: Options.Results is empty: results need a file")
	}
	rf, recs, err := openResults(opts.Results, opts.Resume)
	if err != nil {
		return Summary{}, err
	}
	defer func() { rf.close() }()

	c := &coordinator{opts: opts, rf: rf, done: map[Job]bool{}}
	inPlan := map[Job]bool{}
	for _, j := range jobs {
		inPlan[j] = true
	}
	// A seed recorded INCONCLUSIVE-env because its worker died from
	// outside (killed, out of memory, past the time limit) twice says
	// nothing about the seed: resuming runs it again, its old line removed
	// so that the file keeps one result per job.
	redo := map[int]bool{}
	for _, r := range recs {
		if inPlan[Job{Scenario: r.res.Scenario, Seed: r.res.Seed}] && Redoable(r.res) {
			redo[r.line] = true
		}
	}
	if len(redo) > 0 {
		if err := rf.drop(redo); err != nil {
			return Summary{}, err
		}
		recs = slices.DeleteFunc(recs, func(r record) bool { return redo[r.line] })
	}
	failed := 0
	for _, r := range recs {
		j := Job{Scenario: r.res.Scenario, Seed: r.res.Seed}
		if inPlan[j] && !c.done[j] {
			c.done[j] = true
			c.keep(r.res)
			if r.res.Verdict.IsFail() {
				failed++
			}
		}
	}
	resumed := len(c.kept)
	var pending []Job
	for _, j := range jobs {
		if !c.done[j] {
			pending = append(pending, j)
		}
	}
	if opts.Progress != nil {
		opts.Progress.Start(len(jobs), resumed, failed)
		defer opts.Progress.Finish()
	}
	runErr := c.run(ctx, plan, pending)
	s := Summarize(c.kept)
	s.Jobs, s.Resumed, s.Ran, s.WorkerDeaths, s.Redone = len(jobs), resumed, len(c.kept)-resumed, c.deaths, len(redo)
	return s, runErr
}

// Redoable reports whether a recorded result is one a resumed sweep runs
// again: INCONCLUSIVE-env because the worker running it died from outside
// (stop "worker-died"), an environment event that says nothing about the
// seed.
func Redoable(r scenario.Result) bool {
	return r.Stop == StopWorkerDied && r.Verdict == scenario.InconclusiveEnv
}

// StopWorkerDied is the Stop of a result recorded for a job whose worker
// died running it.
const StopWorkerDied = "worker-died"

// coordinator is one Run's shared state.
type coordinator struct {
	opts Options
	rf   *resultsFile
	info map[string]ScenarioInfo // from the first worker's Hello

	mu     sync.Mutex
	done   map[Job]bool
	kept   []scenario.Result // slim copies, full for failures
	deaths int
}

// keep remembers a result for the summary; only failures need all of it,
// and the sweep-level checks a failover count.
func (c *coordinator) keep(r scenario.Result) {
	if !r.Verdict.IsFail() {
		r = scenario.Result{Scenario: r.Scenario, Seed: r.Seed, Verdict: r.Verdict, Blame: r.Blame, Failovers: r.Failovers}
	}
	c.kept = append(c.kept, r)
}

func (c *coordinator) run(parent context.Context, plan Plan, pending []Job) error {
	if len(pending) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	first, err := startWorker(ctx, c.opts.Command, c.opts.WorkerStderr)
	if err != nil {
		return err
	}
	c.info = map[string]ScenarioInfo{}
	for _, s := range first.hello.Scenarios {
		c.info[s.Name] = s
	}
	if c.opts.Source.Plan != "" {
		blocks, err := first.plan(c.opts.Source.Plan)
		if err != nil {
			first.kill()
			first.wait()
			return err
		}
		for _, b := range blocks {
			c.info[b.Name] = b.ScenarioInfo
		}
	}
	for _, name := range plan.Scenarios {
		if _, ok := c.info[name]; !ok {
			first.kill()
			first.wait()
			names := make([]string, 0, len(c.info))
			for n := range c.info {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("%w: unknown scenario %q; valid: %s", ErrUsage, name, strings.Join(names, ", "))
		}
	}
	workers := c.opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, len(pending))
	feed := make(chan Job)
	var wg sync.WaitGroup
	for i := range workers {
		var w *worker
		if i == 0 {
			w = first
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.loop(ctx, w, feed); err != nil {
				cancel(err)
			}
		}()
	}
feeding:
	for _, j := range pending {
		select {
		case feed <- j:
		case <-ctx.Done():
			break feeding
		}
	}
	close(feed)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// loop runs jobs from feed on one worker slot until feed closes or ctx
// ends, restarting the worker after a death.
func (c *coordinator) loop(ctx context.Context, w *worker, feed <-chan Job) (err error) {
	defer func() {
		if w != nil {
			w.close()
		}
	}()
	for job := range feed {
		if ctx.Err() != nil {
			return nil
		}
		if w == nil {
			if w, err = startWorker(ctx, c.opts.Command, c.opts.WorkerStderr); err != nil {
				return err
			}
		}
		line, rep, err := w.do(c.request(job), c.opts.JobTimeout)
		switch {
		case err == nil && w.retire:
			w.kill()
			w = nil // answered as its time ran out: do not reuse it
		case err == nil && rep.Stop == StopStuck:
			w.close()
			w = nil // it ends after answering: its stuck goroutine cannot be stopped
		}
		var res scenario.Result
		switch {
		case errors.Is(err, errWorkerDied):
			if w.stopping.Load() || ctx.Err() != nil {
				return nil // stopped by us: the job is left for --resume
			}
			if res, w, err = c.afterDeath(ctx, job, w); err != nil || ctx.Err() != nil {
				return err
			}
			res.Source = c.opts.Source
			if line, err = json.Marshal(res); err != nil {
				return err
			}
		case rep.UsageError != "":
			return fmt.Errorf("%w: %s: %s", ErrUsage, job, rep.UsageError)
		default:
			if err := json.Unmarshal(line, &res); err != nil {
				return fmt.Errorf("worker answered %s with a line that is not a result: %w", job, err)
			}
		}
		if err := c.record(job, line, res); err != nil {
			return err
		}
	}
	return nil
}

// afterDeath handles a worker that died running job: it reruns the job
// once in a fresh worker and returns the job's result with the worker to
// go on with (nil when the rerun's died too).
//
// A death the job caused (a fatal trace, an exit) is FAIL-reproducible
// when the rerun dies the same way, FAIL-nondeterministic otherwise, with
// the blame of its trace. A death from outside (a signal with no trace,
// the host-time limit) is an environment event: the rerun, given twice
// the time limit, decides. Its answer is the job's result; a second
// outside death is INCONCLUSIVE-env, unless both timeouts stopped the
// job in the same code of the system under test (a runaway loop there:
// FAIL-reproducible, SUT).
func (c *coordinator) afterDeath(ctx context.Context, job Job, dead *worker) (scenario.Result, *worker, error) {
	first := classify(dead.exit())
	c.countDeath()
	fresh, err := startWorker(ctx, c.opts.Command, c.opts.WorkerStderr)
	if err != nil {
		return scenario.Result{}, nil, fmt.Errorf("restarting a worker after it died running %s (%s): %w", job, first.what, err)
	}
	info := c.info[job.Scenario]
	res := scenario.Result{Scenario: job.Scenario, Claims: info.Claims, System: info.System, Bugs: info.Bugs, Seed: job.Seed,
		Blame: first.blame, Anomaly: first.anomaly, Stop: StopWorkerDied, Error: first.trace}
	what := "the worker process died running this seed: " + first.what
	timeout := c.opts.JobTimeout
	if first.external {
		timeout *= 2
	}
	line, rep, err := fresh.do(c.request(job), timeout)
	switch {
	case errors.Is(err, errWorkerDied):
		if fresh.stopping.Load() || ctx.Err() != nil {
			return scenario.Result{}, nil, nil
		}
		second := classify(fresh.exit())
		c.countDeath()
		fresh = nil
		frame, runaway := runawayLoop(first, second)
		switch {
		case runaway:
			res.Verdict, res.Blame, res.Anomaly = scenario.FailReproducible, scenario.BlameSUT, "fatal:timeout:"+frame
			res.Reason = fmt.Sprintf("no answer within the host-time limit, twice (the rerun in a fresh worker had twice the time), and both times the job was in the same code of the system under test, %s: a runaway loop or a block there", frame)
		case first.external && second.external:
			res.Verdict, res.Blame = scenario.InconclusiveEnv, scenario.BlameEnvironment
			res.Reason = what + "; the rerun in a fresh worker died from outside too: " + second.what + "; not a runaway loop in the system under test as far as the stacks show (a slow or overloaded host, or a limit too tight for this seed)"
		case first.external:
			// The rerun is the first run that tells something: it died
			// by itself, once.
			res.Verdict, res.Blame, res.Anomaly, res.Error = scenario.FailNondeterministic, second.blame, second.anomaly, second.trace
			res.Reason = what + "; the rerun in a fresh worker died by itself: " + second.what + "; not shown reproducible"
		case second.anomaly == first.anomaly && second.blame == first.blame:
			res.Verdict = scenario.FailReproducible
			res.Reason = what + "; the rerun in a fresh worker died the same way"
		default:
			res.Verdict = scenario.FailNondeterministic
			res.Reason = what + "; the rerun in a fresh worker died differently: " + second.what
		}
	case rep.UsageError != "":
		fresh.kill()
		return scenario.Result{}, nil, fmt.Errorf("%w: %s: %s", ErrUsage, job, rep.UsageError)
	default:
		var again scenario.Result
		if err := json.Unmarshal(line, &again); err != nil {
			fresh.kill()
			return scenario.Result{}, nil, fmt.Errorf("worker answered %s with a line that is not a result: %w", job, err)
		}
		if first.external {
			// An environment event: the rerun's answer is the seed's.
			res = again
			res.Reason += " (this is the rerun in a fresh worker: the first attempt's worker died from outside: " + first.what + ")"
		} else {
			res.Verdict = scenario.FailNondeterministic
			res.Rerun = again.TraceHash
			res.Reason = fmt.Sprintf("%s; the rerun in a fresh worker did not die: it gave %s (trace %s), so the death does not reproduce", what, again.Verdict, again.TraceHash)
		}
		switch {
		case fresh.retire:
			fresh.kill()
			fresh = nil
		case again.Stop == StopStuck:
			fresh.close()
			fresh = nil
		}
	}
	return res, fresh, nil
}

// request is the line that asks a worker to run job.
func (c *coordinator) request(job Job) Request {
	return Request{Job: job, Source: c.opts.Source, StuckAfter: c.opts.StuckAfter}
}

func (c *coordinator) countDeath() {
	c.mu.Lock()
	c.deaths++
	c.mu.Unlock()
}

// record appends a job's result line to the file, synced, and only then
// counts the job as done.
func (c *coordinator) record(job Job, line []byte, res scenario.Result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done[job] {
		return fmt.Errorf("sweep: %s finished twice (a coordinator bug)", job)
	}
	if err := c.rf.append(line); err != nil {
		return err
	}
	c.done[job] = true
	c.keep(res)
	if c.opts.Progress != nil {
		c.opts.Progress.Done(res.Verdict.IsFail())
	}
	return nil
}
