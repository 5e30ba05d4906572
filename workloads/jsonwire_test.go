package workloads

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/faultline-dst/faultline/history"
	"github.com/google/go-cmp/cmp"
)

// slowRequest and slowReply are the JSON wire as encoding/json reads it.
func slowRequest(b []byte) (Request, error) {
	var r Request
	err := json.Unmarshal(b, &r)
	return r, err
}

func slowReply(b []byte) (Reply, error) {
	var r Reply
	if err := json.Unmarshal(b, &r); err != nil {
		return r, err
	}
	switch r.Status {
	case StatusOK, StatusFail, StatusRedirect, StatusUnknown:
		return r, nil
	}
	return r, fmt.Errorf("status %q", r.Status)
}

var wireRequests = []Request{
	{ID: 1, Client: "c0", Model: history.KV, Op: "read", Key: "k0"},
	{ID: 18446744073709551615, Client: "c1", Model: history.KV, Op: "write", Key: "k1", Input: json.RawMessage(`{"value":-12}`)},
	{ID: 3, Client: "c2", Model: history.KV, Op: "cas", Key: "k", Input: json.RawMessage(`{"from":null,"to":"x y"}`)},
	{ID: 0, Client: "", Model: "", Op: ""},
	{ID: 4, Client: "c", Model: history.Queue, Op: "enqueue", Input: json.RawMessage(`{"value":1.5e3}`)},
	{ID: 5, Client: "c", Model: history.KV, Op: "write", Key: "a<b", Input: json.RawMessage(`{"value":1}`)},   // HTML-escaped
	{ID: 6, Client: "c", Model: history.KV, Op: "write", Key: "k", Input: json.RawMessage(`{"value":"a&b"}`)}, // HTML-escaped
	{ID: 7, Client: "é", Model: history.KV, Op: "read", Key: "k"},
	{ID: 8, Client: "c", Model: history.KV, Op: "write", Key: "k", Input: json.RawMessage(`{ "value" : 1 }`)}, // compacted
	{ID: 9, Client: "c", Model: history.KV, Op: "write", Key: "k", Input: json.RawMessage(`{"value":{"a":[1,2]}}`)},
	{ID: 10, Client: "c\"q", Model: history.KV, Op: "read", Key: "k\\"},
	{ID: 11, Client: "c", Model: history.KV, Op: "write", Key: "k", Input: json.RawMessage(`null`)},
	{ID: 12, Client: "c", Model: history.KV, Op: "write", Key: "k", Input: json.RawMessage(`"s}"`)},
}

var wireReplies = []Reply{
	{ID: 1, Status: StatusOK, Output: json.RawMessage(`{"value":3}`)},
	{ID: 2, Status: StatusFail, Error: "not leader"},
	{ID: 3, Status: StatusRedirect, Leader: "n2"},
	{ID: 4, Status: StatusUnknown, Output: json.RawMessage(`{"ok":true}`), Error: "e", Leader: "n1"},
	{ID: 5, Status: StatusOK, Output: json.RawMessage(`{"value":"}"}`), Error: "x"},
	{ID: 6, Status: StatusOK, Error: "<timeout>"},
	{ID: 7, Status: StatusOK, Output: json.RawMessage(`[1, 2]`)},
	{ID: 8, Status: "weird"},
}

// TestJSONWire: the JSON wire writes and reads exactly what encoding/json
// does, and takes its own way for the plain requests and replies a
// workload sends and a reference system answers.
func TestJSONWire(t *testing.T) {
	for i, r := range wireRequests {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := EncodeRequest(r); !bytes.Equal(got, want) {
			t.Errorf("request %d: EncodeRequest = %s, json.Marshal = %s", i, got, want)
		}
		if got := AppendRequest([]byte("x"), r); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("request %d: AppendRequest = %s, want x%s", i, got, want)
		}
		checkRequest(t, want)
	}
	for i, r := range wireReplies {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := EncodeReply(r); !bytes.Equal(got, want) {
			t.Errorf("reply %d: EncodeReply = %s, json.Marshal = %s", i, got, want)
		}
		checkReply(t, want)
	}
	for _, i := range []int{0, 1, 2, 3, 4} {
		b := EncodeRequest(wireRequests[i])
		if _, ok := fastRequest(b); !ok {
			t.Errorf("request %d (%s) is plain and took encoding/json's way", i, b)
		}
	}
	for _, i := range []int{0, 1, 2, 3, 4} {
		b := EncodeReply(wireReplies[i])
		if _, ok := fastReply(b); !ok {
			t.Errorf("reply %d (%s) is plain and took encoding/json's way", i, b)
		}
	}
}

// checkRequest holds DecodeRequest to encoding/json on b.
func checkRequest(t *testing.T, b []byte) {
	t.Helper()
	checkWire(t, "Request", b, DecodeRequest, slowRequest, EncodeRequest)
}

// checkReply holds DecodeReply to encoding/json on b.
func checkReply(t *testing.T, b []byte) {
	t.Helper()
	checkWire(t, "Reply", b, DecodeReply, slowReply, EncodeReply)
}

// checkWire holds decode to slow on b: both fail or both give the same
// value; and encode of that value to json.Marshal.
func checkWire[T any](t *testing.T, what string, b []byte, decode, slow func([]byte) (T, error), encode func(T) []byte) {
	t.Helper()
	want, werr := slow(b)
	got, gerr := decode(b)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("Decode%s(%q): error %v, encoding/json's %v", what, b, gerr, werr)
	}
	if werr != nil {
		return
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("Decode%s(%q) differs from encoding/json (-json +fast):\n%s", what, b, d)
	}
	if m, _ := json.Marshal(got); !bytes.Equal(encode(got), m) {
		t.Fatalf("Encode%s(%+v) = %s, json.Marshal = %s", what, got, encode(got), m)
	}
}

// FuzzJSONWire holds the JSON wire's reading to encoding/json's on any
// bytes, and its writing on anything read.
func FuzzJSONWire(f *testing.F) {
	for _, r := range wireRequests {
		b, _ := json.Marshal(r)
		f.Add(b)
	}
	for _, r := range wireReplies {
		b, _ := json.Marshal(r)
		f.Add(b)
	}
	for _, s := range []string{
		`{"id":01,"client":"c","model":"kv","op":"read"}`,
		`{"id":1.0,"client":"c","model":"kv","op":"read"}`,
		`{"id":-1,"client":"c","model":"kv","op":"read"}`,
		`{"id":18446744073709551616,"client":"c","model":"kv","op":"read"}`,
		`{"id":1,"client":"c","model":"kv","op":"read","key":"a","key":"b"}`,
		`{"id":1,"client":"c","model":"kv","op":"read","input":{"a":1,"a":2}}`,
		`{"id":1,"client":"c","model":"kv","op":"read","input":{"a":1}}x`,
		`{"ID":1,"Client":"c","model":"kv","op":"read"}`,
		`{"id":1,"status":"ok","output":null}`,
		`{"id":1,"status":"ok","output":{"value":1},"leader":""}`,
		`{"id":1,"status":"ok","error":"a\u0041"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRequest(t, b)
		checkReply(t, b)
	})
}
