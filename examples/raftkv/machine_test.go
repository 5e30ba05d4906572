package raftkv

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/workloads"
)

func TestCanonicalFastPath(t *testing.T) {
	for _, raw := range []string{`1`, `-2.50`, `1e3`, `"abc"`, `"a<b"`, `"caf\u00e9"`, `"café"`, `"a\"b"`, `null`, `true`,
		`{"b":1,"a":2}`, `[1, 2]`, ` 3`, `"tab\t"`, `01`, `"x"`} {
		want, werr := history.CanonicalJSON(json.RawMessage(raw))
		got, gerr := canonical(json.RawMessage(raw))
		if got != want || (werr == nil) != (gerr == nil) {
			t.Errorf("canonical(%s) = %q, %v; history.CanonicalJSON: %q, %v", raw, got, gerr, want, werr)
		}
	}
}

// step applies one operation the way a leader does: reads are served, the
// rest checked and applied at index.
func (m *machine) do(t *testing.T, index uint64, model history.Model, op, key, client, input string) result {
	t.Helper()
	c := &command{Model: model, Op: op, Key: key, Client: client}
	if input != "" {
		c.Input = json.RawMessage(input)
	}
	md, err := m.lookup(c)
	if err == nil {
		err = md.check(c)
	}
	if err != nil {
		return refuse("%v", err)
	}
	if md.readOnly(op) {
		return m.read(c)
	}
	return m.apply(index, c)
}

func TestModels(t *testing.T) {
	cfg, err := Config{Ledger: LedgerConfig{Opening: map[string]int64{"a": 10, "b": 0}, Floor: 0}}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	var now clock.Time
	m := newMachine(cfg, func() clock.Time { return now })
	steps := []struct {
		model           history.Model
		op, key, client string
		input           string
		status          workloads.Status
		output          string
	}{
		{history.KV, "read", "x", "", "", "ok", `{"value":null}`},
		{history.KV, "write", "x", "", `{"value": {"b":1, "a":[1, 2]}}`, "ok", ``},
		{history.KV, "read", "x", "", "", "ok", `{"value":{"a":[1,2],"b":1}}`},
		{history.KV, "cas", "x", "", `{"from":{"a":[1,2],"b":1},"to":"y"}`, "ok", `{"ok":true}`},
		{history.KV, "cas", "x", "", `{"from":"z","to":"w"}`, "ok", `{"ok":false}`},
		{history.KV, "read", "x", "", "", "ok", `{"value":"y"}`},
		{history.KV, "write", "x", "", `{"nope":1}`, "fail", ``},
		{history.KV, "write", "", "", `{"value":1}`, "fail", ``},
		{history.KV, "incr", "x", "", ``, "fail", ``},
		{history.Register, "read", "x", "", "", "ok", `{"value":null}`},
		{"nosuch", "enqueue", "q", "", `{"value":1}`, "fail", ``},
		{history.Queue, "enqueue", "q", "", `{"value":1}`, "ok", ``},
		{history.Queue, "enqueue", "q", "", `{"value":{"b":2,"a":1}}`, "ok", ``},
		{history.Queue, "enqueue", "q", "", `{"value":3}`, "ok", ``},
		{history.Queue, "dequeue", "q", "", ``, "ok", `{"value":1}`},
		{history.Queue, "remove", "q", "", `{"value":3}`, "fail", ``},
		{history.Queue, "drain", "q", "", ``, "ok", `{"values":[{"a":1,"b":2},3]}`},
		{history.Queue, "dequeue", "q", "", ``, "ok", `{"value":null}`},
		{history.Queue, "drain", "q", "", ``, "ok", `{"values":[]}`},
		{history.Log, "append", "l", "", `{"value":"a"}`, "ok", `{"offset":0}`},
		{history.Log, "append", "l", "", `{"value":"b"}`, "ok", `{"offset":1}`},
		{history.Log, "read", "l", "", `{"from":1}`, "ok", `{"entries":[{"offset":1,"value":"b"}]}`},
		{history.Log, "read", "l", "", `{"from":0,"final":true}`, "ok", `{"entries":[{"offset":0,"value":"a"},{"offset":1,"value":"b"}]}`},
		{history.Log, "read", "l", "", `{"from":5}`, "ok", `{"entries":[]}`},
		{history.Log, "read", "l", "", `{}`, "fail", ``},
		{history.Set, "add", "s", "", `{"value":2}`, "ok", ``},
		{history.Set, "add", "s", "", `{"value":1}`, "ok", ``},
		{history.Set, "add", "s", "", `{"value":2}`, "ok", ``},
		{history.Set, "read", "s", "", `{"final":true}`, "ok", `{"values":[2,1]}`},
		{history.Counter, "inc", "c", "", `{"delta":5}`, "ok", ``},
		{history.Counter, "inc", "c", "", `{"delta":-2}`, "ok", ``},
		{history.Counter, "read", "c", "", ``, "ok", `{"value":3}`},
		{history.Ledger, "transfer", "", "", `{"from":"a","to":"b","amount":4,"idem":"t1"}`, "ok", `{"applied":true}`},
		{history.Ledger, "transfer", "", "", `{"from":"a","to":"b","amount":4,"idem":"t1"}`, "ok", `{"applied":false}`},
		{history.Ledger, "transfer", "", "", `{"from":"a","to":"b","amount":7,"idem":"t2"}`, "fail", ``},
		{history.Ledger, "transfer", "", "", `{"from":"a","to":"a","amount":1,"idem":"t3"}`, "fail", ``},
		{history.Ledger, "balance", "a", "", "", "ok", `{"balance":6}`},
		{history.Ledger, "balances", "", "", "", "ok", `{"balances":{"a":6,"b":4}}`},
		{history.Lock, "acquire", "L", "p1", "", "ok", `{"token":7}`},
		{history.Lock, "acquire", "L", "p2", "", "fail", ``},
		{history.Lock, "use", "L", "p1", `{"token":7}`, "ok", ``},
		{history.Lock, "release", "L", "p1", `{"token":6}`, "fail", ``},
		{history.Lock, "release", "L", "p1", `{"token":7}`, "ok", ``},
		{history.Lock, "acquire", "L", "p2", "", "ok", `{"token":23}`},
		{history.Lock, "use", "L", "p2", `{"token":23}`, "ok", ``},
		{history.Lock, "use", "L", "p1", `{"token":7}`, "fail", ``},
	}
	index := map[int]uint64{38: 7, 43: 23}
	for i, s := range steps {
		r := m.do(t, index[i], s.model, s.op, s.key, s.client, s.input)
		if r.status != s.status {
			t.Fatalf("step %d %s %s: status %s (%s), want %s", i, s.model, s.op, r.status, r.err, s.status)
		}
		if got := string(r.output); s.output != "" && got != s.output {
			t.Fatalf("step %d %s %s: output %s, want %s", i, s.model, s.op, got, s.output)
		}
	}
	// A snapshot restores to the same state.
	snap, err := m.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	m2 := newMachine(cfg, func() clock.Time { return now })
	if err := m2.restore(snap, cfg); err != nil {
		t.Fatal(err)
	}
	snap2, _ := m2.snapshot()
	if string(snap) != string(snap2) {
		t.Fatalf("snapshot round trip differs:\n%s\n%s", snap, snap2)
	}
	if r := m2.do(t, 30, history.Ledger, "transfer", "", "", `{"from":"a","to":"b","amount":1,"idem":"t1"}`); string(r.output) != `{"applied":false}` {
		t.Errorf("idempotency key lost in the snapshot: %s", r.output)
	}
	if r := m2.do(t, 30, history.Lock, "use", "L", "p1", `{"token":7}`); r.status != workloads.StatusFail {
		t.Errorf("fencing state lost in the snapshot")
	}
}

// TestCommandEncoding round-trips commands through the log form and
// refuses damaged ones.
func TestCommandEncoding(t *testing.T) {
	gen := uint64(7)
	for _, c := range []command{
		{},
		{Node: 3, Inc: 2, Seq: 99, Client: "client0", Model: history.KV, Op: "cas", Key: "k1", Input: json.RawMessage(`{"from":null,"to":1000001}`)},
		{Node: 1, Seq: 1 << 40, Model: history.Lock, Op: "acquire", Key: "l0", Expect: &gen},
		{Node: 2, Model: history.Queue, Op: "remove", Key: "q", Input: json.RawMessage(`{}`), Internal: true},
		{Input: json.RawMessage{}},
	} {
		b := encodeCommand(nil, &c)
		got, err := decodeCommand(b)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("round trip of %+v: %+v, %v", c, got, err)
		}
		for n := 0; n < len(b); n++ {
			if _, err := decodeCommand(b[:n]); err == nil {
				t.Errorf("%+v truncated to %d bytes decoded without error", c, n)
			}
		}
	}
}
