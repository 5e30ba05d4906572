package sweep

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Job is one unit of a sweep: one scenario on one seed.
type Job struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
}

func (j Job) String() string { return fmt.Sprintf("%s seed %d", j.Scenario, j.Seed) }

// Shard selects a slice of a plan's jobs: the jobs whose index in the
// canonical job order is Index modulo Count. The zero Shard (Count 0) is
// the whole plan.
type Shard struct {
	Index, Count int
}

func (s Shard) String() string {
	if s.Count == 0 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Plan is what a sweep runs: every scenario on every seed, or one shard of
// that.
type Plan struct {
	// Scenarios are scenario names; their order does not matter.
	Scenarios []string
	// Seeds are the seeds each scenario runs on; their order does not
	// matter.
	Seeds []uint64
	// Shard, when its Count is set, keeps only that shard's jobs.
	Shard Shard
}

// MaxSeeds bounds the seeds one sweep may name, so that a typo such as
// --seeds 1..1e18 is an error rather than an exhausted memory.
const MaxSeeds = 10_000_000

// Jobs returns the plan's jobs in canonical order: scenarios sorted by
// name, and for each its seeds ascending (duplicates dropped). The order
// depends only on the set of scenarios and seeds, so every machine of a
// sharded sweep computes the same one; a shard keeps every Count-th job
// from Index, which spreads each scenario's seeds over all shards.
func (p Plan) Jobs() ([]Job, error) {
	if p.Shard.Count < 0 || (p.Shard.Count > 0 && (p.Shard.Index < 0 || p.Shard.Index >= p.Shard.Count)) {
		return nil, fmt.Errorf("invalid shard %d/%d: want i/n with 0 <= i < n", p.Shard.Index, p.Shard.Count)
	}
	names := uniqueSorted(p.Scenarios)
	seeds := append([]uint64(nil), p.Seeds...)
	sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
	seeds = compactSeeds(seeds)
	if len(names) == 0 {
		return nil, fmt.Errorf("a sweep needs at least one scenario")
	}
	if len(seeds) == 0 {
		return nil, fmt.Errorf("a sweep needs at least one seed")
	}
	if len(names)*len(seeds) > MaxSeeds {
		return nil, fmt.Errorf("%d scenarios × %d seeds = %d jobs; at most %d", len(names), len(seeds), len(names)*len(seeds), MaxSeeds)
	}
	var jobs []Job
	i := 0
	for _, name := range names {
		for _, seed := range seeds {
			if p.Shard.Count == 0 || i%p.Shard.Count == p.Shard.Index {
				jobs = append(jobs, Job{Scenario: name, Seed: seed})
			}
			i++
		}
	}
	return jobs, nil
}

func uniqueSorted(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if i == 0 || s != out[n-1] {
			out[n] = s
			n++
		}
	}
	return out[:n]
}

func compactSeeds(s []uint64) []uint64 {
	n := 0
	for i, v := range s {
		if i == 0 || v != s[n-1] {
			s[n] = v
			n++
		}
	}
	return s[:n]
}

const seedsForms = `a count N (seeds 1..N) or a range A..B (seeds A to B, inclusive)`

// ParseSeeds parses a --seeds value: "N" is the seeds 1..N, "A..B" the
// seeds A to B inclusive. The error names the value and the valid forms.
func ParseSeeds(s string) ([]uint64, error) {
	bad := func(why string) error {
		return fmt.Errorf("invalid seeds %q: %s; want %s", s, why, seedsForms)
	}
	v := strings.TrimSpace(s)
	if v == "" {
		return nil, bad("empty")
	}
	var first, last uint64
	if a, b, ok := strings.Cut(v, ".."); ok {
		var err1, err2 error
		first, err1 = strconv.ParseUint(strings.TrimSpace(a), 10, 64)
		last, err2 = strconv.ParseUint(strings.TrimSpace(b), 10, 64)
		if errors.Is(err1, strconv.ErrRange) || errors.Is(err2, strconv.ErrRange) {
			return nil, bad(fmt.Sprintf("out of range: seeds are at most %d", uint64(math.MaxUint64)))
		}
		if err1 != nil || err2 != nil {
			return nil, bad("A and B must be unsigned integers")
		}
		if first > last {
			return nil, bad("A is greater than B")
		}
	} else {
		n, err := strconv.ParseUint(v, 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return nil, bad(fmt.Sprintf("out of range: a count is at most %d", MaxSeeds))
		}
		if err != nil {
			return nil, bad("not a number")
		}
		if n == 0 {
			return nil, bad("a count of zero seeds")
		}
		first, last = 1, n
	}
	if last-first >= MaxSeeds {
		return nil, bad(fmt.Sprintf("more than %d seeds", MaxSeeds))
	}
	out := make([]uint64, 0, last-first+1)
	for x := first; ; x++ {
		out = append(out, x)
		if x == last {
			break
		}
	}
	return out, nil
}

// IndexVars returns the environment variables ParseShard reads, in order,
// for a shard index a batch engine assigns: Kubernetes Indexed Jobs, AWS
// Batch array jobs, Cloud Run jobs. Each holds a 0-based index.
func IndexVars() []string {
	return []string{"JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CLOUD_RUN_TASK_INDEX"}
}

// ParseShard parses a --shard value: "i/n" is shard i (0-based) of n;
// "n" alone takes i from the first variable of IndexVars that getenv
// returns non-empty (pass os.Getenv), as a batch engine sets it for each
// of its n tasks. The error names the value and the valid forms.
func ParseShard(s string, getenv func(string) string) (Shard, error) {
	vars := IndexVars()
	forms := "i/n (shard i of n, 0 <= i < n) or n (i read from " + strings.Join(vars, ", ") + ")"
	bad := func(why string) error {
		return fmt.Errorf("invalid shard %q: %s; want %s", s, why, forms)
	}
	v := strings.TrimSpace(s)
	is, ns, explicit := strings.Cut(v, "/")
	if !explicit {
		ns = v
	}
	n, err := strconv.Atoi(strings.TrimSpace(ns))
	if err != nil || n <= 0 {
		return Shard{}, bad("n must be a positive integer")
	}
	source := "i"
	if !explicit {
		is = ""
		for _, name := range vars {
			if getenv != nil && getenv(name) != "" {
				is, source = getenv(name), name+"="+getenv(name)
				break
			}
		}
		if is == "" {
			return Shard{}, bad("no index given and none of " + strings.Join(vars, ", ") + " is set")
		}
	}
	i, err := strconv.Atoi(strings.TrimSpace(is))
	if err != nil || i < 0 || i >= n {
		return Shard{}, bad(fmt.Sprintf("%s must be an integer from 0 to %d", source, n-1))
	}
	return Shard{Index: i, Count: n}, nil
}
