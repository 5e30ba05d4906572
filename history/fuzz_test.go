package history

import (
	"bytes"
	"os"
	"testing"
)

// FuzzReadJSONL: no input makes the history reader panic or allocate
// without bound; what it accepts has at most one operation a line, and
// writes back to a history it reads again with as many operations. The
// seed corpus is testdata/kv.jsonl.
func FuzzReadJSONL(f *testing.F) {
	data, err := os.ReadFile("testdata/kv.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("{}\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadJSONL(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		if n := bytes.Count(data, []byte("\n")) + 1; len(h.Ops) > n {
			t.Fatalf("%d operations from %d lines", len(h.Ops), n)
		}
		var b bytes.Buffer
		if err := WriteJSONL(&b, h); err != nil {
			t.Fatalf("an accepted history does not write back: %v", err)
		}
		back, err := ReadJSONL(&b, "back")
		if err != nil {
			t.Fatalf("an accepted history written back does not read: %v\n%s", err, b.Bytes())
		}
		if len(back.Ops) != len(h.Ops) {
			t.Fatalf("written back: %d operations, want %d", len(back.Ops), len(h.Ops))
		}
	})
}
