package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/internal/inputfile"
	"github.com/faultline-dst/faultline/scenario"
)

// Limits on what the commands read, so that a file that is not what it
// seems is an error rather than an exhausted memory.
const (
	maxPlanBytes  = 16 << 20 // a test plan, Markdown
	maxResultLine = 16 << 20 // one line of a results file
)

// isInputError reports whether err is the user's to fix: a file that is
// not a regular file, a line that is too long or malformed, a path that
// does not exist.
func isInputError(err error) bool {
	return errors.Is(err, inputfile.ErrNotRegular) || errors.Is(err, inputfile.ErrLineTooLong) ||
		errors.Is(err, history.ErrMalformed) || errors.Is(err, os.ErrNotExist)
}

// readPlan parses a plan file: a regular file of at most maxPlanBytes.
func readPlan(reg *scenario.Registry, path string) ([]scenario.PlanScenario, error) {
	data, err := inputfile.ReadAll(path, maxPlanBytes)
	if err != nil {
		return nil, err
	}
	return reg.ParsePlan(strings.NewReader(string(data)), path)
}

// readHistory reads a history file: a regular file, each line bounded by
// history.MaxLineBytes.
func readHistory(path string) (history.History, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return history.History{}, err
	}
	defer f.Close()
	return history.ReadJSONL(f, path)
}

// createOutput creates the file an output flag names. A path that cannot
// be created (a directory, a missing parent, no permission) is the user's
// to fix: a usage error naming the flag.
func createOutput(flag, path string) (*os.File, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, usagef("%s %s is a directory; name a file", flag, path)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, usagef("%s: %v", flag, err)
	}
	return f, nil
}

// writeOutput writes data to the file an output flag names: a path that
// cannot be created is a usage error; a failed write (a full disk) is not.
func writeOutput(flag, path string, data []byte) error {
	f, err := createOutput(flag, path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("%s: writing %s: %w", flag, path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: writing %s: %w", flag, path, err)
	}
	return nil
}

// outputDir makes the directory an output flag names; a path that is a
// file, or cannot be made, is a usage error naming the flag.
func outputDir(flag, path string) error {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return usagef("%s %s is %s, not a directory; name a directory (it is created when missing)", flag, path, inputfile.Kind(st.Mode()))
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return usagef("%s: %v", flag, err)
	}
	return nil
}

// openTrace opens a trace file for diff, after checking that it is one:
// a regular file whose first line is the trace header and whose every
// other line is one event (seq, t_ns, kind, node, peer, len, digest,
// detail, tab-separated, seq counting from 1). The file is returned
// rewound.
func openTrace(path string) (*os.File, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if err := checkTrace(f, path); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkTrace is inputfile.CheckTrace as a usage error that says where
// traces come from.
func checkTrace(r io.Reader, name string) error {
	if err := inputfile.CheckTrace(r, name); err != nil {
		return usagef("%v; traces are written by run --trace or --out", err)
	}
	return nil
}
