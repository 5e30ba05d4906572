package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/faultline-dst/faultline/scenario"
)

const shrinkHelp = `Shrink a failing seed: with the seed fixed, remove faults, operations,
clients and nodes while the same anomaly persists. Writes a standalone
reproducer: a test plan (shrunk.md) and its explicit fault list
(faults.json); the shrunk scenario is checked to reproduce on its own.
The plan's block builds on a registered scenario (base:), or, for a
scenario a plan declares, is that block written out with the shrunk
sizes, so that it needs neither the original plan nor its files. Reports
the sizes before and after.

Usage:
  faultline shrink [PKG] --scenario NAME --seed N [--out DIR] [--max-runs N] [--json]

With PKG, the package's test binary shrinks the seed, and the reproducer
replays with 'faultline run PKG --plan DIR/shrunk.md --seed N'.

Examples:
  faultline shrink --scenario reads_linearizable_under_partition@stale-read --seed 2 --out shrunk/
  faultline run --plan shrunk/shrunk.md --seed 2
`

func cmdShrink(args []string, stdout, stderr io.Writer) int {
	fs := flags("shrink", shrinkHelp, stderr)
	name := fs.String("scenario", "", "the scenario (default: the built-in reference scenario)")
	plan := fs.String("plan", "", "take scenarios from the faultline blocks of `PLAN.md`")
	seed := fs.Uint64("seed", 1, "the failing seed")
	out := fs.String("out", "shrunk", "write the reproducer to `DIR`")
	maxRuns := fs.Int("max-runs", 500, "the most runs shrinking may make")
	asJSON := fs.Bool("json", false, "print the outcome as one JSON object")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	for _, err := range []error{checkScenarioNames(fs, *name), checkIntRange("max-runs", *maxRuns, 1, 100_000)} {
		if err != nil {
			return fail(stderr, "shrink", err)
		}
	}
	if err := outputDir("--out", *out); err != nil {
		return fail(stderr, "shrink", err)
	}
	src, err := sourceArg(fs.Args(), *plan, stderr)
	if err != nil {
		return fail(stderr, "shrink", err)
	}
	defer src.close()
	s, err := src.pick(*name)
	if err != nil {
		return fail(stderr, "shrink", err)
	}
	planPath := filepath.Join(*out, "shrunk.md")
	sh, text, err := src.shrink(s, *seed, *maxRuns, planPath)
	if err != nil {
		return fail(stderr, "shrink", err)
	}
	sched, _ := json.MarshalIndent(sh.Schedule, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "faults.json"), append(sched, '\n'), 0o644); err != nil {
		return fail(stderr, "shrink", err)
	}
	if err := os.WriteFile(planPath, []byte(text), 0o644); err != nil {
		return fail(stderr, "shrink", err)
	}
	replay := scenario.Source{Package: src.at.Package}.Command("run", "--plan", planPath, "--seed", fmt.Sprint(sh.Seed))
	if *asJSON {
		_ = printJSON(stdout, struct {
			scenario.Shrunk
			Plan   string `json:"plan"`
			Replay string `json:"replay"`
		}{sh, planPath, replay})
		return exitFinding
	}
	fmt.Fprintf(stdout, "anomaly     %s (seed %d)\n", sh.Anomaly, sh.Seed)
	fmt.Fprintf(stdout, "faults      %d -> %d\n", sh.Before.Faults, sh.After.Faults)
	fmt.Fprintf(stdout, "operations  %d -> %d\n", sh.Before.Operations, sh.After.Operations)
	fmt.Fprintf(stdout, "clients     %d -> %d\n", sh.Before.Clients, sh.After.Clients)
	fmt.Fprintf(stdout, "nodes       %d -> %d\n", sh.Before.Nodes, sh.After.Nodes)
	fmt.Fprintf(stdout, "runs        %d\n", sh.Runs)
	fmt.Fprintf(stdout, "reproducer  %s (faults in %s)\n", planPath, filepath.Join(*out, "faults.json"))
	fmt.Fprintf(stdout, "replay      %s\n", replay)
	return exitFinding
}
