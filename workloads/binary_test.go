package workloads_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

func TestBinaryRoundTrip(t *testing.T) {
	long := strings.Repeat("k", 300) // a length of two varint bytes
	for _, r := range []workloads.Request{
		{ID: 1, Client: "client0", Model: history.KV, Op: "read", Key: "x"},
		{ID: math.MaxUint64, Client: "c", Model: history.KV, Op: "cas", Key: long, Input: json.RawMessage(`{"from":1,"to":null}`)},
		{ID: 7, Client: "client1", Model: history.Ledger, Op: "transfer", Input: json.RawMessage(`{"from":"a","to":"b","amount":5,"idem":"k1"}`)},
		{ID: 8, Client: "é", Model: history.Register, Op: "write", Key: "ключ", Input: json.RawMessage(`{"value":"\u003cb\u003e"}`)},
		{},
	} {
		b := workloads.EncodeBinaryRequest(r)
		got, err := workloads.DecodeBinaryRequest(b)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("request %+v: decoded %+v, %v", r, got, err)
		}
		if pre := []byte("prefix"); !bytes.Equal(workloads.AppendBinaryRequest(pre, r), append(pre, b...)) {
			t.Errorf("request %+v: AppendBinaryRequest differs from EncodeBinaryRequest", r)
		}
	}
	for _, r := range []workloads.Reply{
		{ID: 1, Status: workloads.StatusOK, Output: json.RawMessage(`{"value":3}`)},
		{ID: 2, Status: workloads.StatusOK},
		{ID: 3, Status: workloads.StatusFail, Error: "insufficient-funds"},
		{ID: 4, Status: workloads.StatusRedirect, Leader: "n2"},
		{ID: 5, Status: workloads.StatusRedirect},
		{ID: math.MaxUint64, Status: workloads.StatusUnknown, Error: strings.Repeat("e", 200)},
	} {
		b := workloads.EncodeBinaryReply(r)
		got, err := workloads.DecodeBinaryReply(b)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("reply %+v: decoded %+v, %v", r, got, err)
		}
		if pre := []byte("prefix"); !bytes.Equal(workloads.AppendBinaryReply(pre, r), append(pre, b...)) {
			t.Errorf("reply %+v: AppendBinaryReply differs from EncodeBinaryReply", r)
		}
	}
	// The adapter is these functions.
	a := workloads.BinaryAdapter()
	r := workloads.Request{ID: 3, Client: "client0", Model: history.KV, Op: "write", Key: "x", Input: json.RawMessage(`{"value":1}`)}
	if a.Name != "binary" || !bytes.Equal(a.EncodeRequest(r), workloads.EncodeBinaryRequest(r)) {
		t.Errorf("BinaryAdapter: %q does not encode as EncodeBinaryRequest", a.Name)
	}
}

func TestBinaryMalformed(t *testing.T) {
	good := workloads.EncodeBinaryReply(workloads.Reply{ID: 300, Status: workloads.StatusOK, Output: json.RawMessage(`{"value":1}`)})
	for _, tc := range []struct {
		name string
		msg  []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"JSON", workloads.EncodeReply(workloads.Reply{ID: 1, Status: workloads.StatusOK}), `starts with '{', not 'P'`},
		{"a request", workloads.EncodeBinaryRequest(workloads.Request{ID: 1}), `starts with 'Q', not 'P'`},
		{"tag only", []byte("P"), "truncated"},
		{"id cut short", []byte{'P', 0x80}, "truncated"},
		{"id overflows", append([]byte{'P'}, bytes.Repeat([]byte{0xff}, 11)...), "overflows"},
		{"cut before the status", good[:3], "truncated"},
		{"cut inside the output", good[:8], "bytes with"},
		{"cut before the leader", good[:len(good)-1], "truncated"},
		{"trailing bytes", append(append([]byte(nil), good...), 0), "1 bytes after the last field"},
		{"unknown status", []byte{'P', 1, 'x', 0, 0, 0}, `status byte 'x' is not one of`},
		{"a status no encoder writes", workloads.EncodeBinaryReply(workloads.Reply{ID: 1, Status: "done"}), `status byte '?'`},
	} {
		_, err := workloads.DecodeBinaryReply(tc.msg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: DecodeBinaryReply(%q) = %v, want an error saying %q", tc.name, tc.msg, err, tc.want)
		}
	}
	req := workloads.EncodeBinaryRequest(workloads.Request{ID: 1, Client: "c", Model: history.KV, Op: "read", Key: "x"})
	for _, msg := range [][]byte{nil, req[:len(req)-1], append(append([]byte(nil), req...), 'x'), good} {
		if _, err := workloads.DecodeBinaryRequest(msg); err == nil || !strings.Contains(err.Error(), "bad binary request") {
			t.Errorf("DecodeBinaryRequest(%q) = %v, want an error", msg, err)
		}
	}
}

// register is an SUT node holding one register per key, speaking the JSON
// or the binary wire; its n-th reply is raw[n] instead when set.
type register struct {
	env    *sim.Env
	binary bool
	kv     map[string]json.RawMessage
	raw    map[int][]byte
	n      int
}

func registerNode(binary bool, raw map[int][]byte) sim.Factory {
	return func(env *sim.Env) sim.Node {
		return &register{env: env, binary: binary, kv: map[string]json.RawMessage{}, raw: raw}
	}
}

func (r *register) Start()                    {}
func (r *register) Timer(sim.TimerID, string) {}

func (r *register) Receive(from string, msg []byte) {
	decode, encode := workloads.DecodeRequest, workloads.EncodeReply
	if r.binary {
		decode, encode = workloads.DecodeBinaryRequest, workloads.EncodeBinaryReply
	}
	req, err := decode(msg)
	if err != nil {
		panic(err)
	}
	r.n++
	if b, ok := r.raw[r.n]; ok {
		r.env.Send(from, b)
		return
	}
	rep := workloads.Reply{ID: req.ID, Status: workloads.StatusOK}
	var in struct{ Value, From, To json.RawMessage }
	if len(req.Input) > 0 {
		if err := json.Unmarshal(req.Input, &in); err != nil {
			panic(err)
		}
	}
	cur, ok := r.kv[req.Key]
	if !ok {
		cur = json.RawMessage("null")
	}
	switch req.Op {
	case "read":
		rep.Output = history.MustJSON(map[string]json.RawMessage{"value": cur})
	case "write":
		r.kv[req.Key] = in.Value
	case "cas":
		swapped := bytes.Equal(cur, in.From)
		if swapped {
			r.kv[req.Key] = in.To
		}
		rep.Output = history.MustJSON(map[string]bool{"ok": swapped})
	}
	r.env.Send(from, encode(rep))
}

// TestBinaryAdapterRun: the same SUT behind the JSON and the binary wire
// gives the same history, operation for operation.
func TestBinaryAdapterRun(t *testing.T) {
	run := func(binary bool) history.History {
		cfg := workloads.Config{Model: history.KV, Clients: 3, OpsPerClient: 30, Keys: 2, Targets: []string{"n1"}}
		if binary {
			cfg.Adapter = workloads.BinaryAdapter()
		}
		w, h, _ := world(t, 11, []sim.NodeSpec{{Name: "n1", Factory: registerNode(binary, nil)}}, cfg, nil)
		if bad := w.BadReplies(); len(bad) > 0 {
			t.Fatalf("binary %v: bad replies %v", binary, bad)
		}
		return h
	}
	viaJSON, viaBinary := run(false), run(true)
	if len(viaJSON.Ops) < 90 {
		t.Fatalf("only %d operations", len(viaJSON.Ops))
	}
	kinds := map[string]bool{}
	for i, o := range viaJSON.Ops {
		kinds[o.OpType] = true
		if a, b := jsonl(t, o), jsonl(t, viaBinary.Ops[i]); a != b {
			t.Fatalf("op %d differs:\njson:   %s\nbinary: %s", i+1, a, b)
		}
	}
	if len(viaBinary.Ops) != len(viaJSON.Ops) || !kinds["read"] || !kinds["write"] || !kinds["cas"] {
		t.Fatalf("%d ops over JSON, %d over binary, op types %v", len(viaJSON.Ops), len(viaBinary.Ops), kinds)
	}
}

// TestAppendRequestSendsWhatEncodeRequestDoes: a client encoding every
// request into its one buffer (Adapter.AppendRequest) sends the bytes
// EncodeRequest would: the same run, record for record.
func TestAppendRequestSendsWhatEncodeRequestDoes(t *testing.T) {
	run := func(appendInto bool) ([]byte, sim.Result) {
		cfg := workloads.Config{Model: history.KV, Clients: 3, OpsPerClient: 30, Keys: 2, Targets: []string{"n1"}, Adapter: workloads.BinaryAdapter()}
		if !appendInto {
			cfg.Adapter.AppendRequest = nil
		}
		_, h, res := world(t, 11, []sim.NodeSpec{{Name: "n1", Factory: registerNode(true, nil)}}, cfg, nil)
		var b bytes.Buffer
		if err := history.WriteJSONL(&b, h); err != nil {
			t.Fatal(err)
		}
		return b.Bytes(), res
	}
	h1, r1 := run(true)
	h2, r2 := run(false)
	if !bytes.Equal(h1, h2) || r1.TraceHash != r2.TraceHash || r1.Records != r2.Records || r1.Delivered < 180 {
		t.Fatalf("with AppendRequest: hash %x, %d records, %d delivered; with EncodeRequest: hash %x, %d records; histories equal: %v", r1.TraceHash, r1.Records, r1.Delivered, r2.TraceHash, r2.Records, bytes.Equal(h1, h2))
	}
}

// TestBinaryBadRepliesAreRecorded: a binary reply the adapter cannot
// decode, or one whose output breaks the model, is the SUT's, recorded as
// a bad reply, as with the JSON wire; the operation ends unknown.
func TestBinaryBadRepliesAreRecorded(t *testing.T) {
	raw := map[int][]byte{
		1: []byte("P\x01"), // truncated
		2: workloads.EncodeBinaryReply(workloads.Reply{ID: 2, Status: "done"}),
		3: workloads.EncodeBinaryReply(workloads.Reply{ID: 3, Status: workloads.StatusOK, Output: json.RawMessage(`{"value":`)}),
		4: workloads.EncodeBinaryReply(workloads.Reply{ID: 4, Status: workloads.StatusOK}), // a read without its output
	}
	cfg := workloads.Config{Model: history.KV, Clients: 1, OpsPerClient: 5, Targets: []string{"n1"}, Mix: map[string]int{"read": 1},
		Timeout: 10 * time.Millisecond, Adapter: workloads.BinaryAdapter()}
	w, h, _ := world(t, 9, []sim.NodeSpec{{Name: "n1", Factory: registerNode(true, raw)}}, cfg, nil)
	bad := w.BadReplies()
	want := []string{"undecodable reply: workloads: bad binary reply", "undecodable reply: workloads: binary reply 2: status byte '?'", "output is not valid JSON", "ok without the output model kv requires"}
	if len(bad) != len(want) {
		t.Fatalf("bad replies: %v", bad)
	}
	for i, b := range bad {
		if !strings.Contains(b.Err, want[i]) || b.From != "n1" || b.Client != "client0" {
			t.Errorf("bad reply %d: %v, want it to say %q", i+1, b, want[i])
		}
		checkInfo(t, h.Ops[i])
	}
	if o := h.Ops[4]; o.Type != history.OK || string(o.Output) != `{"value":null}` {
		t.Fatalf("op 5: %s", jsonl(t, o))
	}
}

// FuzzDecodeBinaryReply: any bytes decode or fail without a panic, and a
// decoded reply survives encoding and decoding again unchanged.
func FuzzDecodeBinaryReply(f *testing.F) {
	f.Add(workloads.EncodeBinaryReply(workloads.Reply{ID: 1, Status: workloads.StatusOK, Output: json.RawMessage(`{"value":1}`)}))
	f.Add(workloads.EncodeBinaryReply(workloads.Reply{ID: 2, Status: workloads.StatusRedirect, Leader: "n2"}))
	f.Add([]byte("P\x80\x01f\x00\x03err\x00"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		r, err := workloads.DecodeBinaryReply(msg)
		if err != nil {
			return
		}
		again, err := workloads.DecodeBinaryReply(workloads.EncodeBinaryReply(r))
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("%q decoded to %+v, which re-encodes to %+v, %v", msg, r, again, err)
		}
	})
}
