package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/history"
)

// TestCheckDeliveryClaim: check takes the queue's delivery claim by name
// and has no default for it. The canary is a consumer that took item 1,
// crashed before acknowledging it, and was given it again after its
// restart: correct under at-least-once, a finding under exactly-once.
func TestCheckDeliveryClaim(t *testing.T) {
	q := history.Queue
	epoch := func() *history.FaultEpoch { return &history.FaultEpoch{Invoke: []string{}, Complete: []string{}} }
	op := func(id int64, proc int, fn string, in, out any, inv, cmp int64) history.Op {
		o := history.Op{ID: id, Process: proc, Model: q, OpType: fn, Key: "q", Type: history.OK,
			InvokeTS: inv, CompleteTS: cmp, NodeSeen: "n1", FaultEpoch: epoch()}
		if in != nil {
			o.Input, _ = json.Marshal(in)
		}
		if out != nil {
			o.Output, _ = json.Marshal(out)
		}
		return o
	}
	crashed := op(3, 9, "dequeue", nil, nil, 40, 0)
	crashed.Type, crashed.TimeoutMarker, crashed.NodeSeen = history.Info, true, ""
	crashed.FaultEpoch.Complete = nil
	h := history.History{Ops: []history.Op{
		op(1, 0, "enqueue", map[string]any{"value": 1}, nil, 0, 10),
		op(2, 9, "dequeue", nil, map[string]any{"value": 1}, 20, 30),
		crashed,
		op(4, 10, "dequeue", nil, map[string]any{"value": 1}, 60, 70),
		op(5, 10, "drain", nil, map[string]any{"values": []any{}}, 80, 90),
	}}
	path := filepath.Join(t.TempDir(), "redelivered.jsonl")
	if err := history.WriteFile(path, h); err != nil {
		t.Fatal(err)
	}
	base := []string{"check", "--history", path, "--model", "queue", "--checker", "queue"}
	tests := []struct {
		extra []string
		code  int
		want  string
	}{
		{[]string{"--delivery", "at-least-once"}, exitOK, "outcome     ok"},
		{[]string{"--delivery", "exactly-once"}, exitFinding, "kind        duplicate-delivery"},
		{nil, exitUsage, "checker queue judges a delivery claim: give --delivery exactly-once or --delivery at-least-once"},
		{[]string{"--delivery", "twice"}, exitUsage, `unknown delivery claim "twice"; valid: exactly-once, at-least-once`},
	}
	for _, tt := range tests {
		code, out, errs := run(t, append(base, tt.extra...)...)
		if code != tt.code || !strings.Contains(out+errs, tt.want) {
			t.Errorf("check %v: exit %d, want %d with %q\n%s%s", tt.extra, code, tt.code, tt.want, out, errs)
		}
	}
	code, _, errs := run(t, "check", "--history", path, "--model", "kv", "--checker", "linearizable", "--delivery", "exactly-once")
	if code != exitUsage || !strings.Contains(errs, "checker linearizable judges no delivery claim") {
		t.Errorf("--delivery with linearizable: exit %d %s", code, errs)
	}
}
