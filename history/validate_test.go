package history

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	full := sampleHistory()
	noNode := sampleHistory()
	noNode.Ops[1].NodeSeen = "" // an ok read without the node that served it
	noEpoch := sampleHistory()
	noEpoch.Ops[2].FaultEpoch = nil
	noOutput := sampleHistory()
	noOutput.Ops[1].Output = nil // an ok read that returned nothing
	noInput := sampleHistory()
	noInput.Ops[0].Input = MustJSON(nil)
	absent := sampleHistory()
	absent.Ops[0].Absent = Fields(FieldNodeSeen)
	absent.Ops[3].Absent = Fields(FieldNodeSeen)

	tests := []struct {
		name    string
		h       History
		needed  FieldSet
		missing FieldSet
		msg     string
	}{
		{"complete", full, Fields(FieldKey, FieldInput, FieldOutput, FieldNodeSeen, FieldFaultEpoch, FieldError), 0, ""},
		{"empty node_seen", noNode, Fields(FieldKey, FieldNodeSeen), Fields(FieldNodeSeen), "node_seen null on 1 records that need it (first: op 2)"},
		{"node_seen not needed", noNode, Fields(FieldKey), 0, ""},
		{"info may lack node_seen", full, Fields(FieldNodeSeen), 0, ""},
		{"no fault epoch", noEpoch, Fields(FieldFaultEpoch), Fields(FieldFaultEpoch), "fault_epoch null on 1 records that need it (first: op 3)"},
		{"no output", noOutput, Fields(FieldOutput), Fields(FieldOutput), "output null on 1"},
		{"no input", noInput, Fields(FieldInput), Fields(FieldInput), "input null on 1"},
		{"absent in JSON", absent, Fields(FieldNodeSeen), Fields(FieldNodeSeen), "node_seen absent on 2 records (first: op 1)"},
		{"key of a transfer may be null", full, Fields(FieldKey), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.h, tt.needed)
			if tt.missing == 0 {
				if err != nil {
					t.Fatalf("unexpected: %v", err)
				}
				return
			}
			var tw *TooWeakError
			if !errors.As(err, &tw) {
				t.Fatalf("want *TooWeakError, got %v", err)
			}
			if !errors.Is(err, ErrTooWeak) {
				t.Fatal("does not match ErrTooWeak")
			}
			if tw.Missing() != tt.missing {
				t.Fatalf("missing {%s}, want {%s}", tw.Missing(), tt.missing)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func TestValidateReadHistory(t *testing.T) {
	// node_seen absent on line 2 only: too weak for a checker that needs it.
	src := good + "\n" + strings.Replace(strings.Replace(good, `"op_id":7`, `"op_id":8`, 1), `,"node_seen":"n1"`, ``, 1) + "\n"
	h, err := ReadJSONL(strings.NewReader(src), "h.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	err = Validate(h, Fields(FieldKey, FieldNodeSeen))
	if err == nil || !strings.Contains(err.Error(), "node_seen absent on 1 records (first: op 8)") {
		t.Fatalf("got %v", err)
	}
}

func TestWellFormed(t *testing.T) {
	if err := WellFormed(sampleHistory()); err != nil {
		t.Fatalf("sample: %v", err)
	}
	// Unique op_ids need not ascend.
	h := sampleHistory()
	h.Ops[0].ID, h.Ops[1].ID, h.Ops[2].ID, h.Ops[3].ID = 8, 3, 5, 1
	if err := WellFormed(h); err != nil {
		t.Fatalf("unique op_ids out of order: %v", err)
	}
	tests := []struct {
		name string
		edit func(*History)
		want string
	}{
		{"duplicate op_id", func(h *History) { h.Ops[2].ID = 1 }, "op 1 (index 2): op_id 1 already used at index 0"},
		// op_ids that stop ascending: the duplicate is found among all
		// earlier ones, not only the ascending prefix.
		{"duplicate op_id after a descent", func(h *History) { h.Ops[0].ID, h.Ops[1].ID, h.Ops[2].ID, h.Ops[3].ID = 5, 9, 7, 9 }, "op 9 (index 3): op_id 9 already used at index 1"},
		{"duplicate of the op before a descent", func(h *History) { h.Ops[0].ID, h.Ops[1].ID, h.Ops[2].ID, h.Ops[3].ID = 5, 9, 9, 1 }, "op 9 (index 2): op_id 9 already used at index 1"},
		{"info with output", func(h *History) { h.Ops[2].Output = MustJSON(map[string]int{"value": 1}) }, `field "output": must be null when type is info`},
		{"timeout marker", func(h *History) { h.Ops[2].TimeoutMarker = false }, `field "timeout_marker": is false but type is info`},
		{"bad type", func(h *History) { h.Ops[0].Type = "done" }, `field "type": "done" is not one of ok, fail, info`},
		{"bad op_type", func(h *History) { h.Ops[0].OpType = "put" }, `field "op_type": "put" is not an operation of model kv`},
		{"invalid input", func(h *History) { h.Ops[0].Input = []byte("{") }, `field "input": not valid JSON`},
		{"time backwards", func(h *History) { h.Ops[0].CompleteTS = 1 }, `field "complete_ts": 1 is before invoke_ts 10`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHistory()
			tt.edit(&h)
			err := WellFormed(h)
			if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestByKeySorted(t *testing.T) {
	h := History{Ops: []Op{{ID: 1, Key: "b"}, {ID: 2, Key: "a"}, {ID: 3, Key: "b"}}}
	got := h.ByKey()
	if len(got) != 2 || got[0].Key != "a" || got[1].Key != "b" || len(got[1].Ops) != 2 || got[1].Ops[1].ID != 3 {
		t.Fatalf("ByKey = %+v", got)
	}
}

func TestCanonicalJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{ "b": 1, "a": [1, 2.0] }`, `{"a":[1,2.0],"b":1}`},
		{``, `null`},
		{`"x"`, `"x"`},
	}
	for _, tt := range tests {
		got, err := CanonicalJSON([]byte(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("CanonicalJSON(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	if _, err := CanonicalJSON([]byte(`1 2`)); err == nil {
		t.Error("accepted trailing data")
	}
}

func TestFields(t *testing.T) {
	for f := Field(0); f < numFields; f++ {
		g, err := ParseField(f.String())
		if err != nil || g != f {
			t.Fatalf("ParseField(%s) = %v, %v", f, g, err)
		}
	}
	if _, err := ParseField("nodeseen"); err == nil {
		t.Fatal("accepted unknown field")
	}
	if got := Fields(FieldNodeSeen, FieldKey).String(); got != "key, node_seen" {
		t.Fatalf("String = %q", got)
	}
}

// TestLacksOutputAgreesWithValidate: LacksOutput answers for one ok
// operation what Validate answers for FieldOutput.
func TestLacksOutputAgreesWithValidate(t *testing.T) {
	for _, m := range Models() {
		for _, opType := range OpTypes(m) {
			for _, out := range []string{"", "null", " null ", `{"value":1}`, `{}`, "3"} {
				probe := Op{ID: 1, Model: m, OpType: opType, Key: "k", Type: OK, Output: []byte(out)}
				want := Validate(History{Ops: []Op{probe}}, Fields(FieldOutput)) != nil
				if got := LacksOutput(m, opType, []byte(out)); got != want {
					t.Errorf("%s %s %q: LacksOutput %v, Validate says %v", m, opType, out, got, want)
				}
			}
		}
	}
}
