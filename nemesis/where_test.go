package nemesis_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/nemesis"
)

func TestWhere(t *testing.T) {
	tests := []struct {
		f    nemesis.Fault
		want string
	}{
		{nemesis.Fault{Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n1", "n2", "n3"}, Components: [][]string{{"n1"}, {"n2", "n3"}}}, "{n1} | {n2,n3}"},
		{nemesis.Fault{Kind: nemesis.Partition, Shape: nemesis.Isolate, Role: "leader", Resolved: []string{"n2"}, Components: [][]string{{"n1", "n3"}, {"n2"}}}, "leader → n2; {n1,n3} | {n2}"},
		{nemesis.Fault{Kind: nemesis.Crash, Role: "leader", Resolved: []string{"n2"}}, "leader → n2"},
		{nemesis.Fault{Kind: nemesis.Pause, Role: "not-leader"}, "not-leader → unresolved"},
		{nemesis.Fault{Kind: nemesis.Crash, Nodes: []string{"n1", "n3"}}, "n1, n3"},
		{nemesis.Fault{Kind: nemesis.Loss, P: 0.1}, ""},
	}
	for _, tt := range tests {
		if got := tt.f.Where(); got != tt.want {
			t.Errorf("%v: Where() = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestClockSpans(t *testing.T) {
	s := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.ClockDrift, Nodes: []string{"n2"}, PPM: -900_000, Start: 1200 * ms, End: 1800 * ms},
		{ID: "f2", Kind: nemesis.ClockJump, Nodes: []string{"n1"}, Jump: 500 * time.Millisecond, Start: 2 * 1000 * ms, End: 2500 * ms},
		{ID: "f3", Kind: nemesis.ClockDrift, Role: "leader", Resolved: []string{"n1"}, ResolvedAt: 300 * ms, PPM: 9_000_000, Start: 100 * ms, End: 900 * ms},
		{ID: "f4", Kind: nemesis.ClockOffset, Role: "leader", Offset: -time.Second, Start: 100 * ms, End: 900 * ms}, // never resolved
		{ID: "f5", Kind: nemesis.Crash, Nodes: []string{"n2"}, Start: 100 * ms, End: 200 * ms},
		{ID: "f6", Kind: nemesis.ClockOffset, Nodes: []string{"n2"}, Offset: -250 * time.Millisecond, Start: 2 * 1000 * ms, End: 2200 * ms},
	}
	var got []string
	for _, c := range nemesis.ClockSpans(s) {
		got = append(got, c.String())
	}
	want := []string{
		"n1 ×10 (10x fast) over [300ms, 900ms) (f3)",
		"n1 steps +500ms at 2s, back at 2.5s (f2)",
		"n2 ×0.1 (10x slow) over [1.2s, 1.8s) (f1)",
		"n2 steps -250ms at 2s, back at 2.2s (f6)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for ppm, want := range map[int64]string{0: "×1", 500_000: "×1.5 (1.5x fast)", -500_000: "×0.5 (2x slow)", -990_000: "×0.01 (100x slow)", 100: "×1.0001 (1.0001x fast)"} {
		if got := nemesis.Rate(ppm); got != want {
			t.Errorf("Rate(%d) = %q, want %q", ppm, got, want)
		}
	}
}

// TestFaultStringSides: a partition's one-line form shows its sides as
// Where does, split by "|", so a summary, a label and a page agree.
func TestFaultStringSides(t *testing.T) {
	tests := []struct {
		f    nemesis.Fault
		want string
	}{
		{nemesis.Fault{ID: "f1", Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n1", "n2", "n3"}, Components: [][]string{{"n1"}, {"n2", "n3"}}, Start: 100 * ms, End: 200 * ms},
			"f1 partition isolate n1,n2,n3 {n1} | {n2,n3} [100ms, 200ms)"},
		{nemesis.Fault{ID: "f2", Kind: nemesis.Partition, Shape: nemesis.MajorityMinority, Role: "leader", Resolved: []string{"n2"}, Components: [][]string{{"n1", "n3"}, {"n2"}, {"n4"}}, Start: 0, End: 300 * ms},
			"f2 partition majority-minority role=leader->n2 {n1,n3} | {n2} | {n4} [0s, 300ms)"},
		{nemesis.Fault{ID: "f3", Kind: nemesis.Partition, Shape: nemesis.Halves, Nodes: []string{"n1", "n2"}, Start: 0, End: ms},
			"f3 partition halves n1,n2 [0s, 1ms)"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if sides := tt.f.Where(); len(tt.f.Components) > 0 && !strings.Contains(tt.f.String(), nemesis.Sides(tt.f.Components)) {
			t.Errorf("String() %q does not show the sides Where shows (%q)", tt.f.String(), sides)
		}
	}
}
