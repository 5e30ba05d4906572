package workloads

import (
	"encoding/json"
	"fmt"

	"github.com/faultline-dst/faultline/history"
)

// Request is one attempt at an operation, sent by a client node to an SUT
// node. ID is unique per client attempt and is echoed in the Reply, so a
// late reply to an attempt the client gave up on is recognised and ignored.
type Request struct {
	ID     uint64          `json:"id"`
	Client string          `json:"client"`
	Model  history.Model   `json:"model"`
	Op     string          `json:"op"`
	Key    string          `json:"key,omitempty"`
	Input  json.RawMessage `json:"input,omitempty"`
}

// Status is an SUT node's answer to a Request.
type Status string

// The statuses an SUT may answer with.
const (
	// StatusOK: the operation took effect; Output is its result.
	StatusOK Status = "ok"
	// StatusFail: the operation definitely did not take effect.
	StatusFail Status = "fail"
	// StatusRedirect: this node cannot serve it (not the leader or
	// primary) and did not act on it; Leader, when known, names the node
	// to ask.
	StatusRedirect Status = "redirect"
	// StatusUnknown: the node does not know whether it took effect (for
	// example it lost leadership after proposing).
	StatusUnknown Status = "unknown"
)

// Reply is an SUT node's answer to one Request.
type Reply struct {
	ID     uint64          `json:"id"`
	Status Status          `json:"status"`
	Output json.RawMessage `json:"output,omitempty"`
	Error  string          `json:"error,omitempty"`
	Leader string          `json:"leader,omitempty"`
}

// Adapter is how an SUT plugs into the workloads: how a Request becomes
// the bytes the SUT's nodes understand, and how their reply bytes become a
// Reply. A reply the adapter cannot decode is an SUT bug, recorded as such.
type Adapter struct {
	Name          string
	EncodeRequest func(Request) []byte
	DecodeReply   func([]byte) (Reply, error)
	// AppendRequest, optional, appends what EncodeRequest returns to its
	// first argument: the clients then encode every request into one
	// buffer of their own (the simulator copies what is sent).
	AppendRequest func([]byte, Request) []byte
}

// JSONAdapter returns the adapter for SUTs that speak the default wire
// format: a Request or a Reply as one JSON object per message.
func JSONAdapter() Adapter {
	return Adapter{Name: "json", EncodeRequest: EncodeRequest, DecodeReply: DecodeReply, AppendRequest: AppendRequest}
}

// AppendRequest appends EncodeRequest(r) to b.
func AppendRequest(b []byte, r Request) []byte {
	if out, ok := appendRequest(b, r); ok {
		return out
	}
	return append(b, EncodeRequest(r)...)
}

// EncodeRequest is the default wire form of a request.
func EncodeRequest(r Request) []byte {
	if b, ok := appendRequest(nil, r); ok {
		return b
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("workloads: encoding request: %v", err)) // Input is valid JSON by construction
	}
	return b
}

// DecodeRequest parses the default wire form of a request (SUT side).
func DecodeRequest(b []byte) (Request, error) {
	if r, ok := fastRequest(b); ok {
		return r, nil
	}
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("workloads: bad request %q: %w", truncate(b), err)
	}
	return r, nil
}

// EncodeReply is the default wire form of a reply (SUT side).
func EncodeReply(r Reply) []byte {
	if b, ok := appendReply(nil, r); ok {
		return b
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("workloads: encoding reply: %v", err))
	}
	return b
}

// DecodeReply parses the default wire form of a reply.
func DecodeReply(b []byte) (Reply, error) {
	if r, ok := fastReply(b); ok {
		return r, nil
	}
	var r Reply
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("workloads: bad reply %q: %w", truncate(b), err)
	}
	switch r.Status {
	case StatusOK, StatusFail, StatusRedirect, StatusUnknown:
	default:
		return r, fmt.Errorf("workloads: reply %d: status %q is not one of ok, fail, redirect, unknown", r.ID, r.Status)
	}
	return r, nil
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}
