package nemesis

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/clock"
)

// Where says where the fault struck, for reports and pages: a
// role-aimed fault's role and the holder it resolved to ("leader → n2",
// "leader → unresolved"), a partition's sides ("{n1} | {n2,n3}"), or
// otherwise its nodes ("n1, n2"); "" when the fault names none (a loss on
// every link).
func (f Fault) Where() string {
	var parts []string
	if f.Role != "" {
		holder := "unresolved"
		if len(f.Resolved) > 0 {
			holder = strings.Join(f.Resolved, ", ")
		}
		parts = append(parts, f.Role+" → "+holder)
	}
	switch {
	case f.Kind == Partition && len(f.Components) > 0:
		parts = append(parts, Sides(f.Components))
	case f.Role == "" && len(f.Nodes) > 0:
		parts = append(parts, strings.Join(f.Nodes, ", "))
	}
	return strings.Join(parts, "; ")
}

// Sides renders a partition's components as its sides: "{n1} | {n2,n3}".
func Sides(components [][]string) string {
	var b strings.Builder
	for i, c := range components {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString("{" + strings.Join(c, ",") + "}")
	}
	return b.String()
}

// ClockSpan is one change a schedule makes to a node's clock: a drift
// (the clock runs at Rate over [From, To)) or a step of its wall clock by
// Step at From, undone at To.
type ClockSpan struct {
	Node  string        `json:"node"`
	Fault string        `json:"fault"`
	From  clock.Time    `json:"from"`
	To    clock.Time    `json:"to"`
	PPM   int64         `json:"ppm,omitempty"`
	Step  time.Duration `json:"step,omitempty"`
}

// ClockSpans lists the clock changes of s, per node (by name) in time
// order: clock-drift faults as rates, clock-offset and clock-jump faults
// as steps. A role-aimed clock fault counts on the node it resolved to,
// and not at all if it never resolved.
func ClockSpans(s Schedule) []ClockSpan {
	var out []ClockSpan
	for _, f := range s {
		if f.Kind != ClockDrift && f.Kind != ClockOffset && f.Kind != ClockJump {
			continue
		}
		nodes := f.Nodes
		if f.Role != "" {
			nodes = f.Resolved
		}
		for _, n := range nodes {
			c := ClockSpan{Node: n, Fault: f.ID, From: f.Start, To: f.End, PPM: f.PPM}
			if f.Role != "" && f.ResolvedAt > f.Start {
				c.From = f.ResolvedAt
			}
			switch f.Kind {
			case ClockOffset:
				c.Step = f.Offset
			case ClockJump:
				c.Step = f.Jump
			}
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b ClockSpan) int {
		return cmp.Or(strings.Compare(a.Node, b.Node), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return out
}

// Rate renders a drift as the clock's rate against true time: "×1.5
// (1.5x fast)", "×0.1 (10x slow)".
func Rate(ppm int64) string {
	r := 1 + float64(ppm)/1e6
	switch {
	case ppm > 0:
		return fmt.Sprintf("×%s (%sx fast)", decimal(r), decimal(r))
	case ppm < 0:
		return fmt.Sprintf("×%s (%sx slow)", decimal(r), decimal(1/r))
	}
	return "×1"
}

// decimal renders x with at most six decimals, trailing zeros dropped.
func decimal(x float64) string {
	return strconv.FormatFloat(math.Round(x*1e6)/1e6, 'f', -1, 64)
}

// String renders the span on one line: "n2 ×0.1 (10x slow) over [1.2s,
// 1.8s) (f3)", "n1 steps +500ms at 2s, back at 2.5s (f4)".
func (c ClockSpan) String() string {
	if c.Step != 0 {
		sign := "+"
		if c.Step < 0 {
			sign = ""
		}
		return fmt.Sprintf("%s steps %s%v at %v, back at %v (%s)", c.Node, sign, c.Step, c.From, c.To, c.Fault)
	}
	return fmt.Sprintf("%s %s over [%v, %v) (%s)", c.Node, Rate(c.PPM), c.From, c.To, c.Fault)
}
