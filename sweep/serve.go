package sweep

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/faultline-dst/faultline/scenario"
)

// ProtocolVersion is the version of the worker protocol; a coordinator
// refuses a worker that speaks another.
const ProtocolVersion = 1

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
	UsageError string           `json:"usage_error,omitempty"`
}

// ServeOptions configure a worker.
type ServeOptions struct {
	// Run are the options of every run. Trace and OutDir would be shared
	// by every job the worker runs; leave them unset.
	Run scenario.RunOptions
}

// Serve makes the caller a sweep worker: it writes a Hello line to w,
// then reads jobs from r, one JSON line each ({"scenario":...,"seed":...}),
// runs each with reg and answers with its result line, as
// scenario.WriteResult writes it, before reading the next. A job naming
// an unknown scenario, or one that cannot run as written, is answered with
// {"scenario":...,"seed":...,"usage_error":"..."}. Serve returns nil at
// the end of r, and an error for a malformed job or a failed write.
//
// The worker runs one job at a time, in the calling goroutine: worlds in
// one process run one at a time anyway (package sim).
func Serve(r io.Reader, w io.Writer, reg *scenario.Registry, opts ServeOptions) error {
	bw := bufio.NewWriter(w)
	hello := Hello{Protocol: ProtocolVersion}
	for _, s := range reg.Scenarios() {
		hello.Scenarios = append(hello.Scenarios, ScenarioInfo{Name: s.Name, System: s.System, Model: string(s.Model), Checker: s.Checker, Claims: s.Claim.IDs, Bugs: s.Bugs, Seeds: s.Seeds})
	}
	if err := writeJSONLine(bw, hello); err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 4096)
	for {
		line, err := readLine(br)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading a job: %w", err)
		}
		var job Job
		if err := json.Unmarshal(line, &job); err != nil || job.Scenario == "" {
			return fmt.Errorf("malformed job line %q: want {\"scenario\":NAME,\"seed\":N}", truncate(string(line), 200))
		}
		if err := serveJob(bw, reg, job, opts); err != nil {
			return err
		}
	}
}

func serveJob(bw *bufio.Writer, reg *scenario.Registry, job Job, opts ServeOptions) error {
	s, err := reg.Scenario(job.Scenario)
	var res scenario.Result
	if err == nil {
		res, err = reg.Run(s, job.Seed, opts.Run)
	}
	if err != nil {
		return writeJSONLine(bw, reply{Scenario: job.Scenario, Seed: job.Seed, UsageError: err.Error()})
	}
	if err := scenario.WriteResult(bw, res); err != nil {
		return fmt.Errorf("writing the result of %s: %w", job, err)
	}
	return bw.Flush()
}

// ServeStdio runs Serve on the process's standard input and output, after
// pointing os.Stdout at standard error so that whatever the system under
// test prints through os.Stdout cannot corrupt the protocol.
func ServeStdio(reg *scenario.Registry, opts ServeOptions) error {
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
