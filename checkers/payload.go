package checkers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/faultline-dst/faultline/history"
)

// object decodes a JSON object with exactly the keys in req and any of the
// keys in opt, rejecting others, so a misspelt key is an error rather than
// a silently missing value.
func object(raw json.RawMessage, req, opt []string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		if len(req) == 0 {
			return map[string]json.RawMessage{}, nil
		}
		return nil, fmt.Errorf("null; want an object with %s", strings.Join(req, ", "))
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: want an object", raw)
	}
	for _, k := range req {
		if _, ok := m[k]; !ok {
			return nil, fmt.Errorf("%s: missing %q", raw, k)
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		known := false
		for _, a := range append(append([]string(nil), req...), opt...) {
			known = known || a == k
		}
		if !known {
			return nil, fmt.Errorf("%s: unknown key %q", raw, k)
		}
	}
	return m, nil
}

func canon(raw json.RawMessage) (string, error) { return history.CanonicalJSON(raw) }

func integer(raw json.RawMessage) (int64, error) {
	v, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not an integer", raw)
	}
	return v, nil
}

func boolean(raw json.RawMessage) (bool, error) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s is not true or false", raw)
}

func text(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return "", fmt.Errorf("%s is not a non-empty string", raw)
	}
	return s, nil
}

// inputField decodes the single-key object {"<name>": v} of an op's input
// or output and returns v's canonical text.
func valueIn(o history.Op, raw json.RawMessage, what, name string) (string, error) {
	m, err := object(raw, []string{name}, nil)
	if err != nil {
		return "", malformed(o, what, err)
	}
	v, err := canon(m[name])
	if err != nil {
		return "", malformed(o, what, err)
	}
	return v, nil
}

// intIn decodes {"<name>": n}.
func intIn(o history.Op, raw json.RawMessage, what, name string) (int64, error) {
	m, err := object(raw, []string{name}, nil)
	if err != nil {
		return 0, malformed(o, what, err)
	}
	n, err := integer(m[name])
	if err != nil {
		return 0, malformed(o, what, err)
	}
	return n, nil
}

// finalFlag decodes an optional {"final": true} input.
func finalFlag(o history.Op, extra ...string) (bool, map[string]json.RawMessage, error) {
	m, err := object(o.Input, nil, append([]string{"final"}, extra...))
	if err != nil {
		return false, nil, malformed(o, "input", err)
	}
	f, ok := m["final"]
	if !ok {
		return false, m, nil
	}
	b, err := boolean(f)
	if err != nil {
		return false, nil, malformed(o, "input", err)
	}
	return b, m, nil
}

// listIn decodes {"<name>": [v, ...]} into canonical texts.
func listIn(o history.Op, raw json.RawMessage, what, name string) ([]string, error) {
	m, err := object(raw, []string{name}, nil)
	if err != nil {
		return nil, malformed(o, what, err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(m[name], &items); err != nil {
		return nil, malformed(o, what, fmt.Errorf("%q: want a list", name))
	}
	out := make([]string, len(items))
	for i, it := range items {
		if out[i], err = canon(it); err != nil {
			return nil, malformed(o, what, err)
		}
	}
	return out, nil
}

// ids returns the op_ids of ops.
func ids(ops ...history.Op) []int64 {
	out := make([]int64, len(ops))
	for i, o := range ops {
		out[i] = o.ID
	}
	return out
}

// byInvoke sorts operations by invocation instant, then op_id.
func byInvoke(ops []history.Op) {
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].InvokeTS != ops[j].InvokeTS {
			return ops[i].InvokeTS < ops[j].InvokeTS
		}
		return ops[i].ID < ops[j].ID
	})
}

// precedes reports whether a completed before b was invoked (real-time
// order; intervals are closed, so touching intervals are concurrent).
func precedes(a, b history.Op) bool { return a.Type != history.Info && a.CompleteTS < b.InvokeTS }
