package scenario

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/history"
)

// reg builds register operations on key "k" from a compact list:
// "w 1 0 10" is write 1 invoked at 0, completed at 10; "r 1 5 20" a read
// of 1; "w? 2 3" a write of unknown outcome invoked at 3.
func reg(t *testing.T, lines ...string) history.History {
	t.Helper()
	var h history.History
	for i, l := range lines {
		var kind, v string
		var inv, comp int64
		n, _ := fmt.Sscanf(l, "%s %s %d %d", &kind, &v, &inv, &comp)
		o := history.Op{ID: int64(i + 1), Process: i, Model: history.Register, Key: "k", Type: history.OK, InvokeTS: inv, CompleteTS: comp}
		if strings.HasSuffix(kind, "?") {
			o.Type, kind = history.Info, strings.TrimSuffix(kind, "?")
		} else if n != 4 {
			t.Fatalf("line %q", l)
		}
		val, _ := json.Marshal(map[string]json.RawMessage{"value": json.RawMessage(v)})
		switch kind {
		case "w":
			o.OpType, o.Input = "write", val
		case "r":
			o.OpType, o.Output = "read", val
		}
		h.Ops = append(h.Ops, o)
	}
	return h
}

func TestCrossCheck(t *testing.T) {
	anomaly := &checkers.Result{Checker: "linearizable", Outcome: checkers.Anomaly, Violations: []checkers.Violation{{Kind: "not-linearizable", Key: "k"}}}
	// long is a linearizable run of 40 sequential writes and reads (more
	// than the 14 operations the search used to be limited to); stale
	// is the same with a stale read after the tenth write, seen complete
	// when the next operation (the 22nd) is invoked.
	var long []string
	for i := 1; i <= 20; i++ {
		long = append(long, fmt.Sprintf("w %d %d %d", i, 100*i, 100*i+10), fmt.Sprintf("r %d %d %d", i, 100*i+20, 100*i+30))
	}
	stale := append(append(append([]string(nil), long[:20]...), "r 3 1050 1060"), long[20:]...)
	tests := []struct {
		name   string
		h      []string
		ran    bool
		agrees bool
		detail string
	}{
		{"linearizable: the checker is wrong", []string{"w 1 0 10", "r 1 20 30"}, true, false, "is linearizable"},
		{"concurrent write explains the read", []string{"w 1 0 10", "w 2 5 50", "r 2 20 30", "r 2 60 70"}, true, false, "is linearizable"},
		{"stale read", []string{"w 1 0 10", "w 2 20 30", "r 1 40 50"}, true, true, "has no linearization"},
		{"a write of unknown outcome may have happened", []string{"w 1 0 10", "w? 2 20", "r 2 40 50", "r 2 60 70"}, true, false, "is linearizable"},
		{"a long history: the minimal window is found", stale, true, true, "minimal non-linearizable prefix is its first 22 operations (up to op_id 22"},
		{"a long linearizable history", long, true, false, "its 40 operations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := crossCheck(reg(t, tt.h...), history.Register, anomaly)
			if cc == nil || cc.Ran != tt.ran || cc.Agrees != tt.agrees || !strings.Contains(cc.Detail, tt.detail) {
				t.Fatalf("got %+v, want ran %v agrees %v with %q", cc, tt.ran, tt.agrees, tt.detail)
			}
		})
	}
	if cc := crossCheck(reg(t, "w 1 0 10"), history.Queue, anomaly); cc == nil || cc.Ran || !strings.Contains(cc.Detail, "not cross-checked: model queue") {
		t.Errorf("queue: %+v", cc)
	}
	if cc := crossCheck(reg(t, "w 1 0 10"), history.Register, &checkers.Result{Outcome: checkers.OK}); cc != nil {
		t.Errorf("no anomaly, yet %+v", cc)
	}
}

// TestCrossCheckBound: many concurrent writes of unknown outcome and a
// read no order explains make the search exceed its bound; the answer is
// "not cross-checked", never a guess.
func TestCrossCheckBound(t *testing.T) {
	var lines []string
	for i := 1; i <= 40; i++ {
		lines = append(lines, fmt.Sprintf("w? %d 0", i))
	}
	lines = append(lines, "r 99 10 20")
	anomaly := &checkers.Result{Checker: "linearizable", Outcome: checkers.Anomaly, Violations: []checkers.Violation{{Kind: "not-linearizable", Key: "k"}}}
	cc := crossCheck(reg(t, lines...), history.Register, anomaly)
	if cc == nil || cc.Ran || !strings.Contains(cc.Detail, "not cross-checked") {
		t.Fatalf("got %+v", cc)
	}
}
