package sweep

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline-dst/faultline/scenario"
)

// quitGrace is how long a worker asked for a goroutine dump may take to
// write it and exit before it is killed.
const quitGrace = 5 * time.Second

// tailSize bounds the standard error kept per job.
const tailSize = 64 << 10

// tail keeps the last tailSize bytes written to it since its last reset,
// and copies everything to an optional writer.
type tail struct {
	mu  sync.Mutex
	buf []byte
	tee io.Writer
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	if t.tee != nil {
		_, _ = t.tee.Write(p) // a failing copy must not kill the worker
	}
	return len(p), nil
}

func (t *tail) reset() {
	t.mu.Lock()
	t.buf = t.buf[:0]
	t.mu.Unlock()
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// worker is the coordinator's handle on one worker process.
type worker struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *tail
	hello  Hello
	// stopping is set before the coordinator kills or closes the worker,
	// so that its end is not taken for a death.
	stopping atomic.Bool
	// retire is set when a job's host-time limit expired just as it
	// answered: the worker is being stopped and must not take another.
	retire bool
	// timedOut is set when the coordinator stopped the worker because
	// its job ran past the host-time limit.
	timedOut atomic.Bool
	exited   chan struct{} // closed when the process has been waited for
	state    error         // cmd.Wait's answer
}

// errWorkerDied is returned by do when the worker ended before answering.
var errWorkerDied = errors.New("worker died")

// startWorker starts a worker process from newCmd and reads its Hello.
// The process is killed when ctx ends.
func startWorker(ctx context.Context, newCmd func() *exec.Cmd, stderr io.Writer) (*worker, error) {
	cmd := newCmd()
	if cmd == nil {
		return nil, errors.New("the worker command is nil")
	}
	w := &worker{cmd: cmd, stderr: &tail{tee: stderr}, exited: make(chan struct{})}
	var err error
	if w.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w.out = bufio.NewReaderSize(out, 64<<10)
	cmd.Stderr = w.stderr
	cmd.WaitDelay = 5 * time.Second
	isolate(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting worker %s: %w", cmd.Path, err)
	}
	go func() {
		w.state = cmd.Wait()
		close(w.exited)
	}()
	go func() {
		select {
		case <-ctx.Done():
			w.kill()
		case <-w.exited:
		}
	}()
	line, err := readLine(w.out)
	if err == nil {
		err = json.Unmarshal(line, &w.hello)
	}
	if err != nil || w.hello.Protocol == 0 {
		w.kill()
		w.wait()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("worker %s did not introduce itself (want a first line {\"faultline_worker\":%d,...}; got %q, %v); its stderr: %s",
			cmd.Path, ProtocolVersion, truncate(string(line), 200), err, truncate(w.stderr.String(), 2000))
	}
	if w.hello.Protocol != ProtocolVersion {
		w.kill()
		w.wait()
		return nil, fmt.Errorf("worker %s speaks protocol %d; this coordinator speaks %d (rebuild one of them)", cmd.Path, w.hello.Protocol, ProtocolVersion)
	}
	return w, nil
}

// do sends job to the worker and returns its answer: the raw result line
// and its decoded head. errWorkerDied means the process ended first;
// lines on its stdout that are not an answer to job are kept with its
// stderr, as noise.
//
// With a timeout, a job still running after it makes the coordinator ask
// the worker for a goroutine dump (SIGQUIT, which also ends it) and kill
// it after quitGrace: a death whose dump says where the job was.
func (w *worker) do(job Request, timeout time.Duration) ([]byte, reply, error) {
	w.stderr.reset()
	if timeout > 0 {
		timer := time.AfterFunc(timeout, func() {
			w.timedOut.Store(true)
			quit(w.cmd.Process)
			time.AfterFunc(quitGrace, func() { _ = w.cmd.Process.Kill() })
		})
		defer func() {
			if !timer.Stop() {
				w.retire = true
			}
		}()
	}
	req, _ := json.Marshal(job)
	if _, err := w.in.Write(append(req, '\n')); err != nil {
		return nil, reply{}, errWorkerDied
	}
	for {
		line, err := readLine(w.out)
		if err != nil {
			return nil, reply{}, errWorkerDied
		}
		var r reply
		if json.Unmarshal(line, &r) == nil && r.Scenario == job.Scenario && r.Seed == job.Seed && (r.Verdict != "" || r.UsageError != "") {
			return line, r, nil
		}
		_, _ = fmt.Fprintf(w.stderr, "[stdout] %s\n", truncate(string(line), 1000))
	}
}

// plan asks the worker for the blocks of a plan, read with its registry
// (which then serves them).
func (w *worker) plan(path string) ([]PlanEntry, error) {
	req, _ := json.Marshal(Request{Op: OpPlan, Source: scenario.Source{Plan: path}})
	if _, err := w.in.Write(append(req, '\n')); err != nil {
		return nil, fmt.Errorf("worker %s died before reading the plan: %w", w.cmd.Path, err)
	}
	for {
		line, err := readLine(w.out)
		if err != nil {
			return nil, fmt.Errorf("worker %s died reading the plan %s; its stderr: %s", w.cmd.Path, path, truncate(w.stderr.String(), 2000))
		}
		var r PlanReply
		if json.Unmarshal(line, &r) != nil || r.Op != OpPlan {
			_, _ = fmt.Fprintf(w.stderr, "[stdout] %s\n", truncate(string(line), 1000))
			continue
		}
		if r.UsageError != "" {
			return nil, fmt.Errorf("%w: %s", ErrUsage, r.UsageError)
		}
		return r.Scenarios, nil
	}
}

// exit waits for a worker that died during a job and says how it ended.
func (w *worker) exit() exit {
	w.wait()
	e := exit{code: -1, tail: w.stderr.String(), timedOut: w.timedOut.Load()}
	if ps := w.cmd.ProcessState; ps != nil {
		e.code = ps.ExitCode()
		e.signal = signalOf(ps)
	}
	return e
}

// close ends a worker that is not running a job: its input closes and it
// exits; it is killed if it has not after a while.
func (w *worker) close() {
	w.stopping.Store(true)
	_ = w.in.Close()
	select {
	case <-w.exited:
		return
	case <-time.After(5 * time.Second):
	}
	w.kill()
	w.wait()
}

// kill kills the worker's process.
func (w *worker) kill() {
	w.stopping.Store(true)
	if w.cmd.Process != nil {
		_ = w.cmd.Process.Kill()
	}
}

// wait waits for the process to end.
func (w *worker) wait() { <-w.exited }
