package nemesis_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/faultline-dst/faultline/nemesis"
)

// FuzzParseSchedule: no fault list makes the parser panic or allocate
// without bound; what it accepts survives a JSON round trip unchanged (an
// empty list of nodes may come back absent: compared as JSON). The seed
// corpus is testdata/faults.json; testdata/fuzz holds what the fuzzer
// found.
func FuzzParseSchedule(f *testing.F) {
	data, err := os.ReadFile("testdata/faults.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("[]"))
	f.Add([]byte(`[{"id":"f1","kind":"pause","nodes":["n1"],"start":"1s","end":"2s"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := nemesis.ParseSchedule(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("an accepted schedule does not marshal: %v", err)
		}
		back, err := nemesis.ParseSchedule(out)
		if err != nil {
			t.Fatalf("an accepted schedule does not read back: %v\n%s", err, out)
		}
		again, err := json.Marshal(back)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("round trip changed the schedule:\n%s\n%s", out, again)
		}
	})
}
