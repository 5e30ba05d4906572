package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/faultline-dst/faultline/scenario"
)

// maxSeedsShown bounds the seeds a finding lists in Markdown; the JSON
// form lists them all.
const maxSeedsShown = 20

// Markdown renders the report for a reviewer (GitHub-flavoured Markdown).
// Text that comes from the SUT, the plan or the run (explanations,
// reasons, names) is escaped so that it cannot break a table, a list or
// the page: pipes, newlines, backticks, brackets, emphasis and HTML.
func (r Report) Markdown() []byte {
	var b bytes.Buffer
	r.mdHeader(&b)
	r.mdSummary(&b)
	r.mdScenarios(&b)
	r.mdFindings(&b)
	r.mdCoverage(&b)
	r.mdChecks(&b)
	r.mdConfidence(&b)
	return b.Bytes()
}

func (r Report) mdHeader(b *bytes.Buffer) {
	h := r.Header
	title := "Findings report"
	if h.Plan != "" {
		title += ": " + esc(h.Plan)
	}
	fmt.Fprintf(b, "# %s\n\n", title)
	b.WriteString("| | |\n| --- | --- |\n")
	row := func(k, v string) {
		if v == "" {
			v = "unknown"
		}
		fmt.Fprintf(b, "| %s | %s |\n", k, v)
	}
	row("plan", esc(h.Plan))
	row("SUT version", esc(h.SUTVersion))
	row("faultline version", esc(h.FaultlineVersion))
	row("tier", esc(string(h.Tier)))
	row("seeds swept", fmt.Sprintf("%s of %s (%s)", plural(h.Runs, "run"), plural(h.Scenarios, "scenario"), plural(h.Seeds, "distinct seed")))
	row("date", esc(h.Date))
	if h.Command != "" {
		row("command", cellCode(h.Command))
	}
	b.WriteString("\n")
}

func (r Report) mdSummary(b *bytes.Buffer) {
	s := r.Summary
	b.WriteString("## Summary\n\n")
	fmt.Fprintf(b, "**%s**\n\n", esc(s.Headline))
	fmt.Fprintf(b, "Session status: **%s**: %s.\n\n", s.Status, esc(s.Why))
	if len(s.Concerns) > 0 {
		b.WriteString("Concerns:\n\n")
		for _, c := range s.Concerns {
			fmt.Fprintf(b, "- %s\n", esc(c))
		}
		b.WriteString("\n")
	}
	if len(s.Verdicts) > 0 {
		fmt.Fprintf(b, "Scenario verdicts: %s.\n\n", esc(countList(s.Verdicts)))
	}
	code := r.ExitCode()
	fmt.Fprintf(b, "Exit code: **%d** (%s).\n\n", code, exitMeaning(code))
}

func exitMeaning(code int) string {
	switch code {
	case ExitFinding:
		return "at least one finding is blamed on the SUT"
	case ExitInconclusive:
		return "inconclusive, or a failure blamed on the harness, the checker or the environment"
	}
	return "no finding against the SUT, nothing inconclusive"
}

func (r Report) mdScenarios(b *bytes.Buffer) {
	b.WriteString("## Scenarios\n\n")
	if len(r.Scenarios) == 0 {
		b.WriteString("No results.\n\n")
		return
	}
	b.WriteString("| id | scenario | claims | verdict (seeds) | checker | checker evidence | landing evidence | replay | artifacts |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, row := range r.Scenarios {
		verdict := fmt.Sprintf("**%s**<br>%s", row.Verdict, esc(countList(row.Counts)))
		if len(row.Findings) > 0 {
			verdict += "<br>findings: " + strings.Join(row.Findings, ", ")
		}
		checker := esc(row.Checker)
		if checker == "" {
			checker = "none"
		}
		var arts []string
		for _, a := range row.Artifacts {
			arts = append(arts, link(a.Name, a.Path))
		}
		for _, f := range r.Findings {
			if f.Scenario == row.Scenario && f.Source == row.Source && f.Page != "" {
				arts = append(arts, link(f.ID+" page", f.Page))
			}
		}
		if len(arts) == 0 {
			arts = []string{"none"}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			row.ID, esc(row.Scenario)+fromCell(row.Source), orNone(esc(strings.Join(row.Claims, ", "))), verdict, checker,
			evidenceCell(row.Evidence), landingCell(row.Landing), cellCode(row.Replay), strings.Join(arts, " "))
	}
	b.WriteString("\n")
}

// fromCell says where a scenario came from, under its name in a table
// cell: nothing for a built-in one.
func fromCell(s scenario.Source) string {
	if s == (scenario.Source{}) {
		return ""
	}
	return "<br>from " + esc(s.String())
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func evidenceCell(e CheckerEvidence) string {
	parts := []string{fmt.Sprintf("decided %d of %d ops", e.Consumed, e.Recorded)}
	if e.Anomalous > 0 {
		parts = append(parts, fmt.Sprintf("anomalies in %s (%s)", plural(e.Anomalous, "seed"), plural(e.Violations, "violation")))
	} else {
		parts = append(parts, "no anomaly")
	}
	if e.Undecided > 0 {
		parts = append(parts, fmt.Sprintf("undecided on %s", plural(e.Undecided, "seed")))
	}
	if e.Unchecked > 0 {
		parts = append(parts, fmt.Sprintf("no checker on %s", plural(e.Unchecked, "seed")))
	}
	return strings.Join(parts, "<br>")
}

func landingCell(ls []Landing) string {
	if len(ls) == 0 {
		return "no fault scheduled"
	}
	var parts []string
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("%s: %d of %d landed", esc(string(l.Kind)), l.Landed, l.Scheduled))
	}
	return strings.Join(parts, "<br>")
}

func (r Report) mdFindings(b *bytes.Buffer) {
	b.WriteString("## Findings\n\n")
	if len(r.Findings) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	for _, f := range r.Findings {
		blame := blameName(f.Blame)
		if f.Provisional != "" {
			blame += ", provisional"
		}
		fmt.Fprintf(b, "### %s: %s in %s (blame: %s, %s)\n\n", f.ID, esc(f.Anomaly), esc(f.Scenario), blame, esc(f.Severity))
		sys := "system " + esc(f.System)
		if len(f.Bugs) > 0 {
			sys += ", bug switches " + esc(strings.Join(f.Bugs, ", "))
		}
		if f.Source != (scenario.Source{}) {
			sys += ", from " + esc(f.Source.String())
		}
		fmt.Fprintf(b, "- **Scenario:** %s (%s)\n", esc(f.Scenario), sys)
		for _, c := range f.Claims {
			fmt.Fprintf(b, "- **Claim:** %s\n", claimText(c))
		}
		fmt.Fprintf(b, "- **Verdict:** %s on %d of %s: %s\n", f.Verdict, len(f.Seeds), plural(f.Of, "seed"), seedList(f.Seeds))
		what := "no checker ran"
		if f.Checker != "" {
			what = "checker " + esc(f.Checker)
			if f.Explanation != "" {
				what += ": " + esc(f.Explanation)
			}
		}
		fmt.Fprintf(b, "- **What happened** (seed %d): %s\n", f.Seeds[0], what)
		for _, v := range f.Violations {
			where := ""
			if v.Key != "" {
				where = " on " + esc(v.Key)
			}
			ops := ""
			if len(v.Ops) > 0 {
				var s []string
				for _, o := range v.Ops {
					s = append(s, strconv.FormatInt(o, 10))
				}
				ops = " (ops " + strings.Join(s, ", ") + ")"
			}
			fmt.Fprintf(b, "  - %s%s%s: %s\n", esc(v.Kind), where, ops, esc(v.Explanation))
		}
		if p := f.Panic; p != nil {
			where := "a harness action"
			if p.Node != "" {
				where = "node " + esc(p.Node)
			}
			fmt.Fprintf(b, "  - panic in %s during %s: %s\n", where, esc(p.Event), code(p.Message))
			for _, fr := range p.Frames {
				fmt.Fprintf(b, "    - %s\n", code(fr))
			}
		} else if f.Error != "" {
			fmt.Fprintf(b, "  - run error: %s\n", esc(f.Error))
		}
		if d := f.Divergence; d != nil {
			who := "SUT code"
			if d.Harness {
				who = "faultline code"
			}
			fmt.Fprintf(b, "  - the rerun diverged at trace record %d, produced by %s: first %s, rerun %s\n", d.Seq, who, esc(d.First), esc(d.Second))
		}
		fmt.Fprintf(b, "- **History:** %d operations (%d ok, %d fail, %d info); stopped: %s\n", f.Ops.Total, f.Ops.OK, f.Ops.Fail, f.Ops.Info, orNone(esc(f.Stop)))
		if len(f.Faults) == 0 {
			b.WriteString("- **Faults:** none scheduled\n")
		} else {
			b.WriteString("- **Faults:**\n")
			for _, e := range f.Faults {
				state := "landed"
				if !e.Landed {
					state = "NOT landed"
				}
				nodes := ""
				switch {
				case e.Where != "":
					nodes = " " + esc(e.Where)
				case len(e.Nodes) > 0:
					nodes = " " + esc(strings.Join(e.Nodes, ","))
				}
				detail := ""
				if e.Detail != "" {
					detail = "; " + esc(e.Detail)
				}
				fmt.Fprintf(b, "  - %s %s%s: %s (%s)%s\n", esc(e.ID), esc(string(e.Kind)), nodes, state, orNone(esc(e.Evidence)), detail)
			}
		}
		if len(f.Clocks) > 0 {
			b.WriteString("- **Clocks** (rate against true time, per node):\n")
			for _, c := range f.Clocks {
				fmt.Fprintf(b, "  - %s\n", esc(c))
			}
		}
		if f.CrossCheck != nil {
			fmt.Fprintf(b, "- **Cross-check:** %s\n", crossCheckText(f.CrossCheck))
		}
		mdShrunk(b, f.Shrunk)
		if f.Provisional != "" {
			fmt.Fprintf(b, "- **Blame:** %s, provisional (%s): %s\n", blameName(f.Blame), esc(f.Provisional), esc(f.Reason))
		} else {
			fmt.Fprintf(b, "- **Blame:** %s: %s\n", blameName(f.Blame), esc(f.Reason))
		}
		fmt.Fprintf(b, "- **Bug type:** %s; tags: %s; severity: %s\n", esc(f.BugType), orNone(esc(strings.Join(f.Tags, ", "))), esc(f.Severity))
		var arts []string
		for _, a := range f.Artifacts {
			arts = append(arts, link(a.Name, a.Path))
		}
		if f.Page != "" {
			arts = append(arts, link("page", f.Page))
		}
		fmt.Fprintf(b, "- **Artifacts:** %s\n", orNone(strings.Join(arts, ", ")))
		fmt.Fprintf(b, "- **Replay:** %s\n\n", code(f.Replay))
	}
}

// crossCheckText says what the cross-check found, or that it did not run.
func crossCheckText(c *scenario.CrossCheck) string {
	switch {
	case !c.Ran:
		if strings.HasPrefix(c.Detail, "not cross-checked") {
			return esc(c.Detail)
		}
		return "not cross-checked: " + esc(c.Detail)
	case c.Agrees:
		return esc(c.Name) + " agrees: " + esc(c.Detail)
	}
	return esc(c.Name) + " DISAGREES: " + esc(c.Detail)
}

func mdShrunk(b *bytes.Buffer, s *Reproducer) {
	if s == nil {
		b.WriteString("- **Shrunk reproducer:** none\n")
		return
	}
	fmt.Fprintf(b, "- **Shrunk reproducer** (seed %d, %s): faults %d → %d, operations %d → %d, clients %d → %d, nodes %d → %d; %d ops per client. Its explicit schedule:\n",
		s.Seed, plural(s.Runs, "shrinking run"), s.Before.Faults, s.After.Faults, s.Before.Operations, s.After.Operations,
		s.Before.Clients, s.After.Clients, s.Before.Nodes, s.After.Nodes, s.OpsPerClient)
	if s.CrossCheck != nil {
		fmt.Fprintf(b, "  - cross-check of the shrunk run: %s\n", crossCheckText(s.CrossCheck))
	}
	sched, err := json.MarshalIndent(s.Schedule, "", "  ")
	if err != nil {
		fmt.Fprintf(b, "  (the schedule does not encode: %s)\n", esc(err.Error()))
		return
	}
	b.WriteString("\n")
	fenced(b, "  ", "json", string(sched))
	b.WriteString("\n")
}

func blameName(bl scenario.Blame) string {
	if bl == scenario.BlameNone {
		return "none"
	}
	return string(bl)
}

func claimText(c Claim) string {
	if c.Text == "" {
		return esc(c.ID)
	}
	return esc(c.ID) + ": " + esc(c.Text)
}

// seedList lists seeds, at most maxSeedsShown of them.
func seedList(seeds []uint64) string {
	var s []string
	for _, seed := range seeds[:min(len(seeds), maxSeedsShown)] {
		s = append(s, strconv.FormatUint(seed, 10))
	}
	out := strings.Join(s, ", ")
	if n := len(seeds) - maxSeedsShown; n > 0 {
		out += fmt.Sprintf(" and %d more (see the JSON report)", n)
	}
	return out
}

func (r Report) mdCoverage(b *bytes.Buffer) {
	b.WriteString("## Coverage\n\n")
	if len(r.Coverage.Claims) > 0 {
		b.WriteString("| claim | scenario | faults landed | verdict (seeds) |\n| --- | --- | --- | --- |\n")
		for _, c := range r.Coverage.Claims {
			if len(c.Scenarios) == 0 {
				fmt.Fprintf(b, "| %s | none | none | none |\n", claimText(c.claim()))
				continue
			}
			for _, s := range c.Scenarios {
				var kinds []string
				for _, k := range s.Landed {
					kinds = append(kinds, string(k))
				}
				fmt.Fprintf(b, "| %s | %s | %s | **%s**<br>%s |\n", claimText(c.claim()), esc(s.Scenario),
					orNone(esc(strings.Join(kinds, ", "))), s.Verdict, esc(countList(s.Counts)))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("Not exercised:\n\n")
	if len(r.Coverage.Gaps) == 0 {
		b.WriteString("- nothing: every claim ran and every scheduled fault kind landed.\n\n")
		return
	}
	for _, g := range r.Coverage.Gaps {
		var what []string
		if g.Claim != "" {
			what = append(what, "claim "+esc(g.Claim))
		}
		if g.Scenario != "" {
			what = append(what, esc(g.Scenario))
		}
		if g.Kind != "" {
			what = append(what, "fault kind "+esc(string(g.Kind)))
		}
		fmt.Fprintf(b, "- %s: %s\n", strings.Join(what, ", "), esc(g.Why))
	}
	b.WriteString("\n")
}

func (c ClaimCoverage) claim() Claim { return Claim{ID: c.Claim, Text: c.Text} }

func (r Report) mdChecks(b *bytes.Buffer) {
	b.WriteString("## Green-but-broken checks\n\n")
	if len(r.Checks) == 0 {
		b.WriteString("No results.\n\n")
		return
	}
	b.WriteString("| scenario | check | passed | first failure |\n| --- | --- | --- | --- |\n")
	for _, sc := range r.Checks {
		if len(sc.Checks) == 0 {
			fmt.Fprintf(b, "| %s | none recorded | | |\n", esc(sc.Scenario))
			continue
		}
		if allPassed(sc.Checks) {
			var names []string
			for _, c := range sc.Checks {
				names = append(names, esc(c.Name))
			}
			every := "every seed"
			for _, c := range sc.Checks {
				if c.Sweep {
					every = "every seed and the sweep"
				}
			}
			fmt.Fprintf(b, "| %s | all %d: %s | %s | none |\n", esc(sc.Scenario), len(sc.Checks), strings.Join(names, ", "), every)
			continue
		}
		for _, c := range sc.Checks {
			if c.Sweep {
				passed := "**failed** over the sweep"
				if c.Passed == c.Total {
					passed = "passed over the sweep"
				}
				demote := ""
				if c.First != nil && c.First.Demote != "" {
					demote = fmt.Sprintf(" (demotes the scenario to %s)", c.First.Demote)
				}
				fmt.Fprintf(b, "| %s | %s | %s | %s%s |\n", esc(sc.Scenario), esc(c.Name), passed, esc(c.Detail), demote)
				continue
			}
			first := "none"
			if c.First != nil {
				first = fmt.Sprintf("seed %d: %s", c.First.Seed, esc(c.First.Detail))
				if c.First.Demote != "" {
					first += fmt.Sprintf(" (demotes to %s)", c.First.Demote)
				}
			}
			fmt.Fprintf(b, "| %s | %s | %d of %d seeds | %s |\n", esc(sc.Scenario), esc(c.Name), c.Passed, c.Total, first)
		}
	}
	b.WriteString("\n")
}

func (r Report) mdConfidence(b *bytes.Buffer) {
	b.WriteString("## Confidence delta\n\n")
	if len(r.Confidence) == 0 {
		b.WriteString("Nothing was tested; nothing changes.\n")
		return
	}
	for _, c := range r.Confidence {
		fmt.Fprintf(b, "- **%s**, %s: %s\n", c.Change, esc(c.Subject), esc(c.Text))
	}
}

func allPassed(cs []CheckSummary) bool {
	for _, c := range cs {
		if c.Passed != c.Total {
			return false
		}
	}
	return true
}

// esc escapes text for Markdown: inside a table cell, a list item or a
// paragraph it renders as itself and cannot end the cell or the line.
// Newlines become <br>; the characters Markdown would read as structure
// (pipes, backslashes, backticks, brackets, asterisks) are
// backslash-escaped; < becomes &lt;, so no HTML gets through.
func esc(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteString("<br>")
		case '\n':
			b.WriteString("<br>")
		case '\\', '|', '`', '*', '[', ']':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '<':
			b.WriteString("&lt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// code renders s as an inline code span, on one line, with a fence of
// backticks longer than any run inside it.
func code(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// cellCode is code for a table cell: GFM splits cells on pipes even
// inside code spans unless they are escaped.
func cellCode(s string) string { return strings.ReplaceAll(code(s), "|", `\|`) }

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// fenced writes body as a fenced code block, every line indented by
// indent, with a fence longer than any backtick run in body.
func fenced(b *bytes.Buffer, indent, info, body string) {
	fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	fmt.Fprintf(b, "%s%s%s\n", indent, fence, info)
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		fmt.Fprintf(b, "%s%s\n", indent, line)
	}
	fmt.Fprintf(b, "%s%s\n", indent, fence)
}

// link renders a Markdown link to a file path, percent-encoding what
// would end the link or the cell.
func link(name, path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>[]|\"'`+"`", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return "[" + esc(name) + "](" + b.String() + ")"
}
