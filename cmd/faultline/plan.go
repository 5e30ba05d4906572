package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/faultline-dst/faultline/examples/reference"
)

const planHelp = `Validate the scenario blocks of a Markdown test plan: every fenced
` + "```faultline" + ` block is parsed strictly; unknown or missing fields, unknown
systems, models, checkers and fault kinds, and bad values are reported with
the file, the line and the valid choices.

Usage:
  faultline plan check PLAN.md... [--json]

Example:
  faultline plan check docs/plan.md
`

func cmdPlan(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "check" && !strings.HasPrefix(args[0], "-")) {
		got := "nothing"
		if len(args) > 0 {
			got = fmt.Sprintf("%q", args[0])
		}
		fmt.Fprintf(stderr, "faultline plan: want a subcommand, got %s; valid: check\n", got)
		return exitUsage
	}
	if args[0] == "check" {
		args = args[1:]
	}
	fs := flags("plan check", planHelp, stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per scenario")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() == 0 {
		return fail(stderr, "plan check", usagef("name at least one plan file"))
	}
	code := exitOK
	for _, path := range fs.Args() {
		ps, err := reference.Registry().ReadPlan(path)
		if err != nil {
			fmt.Fprintln(stderr, err)
			code = exitUsage
			continue
		}
		for _, p := range ps {
			s := p.Scenario
			if *asJSON {
				_ = printJSON(stdout, map[string]any{"file": p.File, "line": p.Line, "scenario": s.Name, "system": s.System, "model": s.Model, "checker": s.Checker, "claims": s.Claim.IDs, "ok": true})
			} else {
				fmt.Fprintf(stdout, "%s:%d: ok: %s (%s, %s, %s)\n", p.File, p.Line, s.Name, s.System, s.Model, s.Checker)
			}
		}
	}
	return code
}
