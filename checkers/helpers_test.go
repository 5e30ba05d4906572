package checkers

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/history"
)

// ok, fail and info build records with every field set as a careful
// workload would: node_seen on completed operations, an empty fault epoch.
func ok(id int64, proc int, m history.Model, fn, key string, in, out any, inv, cmp int64) history.Op {
	return history.Op{ID: id, Process: proc, Model: m, OpType: fn, Key: key, Input: js(in), Output: js(out),
		Type: history.OK, InvokeTS: inv, CompleteTS: cmp, NodeSeen: "n1",
		FaultEpoch: &history.FaultEpoch{Invoke: []string{}, Complete: []string{}}}
}

func fail(id int64, proc int, m history.Model, fn, key string, in any, inv, cmp int64) history.Op {
	o := ok(id, proc, m, fn, key, in, nil, inv, cmp)
	o.Type, o.Error = history.Fail, "refused"
	return o
}

func info(id int64, proc int, m history.Model, fn, key string, in any, inv int64) history.Op {
	o := ok(id, proc, m, fn, key, in, nil, inv, 0)
	o.Type, o.TimeoutMarker, o.CompleteTS, o.NodeSeen = history.Info, true, 0, ""
	o.FaultEpoch.Complete = nil
	return o
}

func js(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	return history.MustJSON(v)
}

// obj is shorthand for a JSON object.
type obj = map[string]any

func hist(ops ...history.Op) history.History { return history.History{Ops: ops} }

// canary is one hand-written history with its expected answer.
type canary struct {
	name    string
	h       history.History
	opts    Options
	want    Outcome
	kind    string   // Result.Kind
	mention []string // substrings the explanation must contain
	ops     []int64  // op_ids the first violation must name (any order)
}

func runCanaries(t *testing.T, check func(history.History, Options) Result, cases []canary) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := check(c.h, c.opts)
			if res.Outcome != c.want || res.Kind != c.kind {
				t.Fatalf("got %s/%q, want %s/%q\nexplanation: %s", res.Outcome, res.Kind, c.want, c.kind, res.Explanation)
			}
			for _, m := range c.mention {
				if !strings.Contains(res.Explanation, m) {
					t.Errorf("explanation does not mention %q:\n%s", m, res.Explanation)
				}
			}
			if len(c.ops) > 0 {
				got := map[int64]bool{}
				for _, id := range res.Violations[0].Ops {
					got[id] = true
				}
				for _, id := range c.ops {
					if !got[id] {
						t.Errorf("first violation names ops %v, want %v among them", res.Violations[0].Ops, c.ops)
					}
				}
			}
			if res.Recorded != c.h.Len() {
				t.Errorf("Recorded = %d, want %d", res.Recorded, c.h.Len())
			}
			if res.Outcome == OK && res.Checked == 0 {
				t.Errorf("ok with nothing checked")
			}
			if again := check(c.h, c.opts); digest(t, again) != digest(t, res) {
				t.Errorf("second run differs:\n%+v\n%+v", res, again)
			}
		})
	}
}

// digest hashes a Result's JSON form (everything but porcupine's info).
func digest(t testing.TB, r Result) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func mustUnmarshal(raw json.RawMessage, v any) {
	if err := json.Unmarshal(raw, v); err != nil {
		panic(err)
	}
}
