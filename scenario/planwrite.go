package scenario

import (
	"fmt"
	"strings"
)

// FormatShrunkPlan renders a Markdown test plan with one faultline block
// for a shrunk scenario: based on the registered scenario base, with the
// shrunk topology, workload size and the explicit fault list in
// scheduleFile (a path relative to the plan). `faultline run --plan` on it
// replays the shrunk reproducer on its own; replay is that command as the
// plan shows it (with the package the base scenario comes from, and the
// plan's own path), "faultline run --plan <this file> --seed N" if empty.
func FormatShrunkPlan(base Scenario, sh Shrunk, scheduleFile, replay string) string {
	if replay == "" {
		replay = fmt.Sprintf("faultline run --plan <this file> --seed %d", sh.Seed)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Shrunk reproducer: %s seed %d\n\n", base.Name, sh.Seed)
	fmt.Fprintf(&b, "Anomaly `%s`, shrunk from %d faults, %d operations, %d clients, %d nodes to %d, %d, %d, %d in %d runs.\n\n",
		sh.Anomaly, sh.Before.Faults, sh.Before.Operations, sh.Before.Clients, sh.Before.Nodes,
		sh.After.Faults, sh.After.Operations, sh.After.Clients, sh.After.Nodes, sh.Runs)
	fmt.Fprintf(&b, "Replay: `%s`\n\n", replay)
	b.WriteString("```faultline\n")
	fmt.Fprintf(&b, "scenario: %s-shrunk\n", base.Name)
	fmt.Fprintf(&b, "base: %s\n", base.Name)
	if len(base.Claim.IDs) > 0 {
		fmt.Fprintf(&b, "falsifies: %s\n", strings.Join(base.Claim.IDs, ", "))
	}
	b.WriteString("nemesis:\n")
	if len(sh.Schedule) == 0 {
		b.WriteString("  kinds: none\n")
	} else {
		fmt.Fprintf(&b, "  schedule: %s\n", scheduleFile)
		if base.Nemesis.Jitter != 0 {
			b.WriteString("  jitter: 0s\n") // the list is the jittered one
		}
		if base.Nemesis.Extend {
			b.WriteString("  generate: false\n") // and holds the generated faults
		}
	}
	fmt.Fprintf(&b, "workload:\n  clients: %d\n  operations: %d\n", sh.Clients, sh.OpsPerClient)
	fmt.Fprintf(&b, "topology:\n  nodes: %d\n", sh.Nodes)
	b.WriteString("seeds: 1\n```\n")
	return b.String()
}
