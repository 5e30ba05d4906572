package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/scenario"
)

// ErrConflict is wrapped by the error Merge returns when two results of
// the same scenario and seed disagree.
var ErrConflict = errors.New("conflicting results for the same scenario and seed")

// ReadResults reads a sweep's results file: JSON Lines, one
// scenario.Result a line; blank lines are skipped. A line that is not one
// well-formed Result (bad JSON, an unknown field, trailing data, no
// scenario, an unknown verdict or blame) is an error "name:line: reason",
// and reading stops there.
func ReadResults(r io.Reader, name string) ([]scenario.Result, error) {
	recs, err := readRecords(r, name)
	if err != nil {
		return nil, err
	}
	out := make([]scenario.Result, len(recs))
	for i, rec := range recs {
		out[i] = rec.r
	}
	return out, nil
}

// record is a result and where it was read from.
type record struct {
	where string // "name:line"
	r     scenario.Result
}

func readRecords(r io.Reader, name string) ([]record, error) {
	br := bufio.NewReader(r)
	var out []record
	for line := 1; ; line++ {
		text, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if len(bytes.TrimSpace(text)) > 0 {
			res, perr := parseResult(text)
			if perr != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, line, perr)
			}
			out = append(out, record{fmt.Sprintf("%s:%d", name, line), res})
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
	}
}

// parseResult decodes one line strictly.
func parseResult(line []byte) (scenario.Result, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var r scenario.Result
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("not a result: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return r, errors.New("trailing data after the result")
	}
	if r.Scenario == "" {
		return r, errors.New("result without a scenario")
	}
	if _, err := scenario.ParseVerdict(string(r.Verdict)); err != nil {
		return r, err
	}
	switch r.Blame {
	case scenario.BlameNone, scenario.BlameSUT, scenario.BlameHarness, scenario.BlameChecker,
		scenario.BlameEnvironment, scenario.BlameUnknown:
	default:
		return r, fmt.Errorf("unknown blame %q; valid: SUT, harness, checker, environment, unknown or none", r.Blame)
	}
	return r, nil
}

// Input is one results file's results, by the name errors give it.
type Input struct {
	Name    string
	Results []scenario.Result
}

// Merge joins the results of several inputs (the shards of one sweep, or
// a resumed sweep's files) into one result per scenario, source and
// seed, sorted by scenario, source and seed (a scenario of the same name
// from another package or plan is another scenario). Two results of the
// same scenario, source and seed must be the same run: equal in everything but HostNS and Artifacts, which are
// not functions of the run, and the first is kept. Results that disagree
// are an error wrapping ErrConflict that names both and the fields that
// differ.
func Merge(inputs ...Input) ([]scenario.Result, error) {
	var recs []record
	for _, in := range inputs {
		for i, r := range in.Results {
			recs = append(recs, record{fmt.Sprintf("%s: result %d", in.Name, i+1), r})
		}
	}
	return merge(recs)
}

// ReadFiles reads and merges results files, as ReadResults and Merge do;
// errors name files and lines.
func ReadFiles(paths ...string) ([]scenario.Result, error) {
	var recs []record
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		rs, err := readRecords(f, p)
		f.Close()
		if err != nil {
			return nil, err
		}
		recs = append(recs, rs...)
	}
	return merge(recs)
}

func merge(recs []record) ([]scenario.Result, error) {
	first := map[Key]record{}
	var keys []Key
	var errs []error
	for _, rec := range recs {
		k := keyOf(rec.r)
		prev, ok := first[k]
		if !ok {
			first[k] = rec
			keys = append(keys, k)
			continue
		}
		fields, err := differ(prev.r, rec.r)
		if err != nil {
			return nil, err
		}
		if len(fields) > 0 {
			from := ""
			if k.Source != (scenario.Source{}) {
				from = " (" + k.Source.String() + ")"
			}
			errs = append(errs, fmt.Errorf("scenario %s%s seed %d: %s and %s differ in %s: %w",
				k.Scenario, from, k.Seed, prev.where, rec.where, strings.Join(fields, ", "), ErrConflict))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(keys, compareKeys)
	out := make([]scenario.Result, len(keys))
	for i, k := range keys {
		out[i] = first[k].r
	}
	return out, nil
}

// differ lists the JSON fields in which two results of one run differ,
// ignoring HostNS and Artifacts.
func differ(a, b scenario.Result) ([]string, error) {
	fa, err := fields(a)
	if err != nil {
		return nil, err
	}
	fb, err := fields(b)
	if err != nil {
		return nil, err
	}
	var out []string
	for k, v := range fa {
		if w, ok := fb[k]; !ok || !bytes.Equal(v, w) {
			out = append(out, k)
		}
	}
	for k := range fb {
		if _, ok := fa[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

func fields(r scenario.Result) (map[string]json.RawMessage, error) {
	r.HostNS, r.Artifacts = 0, scenario.Artifacts{}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}
