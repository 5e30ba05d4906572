package reference_test

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/workloads"
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

// Allowed INCONCLUSIVE shares of the correct scenarios, from a
// measurement: 1,000 seeds of each of the 23 correct scenarios (23,000
// runs, commit 28ee2a4: drawn network faults keep half their window free
// of crashes, pauses and other partitions) gave 10
// INCONCLUSIVE-fault-not-proven (0.04%), at most 3 (0.3%) in one
// scenario; before that rule, 78 of 20,000 (0.39%), 3.1% in the pbkv
// failover. Issue 13 asks for at most 2% in every correct scenario: the
// per-scenario bound is 2%, or one seed when the run is too short for 2%
// to allow any (one seed of the default twelve is 8%); the overall bound
// is 1%. At the default dozen seeds the test ran 0 INCONCLUSIVE in 276
// runs.
//
//	faultline sweep --scenario NAME --scenario NAME ... --seeds 1000 --workers 2 --results r.jsonl
const (
	// maxInconclusiveShare bounds the INCONCLUSIVE runs over all the
	// correct scenarios together.
	maxInconclusiveShare = 0.01
	// maxScenarioInconclusiveShare bounds them in any one scenario (at
	// least one seed is allowed).
	maxScenarioInconclusiveShare = 0.02
)

// bugAnomalies are the anomaly signatures (prefixes) each known-bug
// variant may fail with: the checker's anomaly kind the bug breaks, or the
// SUT's own panic or assertion where it notices the damage first. Every
// known-bug scenario must be listed.
var bugAnomalies = map[string][]string{
	"acked_writes_survive_crash_with_fsync_loss@ack-before-sync": {"anomaly:linearizable:not-linearizable",
		"panic:github.com/faultline-dst/faultline/examples/raftkv.raftLogger.Panicf: raft: tocommit(N) is out of range"}, // raft panics when its acknowledged log is gone after a crash
	"acked_writes_survive_primary_failover@async-replication":            {"anomaly:linearizable:not-linearizable"},
	"fencing_tokens_reject_stale_holders@lock-no-fencing":                {"anomaly:lock:stale-token-accepted"},
	"leases_never_overlap_under_clock_drift@lease-no-drift-margin":       {"anomaly:lease:lease-overlap"},
	"memstore_fencing_tokens_increase_under_pauses@stale-token":          {"anomaly:lock:duplicate-token"},
	"memstore_kv_linearizable_under_pauses@drop-writes":                  {"anomaly:linearizable:not-linearizable"},
	"memstore_queue_delivers_under_pauses@lose-enqueue":                  {"anomaly:queue:lost-write"},
	"memstore_transfers_apply_once_under_pauses@double-apply":            {"anomaly:ledger:duplicate-apply", "anomaly:ledger:invalid-balance"},
	"queue_items_delivered_once_under_leader_loss@dequeue-before-commit": {"anomaly:queue:duplicate-delivery"},
	"reads_linearizable_under_partition@stale-read":                      {"anomaly:linearizable:not-linearizable"},
	"state_rebuilt_from_disk_after_crash@snapshot-no-dirsync":            {"assertion:n"}, // the replica finds its state missing on restart
	"kv_linearizable_under_partitions_and_crashes@ack-on-append":         {"anomaly:linearizable:not-linearizable"},
	"leases_never_overlap_under_clock_steps@lease-wall-clock":            {"anomaly:lease:lease-overlap"},
	"reads_linearizable_under_leader_isolation@lease-read":               {"anomaly:linearizable:not-linearizable"},
	"reads_linearizable_while_one_replica_is_cut_off@leader-read":        {"anomaly:linearizable:not-linearizable"},
	"reads_linearizable_while_primary_cut_off@read-without-lease":        {"anomaly:linearizable:not-linearizable"},
	"state_survives_rolling_upgrade_and_rollback@new-wal-format":         {"assertion:n"}, // version 1 cannot read version 2's WAL records
	"transfers_apply_exactly_once_under_retries@ledger-no-idempotency":   {"anomaly:ledger:duplicate-apply", "anomaly:ledger:stale-read", "anomaly:ledger:invalid-balance"},
}

func expected(scenarioName, anomaly string) bool {
	for _, p := range bugAnomalies[scenarioName] {
		if strings.HasPrefix(anomaly, p) {
			return true
		}
	}
	return false
}

// TestCorpus shows faultline finding every known bug of the reference
// systems as FAIL-reproducible with SUT blame and the anomaly the bug
// causes (bugAnomalies), and the correct systems passing the same
// scenarios: PASS-smoke or PASS-hardening, or INCONCLUSIVE within the
// measured shares above; never FAIL or PARTIAL.
func TestCorpus(t *testing.T) {
	r := reference.Registry()
	n := corpusSeeds()
	filter := os.Getenv("FAULTLINE_CORPUS_FILTER")
	var rows []string
	var correctRuns, correctInconclusive int
	for _, s := range r.Scenarios() {
		if filter != "" && !strings.Contains(s.Name, filter) {
			continue
		}
		s := s
		known := len(s.Bugs) > 0
		if known && bugAnomalies[s.Name] == nil {
			t.Errorf("%s: a known-bug scenario missing from bugAnomalies", s.Name)
			continue
		}
		counts := map[scenario.Verdict]int{}
		t.Run(s.Name, func(t *testing.T) {
			first, fails := 0, 0
			for seed := uint64(1); seed <= uint64(n); seed++ {
				res, err := r.Run(s, seed, scenario.RunOptions{})
				if err != nil {
					t.Fatal(err)
				}
				counts[res.Verdict]++
				switch {
				case res.Verdict.IsFail():
					fails++
					if first == 0 {
						first = int(seed)
					}
					if !known {
						t.Errorf("seed %d: the correct system failed: %s %s: %s", seed, res.Verdict, res.Blame, res.Reason)
					} else if res.Verdict != scenario.FailReproducible || res.Blame != scenario.BlameSUT || !expected(s.Name, res.Anomaly) {
						t.Errorf("seed %d: %s with blame %q and anomaly %q, want FAIL-reproducible blamed on the SUT with one of %v: %s",
							seed, res.Verdict, res.Blame, res.Anomaly, bugAnomalies[s.Name], res.Reason)
					}
				case known:
				case strings.HasPrefix(string(res.Verdict), "INCONCLUSIVE"):
				case res.Verdict != scenario.PassSmoke && res.Verdict != scenario.PassHardening:
					t.Errorf("seed %d: the correct system got %s, want a PASS: %s", seed, res.Verdict, res.Reason)
				}
				if known && first != 0 && n <= 12 {
					break // found; the short run stops here
				}
			}
			if known && first == 0 {
				t.Errorf("bug %v not found in %d seeds", s.Bugs, n)
			}
			if !known {
				inc := inconclusive(counts)
				correctRuns += n
				correctInconclusive += inc
				if float64(inc) > max(maxScenarioInconclusiveShare*float64(n), 1) {
					t.Errorf("%d of %d seeds INCONCLUSIVE, more than %.0f%% (or one seed): %s", inc, n, 100*maxScenarioInconclusiveShare, verdicts(counts))
				}
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %d | %d of %d | %s |", s.Name, s.System, strings.Join(s.Bugs, ", "), s.Checker, first, fails, n, verdicts(counts)))
		})
	}
	if float64(correctInconclusive) > maxInconclusiveShare*float64(correctRuns) {
		t.Errorf("correct scenarios: %d of %d runs INCONCLUSIVE, more than %.0f%%", correctInconclusive, correctRuns, 100*maxInconclusiveShare)
	}
	t.Logf("correct scenarios: %d of %d runs INCONCLUSIVE (allowed: %.0f%%)", correctInconclusive, correctRuns, 100*maxInconclusiveShare)
	if testing.Verbose() {
		sort.Strings(rows)
		fmt.Printf("| scenario | system | bug | checker | first failing seed | seeds failing | verdicts |\n| --- | --- | --- | --- | --- | --- | --- |\n%s\n", strings.Join(rows, "\n"))
	}
}

func inconclusive(c map[scenario.Verdict]int) int {
	n := 0
	for v, k := range c {
		if strings.HasPrefix(string(v), "INCONCLUSIVE") {
			n += k
		}
	}
	return n
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

// TestRolesOffPlan: docs/roles-off.md, the plan docs/BUGS.md compares
// role targeting on and off with, parses against the registry, and each of
// its scenarios is a known-bug scenario with role targeting off.
func TestRolesOffPlan(t *testing.T) {
	f, err := os.Open("../../docs/roles-off.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, err := reference.Registry().ParsePlan(f, "docs/roles-off.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 {
		t.Fatal("no scenarios")
	}
	for _, p := range ps {
		s := p.Scenario
		if !s.Nemesis.NoRoles || len(s.Nemesis.Budget.Roles) != 0 {
			t.Errorf("%s: role targeting not off: NoRoles %v, Roles %v", s.Name, s.Nemesis.NoRoles, s.Nemesis.Budget.Roles)
		}
		if len(s.Bugs) == 0 {
			t.Errorf("%s: not a known-bug scenario", s.Name)
		}
	}
}

// TestPartitionsOutlastTheClientTimeout: with its fault durations left
// to their defaults, a scenario's generated partitions last at least the
// client timeout (and two think times), unless the fault window ends
// first: a shorter cut meets only operations already waiting out an
// earlier fault. A scenario that sets its durations gets what it set.
func TestPartitionsOutlastTheClientTimeout(t *testing.T) {
	r := reference.Registry()
	s, err := r.Scenario(reference.Default)
	if err != nil {
		t.Fatal(err)
	}
	timeout := s.Workload.Timeout
	if timeout == 0 {
		timeout = workloads.DefaultTimeout
	}
	cuts, short := 0, 0
	for seed := uint64(1); seed <= 30; seed++ {
		res, err := r.Run(s, seed, scenario.RunOptions{NoRerun: true})
		if err != nil {
			t.Fatal(err)
		}
		var last clock.Time
		for _, f := range res.Schedule {
			last = max(last, f.End)
		}
		for _, f := range res.Schedule {
			if f.Kind != nemesis.Partition {
				continue
			}
			cuts++
			if d := time.Duration(f.End - f.Start); d < timeout {
				t.Errorf("seed %d: partition %s lasts %v, less than the client timeout %v (the last fault ends at %v)", seed, f.ID, d, timeout, last)
			}
		}
	}
	set := s
	set.Nemesis.Budget.MinDuration, set.Nemesis.Budget.MaxDuration = 50*time.Millisecond, 100*time.Millisecond
	for seed := uint64(1); seed <= 10; seed++ {
		res, err := r.Run(set, seed, scenario.RunOptions{NoRerun: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Schedule {
			if f.Kind == nemesis.Partition && time.Duration(f.End-f.Start) <= 100*time.Millisecond {
				short++
			}
		}
	}
	if cuts == 0 || short == 0 {
		t.Fatalf("%d partitions with default durations, %d short ones with durations set: the test does not reach both", cuts, short)
	}
}
