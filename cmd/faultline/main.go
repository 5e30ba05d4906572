// Command faultline runs deterministic simulation tests of distributed
// systems: one seed (run, replay), thousands (sweep), and the tools to
// triage what they find (shrink, bisect, diff, check, report).
//
// Every command prints help with examples (faultline COMMAND --help), has
// --json output for machines, and exits with: 0 clean, 1 a finding against
// the system under test, 2 a usage or input error, 3 inconclusive or a
// failure blamed on the harness, checker or environment (bisect: 125 to
// skip instead of 3, and 128 instead of 2, which would mark a revision
// bad).
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
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
		{"bisect", "exit codes for git bisect run: 0 good, 1 bad, 125 skip, 128 abort", cmdBisect},
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
Run 'faultline help <command>' (or 'faultline <command> --help') for a
command's flags and examples; 'faultline --version' for the version.

Exit codes: 0 clean, 1 finding against the system under test,
2 usage or input error, 3 inconclusive or not the system's fault
(bisect: 125 skip, 128 usage error).
`)
	return b.String()
}

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the command line args and returns the exit code; tests call
// it directly. Help (faultline help [COMMAND], COMMAND --help) goes to
// stdout, as does --version; errors go to stderr.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help":
		fmt.Fprint(stdout, usage())
		return exitOK
	case "help":
		if len(args) == 1 {
			fmt.Fprint(stdout, usage())
			return exitOK
		}
		if len(args) > 2 {
			fmt.Fprintf(stderr, "faultline help: want one command, got %q\n", args[1:])
			return exitUsage
		}
		args = []string{args[1], "--help"}
	case "--version", "version":
		fmt.Fprint(stdout, versionText())
		return exitOK
	}
	var names []string
	for _, c := range commands() {
		if c.name == args[0] {
			if wantsHelp(args[1:]) {
				return c.run(args[1:], stdout, stdout)
			}
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

// wantsHelp reports whether a command's args ask for its help, which then
// goes to standard output.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "--help":
			return true
		}
	}
	return false
}

// versionText is what --version prints: the module's version and the VCS
// revision faultline was built from, as the Go toolchain recorded them.
func versionText() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "faultline (no build information)\n"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var rev, when, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "faultline %s\nmodule    %s\n", version, info.Main.Path)
	switch {
	case rev == "":
		b.WriteString("revision  unknown (built without VCS information: -buildvcs=false, or not from a git checkout)\n")
	default:
		if modified == "true" {
			rev += " (with uncommitted changes)"
		}
		fmt.Fprintf(&b, "revision  %s\n", rev)
		if when != "" {
			fmt.Fprintf(&b, "committed %s\n", when)
		}
	}
	fmt.Fprintf(&b, "go        %s\n", info.GoVersion)
	return b.String()
}
