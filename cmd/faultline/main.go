// Command faultline runs deterministic simulations of distributed systems.
//
// Usage:
//
//	faultline run [--seed N] [--json] [--trace FILE]
//
// Exit codes: 0 clean, 1 a finding against the system under test, 2 usage or
// input error, 3 inconclusive or a failure blamed on the harness, checker or
// environment.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes, as documented in README.md.
const (
	exitOK           = 0
	exitFinding      = 1
	exitUsage        = 2
	exitInconclusive = 3
)

const usage = `faultline — deterministic simulation testing for distributed systems

Usage:
  faultline <command> [flags]

Commands:
  run     run the built-in example cluster on one seed and print its trace hash

Run 'faultline <command> --help' for a command's flags and examples.

Exit codes: 0 clean, 1 finding against the system under test,
2 usage or input error, 3 inconclusive or not the system's fault.
`

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the command line args and returns the exit code; tests call it
// directly.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "faultline: unknown command %q; valid commands: run\n", args[0])
		return exitUsage
	}
}
