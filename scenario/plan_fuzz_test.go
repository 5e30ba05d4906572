package scenario_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/faultline-dst/faultline/examples/reference"
)

// FuzzParsePlan: no plan text makes the parser panic or allocate without
// bound; what it accepts names each scenario and its line. The seed corpus
// is the plans under testdata (one names a fault list, faults.json).
func FuzzParsePlan(f *testing.F) {
	for _, name := range []string{"testdata/plan.md", "testdata/shrunk.md"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("```faultline\nscenario: x\n```\n"))
	f.Add([]byte("```faultline\nnemesis:\n  schedule: /dev/zero\n```\n"))
	reg := reference.Registry()
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := reg.ParsePlan(bytes.NewReader(data), "testdata/fuzz.md")
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.Scenario.Name == "" || p.Line < 1 {
				t.Fatalf("accepted a scenario without a name or line: %+v", p)
			}
		}
	})
}
