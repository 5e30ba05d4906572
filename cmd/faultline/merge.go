package main

import (
	"fmt"
	"io"

	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

const mergeHelp = `Join the results files of sweep shards into one, sorted by scenario and
seed. A (scenario, seed) recorded in two files must have the same outcome;
if not, it is an error naming both places. The union of the shards of a
sweep equals the unsplit sweep.

Usage:
  faultline merge SHARD.jsonl... [--out FILE] [--json]

Examples:
  faultline merge shard0.jsonl shard1.jsonl --out results.jsonl
  faultline merge shard*.jsonl --out all.jsonl && faultline report all.jsonl
`

func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fs := flags("merge", mergeHelp, stderr)
	out := fs.String("out", "", "write the merged results to `FILE` (default: standard output)")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() == 0 {
		return fail(stderr, "merge", usagef("name at least one results file"))
	}
	rs, err := sweep.Merge(fs.Args()...)
	if err != nil {
		return fail(stderr, "merge", usageError{err.Error()})
	}
	w := stdout
	if *out != "" {
		f, err := createOutput("--out", *out)
		if err != nil {
			return fail(stderr, "merge", err)
		}
		defer f.Close()
		w = f
	}
	for _, r := range rs {
		if err := scenario.WriteResult(w, r); err != nil {
			return fail(stderr, "merge", err)
		}
	}
	sum := sweep.Summarize(rs)
	if *out != "" {
		if *asJSON {
			_ = printJSON(stdout, sum)
		} else {
			fmt.Fprintf(stdout, "merged %d results from %d files into %s\n", len(rs), fs.NArg(), *out)
		}
	}
	return sum.ExitCode
}
