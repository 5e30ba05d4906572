package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"

	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

// errDied is a package worker that ended before answering.
var errDied = errors.New("the worker died")

// pkgWorker is one worker process of a package's test binary, driven one
// request at a time by a command that is not a sweep (run, replay,
// shrink, bisect, list, plan check, report --pages).
type pkgWorker struct {
	pkg   string
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	hello sweep.Hello
}

// startPkgWorker starts the worker and reads its Hello; the worker's
// standard error (the system's logs) goes to stderr.
// A guest package's worker is this executable: when it does not answer,
// its own error is above.
func startPkgWorker(newCmd func() *exec.Cmd, pkg string, guest bool, stderr io.Writer) (*pkgWorker, error) {
	w := &pkgWorker{pkg: pkg, cmd: newCmd()}
	var err error
	if w.in, err = w.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w.out = bufio.NewReaderSize(out, 1<<20)
	w.cmd.Stderr = stderr
	if err := w.cmd.Start(); err != nil {
		return nil, err
	}
	line, err := w.out.ReadBytes('\n')
	if err != nil || json.Unmarshal(line, &w.hello) != nil || w.hello.Protocol == 0 {
		w.close()
		if guest {
			return nil, usagef("the worker serving the guest package %s did not start (its error is above)", pkg)
		}
		return nil, usagef("the test binary of %s did not answer as a faultline worker; its TestMain must call sweep.WorkerMain when %s=1", pkg, sweep.WorkerEnv)
	}
	if w.hello.Protocol != sweep.ProtocolVersion {
		w.close()
		return nil, usagef("the test binary of %s speaks worker protocol %d; this faultline speaks %d (update the faultline module one of them uses)", pkg, w.hello.Protocol, sweep.ProtocolVersion)
	}
	return w, nil
}

// close ends the worker: its input closes and it exits.
func (w *pkgWorker) close() {
	_ = w.in.Close()
	_ = w.cmd.Wait()
}

// ask sends req and returns the worker's answer line, skipping lines that
// are not JSON objects (noise from the system under test).
func (w *pkgWorker) ask(req sweep.Request) ([]byte, error) {
	b, _ := json.Marshal(req)
	if _, err := w.in.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("%w running %s: %v", errDied, req.Job, err)
	}
	for {
		line, err := w.out.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("%w running %s (its standard error is above)", errDied, req.Job)
		}
		if len(line) > 0 && line[0] == '{' {
			var bad struct {
				UsageError string `json:"usage_error"`
			}
			if json.Unmarshal(line, &bad) == nil && bad.UsageError != "" {
				return nil, usageError{bad.UsageError}
			}
			return line, nil
		}
	}
}

// run runs one seed.
func (w *pkgWorker) run(req sweep.Request) (scenario.Result, error) {
	line, err := w.ask(req)
	if err != nil {
		return scenario.Result{}, err
	}
	var res scenario.Result
	if err := json.Unmarshal(line, &res); err != nil || res.Verdict == "" {
		return res, fmt.Errorf("the worker answered %s with a line that is not a result: %.200s", req.Job, line)
	}
	return res, nil
}

// shrink shrinks one failing seed.
func (w *pkgWorker) shrink(req sweep.Request) (sweep.ShrinkReply, error) {
	line, err := w.ask(req)
	if err != nil {
		return sweep.ShrinkReply{}, err
	}
	var rep sweep.ShrinkReply
	if err := json.Unmarshal(line, &rep); err != nil || rep.Op != sweep.OpShrink {
		return rep, fmt.Errorf("the worker answered a shrink of %s with %.200s", req.Job, line)
	}
	if rep.Error != "" {
		return rep, fmt.Errorf("%s", rep.Error)
	}
	if rep.Shrunk == nil {
		return rep, fmt.Errorf("the worker answered a shrink of %s without the outcome", req.Job)
	}
	return rep, nil
}

// plan reads a plan with the package's systems.
func (w *pkgWorker) plan(path string) ([]sweep.PlanEntry, error) {
	line, err := w.ask(sweep.Request{Op: sweep.OpPlan, Source: scenario.Source{Plan: path}})
	if err != nil {
		return nil, err
	}
	var rep sweep.PlanReply
	if err := json.Unmarshal(line, &rep); err != nil || rep.Op != sweep.OpPlan {
		return nil, fmt.Errorf("the worker answered reading %s with %.200s", path, line)
	}
	return rep.Scenarios, nil
}
