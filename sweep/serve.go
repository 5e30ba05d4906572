package sweep

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
)

// ProtocolVersion is the version of the worker protocol; a coordinator
// refuses a worker that speaks another. Version 2 added the Request
// fields (source, artifacts, shrink and plan operations).
const ProtocolVersion = 2

// WorkerEnv is the environment variable that, set to "1", tells a binary
// to act as a sweep worker (WorkerMain). The faultline command sets it
// when it drives a user package's test binary.
const WorkerEnv = "FAULTLINE_WORKER"

// WorkerErrorPrefix starts the line WorkerMain writes on stderr when the
// worker itself fails; a coordinator seeing it blames the harness.
const WorkerErrorPrefix = "faultline worker: "

// maxLine bounds one protocol line (a result line with a large checker
// answer is some kilobytes).
const maxLine = 64 << 20

// Hello is the first line a worker writes: the protocol version and the
// scenarios its registry holds.
type Hello struct {
	Protocol  int            `json:"faultline_worker"`
	Scenarios []ScenarioInfo `json:"scenarios"`
}

// ScenarioInfo describes a scenario a worker can run: what a coordinator
// needs to validate a plan and to fill in the result of a seed whose
// worker died.
type ScenarioInfo struct {
	Name    string   `json:"name"`
	System  string   `json:"system"`
	Model   string   `json:"model,omitempty"`
	Checker string   `json:"checker,omitempty"`
	Claims  []string `json:"claims,omitempty"`
	Bugs    []string `json:"bugs,omitempty"`
	Seeds   int      `json:"seeds,omitempty"` // the scenario's default seed count
}

// reply is what a coordinator decodes from a worker's answer: a result
// line (scenario.WriteResult's form) or, for a job that cannot run at all,
// a usage error.
type reply struct {
	Scenario   string           `json:"scenario"`
	Seed       uint64           `json:"seed"`
	Verdict    scenario.Verdict `json:"verdict"`
	Stop       string           `json:"stop"`
	UsageError string           `json:"usage_error,omitempty"`
}

// StopStuck is a result's Stop when its run was abandoned in a call
// that never returned (sim.StuckError): the worker that answered it ends
// after answering, since the stuck goroutine cannot be stopped.
const StopStuck = string(sim.StopStuck)

// ServeOptions configure a worker.
type ServeOptions struct {
	// Run are the options of every run. Trace and OutDir would be shared
	// by every job the worker runs; leave them unset.
	Run scenario.RunOptions
}

// Request is one line a worker reads: a job, where its scenario comes
// from, and what to do with it. A sweep sends a run request per job; the
// faultline command also asks a package's worker to write artifacts, to
// shrink a seed, and to read a plan with the package's systems.
type Request struct {
	Job
	// Source names the package and plan the scenario comes from. The
	// worker stamps it on the result; a Plan's blocks are read (once per
	// worker) and added to the registry before the scenario is looked up.
	scenario.Source
	// Op is what to do: "" (run the seed), OpShrink or OpPlan.
	Op string `json:"op,omitempty"`
	// Out and Trace are where a run writes its artifacts and its full
	// trace (scenario.RunOptions.OutDir and Trace), when set.
	Out   string `json:"out,omitempty"`
	Trace string `json:"trace,omitempty"`
	// NoRerun skips the rerun of a failing seed.
	NoRerun bool `json:"no_rerun,omitempty"`
	// StuckAfter, when not 0, is the run's scenario.RunOptions.StuckAfter:
	// the host-time limit for one call into a node.
	StuckAfter time.Duration `json:"stuck_after,omitempty"`
	// MaxRuns bounds a shrink's runs (0: the shrinker's default).
	MaxRuns int `json:"max_runs,omitempty"`
	// ShrunkPlan is where the coordinator will write a shrink's plan: the
	// plan's replay line names it.
	ShrunkPlan string `json:"shrunk_plan,omitempty"`
}

// The operations a Request may ask for besides running a seed.
const (
	// OpShrink shrinks the failing seed; the answer is a ShrinkReply.
	OpShrink = "shrink"
	// OpPlan reads Source.Plan with the worker's registry; the answer is
	// a PlanReply.
	OpPlan = "plan"
)

// ShrinkReply answers an OpShrink request: the shrunk outcome and the
// text of the plan that reproduces it, or why there is none.
type ShrinkReply struct {
	Op         string           `json:"op"`
	Scenario   string           `json:"scenario"`
	Seed       uint64           `json:"seed"`
	Shrunk     *scenario.Shrunk `json:"shrunk,omitempty"`
	PlanText   string           `json:"plan_text,omitempty"`
	Error      string           `json:"error,omitempty"`
	UsageError string           `json:"usage_error,omitempty"`
}

// PlanReply answers an OpPlan request: every block of the plan, or the
// file:line errors that make it unusable (UsageError).
type PlanReply struct {
	Op         string      `json:"op"`
	Scenarios  []PlanEntry `json:"scenarios,omitempty"`
	UsageError string      `json:"usage_error,omitempty"`
}

// PlanEntry is one block of a plan as a worker read it.
type PlanEntry struct {
	File string `json:"file"`
	Line int    `json:"line"`
	ScenarioInfo
}

// Serve makes the caller a sweep worker: it writes a Hello line to w,
// then reads Requests from r, one JSON line each (at least
// {"scenario":...,"seed":...}), and answers each before reading the next:
// a run with its result line, as scenario.WriteResult writes it, a
// shrink with a ShrinkReply, a plan with a PlanReply. A request naming an
// unknown scenario, or one that cannot run as written, is answered with
// {"scenario":...,"seed":...,"usage_error":"..."}. Serve returns nil at
// the end of r, and an error for a malformed request or a failed write.
// It also returns nil right after answering a run that was abandoned in a
// call that never returned (Stop StopStuck): the stuck goroutine keeps
// spinning or blocking in the process, which should end so that the host
// reclaims it (WorkerMain exits); a coordinator starts another worker.
//
// The worker runs one job at a time, in the calling goroutine: worlds in
// one process run one at a time anyway (package sim).
func Serve(r io.Reader, w io.Writer, reg *scenario.Registry, opts ServeOptions) error {
	bw := bufio.NewWriter(w)
	hello := Hello{Protocol: ProtocolVersion}
	for _, s := range reg.Scenarios() {
		hello.Scenarios = append(hello.Scenarios, info(s))
	}
	if err := writeJSONLine(bw, hello); err != nil {
		return err
	}
	sv := &server{reg: reg, opts: opts, plans: map[string]loaded{}}
	br := bufio.NewReaderSize(r, 4096)
	for {
		line, err := readLine(br)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading a job: %w", err)
		}
		var req Request
		if err := json.Unmarshal(line, &req); err != nil || (req.Scenario == "" && req.Op != OpPlan) ||
			(req.Op != "" && req.Op != OpShrink && req.Op != OpPlan) {
			return fmt.Errorf("malformed job line %q: want {\"scenario\":NAME,\"seed\":N} (op: none, %q or %q)", truncate(string(line), 200), OpShrink, OpPlan)
		}
		switch req.Op {
		case OpShrink:
			err = writeJSONLine(bw, sv.shrink(req))
		case OpPlan:
			err = writeJSONLine(bw, sv.plan(req))
		default:
			var stuck bool
			stuck, err = sv.run(bw, req)
			if err == nil && stuck {
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
}

func info(s scenario.Scenario) ScenarioInfo {
	return ScenarioInfo{Name: s.Name, System: s.System, Model: string(s.Model), Checker: s.Checker, Claims: s.Claim.IDs, Bugs: s.Bugs, Seeds: s.Seeds}
}

// server is a worker's state: its registry and the plans it has read.
type server struct {
	reg   *scenario.Registry
	opts  ServeOptions
	plans map[string]loaded // by path
}

// load adds the blocks of a plan to the registry, once per path.
func (sv *server) load(path string) ([]scenario.PlanScenario, error) {
	if l, done := sv.plans[path]; done {
		return l.blocks, l.err
	}
	ps, err := sv.reg.ReadPlan(path)
	if err == nil {
		for _, p := range ps {
			if err = sv.reg.AddScenario(p.Scenario); err != nil {
				err = fmt.Errorf("%s:%d: %w", p.File, p.Line, err)
				break
			}
		}
	}
	sv.plans[path] = loaded{ps, err}
	return ps, err
}

// loaded is a plan a worker has read.
type loaded struct {
	blocks []scenario.PlanScenario
	err    error
}

// scenario looks the request's scenario up, after its plan's blocks.
func (sv *server) scenario(req Request) (scenario.Scenario, error) {
	if req.Plan != "" {
		if _, err := sv.load(req.Plan); err != nil {
			return scenario.Scenario{}, err
		}
	}
	return sv.reg.Scenario(req.Scenario)
}

// run answers a run request; stuck says the run was abandoned in a call
// that never returned.
func (sv *server) run(bw *bufio.Writer, req Request) (stuck bool, _ error) {
	s, err := sv.scenario(req)
	var res scenario.Result
	if err == nil {
		opts := sv.opts.Run
		opts.OutDir, opts.NoRerun = req.Out, opts.NoRerun || req.NoRerun
		if req.StuckAfter != 0 {
			opts.StuckAfter = req.StuckAfter
		}
		var tf *os.File
		if req.Trace != "" {
			if tf, err = os.Create(req.Trace); err == nil {
				opts.Trace = tf
			}
		}
		if err == nil {
			res, err = sv.reg.Run(s, req.Seed, opts)
		}
		if tf != nil {
			if serr := tf.Sync(); serr != nil && err == nil {
				err = serr
			}
			if cerr := tf.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		return false, writeJSONLine(bw, reply{Scenario: req.Scenario, Seed: req.Seed, UsageError: err.Error()})
	}
	res.Source = req.Source
	if err := scenario.WriteResult(bw, res); err != nil {
		return false, fmt.Errorf("writing the result of %s: %w", req.Job, err)
	}
	return res.Stop == StopStuck, bw.Flush()
}

func (sv *server) shrink(req Request) ShrinkReply {
	out := ShrinkReply{Op: OpShrink, Scenario: req.Scenario, Seed: req.Seed}
	s, err := sv.scenario(req)
	if err != nil {
		out.UsageError = err.Error()
		return out
	}
	run := sv.opts.Run
	if req.StuckAfter != 0 {
		run.StuckAfter = req.StuckAfter
	}
	sh, _, err := sv.reg.Shrink(s, req.Seed, scenario.ShrinkOptions{MaxRuns: req.MaxRuns, Run: run})
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Shrunk = &sh
	replay := scenario.Source{Package: req.Package}.Command("run", "--plan", req.ShrunkPlan, "--seed", fmt.Sprint(sh.Seed))
	out.PlanText = scenario.FormatShrunkPlan(s, sh, "faults.json", replay)
	if req.Plan != "" {
		// A plan's block is written out whole: the shrunk plan must not
		// need the original one.
		ps, _ := sv.load(req.Plan)
		for _, p := range ps {
			if p.Scenario.Name == s.Name {
				out.PlanText = p.FormatShrunk(sh, "faults.json", replay)
			}
		}
	}
	return out
}

func (sv *server) plan(req Request) PlanReply {
	out := PlanReply{Op: OpPlan}
	ps, err := sv.load(req.Plan)
	if err != nil {
		out.UsageError = err.Error()
		return out
	}
	for _, p := range ps {
		out.Scenarios = append(out.Scenarios, PlanEntry{File: p.File, Line: p.Line, ScenarioInfo: info(p.Scenario)})
	}
	return out
}

// workerGOGC is the garbage collector's target a worker process runs with
// unless GOGC is set: a seed's heap is small and short-lived, and
// collecting at 5x the live heap rather than 2x gave 15-30% more seeds/s
// in docs/PERFORMANCE.md's sweep measurement.
const workerGOGC = 400

// ServeStdio runs Serve on the process's standard input and output, after
// pointing os.Stdout at standard error so that whatever the system under
// test prints through os.Stdout cannot corrupt the protocol. Unless GOGC
// is set, it sets the garbage collector's target to workerGOGC.
func ServeStdio(reg *scenario.Registry, opts ServeOptions) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(workerGOGC)
	}
	out := os.Stdout
	os.Stdout = os.Stderr
	return Serve(os.Stdin, out, reg, opts)
}

// WorkerMain is a worker's whole main: ServeStdio, then exit 0 at the end
// of the input, or print the error after WorkerErrorPrefix on stderr and
// exit 3. A binary becomes a worker with
//
//	if os.Getenv(sweep.WorkerEnv) == "1" {
//		sweep.WorkerMain(registry(), sweep.ServeOptions{})
//	}
//
// at the top of main or TestMain. It never returns.
func WorkerMain(reg *scenario.Registry, opts ServeOptions) {
	if err := ServeStdio(reg, opts); err != nil {
		fmt.Fprintf(os.Stderr, "%s%v\n", WorkerErrorPrefix, err)
		os.Exit(3)
	}
	os.Exit(0)
}

func writeJSONLine(bw *bufio.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := bw.Write(append(b, '\n')); err != nil {
		return err
	}
	return bw.Flush()
}

// readLine reads one line without its newline; a last line without one is
// returned with io.EOF.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxLine)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return line, err
		}
		return line[:len(line)-1], nil
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
