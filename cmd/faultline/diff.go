package main

import (
	"fmt"
	"io"
	"os"

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
	a, err := os.Open(fs.Arg(0))
	if err != nil {
		return fail(stderr, "diff", usageError{err.Error()})
	}
	defer a.Close()
	b, err := os.Open(fs.Arg(1))
	if err != nil {
		return fail(stderr, "diff", usageError{err.Error()})
	}
	defer b.Close()
	d, err := sim.DiffTraces(a, b)
	if err != nil {
		return fail(stderr, "diff", err)
	}
	if *asJSON {
		_ = printJSON(stdout, struct {
			Equal bool           `json:"equal"`
			Diff  *sim.TraceDiff `json:"diff,omitempty"`
		}{d == nil, d})
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
