package scenario

import (
	"fmt"
	"strings"
)

// FormatShrunkPlan renders a Markdown test plan with one faultline block
// for a shrunk scenario: based on the registered scenario base, with the
// shrunk topology, workload size (and think time, system options and run
// time, when the shrinker changed them) and the explicit fault list in
// scheduleFile (a path relative to the plan). `faultline run --plan` on it
// replays the shrunk reproducer on its own; replay is that command as the
// plan shows it (with the package the base scenario comes from, and the
// plan's own path), "faultline run --plan <this file> --seed N" if empty.
//
// base must be a registered scenario (of the package, or built in): the
// block names it with "base:". A scenario a plan declares is shrunk with
// PlanScenario.FormatShrunk, which does not need the original plan.
func FormatShrunkPlan(base Scenario, sh Shrunk, scheduleFile, replay string) string {
	var b strings.Builder
	writeShrunkHeader(&b, base.Name, sh, replay, "")
	fmt.Fprintf(&b, "scenario: %s-shrunk\n", base.Name)
	fmt.Fprintf(&b, "base: %s\n", base.Name)
	if len(base.Claim.IDs) > 0 {
		fmt.Fprintf(&b, "falsifies: %s\n", strings.Join(base.Claim.IDs, ", "))
	}
	b.WriteString("nemesis:\n")
	for _, l := range shrunkNemesis(base, sh, scheduleFile, nil) {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	b.WriteString("workload:\n")
	for _, l := range shrunkWorkload(sh) {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	fmt.Fprintf(&b, "topology:\n  nodes: %d\n", sh.Nodes)
	if sh.SystemOptions != nil {
		b.WriteString("system_options:\n")
		for _, l := range shrunkOptions(sh) {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	if sh.SimTime != 0 && sh.SimTime != withDefaults(base).SimTime {
		fmt.Fprintf(&b, "run:\n  time: %s\n", sh.SimTime)
	}
	b.WriteString("seeds: 1\n```\n")
	return b.String()
}

// shrunkWorkload returns the workload lines a shrunk plan sets: its
// clients and operations, and its think time and keys when the shrinker
// changed them.
func shrunkWorkload(sh Shrunk) []string {
	out := []string{fmt.Sprintf("clients: %d", sh.Clients), fmt.Sprintf("operations: %d", sh.OpsPerClient)}
	if sh.ThinkTime != 0 {
		out = append(out, fmt.Sprintf("think_time: %s", sh.ThinkTime))
	}
	if sh.Keys != 0 {
		out = append(out, fmt.Sprintf("keys: %d", sh.Keys))
	}
	return out
}

// shrunkOptions returns the system_options lines of a shrunk plan whose
// shrinker lowered an option: every option of the shrunk scenario, as a
// plan's section replaces the base's.
func shrunkOptions(sh Shrunk) []string {
	var out []string
	for _, k := range sortedKeys(sh.SystemOptions) {
		out = append(out, fmt.Sprintf("%s: %s", k, sh.SystemOptions[k]))
	}
	return out
}

// FormatShrunk renders the shrunk plan of a scenario this plan block
// declared: the block itself, field by field, with the shrunk topology,
// workload size (and think time, system options and run time, when the
// shrinker changed them) and explicit fault list (scheduleFile, relative to the
// shrunk plan) in place of the original ones. The result needs neither
// the original plan nor its files: only the registry the block was read
// with (the package, for a package's systems). replay is as for
// FormatShrunkPlan.
//
// A PlanScenario not made by ParsePlan has no block; it is rendered as
// FormatShrunkPlan does, based on its scenario's name.
func (p PlanScenario) FormatShrunk(sh Shrunk, scheduleFile, replay string) string {
	s := p.Scenario
	if len(p.block.fields) == 0 {
		return FormatShrunkPlan(s, sh, scheduleFile, replay)
	}
	var b strings.Builder
	writeShrunkHeader(&b, s.Name, sh, replay, fmt.Sprintf("The block is %s:%d's, with the shrunk nemesis, workload, topology and seeds.", p.File, p.Line))
	done := map[string]bool{}
	section := func(key string, lines []string) {
		fmt.Fprintf(&b, "%s:\n", key)
		for _, l := range lines {
			fmt.Fprintf(&b, "  %s\n", l)
		}
		done[key] = true
	}
	for _, f := range p.block.fields {
		switch f.key {
		case "scenario":
			fmt.Fprintf(&b, "scenario: %s-shrunk\n", s.Name)
		case "seeds":
		case "failover":
			if len(sh.Schedule) == 0 {
				continue // no fault left: the reproducer is no failover scenario
			}
			fmt.Fprintf(&b, "%s: %s\n", f.key, f.value)
		case "nemesis":
			section("nemesis", shrunkNemesis(s, sh, scheduleFile, f.sub))
		case "workload":
			drop := []string{"clients", "operations"}
			if sh.ThinkTime != 0 {
				drop = append(drop, "think_time")
			}
			if sh.Keys != 0 {
				drop = append(drop, "keys")
			}
			section("workload", replaceSub(f.sub, drop, shrunkWorkload(sh)...))
		case "topology":
			section("topology", replaceSub(f.sub, []string{"nodes"}, fmt.Sprintf("nodes: %d", sh.Nodes)))
		case "system_options":
			if sh.SystemOptions != nil {
				section("system_options", shrunkOptions(sh))
				continue
			}
			section(f.key, replaceSub(f.sub, nil))
		case "run":
			if sh.SimTime != 0 && sh.SimTime != withDefaults(s).SimTime {
				section("run", replaceSub(f.sub, []string{"time"}, fmt.Sprintf("time: %s", sh.SimTime)))
				continue
			}
			section(f.key, replaceSub(f.sub, nil))
		default:
			if f.value != "" {
				fmt.Fprintf(&b, "%s: %s\n", f.key, f.value)
				continue
			}
			section(f.key, replaceSub(f.sub, nil))
		}
	}
	if !done["nemesis"] {
		section("nemesis", shrunkNemesis(s, sh, scheduleFile, nil))
	}
	if !done["workload"] {
		section("workload", shrunkWorkload(sh))
	}
	if !done["topology"] {
		section("topology", []string{fmt.Sprintf("nodes: %d", sh.Nodes)})
	}
	if !done["system_options"] && sh.SystemOptions != nil {
		section("system_options", shrunkOptions(sh))
	}
	if !done["run"] && sh.SimTime != 0 && sh.SimTime != withDefaults(s).SimTime {
		section("run", []string{fmt.Sprintf("time: %s", sh.SimTime)})
	}
	b.WriteString("seeds: 1\n```\n")
	return b.String()
}

// writeShrunkHeader writes a shrunk plan's title, sizes and replay line,
// and a note when there is one, and opens its block.
func writeShrunkHeader(b *strings.Builder, name string, sh Shrunk, replay, note string) {
	if replay == "" {
		replay = fmt.Sprintf("faultline run --plan <this file> --seed %d", sh.Seed)
	}
	fmt.Fprintf(b, "# Shrunk reproducer: %s seed %d\n\n", name, sh.Seed)
	fmt.Fprintf(b, "Anomaly `%s`, shrunk from %d faults, %d operations, %d clients, %d nodes to %d, %d, %d, %d in %d runs.\n\n",
		sh.Anomaly, sh.Before.Faults, sh.Before.Operations, sh.Before.Clients, sh.Before.Nodes,
		sh.After.Faults, sh.After.Operations, sh.After.Clients, sh.After.Nodes, sh.Runs)
	fmt.Fprintf(b, "Replay: `%s`\n\n", replay)
	if note != "" {
		fmt.Fprintf(b, "%s\n\n", note)
	}
	b.WriteString("```faultline\n")
}

// shrunkNemesis returns the nemesis section of a shrunk plan: the
// original block's lines (sub, none for a registered base) but the
// explicit fault list, or none when the shrunk run needs no fault.
func shrunkNemesis(s Scenario, sh Shrunk, scheduleFile string, sub []rawField) []string {
	if len(sh.Schedule) == 0 {
		return replaceSub(sub, []string{"kinds", "schedule", "jitter", "generate"}, "kinds: none")
	}
	var extra []string
	extra = append(extra, "schedule: "+scheduleFile)
	if s.Nemesis.Jitter != 0 {
		extra = append(extra, "jitter: 0s") // the list is the jittered one
	}
	if s.Nemesis.Extend {
		extra = append(extra, "generate: false") // and holds the generated faults
	}
	return replaceSub(sub, []string{"schedule", "jitter", "generate"}, extra...)
}

// replaceSub returns a section's lines without the fields named in drop,
// followed by add.
func replaceSub(sub []rawField, drop []string, add ...string) []string {
	var out []string
	for _, f := range sub {
		if !contains(drop, f.key) {
			out = append(out, f.key+": "+f.value)
		}
	}
	return append(out, add...)
}
