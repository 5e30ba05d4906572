package main

import (
	"fmt"
	"io"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/history"
)

const checkHelp = `Check a history recorded anywhere (a real cluster test, another tool) with
one of faultline's checkers. The history is JSON Lines, one operation per
line, with the fields of docs/METHOD.md (op_id, process, model, op_type, key,
input, output, error, type, invoke_ts, complete_ts, timeout_marker,
node_seen, fault_epoch).

Usage:
  faultline check --history FILE --model MODEL --checker NAME [--json]
                  [--delivery exactly-once|at-least-once] [--drift-bound RHO]

The queue and log checkers judge a delivery claim, which --delivery states
(required for them): under exactly-once a value delivered twice is an
anomaly, under at-least-once it is not.

Exit codes: 0 ok, 1 anomaly, 3 the checker could not decide, 2 bad input.

Example:
  faultline check --history etcd.jsonl --model kv --checker linearizable
`

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := flags("check", checkHelp, stderr)
	path := fs.String("history", "", "the history `FILE` (JSON Lines)")
	model := fs.String("model", "", "the model of the operations to check (e.g. kv, queue, ledger)")
	name := fs.String("checker", "", "the checker (e.g. linearizable, queue, ledger)")
	asJSON := fs.Bool("json", false, "print the checker's result as one JSON object")
	delivery := fs.String("delivery", "", "queue and log checkers: the delivery claim, exactly-once or at-least-once (required for them)")
	drift := fs.Float64("drift-bound", 0, "lease checker: the clock drift bound rho (e.g. 0.0005)")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if *drift < 0 || *drift >= 1 {
		return fail(stderr, "check", usagef("--drift-bound %v: want a rate from 0 up to (not including) 1, such as 0.0005", *drift))
	}
	if *path == "" || *name == "" || *model == "" {
		return fail(stderr, "check", usagef("--history, --model and --checker are required; checkers: %v; models: %v", checkers.Names(), history.Models()))
	}
	c, err := checkers.Lookup(*name)
	if err != nil {
		return fail(stderr, "check", usageError{err.Error()})
	}
	m := history.Model(*model)
	known := false
	for _, x := range history.Models() {
		known = known || x == m
	}
	if !known {
		return fail(stderr, "check", usagef("unknown model %q; valid: %v", *model, history.Models()))
	}
	if len(c.Models) > 0 {
		fits := false
		for _, x := range c.Models {
			fits = fits || x == m
		}
		if !fits {
			return fail(stderr, "check", usagef("checker %s does not judge model %s; it judges %v", c.Name, m, c.Models))
		}
	}
	opts := checkers.Options{DriftBound: *drift}
	switch {
	case checkers.NeedsDelivery(c.Name) && *delivery == "":
		return fail(stderr, "check", usagef("checker %s judges a delivery claim: give --delivery %s or --delivery %s", c.Name, checkers.ExactlyOnce, checkers.AtLeastOnce))
	case *delivery != "" && !checkers.NeedsDelivery(c.Name):
		return fail(stderr, "check", usagef("--delivery: checker %s judges no delivery claim (only queue and log do)", c.Name))
	case *delivery != "":
		d, err := checkers.ParseDelivery(*delivery)
		if err != nil {
			return fail(stderr, "check", usagef("--delivery: %v", err))
		}
		opts.Delivery = d
	}
	h, err := readHistory(*path)
	if err != nil {
		return fail(stderr, "check", usageError{err.Error()})
	}
	h = h.Filter(func(o history.Op) bool { return o.Model == m })
	res := c.Check(h, opts)
	if *asJSON {
		_ = printJSON(stdout, res)
	} else {
		fmt.Fprintf(stdout, "checker     %s\noutcome     %s\n", res.Checker, res.Outcome)
		if res.Kind != "" {
			fmt.Fprintf(stdout, "kind        %s\n", res.Kind)
		}
		fmt.Fprintf(stdout, "coverage    %d of %d operations decided\n", res.Checked, res.Recorded)
		fmt.Fprintf(stdout, "explanation %s\n", res.Explanation)
		for _, v := range res.Violations {
			fmt.Fprintf(stdout, "  - %s on %q (ops %v): %s\n", v.Kind, v.Key, v.Ops, v.Explanation)
		}
	}
	switch res.Outcome {
	case checkers.OK:
		return exitOK
	case checkers.Anomaly:
		return exitFinding
	}
	return exitInconclusive
}
