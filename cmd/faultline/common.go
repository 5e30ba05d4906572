package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

// usageError is a bad command line or input: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// flags makes a command's flag set with its help text.
func flags(name, help string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(stderr, help)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; done reports that the command should return code.
func parse(fs *pflag.FlagSet, args []string, stderr io.Writer) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK, true
		}
		fmt.Fprintf(stderr, "faultline %s: %v (see --help)\n", fs.Name(), err)
		return exitUsage, true
	}
	return 0, false
}

// fail prints err for command name and returns its exit code: 2 for
// usage and input errors, 3 otherwise.
func fail(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "faultline %s: %v\n", name, err)
	var ue usageError
	var pe *scenario.PlanError
	if errors.As(err, &ue) || errors.As(err, &pe) || isInputError(err) ||
		errors.Is(err, sweep.ErrResultsFile) || errors.Is(err, sweep.ErrResultsExist) {
		return exitUsage
	}
	return exitInconclusive
}

// exitFor maps a verdict and blame to the command's exit code.
func exitFor(r scenario.Result) int {
	switch {
	case r.Verdict.IsFail() && r.Blame == scenario.BlameSUT:
		return exitFinding
	case r.Verdict.IsFail(), strings.HasPrefix(string(r.Verdict), "INCONCLUSIVE"), r.Verdict == scenario.NotRun:
		return exitInconclusive
	}
	return exitOK
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printResult prints one run for people.
func printResult(w io.Writer, r scenario.Result) {
	blame := string(r.Blame)
	if blame == "" {
		blame = "-"
	}
	fmt.Fprintf(w, "scenario    %s\n", r.Scenario)
	if len(r.Bugs) > 0 {
		fmt.Fprintf(w, "bugs        %s\n", strings.Join(r.Bugs, ", "))
	}
	fmt.Fprintf(w, "seed        %d\nverdict     %s\nblame       %s\nreason      %s\n", r.Seed, r.Verdict, blame, r.Reason)
	if r.TraceHash != "" {
		fmt.Fprintf(w, "trace_hash  %s\n", r.TraceHash)
		fmt.Fprintf(w, "events      %d in %.3fs simulated, %.3fs host\n", r.Events, float64(r.SimNS)/1e9, float64(r.HostNS)/1e9)
		fmt.Fprintf(w, "operations  %d (%d ok, %d fail, %d info), %d messages\n", r.Operations, r.OpsOK, r.OpsFail, r.OpsInfo, r.Messages)
	}
	if c := r.Checker; c != nil {
		fmt.Fprintf(w, "checker     %s: %s, decided %d of %d operations\n", c.Checker, c.Outcome, c.Checked, c.Recorded)
	}
	if c := r.CrossCheck; c != nil {
		switch {
		case !c.Ran:
			fmt.Fprintf(w, "crosscheck  %s\n", c.Detail)
		case c.Agrees:
			fmt.Fprintf(w, "crosscheck  %s agrees: %s\n", c.Name, c.Detail)
		default:
			fmt.Fprintf(w, "crosscheck  %s disagrees: %s\n", c.Name, c.Detail)
		}
	}
	for _, f := range r.Faults {
		landed := "NOT landed"
		if f.Landed {
			landed = "landed"
		}
		var cs []string
		for _, c := range f.Counters {
			if c.Value != 0 {
				cs = append(cs, fmt.Sprintf("%s=%d", c.Name, c.Value))
			}
		}
		fmt.Fprintf(w, "fault       %s %s %s %s\n", f.ID, f.Kind, landed, strings.Join(cs, " "))
	}
	if p := r.Panic; p != nil {
		what := "panic      "
		if r.Stop == sweep.StopStuck {
			what = "stuck      "
		}
		fmt.Fprintf(w, "%s %s %s: %s\n", what, cmp.Or(p.Node, "harness"), p.Event, p.Message)
		for _, f := range p.Frames {
			fmt.Fprintf(w, "  at        %s\n", f)
		}
	}
	for _, c := range r.Checks {
		if !c.OK {
			fmt.Fprintf(w, "check       %s failed: %s\n", c.Name, c.Detail)
		}
	}
	if r.Artifacts.Trace != "" {
		fmt.Fprintf(w, "artifacts   %s %s\n", r.Artifacts.Trace, r.Artifacts.History)
	}
	if r.Artifacts.HistoryPage != "" {
		fmt.Fprintf(w, "pictures    %s %s\n", r.Artifacts.HistoryPage, r.Artifacts.TracePage)
	}
	fmt.Fprintf(w, "replay      %s\n", r.ReplayCommand())
	if r.Verdict.IsFail() {
		seed := fmt.Sprint(r.Seed)
		if r.Stop != "worker-died" && r.Stop != sweep.StopStuck { // a process that dies, a run that hangs: not shrunk
			fmt.Fprintf(w, "shrink      %s\n", r.Source.Command("shrink", "--scenario", r.Scenario, "--seed", seed))
		}
		fmt.Fprintf(w, "bisect      git bisect run %s\n", r.Source.Command("bisect", "--scenario", r.Scenario, "--seed", seed))
	}
}
