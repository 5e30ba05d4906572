package main

import (
	"fmt"
	"io"
	"strings"
)

const listHelp = `List the scenarios there are: the built-in reference scenarios, a plan's,
or those a Go package registers in its test files (built and asked through
its test binary).

Usage:
  faultline list [PKG] [--plan PLAN.md] [--json]

With PKG and --plan, the plan's blocks are read with the package's
systems and scenarios.

Examples:
  faultline list
  faultline list --json
  faultline list ./internal/mystore
`

// listEntry is one scenario in list's --json output.
type listEntry struct {
	Name     string   `json:"name"`
	System   string   `json:"system"`
	Model    string   `json:"model"`
	Checker  string   `json:"checker"`
	Claims   []string `json:"claims,omitempty"`
	Bugs     []string `json:"bugs,omitempty"`
	KnownBug bool     `json:"known_bug"`
	Seeds    int      `json:"seeds"`
}

func cmdList(args []string, stdout, stderr io.Writer) int {
	fs := flags("list", listHelp, stderr)
	plan := fs.String("plan", "", "list the scenarios of `PLAN.md` instead")
	asJSON := fs.Bool("json", false, "print one JSON object per scenario")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	src, err := sourceArg(fs.Args(), *plan, stderr)
	if err != nil {
		return fail(stderr, "list", err)
	}
	defer src.close()
	entries := src.entries()
	for _, e := range entries {
		if *asJSON {
			_ = printJSON(stdout, e)
			continue
		}
		bug := ""
		if e.KnownBug {
			bug = " [known bug: " + strings.Join(e.Bugs, ", ") + "]"
		}
		fmt.Fprintf(stdout, "%-62s %-9s %-8s %s%s\n", e.Name, e.System, e.Model, e.Checker, bug)
	}
	return exitOK
}
