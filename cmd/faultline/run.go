package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/faultline-dst/faultline/examples/counter"
	"github.com/faultline-dst/faultline/sim"
)

const runHelp = `Run the built-in example cluster (a three-node replicated counter with
one crash, one restart and one partition) on one seed, and print its trace
hash. The same seed always gives the same hash.

Usage:
  faultline run [--seed N] [--json] [--trace FILE]

Examples:
  faultline run --seed 7
  faultline run --seed 7 --json
  faultline run --seed 7 --trace /tmp/seed7.trace

Flags:
`

// runOutput is the --json object of `faultline run`.
type runOutput struct {
	Seed      uint64 `json:"seed"`
	TraceHash string `json:"trace_hash"`
	Events    int64  `json:"events"`
	SimNS     int64  `json:"sim_ns"`
	Messages  int64  `json:"messages"`
	Delivered int64  `json:"delivered"`
	Dropped   int64  `json:"dropped"`
	Stop      string `json:"stop"`
	Error     string `json:"error,omitempty"`
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 1, "the run's seed")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	tracePath := fs.String("trace", "", "write the full trace to `FILE`")
	fs.Usage = func() {
		fmt.Fprint(stderr, runHelp)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "faultline run: %v\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "faultline run: unexpected argument %q (the built-in cluster takes no scenario yet)\n", fs.Arg(0))
		return exitUsage
	}
	cfg := counter.Cluster(*seed)
	var traceFile *os.File
	if *tracePath != "" {
		f, err := os.Create(*tracePath)
		if err != nil {
			fmt.Fprintf(stderr, "faultline run: --trace: %v\n", err)
			return exitUsage
		}
		traceFile = f
		cfg.Trace = f
	}
	w, err := sim.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "faultline run: %v\n", err)
		return exitUsage
	}
	counter.Faults(w)
	res, runErr := w.Run()
	if traceFile != nil {
		err := traceFile.Sync()
		if cerr := traceFile.Close(); err == nil {
			err = cerr
		}
		if err != nil && runErr == nil {
			runErr = fmt.Errorf("--trace: %w", err)
		}
	}
	out := runOutput{
		Seed:      res.Seed,
		TraceHash: sim.FormatHash(res.TraceHash),
		Events:    res.Events,
		SimNS:     int64(res.SimTime),
		Messages:  res.Sent,
		Delivered: res.Delivered,
		Dropped:   res.Dropped,
		Stop:      string(res.Stop),
	}
	if runErr != nil {
		out.Error = runErr.Error()
	}
	if *asJSON {
		b, _ := json.Marshal(out)
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		fmt.Fprintf(stdout, "seed        %d\ntrace_hash  %s\nevents      %d\nsim_time    %v\nmessages    %d sent, %d delivered, %d dropped\nstop        %s\n",
			out.Seed, out.TraceHash, out.Events, res.SimTime, out.Messages, out.Delivered, out.Dropped, out.Stop)
		if runErr != nil {
			fmt.Fprintf(stdout, "error       %v\n", runErr)
		}
	}
	if runErr != nil {
		var pe *sim.PanicError
		if errors.As(runErr, &pe) {
			return exitFinding
		}
		return exitInconclusive
	}
	return exitOK
}
