package golden

import (
	"strings"
	"testing"
)

func TestFirstDiff(t *testing.T) {
	tests := []struct{ got, want, has string }{
		{"a\nb\nc", "a\nx\nc", "line 2"},
		{"a\nb", "a\nb\nc", "line 3"},
		{"a\n", "a\n", "same lines"},
	}
	for _, tt := range tests {
		if d := FirstDiff(tt.got, tt.want); !strings.Contains(d, tt.has) {
			t.Errorf("FirstDiff(%q, %q) = %q, want %q", tt.got, tt.want, d, tt.has)
		}
	}
}

func TestCheckPassesOnEqualAndFailsOnDifferent(t *testing.T) {
	Check(t, "sample.golden", []byte("one\ntwo\n"))
	var ft fakeT
	Check(&ft, "sample.golden", []byte("one\nthree\n"))
	if !strings.Contains(ft.msg, "line 2") {
		t.Errorf("a different output passed: %q", ft.msg)
	}
}

type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper()                   {}
func (f *fakeT) Errorf(s string, a ...any) { f.msg = s + " " + strings.Join(strs(a), " ") }
func (f *fakeT) Fatalf(s string, a ...any) { f.msg = s }

func strs(a []any) []string {
	var out []string
	for _, x := range a {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
