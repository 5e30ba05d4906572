package flatjson_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/internal/flatjson"
)

// slowMembers is what the checkers do without the fast path: decode raw as
// an object with exactly the keys names and canonicalise each value.
func slowMembers(raw []byte, names ...string) ([]string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil || dec.More() || m == nil || len(m) != len(names) {
		return nil, false
	}
	var vals []string
	for _, n := range names {
		v, ok := m[n]
		if !ok {
			return nil, false
		}
		c, err := history.CanonicalJSON(v)
		if err != nil {
			return nil, false
		}
		vals = append(vals, c)
	}
	return vals, true
}

// checkAgrees fails t when the fast path accepts raw and disagrees with the
// slow path: the fast path may decline anything, but never decide
// differently.
func checkAgrees(t *testing.T, raw []byte, names ...string) (fastOK bool) {
	t.Helper()
	fast, ok := flatjson.Members(raw, names...)
	inPlace, bok := flatjson.MemberBytes(raw, names...)
	if ok != bok {
		t.Fatalf("Members(%q, %q) took it: %v, MemberBytes: %v", raw, names, ok, bok)
	}
	if !ok {
		return false
	}
	for i := range names {
		if string(inPlace[i]) != fast[i] {
			t.Fatalf("MemberBytes(%q, %q)[%d] = %q, Members gives %q", raw, names, i, inPlace[i], fast[i])
		}
	}
	slow, sok := slowMembers(raw, names...)
	if !sok {
		t.Fatalf("Members(%q, %q) accepted what encoding/json rejects", raw, names)
	}
	for i := range names {
		if fast[i] != slow[i] {
			t.Fatalf("Members(%q, %q)[%d] = %q, encoding/json gives %q", raw, names, i, fast[i], slow[i])
		}
	}
	if !flatjson.Canonical(raw) {
		t.Fatalf("Members accepted %q but Canonical rejects it", raw)
	}
	if !json.Valid(raw) {
		t.Fatalf("Canonical accepted invalid JSON %q", raw)
	}
	return true
}

func TestMembers(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		names []string
		fast  bool // the fast path takes it
	}{
		{`{"value":1}`, []string{"value"}, true},
		{`{"value":-12.5e+3}`, []string{"value"}, true},
		{`{"value":1.0}`, []string{"value"}, true},
		{`{"value":"abc"}`, []string{"value"}, true},
		{`{"value":null}`, []string{"value"}, true},
		{`{"ok":true}`, []string{"ok"}, true},
		{`{"from":1,"to":2}`, []string{"from", "to"}, true},
		{`{"to":2,"from":1}`, []string{"from", "to"}, true},
		{`{}`, nil, true},
		{`{"a":1,"b":2,"c":3,"d":4}`, []string{"a", "b", "c", "d"}, true},
		// Declined: the slow path decides these.
		{`{"a":1,"b":2,"c":3,"d":4,"e":5}`, []string{"a", "b", "c", "d"}, false},
		{`{"value": 1}`, []string{"value"}, false},
		{`{"value":"a\"b"}`, []string{"value"}, false},
		{`{"value":"<b>"}`, []string{"value"}, false},
		{`{"value":"é"}`, []string{"value"}, false},
		{`{"value":{"x":1}}`, []string{"value"}, false},
		{`{"value":[1]}`, []string{"value"}, false},
		{`{"value":1,"value":2}`, []string{"value"}, false},
		{`{"value":01}`, []string{"value"}, false},
		{`{"value":1.}`, []string{"value"}, false},
		{`{"value":-}`, []string{"value"}, false},
		{`{"value":1e}`, []string{"value"}, false},
		{`{"value":nul}`, []string{"value"}, false},
		{`{"value":1}x`, []string{"value"}, false},
		{`{"value":1,}`, []string{"value"}, false},
		{`{"value":1}`, []string{"other"}, false},
		{`{"value":1}`, []string{"value", "other"}, false},
		{`{"value"1}`, []string{"value"}, false},
		{`{"value":1`, []string{"value"}, false},
		{`[1]`, []string{"value"}, false},
		{``, []string{"value"}, false},
	} {
		if got := checkAgrees(t, []byte(tc.raw), tc.names...); got != tc.fast {
			t.Errorf("Members(%q, %q): fast path took it: %v, want %v", tc.raw, tc.names, got, tc.fast)
		}
	}
}

func TestCanonical(t *testing.T) {
	for raw, want := range map[string]bool{
		`1`: true, `-0.5`: true, `"x"`: true, `true`: true, `null`: true, `{"a":1}`: true,
		`1 `: false, `"\n"`: false, `01`: false, `[]`: false, `{"a":[1]}`: false, `tru`: false, ``: false,
	} {
		if got := flatjson.Canonical([]byte(raw)); got != want {
			t.Errorf("Canonical(%q) = %v, want %v", raw, got, want)
		}
		if want && !json.Valid([]byte(raw)) {
			t.Errorf("Canonical(%q) is true of invalid JSON", raw)
		}
	}
}

// FuzzMembers: whatever the fast path accepts, encoding/json accepts with
// the same canonical values.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{"value":1}`, `{"from":"a","to":-2.5E-3}`, `{"ok":false}`, `{"value":"x y"}`, `{"a":1,"b":2,"c":3,"d":4}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// The one-member path of MemberBytes agrees with Members on
		// anything, taken or not.
		checkAgrees(t, []byte(raw), "value")
		var ms [flatjson.MaxMembers]flatjson.Member
		n, ok := flatjson.Object(raw, &ms)
		if !ok {
			if flatjson.Canonical([]byte(raw)) && !json.Valid([]byte(raw)) {
				t.Fatalf("Canonical accepted invalid JSON %q", raw)
			}
			return
		}
		names := make([]string, n)
		for i := range names {
			names[i] = ms[i].Key
		}
		checkAgrees(t, []byte(raw), names...)
	})
}
