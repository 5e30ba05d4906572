package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
)

// Tier is the budget a sweep ran at (METHOD.md, "Budgets"). A verdict is
// only as strong as its tier.
type Tier string

// The three tiers.
const (
	TierSmoke     Tier = "smoke"
	TierHardening Tier = "hardening"
	TierRelease   Tier = "release"
)

// ParseTier returns the tier called s.
func ParseTier(s string) (Tier, error) {
	switch t := Tier(s); t {
	case TierSmoke, TierHardening, TierRelease:
		return t, nil
	}
	return "", fmt.Errorf("unknown tier %q; valid: smoke, hardening, release", s)
}

// Meta is what the caller knows about the session and the report cannot
// derive from the results.
type Meta struct {
	Plan             string `json:"plan"`
	SUTVersion       string `json:"sut_version"` // the VCS revision when known
	FaultlineVersion string `json:"faultline_version"`
	Tier             Tier   `json:"tier"`
	// Date is written as given; the report never reads the host clock.
	Date    string `json:"date"`
	Command string `json:"command,omitempty"` // the command line that ran the sweep
}

// Key names one run: a scenario, where it came from, and a seed. A sweep
// has at most one result per key; scenarios of the same name from two
// sources (two packages, a package and a plan) are different scenarios.
type Key struct {
	Scenario string
	Seed     uint64
	Source   scenario.Source
}

// keyOf is the key of a result.
func keyOf(r scenario.Result) Key { return Key{r.Scenario, r.Seed, r.Source} }

// compareKeys orders keys by scenario, source and seed.
func compareKeys(a, b Key) int {
	return cmp.Or(strings.Compare(a.Scenario, b.Scenario), a.Source.Compare(b.Source), cmp.Compare(a.Seed, b.Seed))
}

// Report is the findings report: everything its Markdown and JSON forms
// show, built by Build, every list sorted.
type Report struct {
	Header    Header        `json:"header"`
	Summary   Summary       `json:"summary"`
	Claims    []Claim       `json:"claims"`
	Scenarios []ScenarioRow `json:"scenarios"`
	Findings  []Finding     `json:"findings"`
	Coverage  Coverage      `json:"coverage"`
	// Checks are the green-but-broken checks, per scenario.
	Checks     []ScenarioChecks `json:"checks"`
	Confidence []Belief         `json:"confidence"`
}

// Header says what was tested, with what, and how much.
type Header struct {
	Meta
	Scenarios int `json:"scenarios"`
	Runs      int `json:"runs"`  // results: scenario and seed pairs
	Seeds     int `json:"seeds"` // distinct seeds among them
}

// Summary is the report's first paragraph: the headline and the session
// status.
type Summary struct {
	Headline string `json:"headline"`
	Status   Status `json:"status"`
	// Why says what decided Status; Concerns list what, besides failed
	// and undecided scenarios, keeps the session from DONE.
	Why         string   `json:"why"`
	Concerns    []string `json:"concerns,omitempty"`
	Findings    int      `json:"findings"`
	SUTFindings int      `json:"sut_findings"`
	// Verdicts counts scenarios per scenario verdict.
	Verdicts []Count `json:"verdicts"`
}

// Claim is a claim id and, when the caller gave it, its text.
type Claim struct {
	ID   string `json:"id"`
	Text string `json:"text,omitempty"`
}

// Count is how many of something (seeds, scenarios) got a verdict.
type Count struct {
	Verdict scenario.Verdict `json:"verdict"`
	N       int              `json:"n"`
}

// ScenarioRow is one scenario over the sweep.
type ScenarioRow struct {
	ID       string `json:"id"` // S1, S2, ... in scenario name order
	Scenario string `json:"scenario"`
	// Source is where the scenario came from (empty for a built-in one).
	scenario.Source
	System string   `json:"system"`
	Bugs   []string `json:"bugs,omitempty"`
	Claims []string `json:"claims,omitempty"`
	// Verdict is the worst over the seeds (scenario.Worst), Counts the
	// seeds per verdict in METHOD.md's decision order.
	Verdict scenario.Verdict `json:"verdict"`
	Counts  []Count          `json:"counts"`
	Seeds   int              `json:"seeds"`
	// Checker names the checkers that ran ("" when none did).
	Checker  string          `json:"checker"`
	Evidence CheckerEvidence `json:"checker_evidence"`
	Landing  []Landing       `json:"landing"`
	// ReplaySeed is the lowest seed with the scenario's verdict; Reason
	// is that seed's reason for it.
	ReplaySeed uint64     `json:"replay_seed"`
	Reason     string     `json:"reason"`
	Replay     string     `json:"replay"`
	Artifacts  []Artifact `json:"artifacts,omitempty"`
	Findings   []string   `json:"findings,omitempty"` // ids of its findings
}

// CheckerEvidence sums the checker's evidence over a scenario's seeds.
type CheckerEvidence struct {
	Consumed int `json:"consumed"` // operations the checker decided
	Recorded int `json:"recorded"` // operations given to it
	// Anomalous counts seeds with an anomaly, Violations the violations
	// found in them; Undecided counts seeds the checker could not decide,
	// Unchecked seeds where no checker ran.
	Anomalous  int `json:"anomalous"`
	Violations int `json:"violations"`
	Undecided  int `json:"undecided"`
	Unchecked  int `json:"unchecked"`
}

// Landing is the landing evidence of one fault kind over a scenario's
// seeds.
type Landing struct {
	Kind      nemesis.Kind `json:"kind"`
	Scheduled int          `json:"scheduled"`
	Landed    int          `json:"landed"`
}

// Artifact is a file a run wrote.
type Artifact struct {
	Name string `json:"name"` // trace, history
	Path string `json:"path"`
}

// Finding is one section of the report: a distinct failure (a
// scenario.Finding) with the evidence a reviewer needs to act on it.
type Finding struct {
	ID       string `json:"id"`
	Scenario string `json:"scenario"`
	// Source is where the scenario came from (empty for a built-in one).
	scenario.Source
	System  string           `json:"system"`
	Bugs    []string         `json:"bugs,omitempty"`
	Claims  []Claim          `json:"claims,omitempty"`
	Verdict scenario.Verdict `json:"verdict"`
	// Seeds are the failing seeds, ascending; Of is how many seeds the
	// scenario ran.
	Seeds []uint64 `json:"seeds"`
	Of    int      `json:"of"`
	// Anomaly, Checker and Explanation say what happened on the lowest
	// failing seed; Violations are the first of the checker's.
	Anomaly     string      `json:"anomaly"`
	Checker     string      `json:"checker,omitempty"`
	Explanation string      `json:"explanation,omitempty"`
	Violations  []Violation `json:"violations,omitempty"`
	// Faults is the landing evidence of that seed's faults; Ops its
	// history's size; Stop why its run stopped; Error what stopped it
	// early; Divergence where its rerun differed.
	Faults []Fault `json:"faults"`
	// Clocks are that seed's clock faults per node in time order, each
	// node's clock rate (drift) or step over its window
	// (nemesis.ClockSpans): "n2 ×0.1 (10x slow) over [1.2s, 1.8s) (f3)".
	Clocks     []string             `json:"clocks,omitempty"`
	Ops        Ops                  `json:"ops"`
	Stop       string               `json:"stop,omitempty"`
	Error      string               `json:"error,omitempty"`
	Divergence *scenario.Divergence `json:"divergence,omitempty"`
	// Panic is the panic that stopped that seed's run: its node, message
	// and first frames.
	Panic *scenario.PanicInfo `json:"panic,omitempty"`
	// CrossCheck is the independent re-judgement of the checker's anomaly
	// on the lowest failing seed (nil when no checker found one).
	CrossCheck *scenario.CrossCheck `json:"cross_check,omitempty"`
	// Blame and Reason: who is at fault and the evidence for it.
	Blame  scenario.Blame `json:"blame"`
	Reason string         `json:"reason"`
	// Provisional says why an SUT blame is not final yet: the checker's
	// anomaly was not cross-checked, or the failure was not shrunk (METHOD:
	// the SUT is blamed when the anomaly survives both). Empty when final
	// or not blamed on the SUT.
	Provisional string      `json:"provisional,omitempty"`
	BugType     string      `json:"bug_type"`
	Tags        []string    `json:"tags,omitempty"`
	Severity    string      `json:"severity"`
	Shrunk      *Reproducer `json:"shrunk,omitempty"`
	// Artifacts are the lowest failing seed's files; Page is the
	// finding's HTML page (history and trace pictures), when written.
	Artifacts []Artifact `json:"artifacts,omitempty"`
	Page      string     `json:"page,omitempty"`
	Replay    string     `json:"replay"`
}

// Violation is one anomaly the checker found.
type Violation struct {
	Kind        string  `json:"kind"`
	Key         string  `json:"key,omitempty"`
	Ops         []int64 `json:"ops,omitempty"`
	Explanation string  `json:"explanation"`
}

// Fault is one scheduled fault and the evidence that it landed.
type Fault struct {
	ID       string       `json:"id"`
	Kind     nemesis.Kind `json:"kind"`
	Nodes    []string     `json:"nodes,omitempty"`
	Landed   bool         `json:"landed"`
	Evidence string       `json:"evidence"` // its counters, "name=value" separated by spaces
	Detail   string       `json:"detail,omitempty"`
	// Where says where it struck (nemesis.Fault.Where): a partition's
	// sides, "{n1} | {n2,n3}"; a role-aimed fault's role and the holder it
	// resolved to, "leader → n2"; or its nodes.
	Where string `json:"where,omitempty"`
}

// Ops counts a run's history by outcome.
type Ops struct {
	Total int `json:"total"`
	OK    int `json:"ok"`
	Fail  int `json:"fail"`
	Info  int `json:"info"`
}

// Reproducer is a finding's shrunk reproducer: an explicit schedule that
// reproduces the anomaly on its own, and how much shrinking removed.
type Reproducer struct {
	Seed         uint64           `json:"seed"`
	Anomaly      string           `json:"anomaly"`
	Before       scenario.Size    `json:"before"`
	After        scenario.Size    `json:"after"`
	Clients      int              `json:"clients"`
	Nodes        int              `json:"nodes"`
	OpsPerClient int              `json:"ops_per_client"`
	Runs         int              `json:"runs"`
	Schedule     nemesis.Schedule `json:"schedule"`
	// CrossCheck is the cross-check of the shrunk run's anomaly.
	CrossCheck *scenario.CrossCheck `json:"cross_check,omitempty"`
}

// maxViolations bounds the violations a finding shows; the checker's
// explanation gives the total.
const maxViolations = 3

// Build makes the report of a sweep. Results should hold at most one
// result per scenario and seed (Merge ensures it); their order does not
// matter. Shrunk holds reproducers by the failing run they came from, and
// claims the claims' texts by id; both may be nil.
func Build(meta Meta, results []scenario.Result, shrunk map[Key]*scenario.Shrunk, claims map[string]string) Report {
	rs := slices.Clone(results)
	slices.SortStableFunc(rs, func(a, b scenario.Result) int { return compareKeys(keyOf(a), keyOf(b)) })
	groups := byScenario(rs)
	seeds := map[uint64]bool{}
	for _, r := range rs {
		seeds[r.Seed] = true
	}
	rep := Report{Header: Header{Meta: meta, Scenarios: len(groups), Runs: len(rs), Seeds: len(seeds)}}
	rep.Claims = claimList(rs, claims)
	findings := scenario.Group(rs)
	for i, g := range groups {
		row := scenarioRow(i, g)
		for _, f := range findings {
			if f.Scenario == row.Scenario && f.Source == row.Source {
				row.Findings = append(row.Findings, f.ID)
			}
		}
		checks := scenarioChecks(g)
		// A PASS over a sweep that never saw failover more than once
		// says nothing about failover: the sweep-level checks demote it,
		// as the sweep command's exit code does.
		sweepChecks := scenario.SweepChecks(g)
		for _, sc := range sweepChecks {
			checks.Checks = append(checks.Checks, sweepCheckSummary(sc))
		}
		if v, why := scenario.DemoteBySweep(row.Verdict, sweepChecks); why != "" {
			row.Verdict, row.Reason = v, why
		}
		rep.Scenarios = append(rep.Scenarios, row)
		rep.Checks = append(rep.Checks, checks)
	}
	for _, f := range findings {
		rep.Findings = append(rep.Findings, finding(f, rep.Scenarios, rep.Claims, shrunk))
	}
	rep.Coverage = coverage(rep.Claims, groups, rep.Scenarios)
	rep.Summary = summary(meta.Tier, rep)
	rep.Confidence = confidence(meta.Tier, rep)
	return rep
}

// byScenario splits results sorted by scenario and source into one slice
// per scenario and source.
func byScenario(rs []scenario.Result) [][]scenario.Result {
	var out [][]scenario.Result
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && rs[j].Scenario == rs[i].Scenario && rs[j].Source == rs[i].Source {
			j++
		}
		out = append(out, rs[i:j])
		i = j
	}
	return out
}

// claimList is every claim id the results name or the caller described,
// in natural order, with its text.
func claimList(rs []scenario.Result, texts map[string]string) []Claim {
	ids := map[string]bool{}
	for _, r := range rs {
		for _, c := range r.Claims {
			ids[c] = true
		}
	}
	for id := range texts {
		ids[id] = true
	}
	out := make([]Claim, 0, len(ids))
	for id := range ids {
		out = append(out, Claim{ID: id, Text: texts[id]})
	}
	slices.SortFunc(out, func(a, b Claim) int { return compareIDs(a.ID, b.ID) })
	return out
}

// tieOrder lists the verdicts so that the first present is the one to
// show among verdicts scenario.Worst ranks alike: the inconclusive ones
// before NOT-RUN (they say more), PARTIAL-surface before PARTIAL-model.
func tieOrder() []scenario.Verdict {
	return []scenario.Verdict{scenario.FailReproducible, scenario.FailNondeterministic,
		scenario.InconclusiveFaultNotProven, scenario.InconclusiveOracleTooWeak, scenario.InconclusiveEnv,
		scenario.NotRun, scenario.PartialSurface, scenario.PartialModel, scenario.PassSmoke, scenario.PassHardening}
}

// worst is scenario.Worst made independent of the order of its input:
// scenario.Worst keeps the first of two verdicts it ranks alike.
func worst(vs []scenario.Verdict) scenario.Verdict {
	present := map[scenario.Verdict]bool{}
	for _, v := range vs {
		present[v] = true
	}
	var ordered []scenario.Verdict
	for _, v := range tieOrder() {
		if present[v] {
			ordered = append(ordered, v)
			delete(present, v)
		}
	}
	// Verdicts this package does not know (a newer scenario) go first,
	// sorted: scenario.Worst decides where they rank.
	var unknown []scenario.Verdict
	for v := range present {
		unknown = append(unknown, v)
	}
	slices.Sort(unknown)
	return scenario.Worst(append(unknown, ordered...)...)
}

// counts counts verdicts, in decision order.
func counts(vs []scenario.Verdict) []Count {
	n := map[scenario.Verdict]int{}
	for _, v := range vs {
		n[v]++
	}
	var out []Count
	for _, v := range scenario.Verdicts() {
		if n[v] > 0 {
			out = append(out, Count{v, n[v]})
			delete(n, v)
		}
	}
	// Verdicts this package does not know (a newer scenario) go last.
	for _, v := range sortedKeys(n, strings.Compare) {
		out = append(out, Count{v, n[v]})
	}
	return out
}

func verdictsOf(rs []scenario.Result) []scenario.Verdict {
	vs := make([]scenario.Verdict, len(rs))
	for i, r := range rs {
		vs[i] = r.Verdict
	}
	return vs
}

// scenarioRow aggregates one scenario's results, sorted by seed.
func scenarioRow(i int, rs []scenario.Result) ScenarioRow {
	row := ScenarioRow{ID: fmt.Sprintf("S%d", i+1), Scenario: rs[0].Scenario, Source: rs[0].Source, System: rs[0].System, Seeds: len(rs), Landing: []Landing{}}
	vs := verdictsOf(rs)
	row.Verdict, row.Counts = worst(vs), counts(vs)
	claims, bugs, checkerNames := map[string]bool{}, map[string]bool{}, map[string]bool{}
	landing := map[nemesis.Kind]*Landing{}
	for _, r := range rs {
		for _, c := range r.Claims {
			claims[c] = true
		}
		for _, b := range r.Bugs {
			bugs[b] = true
		}
		switch c := r.Checker; {
		case c == nil:
			row.Evidence.Unchecked++
		default:
			checkerNames[c.Checker] = true
			row.Evidence.Consumed += c.Checked
			row.Evidence.Recorded += c.Recorded
			switch c.Outcome {
			case checkers.Anomaly:
				row.Evidence.Anomalous++
				row.Evidence.Violations += len(c.Violations) + c.Omitted
			case checkers.Unknown:
				row.Evidence.Undecided++
			}
		}
		for _, e := range r.Faults {
			l := landing[e.Kind]
			if l == nil {
				l = &Landing{Kind: e.Kind}
				landing[e.Kind] = l
			}
			l.Scheduled++
			if e.Landed {
				l.Landed++
			}
		}
	}
	row.Claims = sortedKeys(claims, compareIDs)
	row.Bugs = sortedKeys(bugs, strings.Compare)
	row.Checker = strings.Join(sortedKeys(checkerNames, strings.Compare), ", ")
	for _, k := range sortedKinds(landing) {
		row.Landing = append(row.Landing, *landing[k])
	}
	for _, r := range rs {
		if r.Verdict == row.Verdict {
			row.ReplaySeed, row.Reason = r.Seed, r.Reason
			row.Replay = r.ReplayCommand()
			row.Artifacts = artifacts(r.Artifacts)
			break
		}
	}
	return row
}

// sortedKinds orders fault kinds as nemesis.Kinds does, unknown ones
// last by name.
func sortedKinds[V any](m map[nemesis.Kind]V) []nemesis.Kind {
	var out []nemesis.Kind
	for _, k := range nemesis.Kinds() {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	var rest []nemesis.Kind
	for k := range m {
		if !slices.Contains(out, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func sortedKeys[K ~string, V any](m map[K]V, cmp func(a, b string) int) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b K) int { return cmp(string(a), string(b)) })
	if len(out) == 0 {
		return nil
	}
	return out
}

func artifacts(a scenario.Artifacts) []Artifact {
	var out []Artifact
	if a.Trace != "" {
		out = append(out, Artifact{"trace", a.Trace})
	}
	if a.History != "" {
		out = append(out, Artifact{"history", a.History})
	}
	if a.HistoryPage != "" {
		out = append(out, Artifact{"history page", a.HistoryPage})
	}
	if a.TracePage != "" {
		out = append(out, Artifact{"trace page", a.TracePage})
	}
	return out
}

// finding turns a scenario.Finding into a report section.
func finding(f scenario.Finding, rows []ScenarioRow, claims []Claim, shrunk map[Key]*scenario.Shrunk) Finding {
	r := f.First
	out := Finding{ID: f.ID, Scenario: f.Scenario, Source: f.Source, System: f.System, Bugs: f.Bugs, Verdict: f.Verdict,
		Seeds: f.Seeds, Anomaly: f.Anomaly, Checker: f.Checker, Faults: []Fault{},
		Ops:  Ops{Total: r.Operations, OK: r.OpsOK, Fail: r.OpsFail, Info: r.OpsInfo},
		Stop: r.Stop, Error: r.Error, Divergence: r.Divergence, Panic: r.Panic, CrossCheck: r.CrossCheck,
		Blame: f.Blame, Reason: r.Reason, BugType: f.BugType, Tags: f.Tags, Severity: f.Severity,
		Artifacts: artifacts(r.Artifacts), Page: r.Artifacts.HistoryPage, Replay: f.Replay}
	for _, row := range rows {
		if row.Scenario == f.Scenario && row.Source == f.Source {
			out.Of = row.Seeds
		}
	}
	for _, id := range f.Claims {
		c := Claim{ID: id}
		for _, k := range claims {
			if k.ID == id {
				c = k
			}
		}
		out.Claims = append(out.Claims, c)
	}
	if c := r.Checker; c != nil {
		out.Explanation = c.Explanation
		for _, v := range c.Violations[:min(len(c.Violations), maxViolations)] {
			out.Violations = append(out.Violations, Violation{Kind: v.Kind, Key: v.Key, Ops: v.Ops, Explanation: v.Explanation})
		}
	}
	for _, e := range r.Faults {
		out.Faults = append(out.Faults, fault(e, r.Schedule))
	}
	for _, c := range nemesis.ClockSpans(r.Schedule) {
		out.Clocks = append(out.Clocks, c.String())
	}
	out.Shrunk = reproducer(f, shrunk)
	out.Provisional = provisional(out)
	return out
}

// provisional says why a finding's SUT blame is not final: METHOD blames
// the SUT for a checker's anomaly once an independent check agrees and
// the anomaly survives shrinking. A panic or an assertion of the SUT's
// own needs no cross-check, only shrinking.
func provisional(f Finding) string {
	if f.Blame != scenario.BlameSUT {
		return ""
	}
	var why []string
	if strings.HasPrefix(f.Anomaly, "anomaly:") {
		ran := func(c *scenario.CrossCheck) bool { return c != nil && c.Ran && c.Agrees }
		switch {
		case ran(f.CrossCheck) || (f.Shrunk != nil && ran(f.Shrunk.CrossCheck)):
		case f.CrossCheck != nil && f.CrossCheck.Detail != "":
			why = append(why, strings.TrimPrefix(f.CrossCheck.Detail, "not cross-checked: ")+": not cross-checked")
		default:
			why = append(why, "not cross-checked")
		}
	}
	if f.Shrunk == nil {
		why = append(why, "not shrunk")
	}
	return strings.Join(why, "; ")
}

// fault is the report's row of a fault: its evidence, and where it struck
// from its entry in the run's schedule.
func fault(e nemesis.Evidence, s nemesis.Schedule) Fault {
	var ev []string
	for _, c := range e.Counters {
		ev = append(ev, fmt.Sprintf("%s=%d", c.Name, c.Value))
	}
	out := Fault{ID: e.ID, Kind: e.Kind, Nodes: e.Nodes, Landed: e.Landed, Evidence: strings.Join(ev, " "), Detail: e.Detail}
	if i := slices.IndexFunc(s, func(f nemesis.Fault) bool { return f.ID == e.ID }); i >= 0 {
		out.Where = s[i].Where()
	} else if e.Role != "" {
		out.Where = nemesis.Fault{Role: e.Role, Resolved: e.Nodes}.Where()
	}
	return out
}

// reproducer finds the finding's shrunk reproducer: the one of its lowest
// failing seed with its anomaly, else of its next seed that has one.
func reproducer(f scenario.Finding, shrunk map[Key]*scenario.Shrunk) *Reproducer {
	for _, seed := range f.Seeds {
		s := shrunk[Key{f.Scenario, seed, f.Source}]
		if s == nil || (s.Anomaly != "" && s.Anomaly != f.Anomaly) {
			continue
		}
		return &Reproducer{Seed: s.Seed, Anomaly: s.Anomaly, Before: s.Before, After: s.After,
			Clients: s.Clients, Nodes: s.Nodes, OpsPerClient: s.OpsPerClient, Runs: s.Runs, Schedule: s.Schedule.Clone(), CrossCheck: s.CrossCheck}
	}
	return nil
}

// compareIDs orders ids naturally: by the text before the number that
// ends them, then by that number ("C2" before "C10"), then as strings.
func compareIDs(a, b string) int {
	pa, na, oka := splitID(a)
	pb, nb, okb := splitID(b)
	if c := strings.Compare(pa, pb); c != 0 || !oka || !okb {
		if c != 0 {
			return c
		}
		return strings.Compare(a, b)
	}
	return cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb), strings.Compare(a, b))
}

// splitID splits an id into its prefix and the digits that end it,
// without leading zeros.
func splitID(s string) (prefix, digits string, ok bool) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) {
		return s, "", false
	}
	d := strings.TrimLeft(s[i:], "0")
	return s[:i], d, true
}
