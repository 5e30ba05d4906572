package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/faultline-dst/faultline/internal/inputfile"
	"github.com/faultline-dst/faultline/scenario"
)

// ErrResultsExist is returned by Run when the results file already holds
// results and Options.Resume is not set.
var ErrResultsExist = errors.New("results file already holds results")

// ErrResultsFile is wrapped by every error about a results file that is
// the user's to fix: not a regular file, in use by another sweep, a line
// that is not a result, a torn last line where one is not expected. The
// command line maps it to exit code 2.
var ErrResultsFile = errors.New("bad results file")

// ErrTornLine is wrapped (with ErrResultsFile) by the error ReadResults and
// Merge return for a results file whose last line has no newline: the
// write of a sweep killed mid-line. Resuming that sweep repairs the file.
var ErrTornLine = errors.New("torn last line")

// MaxResultLine bounds one line of a results file, so that a file that is
// not one (or one enormous line) is an error, not an exhausted memory.
const MaxResultLine = 16 << 20

// record is one result line of a results file, with where it came from.
type record struct {
	res  scenario.Result
	line int
}

// resultsErr is a results-file error: it matches ErrResultsFile.
func resultsErr(format string, args ...any) error {
	return &resultsError{fmt.Sprintf(format, args...)}
}

// resultsError is an error about a results file that the user must fix.
type resultsError struct{ msg string }

func (e *resultsError) Error() string        { return e.msg }
func (e *resultsError) Is(target error) bool { return target == ErrResultsFile }

// tornError is a torn last line.
type tornError struct {
	name string
	line int
	text []byte
}

func (e *tornError) Error() string {
	return fmt.Sprintf("%s:%d: torn last line (no newline at its end; a sweep killed mid-write leaves one): %s; "+
		"repair it by resuming that sweep (faultline sweep --resume --results %s, with its other flags), which cuts the line and runs its seed again",
		e.name, e.line, inputfile.Quote(e.text, 120), e.name)
}

func (e *tornError) Is(target error) bool { return target == ErrTornLine || target == ErrResultsFile }

// readResults parses a results file's content, one line at a time with a
// bound on each. A final line without its newline is a write torn by a
// kill: it is not parsed, good is the length of the content before it and
// torn describes it. Any other line that is not a result is an error
// naming the file and the line, the line quoted.
func readResults(name string, r io.Reader) (recs []record, good int64, torn *tornError, err error) {
	lines := inputfile.NewLines(r, MaxResultLine)
	for {
		line, complete, err := lines.Next()
		if errors.Is(err, io.EOF) {
			return recs, good, nil, nil
		}
		if err != nil {
			return nil, 0, nil, resultsErr("%s:%v", name, err)
		}
		n := lines.Line()
		if !complete {
			return recs, good, &tornError{name: name, line: n, text: append([]byte(nil), line...)}, nil
		}
		good += int64(len(line)) + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var res scenario.Result
		if err := json.Unmarshal(line, &res); err != nil || res.Scenario == "" || res.Verdict == "" {
			if err == nil {
				err = errors.New("no scenario or verdict")
			}
			return nil, 0, nil, resultsErr("%s:%d: not a result line (%v): %s", name, n, err, inputfile.Quote(line, 200))
		}
		recs = append(recs, record{res: res, line: n})
	}
}

// readResultsFile reads a results file that must be complete: a regular
// file, every line a result, no torn last line.
func readResultsFile(path string) ([]record, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		if errors.Is(err, inputfile.ErrNotRegular) {
			return nil, resultsErr("%v", err)
		}
		return nil, err
	}
	defer f.Close()
	recs, _, torn, err := readResults(path, f)
	if err != nil {
		return nil, err
	}
	if torn != nil {
		return nil, torn
	}
	return recs, nil
}

// ReadResults reads a results file written by Run (or by any writer of
// scenario.WriteResult lines). It must be a regular file; a line that is
// not a result is an error naming the line, and so is a torn last line
// (wrapping ErrTornLine), left by a writer killed mid-write: resuming the
// sweep repairs it.
func ReadResults(path string) ([]scenario.Result, error) {
	recs, err := readResultsFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]scenario.Result, len(recs))
	for i, r := range recs {
		out[i] = r.res
	}
	return out, nil
}

// resultsFile is a results file open for appending, locked against every
// other sweep until it is closed.
type resultsFile struct {
	f    *os.File
	path string
}

// openResults opens path for appending results and returns the results
// it already holds. It must be a regular file (or not exist yet); it is
// locked exclusively (flock) for as long as it stays open, so a second
// sweep on the same file fails at once naming the holder. Without resume,
// a file that holds any results is refused; with it, a torn final line is
// cut off so that the next line starts clean.
func openResults(path string, resume bool) (*resultsFile, []record, error) {
	f, err := inputfile.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		if errors.Is(err, inputfile.ErrNotRegular) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, nil, resultsErr("results file: %v", err)
		}
		return nil, nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, nil, resultsErr("%s is in use by another sweep (%v): wait for it to end, or choose another --results file", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if st.Size() > 0 && !resume {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w; resume it or choose another file", path, ErrResultsExist)
	}
	recs, good, torn, err := readResults(path, io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if torn != nil {
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("cutting the torn last line of %s: %w", path, err)
		}
	}
	return &resultsFile{f: f, path: path}, recs, nil
}

// append writes one result line in a single write and syncs it to stable
// storage: once it returns nil, the line survives a crash of the process
// or of the host.
func (rf *resultsFile) append(line []byte) error {
	if len(line) == 0 || line[len(line)-1] != '\n' {
		line = append(line[:len(line):len(line)], '\n')
	}
	if _, err := rf.f.Write(line); err != nil {
		return fmt.Errorf("writing %s: %w", rf.path, err)
	}
	if err := rf.f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", rf.path, err)
	}
	return nil
}

// drop removes the lines numbered in lines (from 1, as records number
// them) from the file, crash-safely: the other lines are written to a new
// file beside it, locked before it takes the results file's name, synced,
// and renamed over it; rf then appends to the new file. A crash leaves
// either the old file or the new one, whole.
func (rf *resultsFile) drop(lines map[int]bool) error {
	st, err := rf.f.Stat()
	if err != nil {
		return err
	}
	content, err := io.ReadAll(io.NewSectionReader(rf.f, 0, st.Size()))
	if err != nil {
		return err
	}
	var kept []byte
	for i, l := range bytes.SplitAfter(content, []byte("\n")) {
		if !lines[i+1] {
			kept = append(kept, l...)
		}
	}
	dir, base := filepath.Split(rf.path)
	tmp, err := os.CreateTemp(dir, base+".redo-*")
	if err != nil {
		return fmt.Errorf("rewriting %s without the seeds to redo: %w", rf.path, err)
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("rewriting %s without the seeds to redo: %w", rf.path, err)
	}
	if err := lockFile(tmp); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(kept); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), rf.path); err != nil {
		return fail(err)
	}
	if d, err := os.Open(filepath.Clean(dir + ".")); err == nil {
		_ = d.Sync() // the rename itself survives a crash
		d.Close()
	}
	rf.f.Close()
	rf.f = tmp
	return nil
}

// close closes the file, which releases its lock.
func (rf *resultsFile) close() error { return rf.f.Close() }

// Merge joins results files, the shards of one sweep, into one list
// sorted by scenario and seed. A job recorded twice is kept once when
// both records agree (same verdict, blame and trace hash: a resumed or
// repeated shard); when they disagree Merge fails, naming both files and
// lines. Each file is read as ReadResults does: a torn final line is an
// error wrapping ErrTornLine, and a file that holds no result at all is an
// error too (an empty shard is a sweep that never ran).
func Merge(files ...string) ([]scenario.Result, error) {
	type seen struct {
		rec  record
		file string
	}
	index := map[Job]seen{}
	var out []scenario.Result
	for _, name := range files {
		recs, err := readResultsFile(name)
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, resultsErr("%s holds no results: was its sweep run?", name)
		}
		for _, r := range recs {
			job := Job{Scenario: r.res.Scenario, Seed: r.res.Seed}
			if prev, ok := index[job]; ok {
				a, b := prev.rec.res, r.res
				if a.Verdict != b.Verdict || a.Blame != b.Blame || a.TraceHash != b.TraceHash {
					return nil, fmt.Errorf("conflicting results for %s: %s:%d has %s/%s trace %s, %s:%d has %s/%s trace %s",
						job, prev.file, prev.rec.line, a.Verdict, blameText(a.Blame), a.TraceHash, name, r.line, b.Verdict, blameText(b.Blame), b.TraceHash)
				}
				continue
			}
			index[job] = seen{rec: r, file: name}
			out = append(out, r.res)
		}
	}
	SortResults(out)
	return out, nil
}

// SortResults sorts results by scenario, then seed.
func SortResults(rs []scenario.Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Scenario != rs[j].Scenario {
			return rs[i].Scenario < rs[j].Scenario
		}
		return rs[i].Seed < rs[j].Seed
	})
}

func blameText(b scenario.Blame) string {
	if b == scenario.BlameNone {
		return "no blame"
	}
	return string(b)
}
