// Command faultline runs deterministic simulation tests of distributed
// systems: one seed (run, replay), thousands (sweep), and the tools to
// triage what they find (shrink, bisect, diff, check, report).
//
// Every command prints help with examples (faultline COMMAND --help), has
// --json output for machines, and exits with: 0 clean, 1 a finding against
// the system under test, 2 a usage or input error, 3 inconclusive or a
// failure blamed on the harness, checker or environment (bisect: 125 to
// skip instead of 3).
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit codes, as documented in README.md.
const (
	exitOK           = 0
	exitFinding      = 1
	exitUsage        = 2
	exitInconclusive = 3
	exitSkip         = 125
)

// command is one subcommand.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run one scenario on one seed: verdict, blame, trace hash", cmdRun},
		{"sweep", "run scenarios over many seeds in worker processes", cmdSweep},
		{"replay", "run one seed again and check it reproduces", cmdReplay},
		{"shrink", "cut a failing seed down to a minimal reproducer", cmdShrink},
		{"bisect", "exit codes for git bisect run: 0 good, 1 bad, 125 skip", cmdBisect},
		{"diff", "show the first divergence between two traces", cmdDiff},
		{"check", "check a history file (JSON Lines) with a checker", cmdCheck},
		{"report", "turn results files into the findings report", cmdReport},
		{"merge", "join the results files of sweep shards", cmdMerge},
		{"plan", "plan check: validate a test plan's scenario blocks", cmdPlan},
		{"list", "list the scenarios there are", cmdList},
		{"worker", "serve runs to a sweep (used by sweep itself)", cmdWorker},
	}
}

func usage() string {
	var b strings.Builder
	b.WriteString("faultline — deterministic simulation testing for distributed systems\n\nUsage:\n  faultline <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		if c.name == "worker" {
			continue
		}
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString(`
With no scenario named, run, sweep and replay use the built-in reference
scenario (raftkv key-value, linearizable under partitions and crashes).
Run 'faultline <command> --help' for a command's flags and examples.

Exit codes: 0 clean, 1 finding against the system under test,
2 usage or input error, 3 inconclusive or not the system's fault.
`)
	return b.String()
}

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the command line args and returns the exit code; tests call
// it directly.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage())
		return exitOK
	}
	var names []string
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
		if c.name != "worker" {
			names = append(names, c.name)
		}
	}
	sort.Strings(names)
	fmt.Fprintf(stderr, "faultline: unknown command %q; valid commands: %s\n", args[0], strings.Join(names, ", "))
	return exitUsage
}
