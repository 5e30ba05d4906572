package history

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sampleHistory() History {
	return History{Ops: []Op{
		{ID: 1, Process: 0, Model: KV, OpType: "write", Key: "x", Input: MustJSON(map[string]int{"value": 3}),
			Type: OK, InvokeTS: 10, CompleteTS: 20, NodeSeen: "n1", FaultEpoch: &FaultEpoch{Invoke: []string{}, Complete: []string{}}},
		{ID: 2, Process: 1, Model: KV, OpType: "read", Key: "x", Output: MustJSON(map[string]int{"value": 3}),
			Type: OK, InvokeTS: 15, CompleteTS: 25, NodeSeen: "n2", FaultEpoch: &FaultEpoch{Invoke: []string{}, Complete: []string{"p1"}}},
		{ID: 3, Process: 2, Model: KV, OpType: "cas", Key: "x", Input: MustJSON(map[string]int{"from": 3, "to": 4}),
			Type: Info, InvokeTS: 30, TimeoutMarker: true, FaultEpoch: &FaultEpoch{Invoke: []string{"p1"}}},
		{ID: 4, Process: 3, Model: Ledger, OpType: "transfer",
			Input: MustJSON(map[string]any{"from": "a", "to": "b", "amount": 5, "idem": "k1"}),
			Type:  Fail, Error: "insufficient-funds", InvokeTS: 40, CompleteTS: 41, NodeSeen: "n3",
			FaultEpoch: &FaultEpoch{Invoke: []string{}, Complete: []string{}}},
	}}
}

func TestJSONLRoundTrip(t *testing.T) {
	h := sampleHistory()
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, h); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSONL(bytes.NewReader(buf.Bytes()), "mem")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, got); diff != "" {
		t.Fatalf("round trip changed the history (-want +got):\n%s", diff)
	}
	// Writing again gives the same bytes: the form is canonical.
	var again bytes.Buffer
	if err := WriteJSONL(&again, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatalf("second write differs:\n%s\n%s", buf.Bytes(), again.Bytes())
	}
	// Every field is present on every line, unused ones null.
	first := strings.SplitN(buf.String(), "\n", 2)[0]
	want := `{"op_id":1,"process":0,"model":"kv","op_type":"write","key":"x","input":{"value":3},"output":null,"error":null,"type":"ok","invoke_ts":10,"complete_ts":20,"timeout_marker":false,"node_seen":"n1","fault_epoch":{"invoke":[],"complete":[]}}`
	if first != want {
		t.Fatalf("line 1:\n got %s\nwant %s", first, want)
	}
	if !strings.Contains(buf.String(), `"complete_ts":null,"timeout_marker":true,"node_seen":null,"fault_epoch":{"invoke":["p1"],"complete":null}`) {
		t.Fatalf("info record not written with nulls:\n%s", buf.String())
	}
}

func TestFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	h := sampleHistory()
	if err := WriteFile(path, h); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

// good is a valid line that the malformed cases below edit.
const good = `{"op_id":7,"process":1,"model":"kv","op_type":"read","key":"x","input":null,"output":{"value":1},"error":null,"type":"ok","invoke_ts":5,"complete_ts":9,"timeout_marker":false,"node_seen":"n1","fault_epoch":null}`

func TestReadMalformed(t *testing.T) {
	okLine := strings.Replace(good, `"op_id":7`, `"op_id":1`, 1)
	tests := []struct {
		name string
		line string // placed on line 3, after a valid line and a blank one
		want string
	}{
		{"bad type", strings.Replace(good, `"type":"ok"`, `"type":"okk"`, 1), `h.jsonl:3: field "type": "okk" is not one of ok, fail, info`},
		{"unknown field", strings.Replace(good, `"node_seen"`, `"nodeseen"`, 1), `h.jsonl:3: unknown field "nodeseen"; valid: op_id, process`},
		{"repeated field", strings.Replace(good, `"key":"x"`, `"key":"x","key":"y"`, 1), `h.jsonl:3: field "key" appears twice`},
		{"not json", `{"op_id":7,`, `h.jsonl:3: invalid JSON`},
		{"not object", `[1,2]`, `h.jsonl:3: not a JSON object`},
		{"trailing", good + ` {}`, `h.jsonl:3: trailing data`},
		{"missing core", strings.Replace(good, `"type":"ok",`, ``, 1), `h.jsonl:3: missing field "type"`},
		{"bad model", strings.Replace(good, `"model":"kv"`, `"model":"kvv"`, 1), `h.jsonl:3: field "model": "kvv" is not one of counter, kv, ledger`},
		{"bad op_type", strings.Replace(good, `"op_type":"read"`, `"op_type":"get"`, 1), `h.jsonl:3: field "op_type": "get" is not an operation of model kv; valid: cas, read, write`},
		{"string op_id", strings.Replace(good, `"op_id":7`, `"op_id":"7"`, 1), `h.jsonl:3: field "op_id": "7" is not an integer`},
		{"null op_id", strings.Replace(good, `"op_id":7`, `"op_id":null`, 1), `h.jsonl:3: field "op_id": null; want an integer`},
		{"empty key", strings.Replace(good, `"key":"x"`, `"key":""`, 1), `h.jsonl:3: field "key": "" is not allowed; write null`},
		{"complete before invoke", strings.Replace(good, `"complete_ts":9`, `"complete_ts":4`, 1), `h.jsonl:3: field "complete_ts": 4 is before invoke_ts 5`},
		{"ok with null complete", strings.Replace(good, `"complete_ts":9`, `"complete_ts":null`, 1), `h.jsonl:3: field "complete_ts": null but type is ok`},
		{"info with complete", strings.Replace(strings.Replace(good, `"type":"ok"`, `"type":"info"`, 1), `"timeout_marker":false`, `"timeout_marker":true`, 1), `h.jsonl:3: field "complete_ts": must be null when type is info`},
		{"timeout marker on ok", strings.Replace(good, `"timeout_marker":false`, `"timeout_marker":true`, 1), `h.jsonl:3: field "timeout_marker": is true but type is ok`},
		{"null timeout marker", strings.Replace(good, `"timeout_marker":false`, `"timeout_marker":null`, 1), `h.jsonl:3: field "timeout_marker": null is not true or false`},
		{"fault epoch shape", strings.Replace(good, `"fault_epoch":null`, `"fault_epoch":{"at":[]}`, 1), `h.jsonl:3: field "fault_epoch": want {"invoke"`},
		{"fault epoch complete", strings.Replace(good, `"fault_epoch":null`, `"fault_epoch":{"invoke":[],"complete":null}`, 1), `h.jsonl:3: field "fault_epoch": "complete" must be null exactly when type is info`},
		{"duplicate op_id", okLine, `h.jsonl:3: op_id 1 already used on line 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := okLine + "\n\n" + tt.line + "\n"
			_, err := ReadJSONL(strings.NewReader(src), "h.jsonl")
			if err == nil {
				t.Fatalf("accepted %s", tt.line)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error\n got %q\nwant prefix %q", err, tt.want)
			}
			var le *LineError
			if !errors.As(err, &le) || le.Line != 3 {
				t.Fatalf("want *LineError on line 3, got %#v", err)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not match ErrMalformed")
			}
		})
	}
}

func TestReadRecordsAbsentFields(t *testing.T) {
	line := `{"op_id":1,"model":"kv","op_type":"read","key":"x","output":{"value":1},"type":"ok","invoke_ts":1,"complete_ts":2,"timeout_marker":false}`
	h, err := ReadJSONL(strings.NewReader(line), "h.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := Fields(FieldProcess, FieldInput, FieldError, FieldNodeSeen, FieldFaultEpoch)
	if got := h.Ops[0].Absent; got != want {
		t.Fatalf("Absent = {%s}, want {%s}", got, want)
	}
}

func TestReadLongLine(t *testing.T) {
	// A record longer than bufio's buffer is read whole.
	big := strings.Repeat("a", 10000)
	line := strings.Replace(good, `"output":{"value":1}`, `"output":{"value":"`+big+`"}`, 1)
	h, err := ReadJSONL(strings.NewReader(line+"\n"+strings.Replace(good, `"op_id":7`, `"op_id":8`, 1)), "h.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 2 || !strings.Contains(string(h.Ops[0].Output), big) {
		t.Fatalf("long line not read whole: %d ops", h.Len())
	}
}

func TestReadTestdata(t *testing.T) {
	h, err := ReadFile(filepath.Join("testdata", "kv.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 4 {
		t.Fatalf("got %d ops, want 4", h.Len())
	}
	if err := WellFormed(h); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "kv.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, h); err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(raw) {
		t.Fatalf("testdata/kv.jsonl is not in canonical form; rewrite gives:\n%s", buf.String())
	}
}
