package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/faultline-dst/faultline/scenario"
)

// ErrResultsExist is returned by Run when the results file already holds
// results and Options.Resume is not set.
var ErrResultsExist = errors.New("results file already holds results")

// record is one result line of a results file, with where it came from.
type record struct {
	res  scenario.Result
	line int
}

// readResults parses a results file's content. A final line without its
// newline is a write torn by a kill: it is dropped, and good is the length
// of the content before it. Any other line that is not a result is an
// error naming the file and the line.
func readResults(name string, data []byte) (recs []record, good int, err error) {
	n := 0
	for len(data[good:]) > 0 {
		rest := data[good:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break // torn final line
		}
		n++
		line := rest[:i]
		good += i + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r scenario.Result
		if err := json.Unmarshal(line, &r); err != nil || r.Scenario == "" || r.Verdict == "" {
			if err == nil {
				err = errors.New("no scenario or verdict")
			}
			return nil, 0, fmt.Errorf("%s:%d: not a result line (%v): %s", name, n, err, truncate(string(line), 200))
		}
		recs = append(recs, record{res: r, line: n})
	}
	return recs, good, nil
}

// ReadResults reads a results file written by Run (or by any writer of
// scenario.WriteResult lines). A torn final line, left by a writer killed
// mid-write, is ignored; a malformed line elsewhere is an error.
func ReadResults(path string) ([]scenario.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs, _, err := readResults(path, data)
	if err != nil {
		return nil, err
	}
	out := make([]scenario.Result, len(recs))
	for i, r := range recs {
		out[i] = r.res
	}
	return out, nil
}

// resultsFile is a results file open for appending.
type resultsFile struct {
	f    *os.File
	path string
}

// openResults opens path for appending results and returns the results
// it already holds. Without resume, a file that holds any is refused;
// with it, a torn final line is cut off so that the next line starts
// clean.
func openResults(path string, resume bool) (*resultsFile, []record, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	if len(data) > 0 && !resume {
		return nil, nil, fmt.Errorf("%s: %w; resume it or choose another file", path, ErrResultsExist)
	}
	recs, good, err := readResults(path, data)
	if err != nil {
		return nil, nil, err
	}
	if good < len(data) {
		if err := os.Truncate(path, int64(good)); err != nil {
			return nil, nil, fmt.Errorf("cutting the torn last line of %s: %w", path, err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
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

func (rf *resultsFile) close() error { return rf.f.Close() }

// Merge joins results files, the shards of one sweep, into one list
// sorted by scenario and seed. A job recorded twice is kept once when
// both records agree (same verdict, blame and trace hash: a resumed or
// repeated shard); when they disagree Merge fails, naming both files and
// lines. A torn final line in a file is ignored, as ReadResults does.
func Merge(files ...string) ([]scenario.Result, error) {
	type seen struct {
		rec  record
		file string
	}
	index := map[Job]seen{}
	var out []scenario.Result
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		recs, _, err := readResults(name, data)
		if err != nil {
			return nil, err
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
