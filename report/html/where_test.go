package html

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/internal/golden"
	"github.com/faultline-dst/faultline/nemesis"
)

// whereSchedule has a fault of every shape the pages must place: a
// partition with its sides, role-aimed faults with their holders, a
// drift (10x slow) and a step of a clock.
func whereSchedule(span time.Duration) nemesis.Schedule {
	at := func(pct int64) clock.Time { return clock.Time(int64(span) * pct / 100) }
	return nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Partition, Shape: nemesis.Isolate, Start: at(10), End: at(20), Nodes: []string{"n1", "n2", "n3", "n4", "n5"},
			Components: [][]string{{"n1"}, {"n2", "n3", "n4", "n5"}}},
		{ID: "f2", Kind: nemesis.Crash, Role: "leader", Resolved: []string{"n2"}, ResolvedAt: at(30), Start: at(30), End: at(35)},
		{ID: "f3", Kind: nemesis.Partition, Shape: nemesis.Minority, Role: "leader", Resolved: []string{"n3"}, ResolvedAt: at(40), Start: at(40), End: at(50),
			Components: [][]string{{"n1", "n2", "n4"}, {"n3", "n5"}}},
		{ID: "f4", Kind: nemesis.ClockDrift, Role: "leader", Resolved: []string{"n3"}, ResolvedAt: at(55), PPM: -900_000, Start: at(55), End: at(70)},
		{ID: "f5", Kind: nemesis.ClockJump, Nodes: []string{"n4"}, Jump: 2 * time.Second, Start: at(75), End: at(80)},
	}
}

// TestPagesShowWhereFaultsStruck: both pages carry each fault's sides or
// holder and each node's clock changes; the golden file holds what they
// carry.
func TestPagesShowWhereFaultsStruck(t *testing.T) {
	trace, _ := syntheticTrace(2000)
	sched := whereSchedule(2000 * time.Millisecond / 8)
	var hp, tp bytes.Buffer
	if err := WriteHistory(&hp, HistoryPage{Title: "where", Schedule: sched}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTrace(&tp, bytes.NewReader(trace), TracePage{Title: "where", Schedule: sched}); err != nil {
		t.Fatal(err)
	}
	type shown struct {
		Faults []struct {
			ID    string `json:"id"`
			Where string `json:"where"`
		} `json:"faults"`
		Clocks []clockData `json:"clocks"`
	}
	var got [2]shown
	for i, page := range [][]byte{hp.Bytes(), tp.Bytes()} {
		if err := json.Unmarshal(island(t, page), &got[i]); err != nil {
			t.Fatal(err)
		}
	}
	h, _ := json.MarshalIndent(got[0], "", "  ")
	tr, _ := json.MarshalIndent(got[1], "", "  ")
	if !bytes.Equal(h, tr) {
		t.Errorf("the pages disagree:\nhistory %s\ntrace %s", h, tr)
	}
	golden.Check(t, "where.json.golden", append(h, '\n'))
	for _, want := range []string{`"{n1} | {n2,n3,n4,n5}"`, `"leader → n2"`, `"leader → n3; {n1,n2,n4} | {n3,n5}"`, `"×0.1 (10x slow)"`, `"+2s"`} {
		if !strings.Contains(string(h), want) {
			t.Errorf("the pages do not show %s:\n%s", want, h)
		}
	}
	for _, page := range []string{hp.String(), tp.String()} {
		if !strings.Contains(page, `id="clocks`) {
			t.Errorf("a page has no place for clock rates")
		}
	}
}
