package html

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
)

// Run is everything both pictures of one run are drawn from.
type Run struct {
	Title    string
	History  history.History
	Result   *checkers.Result
	Schedule nemesis.Schedule
	Evidence []nemesis.Evidence
	// Trace is the run's text trace (sim's format); nil: no trace page.
	Trace io.Reader
	// Focus is the window the trace page opens on; zero: the anomaly's
	// window (AnomalyWindow), or the whole run when there is none.
	Focus Window
}

// FromResult gathers a scenario run's pictures' inputs: the result's
// checker answer, schedule and evidence, with the history and trace the
// run wrote (scenario.Result.Artifacts). trace may be nil.
func FromResult(res scenario.Result, h history.History, trace io.Reader) Run {
	return Run{
		Title:    fmt.Sprintf("%s seed %d", res.Scenario, res.Seed),
		History:  h,
		Result:   res.Checker,
		Schedule: res.Schedule,
		Evidence: res.Faults,
		Trace:    trace,
	}
}

// Files are the paths of the pages WriteDir wrote ("" for one not written).
type Files struct {
	History, Trace string
}

// WriteDir writes the history page (HistoryFile) and, when r has a trace,
// the trace page (TraceFile) into dir, linked to each other. Each file is
// written whole or not at all (through a temporary file and a rename).
func WriteDir(dir string, r Run) (Files, error) {
	var files Files
	hp := HistoryPage{Title: r.Title, History: r.History, Result: r.Result, Schedule: r.Schedule, Evidence: r.Evidence}
	if r.Trace != nil {
		hp.TraceLink = TraceFile
	}
	var b bytes.Buffer
	if err := WriteHistory(&b, hp); err != nil {
		return files, err
	}
	path := filepath.Join(dir, HistoryFile)
	if err := writeFile(path, b.Bytes()); err != nil {
		return files, err
	}
	files.History = path
	if r.Trace == nil {
		return files, nil
	}
	focus := r.Focus
	if focus.IsZero() {
		focus, _ = AnomalyWindow(r.History, r.Result)
	}
	b.Reset()
	tp := TracePage{Title: r.Title, Focus: focus, Schedule: r.Schedule, Evidence: r.Evidence, HistoryLink: HistoryFile}
	if err := WriteTrace(&b, r.Trace, tp); err != nil {
		return files, err
	}
	path = filepath.Join(dir, TraceFile)
	if err := writeFile(path, b.Bytes()); err != nil {
		return files, err
	}
	files.Trace = path
	return files, nil
}

func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
