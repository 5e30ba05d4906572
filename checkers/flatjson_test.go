package checkers

import (
	"encoding/json"
	"testing"

	"github.com/faultline-dst/faultline/internal/flatjson"
)

// TestFastMembersAgreesWithSlowPath checks that whatever the fast scanner
// accepts, the slow path (encoding/json and CanonicalJSON) reads the same
// way, and that it declines what it must leave to the slow path.
func TestFastMembersAgreesWithSlowPath(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		names []string
		fast  bool
	}{
		{`{"value":12}`, []string{"value"}, true},
		{`{"value":null}`, []string{"value"}, true},
		{`{"value":"plain text"}`, []string{"value"}, true},
		{`{"value":-1.5e+3}`, []string{"value"}, true},
		{`{"from":null,"to":7}`, []string{"from", "to"}, true},
		{`{"to":7,"from":3}`, []string{"from", "to"}, true},
		{`{"ok":true}`, []string{"ok"}, true},
		{`{"value": 12}`, []string{"value"}, false},         // white space
		{`{"value":"a<b"}`, []string{"value"}, false},       // json.Marshal escapes <
		{`{"value":"\u0041"}`, []string{"value"}, false},    // an escape
		{`{"value":{"a":1}}`, []string{"value"}, false},     // nested
		{`{"value":[1]}`, []string{"value"}, false},         // an array
		{`{"value":01}`, []string{"value"}, false},          // invalid number
		{`{"value":1.}`, []string{"value"}, false},          // invalid number
		{`{"value":1,"value":2}`, []string{"value"}, false}, // duplicate key
		{`{"value":1,"extra":2}`, []string{"value"}, false}, // an unknown key
		{`{"from":1}`, []string{"from", "to"}, false},       // a missing key
		{`{"value":1}x`, []string{"value"}, false},
		{`{"value":nul}`, []string{"value"}, false},
		{`{}`, []string{"value"}, false},
		{`null`, []string{"value"}, false},
	} {
		vals, ok := flatjson.Members([]byte(tc.raw), tc.names...)
		if ok != tc.fast {
			t.Errorf("%s: fast path took it: %v, want %v", tc.raw, ok, tc.fast)
			continue
		}
		if !ok {
			continue
		}
		m, err := object(json.RawMessage(tc.raw), tc.names, nil)
		if err != nil {
			t.Errorf("%s: fast path took what the slow path refuses: %v", tc.raw, err)
			continue
		}
		for i, name := range tc.names {
			want, err := canon(m[name])
			if err != nil || vals[i] != want {
				t.Errorf("%s: %s = %q fast, %q (%v) slow", tc.raw, name, vals[i], want, err)
			}
		}
	}
}
