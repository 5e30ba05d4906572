package sweep

import (
	"bytes"
	"os"
	"testing"
)

// FuzzReadResults: no results file makes the reader panic or allocate
// without bound; the good prefix it reports ends on a line boundary, and
// a torn last line is exactly what follows it. The seed corpus is
// testdata/results.jsonl, whole and torn.
func FuzzReadResults(f *testing.F) {
	data, err := os.ReadFile("testdata/results.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, good, torn, err := readResults("fuzz", bytes.NewReader(data))
		if err != nil {
			return
		}
		if good < 0 || good > int64(len(data)) || (good > 0 && data[good-1] != '\n') {
			t.Fatalf("good prefix %d of %d bytes does not end a line", good, len(data))
		}
		rest := data[good:]
		if (torn != nil) != (len(rest) > 0) || bytes.IndexByte(rest, '\n') >= 0 {
			t.Fatalf("torn %v, but %d bytes follow the good prefix: %q", torn != nil, len(rest), rest)
		}
		for _, r := range recs {
			if r.res.Scenario == "" || r.res.Verdict == "" || r.line < 1 {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}

// FuzzParseSeeds: no --seeds value panics or yields more than MaxSeeds;
// what is accepted is a non-empty run of consecutive seeds.
func FuzzParseSeeds(f *testing.F) {
	for _, s := range []string{"100", "1..10", " 5 .. 7 ", "0", "9..3", "99999999999999999999", "18446744073709551615..18446744073709551615", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seeds, err := ParseSeeds(s)
		if err != nil {
			return
		}
		if len(seeds) == 0 || len(seeds) > MaxSeeds {
			t.Fatalf("%q: %d seeds", s, len(seeds))
		}
		for i := 1; i < len(seeds); i++ {
			if seeds[i] != seeds[i-1]+1 {
				t.Fatalf("%q: seeds %d and %d are not consecutive", s, seeds[i-1], seeds[i])
			}
		}
	})
}

// FuzzParseShard: no --shard value or index variable panics; what is
// accepted is a shard i of n with 0 <= i < n.
func FuzzParseShard(f *testing.F) {
	for _, c := range [][2]string{{"3/8", ""}, {"8", "3"}, {"8", "8"}, {"0", ""}, {"-1/2", ""}, {"1/0", ""}, {"4", " 2 "}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, s, index string) {
		sh, err := ParseShard(s, func(name string) string {
			if name == "JOB_COMPLETION_INDEX" {
				return index
			}
			return ""
		})
		if err != nil {
			return
		}
		if sh.Count < 1 || sh.Index < 0 || sh.Index >= sh.Count {
			t.Fatalf("%q with index %q: accepted shard %v", s, index, sh)
		}
	})
}
