package scenario

import (
	"fmt"
	"sort"
	"strings"
)

// Finding is a distinct failure over a sweep: the failing seeds of one
// scenario that share the anomaly kind, the checker and the blame. A
// scenario is its name and its source: two packages, or a package and a
// plan, that declare scenarios of the same name make distinct findings.
type Finding struct {
	ID       string `json:"id"` // F1, F2, ... in report order
	Scenario string `json:"scenario"`
	// Source is where the scenario came from (a package, a plan; empty
	// for a built-in one).
	Source
	System  string   `json:"system"`
	Claims  []string `json:"claims,omitempty"`
	Bugs    []string `json:"bugs,omitempty"`
	Anomaly string   `json:"anomaly"`
	Checker string   `json:"checker,omitempty"`
	Blame   Blame    `json:"blame"`
	Verdict Verdict  `json:"verdict"` // the worst verdict among its seeds
	Seeds   []uint64 `json:"seeds"`   // ascending
	// First is the result of the lowest failing seed: the one to replay.
	First Result `json:"first"`
	// BugType, Tags and Severity classify the finding (METHOD.md).
	BugType  string   `json:"bug_type"`
	Tags     []string `json:"tags,omitempty"`
	Severity string   `json:"severity"`
	// Replay is the exact command that replays First.
	Replay string `json:"replay"`
	// Shrunk is filled in when the finding was shrunk.
	Shrunk *Shrunk `json:"shrunk,omitempty"`
}

// ReplayCommand is the command line that replays one seed of a built-in
// scenario; Result.ReplayCommand also names the package or plan a
// scenario came from.
func ReplayCommand(scenario string, seed uint64) string {
	return Result{Scenario: scenario, Seed: seed}.ReplayCommand()
}

// Group turns a sweep's results into distinct findings: every FAIL
// (inconclusive seeds are reported per scenario, not as findings), grouped
// by scenario and its source, anomaly kind, checker and blame. Findings
// are ordered SUT blame first, then by scenario, source and anomaly.
func Group(results []Result) []Finding {
	type key struct {
		source                     Source
		scenario, anomaly, checker string
		blame                      Blame
	}
	index := map[key]int{}
	var out []Finding
	for _, r := range results {
		if !r.Verdict.IsFail() {
			continue
		}
		checker := ""
		if r.Checker != nil {
			checker = r.Checker.Checker
		}
		k := key{r.Source, r.Scenario, r.Anomaly, checker, r.Blame}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			bt, tags, sev := Classify(r)
			out = append(out, Finding{Scenario: r.Scenario, Source: r.Source, System: r.System, Claims: r.Claims, Bugs: r.Bugs,
				Anomaly: r.Anomaly, Checker: checker, Blame: r.Blame, Verdict: r.Verdict, First: r,
				BugType: bt, Tags: tags, Severity: sev})
		}
		f := &out[i]
		f.Seeds = append(f.Seeds, r.Seed)
		f.Verdict = Worst(f.Verdict, r.Verdict)
		if r.Seed < f.First.Seed {
			f.First = r
		}
	}
	for i := range out {
		sort.Slice(out[i].Seeds, func(a, b int) bool { return out[i].Seeds[a] < out[i].Seeds[b] })
		out[i].Replay = out[i].First.ReplayCommand()
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Blame == BlameSUT) != (b.Blame == BlameSUT) {
			return a.Blame == BlameSUT
		}
		if a.Scenario != b.Scenario {
			return a.Scenario < b.Scenario
		}
		if c := a.Source.Compare(b.Source); c != 0 {
			return c < 0
		}
		return a.Anomaly < b.Anomaly
	})
	for i := range out {
		out[i].ID = fmt.Sprintf("F%d", i+1)
	}
	return out
}

// Classify gives a failure METHOD.md's bug type, tags and severity, from
// its anomaly and the faults that landed in its run.
func Classify(r Result) (bugType string, tags []string, severity string) {
	kinds := map[string]bool{}
	for _, e := range r.Faults {
		if e.Landed {
			kinds[string(e.Kind)] = true
		}
	}
	kind := r.Anomaly
	if i := strings.LastIndexByte(kind, ':'); i >= 0 {
		kind = kind[i+1:]
	}
	switch {
	case strings.HasPrefix(r.Anomaly, "harness:"), strings.HasPrefix(r.Anomaly, "panic:harness"):
		return "fault-handling", []string{"harness"}, "P2"
	case strings.HasPrefix(r.Anomaly, "panic:"):
		return "fault-handling", []string{"safety"}, "P1"
	case kind == "no-recovery":
		return "fault-handling", []string{"liveness"}, "P1"
	}
	switch {
	case kinds["upgrade"]:
		bugType = "upgrade"
	case kinds["crash"] || kinds["disk"]:
		bugType = "crash-recovery"
	case kinds["partition"]:
		bugType = "partition"
	case kinds["clock-drift"] || kinds["clock-jump"] || kinds["clock-offset"]:
		bugType = "timing"
	case kinds["duplicate"] || kinds["reorder"] || kinds["loss"] || kinds["clog"]:
		bugType = "ordering"
	default:
		bugType = "fault-handling"
	}
	switch kind {
	case "lost-write", "files-lost":
		tags = []string{"durability", "replication"}
	case "duplicate-apply", "duplicate-delivery", "duplicate-entry":
		tags = []string{"idempotency", "safety"}
	case "stale-read", "not-linearizable", "read-your-writes", "monotonic-reads":
		tags = []string{"replication", "safety"}
	case "stale-token-accepted", "lease-overlap", "duplicate-token", "token-order":
		tags = []string{"leadership", "safety"}
	default:
		tags = []string{"safety"}
	}
	return bugType, tags, "P0"
}
