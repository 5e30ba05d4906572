package reference_test

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/scenario"
)

// corpusSeeds is how many seeds TestCorpus runs per scenario: a few in
// go test ./..., 1,000 for the figures in docs/BUGS.md:
//
//	FAULTLINE_CORPUS_SEEDS=1000 go test ./examples/reference -run TestCorpus -v -timeout 2h
func corpusSeeds() int {
	if n, err := strconv.Atoi(os.Getenv("FAULTLINE_CORPUS_SEEDS")); err == nil && n > 0 {
		return n
	}
	return 12
}

// TestCorpus shows faultline finding every known bug of the reference
// systems as FAIL-reproducible with SUT blame, and the correct systems
// passing the same scenarios without an anomaly.
func TestCorpus(t *testing.T) {
	r := reference.Registry()
	n := corpusSeeds()
	filter := os.Getenv("FAULTLINE_CORPUS_FILTER")
	var rows []string
	for _, s := range r.Scenarios() {
		if filter != "" && !strings.Contains(s.Name, filter) {
			continue
		}
		s := s
		t.Run(s.Name, func(t *testing.T) {
			known := len(s.Bugs) > 0
			counts := map[scenario.Verdict]int{}
			first, fails := 0, 0
			for seed := uint64(1); seed <= uint64(n); seed++ {
				res, err := r.Run(s, seed, scenario.RunOptions{})
				if err != nil {
					t.Fatal(err)
				}
				counts[res.Verdict]++
				if res.Verdict.IsFail() {
					fails++
					if first == 0 {
						first = int(seed)
					}
					if !known {
						t.Errorf("seed %d: the correct system failed: %s %s: %s", seed, res.Verdict, res.Blame, res.Reason)
					} else if res.Verdict != scenario.FailReproducible || res.Blame != scenario.BlameSUT {
						t.Errorf("seed %d: %s with blame %q, want FAIL-reproducible blamed on the SUT: %s", seed, res.Verdict, res.Blame, res.Reason)
					}
				}
				if known && first != 0 && n <= 12 {
					break // found; the short run stops here
				}
			}
			if known && first == 0 {
				t.Errorf("bug %v not found in %d seeds", s.Bugs, n)
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %d | %d of %d | %s |", s.Name, s.System, strings.Join(s.Bugs, ", "), s.Checker, first, fails, n, verdicts(counts)))
		})
	}
	if testing.Verbose() {
		sort.Strings(rows)
		fmt.Printf("| scenario | system | bug | checker | first failing seed | seeds failing | verdicts |\n| --- | --- | --- | --- | --- | --- | --- |\n%s\n", strings.Join(rows, "\n"))
	}
}

func verdicts(c map[scenario.Verdict]int) string {
	var parts []string
	for _, v := range scenario.Verdicts() {
		if c[v] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", v, c[v]))
		}
	}
	return strings.Join(parts, ", ")
}

func TestRegistryIsConsistent(t *testing.T) {
	r := reference.Registry()
	if _, err := r.Scenario(reference.Default); err != nil {
		t.Fatal(err)
	}
	bugs := map[string]bool{}
	for _, sys := range r.Systems() {
		for _, b := range sys.Bugs {
			bugs[sys.Name+"/"+b.Name] = false
		}
	}
	for _, s := range r.Scenarios() {
		for _, b := range s.Bugs {
			bugs[s.System+"/"+b] = true
		}
	}
	for b, covered := range bugs {
		if !covered {
			t.Errorf("bug %s has no scenario", b)
		}
	}
}
