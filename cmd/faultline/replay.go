package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/faultline-dst/faultline/internal/inputfile"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
)

const replayHelp = `Run one seed again and check that it reproduces: the trace hash must equal
the recorded one. On a divergence, name the first differing event and blame
the side whose code produced it.

The seed comes from a result line (a sweep's results file, or the --json
output of run) or from flags.

Usage:
  faultline replay --scenario NAME --seed N [--hash H] [--trace FILE] [--out DIR]
  faultline replay --result results.jsonl[:LINE] [--out DIR]
  faultline replay PKG --scenario NAME --seed N [--hash H] [--plan PLAN.md] [--trace FILE] [--out DIR]

A result line records the package or plan its scenario came from, so
--result needs nothing else. Without a recorded hash (--hash, or the
result line's) there is nothing to compare: the seed runs and its verdict
is reported.

Examples:
  faultline replay --scenario reads_linearizable_under_partition@stale-read --seed 2
  faultline replay --result results.jsonl:17 --out artifacts/f1
  faultline run --seed 5 --json > r.json && faultline replay --result r.json
`

// replayOutput is replay's --json object.
type replayOutput struct {
	scenario.Result
	RecordedHash string      `json:"recorded_hash,omitempty"`
	Reproduced   bool        `json:"reproduced"`
	Divergence   *divergence `json:"replay_divergence,omitempty"`
}

type divergence struct {
	Line     int      `json:"line"`
	First    string   `json:"first"`
	Second   string   `json:"second"`
	Context  []string `json:"context"`
	Producer string   `json:"producer"`
	Blame    string   `json:"blame"`
	Note     string   `json:"note"`
}

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	fs := flags("replay", replayHelp, stderr)
	name := fs.String("scenario", "", "the scenario (default: the built-in reference scenario)")
	plan := fs.String("plan", "", "take scenarios from the faultline blocks of `PLAN.md`")
	seed := fs.Uint64("seed", 1, "the seed")
	hash := fs.String("hash", "", "the recorded trace hash to compare with")
	from := fs.String("result", "", "replay the result at `FILE[:LINE]` (default line: the first)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	tracePath := fs.String("trace", "", "write the full trace to `FILE`")
	out := fs.String("out", "", "write artifacts (trace, history, result, pages) to `DIR`")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	for _, err := range []error{checkScenarioNames(fs, *name), checkHash(*hash), checkExclusive(fs, "result", "scenario", "seed", "plan")} {
		if err != nil {
			return fail(stderr, "replay", err)
		}
	}
	recorded := *hash
	args = fs.Args()
	if *from != "" {
		r, err := readResultLine(*from)
		if err != nil {
			return fail(stderr, "replay", err)
		}
		*name, *seed = r.Scenario, r.Seed
		if recorded == "" {
			recorded = r.TraceHash
		}
		// The result line says where its scenario came from (a package on
		// the command line wins; --plan cannot be given with --result).
		if len(args) == 0 && r.Package != "" {
			args = []string{r.Package}
		}
		if *plan == "" {
			*plan = r.Plan
		}
	}
	src, err := sourceArg(args, *plan, stderr)
	if err != nil {
		return fail(stderr, "replay", err)
	}
	defer src.close()
	s, err := src.pick(*name)
	if err != nil {
		return fail(stderr, "replay", err)
	}
	res, err := src.run(s, *seed, runOptions{trace: *tracePath, out: *out})
	if err != nil {
		return fail(stderr, "replay", err)
	}
	o := replayOutput{Result: res, RecordedHash: recorded, Reproduced: recorded != "" && recorded == res.TraceHash}
	if recorded != "" && !o.Reproduced {
		o.Divergence = findDivergence(src, s, *seed)
	}
	if *asJSON {
		_ = printJSON(stdout, o)
	} else {
		printResult(stdout, res)
		switch {
		case recorded == "":
			fmt.Fprintln(stdout, "reproduced  nothing to compare: no recorded trace hash (give --hash, or replay a result line with --result)")
		case o.Reproduced:
			fmt.Fprintf(stdout, "reproduced  yes: trace hash %s as recorded\n", recorded)
		default:
			fmt.Fprintf(stdout, "reproduced  NO: recorded %s, now %s\n", recorded, res.TraceHash)
			if d := o.Divergence; d != nil {
				fmt.Fprintf(stdout, "divergence  %s\n", d.Note)
				if d.Line > 0 {
					for _, c := range d.Context {
						fmt.Fprintf(stdout, "    %s\n", c)
					}
					fmt.Fprintf(stdout, "  - %s\n  + %s\n", d.First, d.Second)
				}
			}
		}
	}
	if recorded != "" && !o.Reproduced {
		if o.Divergence != nil && o.Divergence.Blame == string(scenario.BlameSUT) {
			return exitFinding
		}
		return exitInconclusive
	}
	return exitFor(res)
}

// findDivergence runs the seed twice more with traces. If they differ,
// the run is nondeterministic now and the first difference says whose
// code is to blame; if they agree, the recording came from other code.
func findDivergence(src *source, name string, seed uint64) *divergence {
	dir, err := os.MkdirTemp("", "faultline-replay-")
	if err != nil {
		return &divergence{Note: "could not run again: " + err.Error()}
	}
	defer os.RemoveAll(dir)
	a, b := filepath.Join(dir, "a.trace"), filepath.Join(dir, "b.trace")
	for _, path := range []string{a, b} {
		if _, err := src.run(name, seed, runOptions{trace: path, noRerun: true}); err != nil {
			return &divergence{Note: "could not run again: " + err.Error()}
		}
	}
	fa, err := os.Open(a)
	if err != nil {
		return &divergence{Note: err.Error()}
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return &divergence{Note: err.Error()}
	}
	defer fb.Close()
	d, err := sim.DiffTraces(fa, fb)
	if err != nil {
		return &divergence{Note: err.Error()}
	}
	if d == nil {
		return &divergence{Blame: string(scenario.BlameUnknown), Note: "this code runs the seed deterministically (two more runs agree): the recording came from other code or another faultline version"}
	}
	blame := scenario.BlameSUT
	who := "SUT code (a determinism hazard: host time, global randomness, map order or goroutines)"
	switch d.Producer {
	case "harness":
		blame, who = scenario.BlameHarness, "faultline code"
	case "mixed":
		blame, who = scenario.BlameUnknown, "SUT code in one run and faultline code in the other (who parted first is not known)"
	}
	return &divergence{Line: d.Line, First: d.A, Second: d.B, Context: d.Context, Producer: d.Producer, Blame: string(blame),
		Note: fmt.Sprintf("the seed is not deterministic: two runs part at trace line %d, written by %s", d.Line, who)}
}

// readResultLine reads one result from FILE or FILE:LINE (LINE from 1).
func readResultLine(spec string) (scenario.Result, error) {
	path, lineNo := spec, 0
	if i := strings.LastIndexByte(spec, ':'); i > 0 {
		if n, err := strconv.Atoi(spec[i+1:]); err == nil {
			if n < 1 {
				return scenario.Result{}, usagef("--result %s: line %d; lines count from 1", spec, n)
			}
			path, lineNo = spec[:i], n
		}
	}
	f, err := inputfile.Open(path)
	if err != nil {
		return scenario.Result{}, usagef("--result: %v", err)
	}
	defer f.Close()
	lines := inputfile.NewLines(f, maxResultLine)
	for {
		raw, complete, err := lines.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return scenario.Result{}, usagef("%s:%v", path, err)
		}
		n := lines.Line()
		if lineNo != 0 && n != lineNo {
			continue
		}
		line := bytes.TrimSpace(raw)
		if len(line) == 0 {
			if lineNo != 0 {
				return scenario.Result{}, usagef("%s:%d is blank, not a result line", path, n)
			}
			continue
		}
		if !complete {
			return scenario.Result{}, usagef("%s:%d: torn last line (no newline at its end; a sweep killed mid-write leaves one): %s", path, n, inputfile.Quote(line, 120))
		}
		var r scenario.Result
		if err := json.Unmarshal(line, &r); err != nil {
			return r, usagef("%s:%d: not a result line (%v): %s", path, n, err, inputfile.Quote(line, 120))
		}
		if r.Scenario == "" {
			return r, usagef("%s:%d: result line has no scenario: %s", path, n, inputfile.Quote(line, 120))
		}
		return r, nil
	}
	if lineNo != 0 {
		return scenario.Result{}, usagef("%s has no line %d (it has %d)", path, lineNo, lines.Line())
	}
	return scenario.Result{}, usagef("%s holds no result line", path)
}
