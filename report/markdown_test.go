package report

import (
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/scenario"
)

// cells counts the cells of a Markdown table row: the pipes not escaped
// by a backslash, less one.
func cells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++ // the escaped character
		case '|':
			n++
		}
	}
	return n - 1
}

// TestEscaping puts a pipe, newlines, HTML and Markdown structure into
// everything the SUT and the run control (explanation, reason, check
// detail, violation, artifact path) and checks that every table keeps its
// columns and that no SUT text starts a line of its own.
func TestEscaping(t *testing.T) {
	nasty := "x | y\nz\r\n# head <script>`code` *em* [l](u) \\| done"
	r := res("s", []string{"C1"}, 1, scenario.FailReproducible, func(r *scenario.Result) {
		r.Anomaly = "anomaly:linearizable:not-linearizable"
		r.Blame = scenario.BlameSUT
		r.Checker = &checkers.Result{Checker: "linearizable", Outcome: checkers.Anomaly, Kind: "not-linearizable",
			Explanation: nasty, Violations: []checkers.Violation{{Kind: "not-linearizable", Key: "k|1", Explanation: nasty}},
			Checked: 10, Recorded: 10}
		r.Reason = nasty
		r.Checks[0] = scenario.Check{Name: "ops|throughout", Detail: nasty, Demote: scenario.PartialModel}
		r.Artifacts = scenario.Artifacts{Trace: "a dir/t|r)ace\n.jsonl"}
	})
	rep := Build(Meta{Plan: "plan | one\ntwo", Tier: TierHardening}, []scenario.Result{r}, nil, map[string]string{"C1": nasty})
	md := string(rep.Markdown())

	want := `x \| y<br>z<br># head &lt;script>\` + "`code\\` \\*em\\* \\[l\\](u) \\\\\\| done"
	if !strings.Contains(md, want) {
		t.Errorf("Markdown lacks the escaped text %q:\n%s", want, md)
	}
	if strings.Contains(md, "<script>") {
		t.Error("raw HTML from the SUT got through")
	}
	// Every table row has as many cells as its header.
	header := -1
	for i, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			header = -1
			if strings.HasPrefix(line, "z") || strings.HasPrefix(line, "# head") {
				t.Errorf("line %d: SUT text starts a line: %q", i+1, line)
			}
			continue
		}
		if header < 0 {
			header = cells(line)
			continue
		}
		if got := cells(line); got != header {
			t.Errorf("line %d has %d cells, its table %d: %q", i+1, got, header, line)
		}
	}
	if !strings.Contains(md, "[trace](a%20dir/t%7Cr%29ace%0A.jsonl)") {
		t.Errorf("artifact link not encoded:\n%s", md)
	}
}

func TestEsc(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, n1->n2": "plain text, n1->n2",
		"a|b":                `a\|b`,
		"a\nb\r\nc\rd":       "a<br>b<br>c<br>d",
		`a\|b`:               `a\\\|b`,
		"<b>":                "&lt;b>",
		"`x` *y* [z]":        "\\`x\\` \\*y\\* \\[z\\]",
	} {
		if got := esc(in); got != want {
			t.Errorf("esc(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"faultline replay --seed 1": "`faultline replay --seed 1`",
		"a`b":                       "``a`b``",
		"`a":                        "`` `a ``",
		"a\nb":                      "`a b`",
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
	if got := cellCode("a|b"); got != "`a\\|b`" {
		t.Errorf("cellCode = %q", got)
	}
}
