package main

import (
	"fmt"
	"io"

	"github.com/faultline-dst/faultline/sim"
)

const diffHelp = `Compare two traces (written by run --trace or --out) and show the first
divergent event with the lines before it, and whose code wrote it (the
system under test or faultline).

Usage:
  faultline diff A.trace B.trace [--json]

Exit codes: 0 the traces are equal, 1 they differ, 2 usage error.

Example:
  faultline run --seed 4 --trace a.trace && faultline run --seed 4 --trace b.trace
  faultline diff a.trace b.trace
`

func cmdDiff(args []string, stdout, stderr io.Writer) int {
	fs := flags("diff", diffHelp, stderr)
	asJSON := fs.Bool("json", false, "print the divergence as one JSON object")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() != 2 {
		return fail(stderr, "diff", usagef("want two trace files, got %d arguments", fs.NArg()))
	}
	a, err := openTrace(fs.Arg(0))
	if err != nil {
		return fail(stderr, "diff", err)
	}
	defer a.Close()
	b, err := openTrace(fs.Arg(1))
	if err != nil {
		return fail(stderr, "diff", err)
	}
	defer b.Close()
	d, err := sim.DiffTraces(a, b)
	if err != nil {
		return fail(stderr, "diff", err)
	}
	if *asJSON {
		_ = printJSON(stdout, diffJSON(d))
	} else if d == nil {
		fmt.Fprintln(stdout, "the traces are equal")
	} else {
		fmt.Fprintf(stdout, "first divergence at line %d (written by %s code):\n", d.Line, d.Producer)
		for _, c := range d.Context {
			fmt.Fprintf(stdout, "    %s\n", c)
		}
		fmt.Fprintf(stdout, "  - %s\n  + %s\n", orEnd(d.A), orEnd(d.B))
	}
	if d != nil {
		return exitFinding
	}
	return exitOK
}

func orEnd(s string) string {
	if s == "" {
		return "(end of trace)"
	}
	return s
}

// diffOutput is diff's --json object, with snake_case keys.
type diffOutput struct {
	Equal bool        `json:"equal"`
	Diff  *diffDetail `json:"diff,omitempty"`
}

type diffDetail struct {
	Line     int      `json:"line"`
	A        string   `json:"a"`
	B        string   `json:"b"`
	Context  []string `json:"context"`
	Producer string   `json:"producer"`
}

func diffJSON(d *sim.TraceDiff) diffOutput {
	if d == nil {
		return diffOutput{Equal: true}
	}
	return diffOutput{Diff: &diffDetail{Line: d.Line, A: d.A, B: d.B, Context: d.Context, Producer: d.Producer}}
}
