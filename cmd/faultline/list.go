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
	if *asJSON {
		for _, e := range entries {
			_ = printJSON(stdout, e)
		}
		return exitOK
	}
	printList(stdout, entries)
	return exitOK
}

// printList prints one scenario a line in columns as wide as their
// longest entry, so that long names keep the columns aligned.
func printList(w io.Writer, entries []listEntry) {
	var wName, wSystem, wModel int
	for _, e := range entries {
		wName, wSystem, wModel = max(wName, len(e.Name)), max(wSystem, len(e.System)), max(wModel, len(e.Model))
	}
	for _, e := range entries {
		bug := ""
		if e.KnownBug {
			bug = " [known bug: " + strings.Join(e.Bugs, ", ") + "]"
		}
		fmt.Fprintf(w, "%-*s  %-*s  %-*s  %s%s\n", wName, e.Name, wSystem, e.System, wModel, e.Model, e.Checker, bug)
	}
}
