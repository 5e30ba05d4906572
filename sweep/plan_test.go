package sweep_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/sweep"
)

func TestParseSeeds(t *testing.T) {
	tests := []struct {
		in   string
		want string // the seeds, or the error's text
	}{
		{"5", "[1 2 3 4 5]"},
		{"3..7", "[3 4 5 6 7]"},
		{" 9..9 ", "[9]"},
		{"0..2", "[0 1 2]"},
		{"0", `invalid seeds "0": a count of zero seeds; want a count N (seeds 1..N) or a range A..B`},
		{"7..3", `invalid seeds "7..3": A is greater than B`},
		{"five", `invalid seeds "five": not a number; want a count N`},
		{"1..x", `invalid seeds "1..x": A and B must be unsigned integers`},
		{"", `invalid seeds "": empty`},
		{"1..100000000", `more than 10000000 seeds`},
	}
	for _, tt := range tests {
		got, err := sweep.ParseSeeds(tt.in)
		text := fmt.Sprint(got)
		if err != nil {
			text = err.Error()
		}
		if !strings.Contains(text, tt.want) {
			t.Errorf("ParseSeeds(%q) = %s; want %s", tt.in, text, tt.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	tests := []struct {
		in   string
		env  map[string]string
		want string
	}{
		{"1/4", nil, "1/4"},
		{"0/1", nil, "0/1"},
		{"4", map[string]string{"JOB_COMPLETION_INDEX": "3"}, "3/4"},
		{"4", map[string]string{"AWS_BATCH_JOB_ARRAY_INDEX": "2"}, "2/4"},
		{"4/4", nil, `invalid shard "4/4": i must be an integer from 0 to 3; want i/n`},
		{"4", map[string]string{"JOB_COMPLETION_INDEX": "4"}, "JOB_COMPLETION_INDEX=4 must be an integer from 0 to 3"},
		{"4", nil, "no index given and none of JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, CLOUD_RUN_TASK_INDEX is set"},
		{"a/b", nil, `invalid shard "a/b": n must be a positive integer`},
		{"1/0", nil, "n must be a positive integer"},
	}
	for _, tt := range tests {
		got, err := sweep.ParseShard(tt.in, env(tt.env))
		text := got.String()
		if err != nil {
			text = err.Error()
		}
		if !strings.Contains(text, tt.want) {
			t.Errorf("ParseShard(%q, %v) = %s; want %s", tt.in, tt.env, text, tt.want)
		}
	}
}

func TestShardsPartitionTheCanonicalJobs(t *testing.T) {
	plan := sweep.Plan{Scenarios: []string{"b", "a", "b"}, Seeds: []uint64{3, 1, 2, 3}}
	all, err := plan.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(all) != "[a seed 1 a seed 2 a seed 3 b seed 1 b seed 2 b seed 3]" {
		t.Fatalf("canonical order: %v", all)
	}
	seen := map[sweep.Job]int{}
	for i := range 4 {
		plan.Shard = sweep.Shard{Index: i, Count: 4}
		jobs, err := plan.Jobs()
		if err != nil {
			t.Fatal(err)
		}
		for k, j := range jobs {
			if want := all[i+4*k]; j != want {
				t.Errorf("shard %d job %d = %s, want %s", i, k, j, want)
			}
			seen[j]++
		}
	}
	for _, j := range all {
		if seen[j] != 1 {
			t.Errorf("%s in %d shards", j, seen[j])
		}
	}
	plan.Shard = sweep.Shard{Index: 5, Count: 4}
	if _, err := plan.Jobs(); err == nil {
		t.Error("shard 5/4 accepted")
	}
}
