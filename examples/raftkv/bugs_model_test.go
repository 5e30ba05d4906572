package raftkv

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// bugCase is a targeted test of one bug variant: the same seeds and the
// same faults run against the correct system, which must pass, and the
// variant, whose checker must find the anomaly the catalog promises on at
// least minFound of the seeds.
type bugCase struct {
	bug      string
	seeds    int
	minFound int
	spec     func(seed uint64, bugs []string) wlSpec
	opts     checkers.Options
	want     string // the violation kind the checker must report
	// exercised, when set, checks that a correct run took the path the
	// bug breaks (so that its passing means something).
	exercised func(r *wlRun) bool
}

func (bc bugCase) run(t *testing.T) {
	t.Helper()
	info := catalogEntry(t, bc.bug)
	found, exercised := 0, 0
	for seed := uint64(1); seed <= uint64(bc.seeds); seed++ {
		good := runWorkload(t, bc.spec(seed, nil))
		wantOKResult(t, fmt.Sprintf("seed %d: correct system", seed), good.check(info.Checker, bc.opts))
		if bc.exercised != nil && bc.exercised(good) {
			exercised++
		}
		bad := runWorkload(t, bc.spec(seed, []string{bc.bug}))
		res := bad.check(info.Checker, bc.opts)
		switch {
		case res.Outcome == checkers.Anomaly && kinds(res)[bc.want]:
			found++
			t.Logf("seed %d: %s: %s checker: %s", seed, bc.bug, res.Checker, firstOf(res, bc.want))
		case res.Outcome == checkers.Unknown:
			t.Errorf("seed %d: %s: %s checker undecided: %s %s", seed, bc.bug, res.Checker, res.Kind, res.Explanation)
		default:
			t.Logf("seed %d: %s: %s checker answered %s %s, not %s", seed, bc.bug, res.Checker, res.Outcome, res.Kind, bc.want)
		}
	}
	if found < bc.minFound {
		t.Errorf("%s: the %s checker found %s on %d of %d seeds, want at least %d", bc.bug, info.Checker, bc.want, found, bc.seeds, bc.minFound)
	}
	if bc.exercised != nil && exercised == 0 {
		t.Errorf("%s: no correct run exercised the path the bug breaks", bc.bug)
	}
}

func catalogEntry(t *testing.T, name string) BugInfo {
	for _, b := range Catalog() {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("bug %q not in the catalog", name)
	return BugInfo{}
}

func firstOf(res checkers.Result, kind string) string {
	for _, v := range res.Violations {
		if v.Kind == kind {
			return v.Kind + ": " + v.Explanation
		}
	}
	return ""
}

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	for i, b := range Catalog() {
		if i > 0 && Catalog()[i-1].Name >= b.Name {
			t.Errorf("catalog not sorted at %s", b.Name)
		}
		if b.Claim == "" || b.Fault == "" || history.OpTypes(b.Model) == nil {
			t.Errorf("%s: incomplete: %+v", b.Name, b)
		}
		if b.Checker != "" {
			c, err := checkers.Lookup(b.Checker)
			if err != nil {
				t.Errorf("%s: %v", b.Name, err)
			} else if !contains(c.Models, b.Model) {
				t.Errorf("%s: checker %s does not judge model %s", b.Name, b.Checker, b.Model)
			}
		}
		seen[b.Name] = true
	}
	if len(seen) != 12 {
		t.Errorf("%d bugs in the catalog, want 12", len(seen))
	}
}

func contains[T comparable](list []T, x T) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// TestBugLedgerNoIdempotency: the network duplicates client requests to
// the replicas, so the leader proposes some transfers twice; the correct
// ledger answers the second {"applied": false}, the variant applies it
// again and the balances show it.
func TestBugLedgerNoIdempotency(t *testing.T) {
	bugCase{
		bug: BugLedgerNoIdempotency, seeds: 3, minFound: 3, want: "duplicate-apply",
		opts: checkers.Options{InitialBalances: ledgerOpening(3)},
		spec: func(seed uint64, bugs []string) wlSpec {
			return wlSpec{
				seed: seed,
				cfg:  Config{Ledger: LedgerConfig{Opening: ledgerOpening(3)}, Bugs: bugs},
				wl:   workloads.Config{Model: history.Ledger, Clients: 3, OpsPerClient: 40, Keys: 3, Retries: 2},
				setup: func(r *wlRun) {
					r.w.At(clock.Time(400*ms), "duplicate requests", func(w *sim.World) {
						links := netsim.OneWay(r.netIndices(r.wl.Clients()), r.netIndices([]string{"n1", "n2", "n3"}))
						r.must(w.InstallNetFault("dup", netsim.Fault{Kind: netsim.Duplicate, Links: links, P: 0.05}))
					})
				},
			}
		},
	}.run(t)
}

// TestBugLockNoFencing: each client in turn is paused past the lock's TTL
// (a GC pause) while it may hold the lock; others take it over, and the
// paused holder writes with its stale token when it resumes. The correct
// resource refuses the stale token; the variant accepts it.
func TestBugLockNoFencing(t *testing.T) {
	bugCase{
		bug: BugLockNoFencing, seeds: 3, minFound: 3, want: "stale-token-accepted",
		spec: func(seed uint64, bugs []string) wlSpec {
			return wlSpec{
				seed: seed,
				cfg:  Config{LockTTL: 50 * ms, Bugs: bugs},
				wl:   workloads.Config{Model: history.Lock, Clients: 3, OpsPerClient: 60, Keys: 1, ThinkTime: 5 * ms},
				setup: func(r *wlRun) {
					clients := r.wl.Clients()
					for i := 0; i < 6; i++ {
						c := clients[i%len(clients)]
						at := clock.Time(400*ms + time.Duration(i)*150*ms)
						r.w.At(at, "pause "+c, func(w *sim.World) {
							r.must(w.Pause(c))
							w.At(w.Now()+clock.Time(120*ms), "resume "+c, func(w *sim.World) { r.must(w.Resume(c)) })
						})
					}
				},
			}
		},
		exercised: func(r *wlRun) bool {
			for _, o := range r.wl.History().Ops {
				if o.OpType == "use" && o.Type == history.Fail && strings.Contains(o.Error, "stale token") {
					return true
				}
			}
			return false
		},
	}.run(t)
}

// leaseDrift makes every replica's clock run 20% fast (ρ = 0.2) from
// 300ms until 2.5s.
func leaseDrift() nemesis.Schedule {
	return nemesis.Schedule{{ID: "f1", Kind: nemesis.ClockDrift, Start: clock.Time(300 * ms), End: clock.Time(2500 * ms),
		Nodes: []string{"n1", "n2", "n3"}, PPM: 200_000}}
}

// leaseSpec is a lease workload on one key whose holders often let the
// lease run out (think times near the term) while others keep asking.
func leaseSpec(seed uint64, bugs []string, schedule nemesis.Schedule) wlSpec {
	return wlSpec{
		seed:     seed,
		cfg:      Config{Lease: LeaseConfig{DriftBound: 0.2}, Bugs: bugs},
		wl:       workloads.Config{Model: history.Lease, Clients: 3, OpsPerClient: 60, Keys: 1, ThinkTime: 40 * ms, LeaseTerm: 100 * ms, Mix: map[string]int{"renew": 3, "release": 1}},
		schedule: schedule,
		budget:   func(b *nemesis.Budget) { b.MaxDriftPPM = 200_000 },
	}
}

// TestBugLeaseNoDriftMargin: with the replicas' clocks running fast by
// the declared bound, a replica that trusts its clock frees a lease
// before its holder's validity ends and grants it to another client; the
// correct replica, which allows for its own drift, does not. Without the
// drift the variant passes too: the fault is what exposes it.
func TestBugLeaseNoDriftMargin(t *testing.T) {
	opts := checkers.Options{DriftBound: 0.2}
	bugCase{
		bug: BugLeaseNoDriftMargin, seeds: 3, minFound: 3, want: "lease-overlap", opts: opts,
		spec: func(seed uint64, bugs []string) wlSpec { return leaseSpec(seed, bugs, leaseDrift()) },
		exercised: func(r *wlRun) bool {
			// A lease changed hands: some acquire succeeded while another
			// client had held it without releasing.
			holder := map[string]int{}
			for _, o := range r.wl.History().Ops {
				if o.Type != history.OK {
					continue
				}
				switch o.OpType {
				case "acquire":
					if p, ok := holder[o.Key]; ok && p != o.Process {
						return true
					}
					holder[o.Key] = o.Process
				case "release":
					delete(holder, o.Key)
				}
			}
			return false
		},
	}.run(t)
	for seed := uint64(1); seed <= 2; seed++ {
		r := runWorkload(t, leaseSpec(seed, []string{BugLeaseNoDriftMargin}, nil))
		wantOKResult(t, fmt.Sprintf("seed %d: %s without drift", seed, BugLeaseNoDriftMargin), r.check("lease", opts))
	}
}

// TestBugDequeueBeforeCommit: the leader is cut off from the other
// replicas (clients still reach it) twice. The variant keeps answering
// dequeues from its own state until it steps down; those removals never
// commit and the next leader delivers the same items again. The correct
// leader's dequeues end unknown and no item is delivered twice.
func TestBugDequeueBeforeCommit(t *testing.T) {
	bugCase{
		bug: BugDequeueBeforeCommit, seeds: 3, minFound: 3, want: "duplicate-delivery",
		opts: checkers.Options{Delivery: checkers.ExactlyOnce},
		spec: func(seed uint64, bugs []string) wlSpec {
			return wlSpec{
				seed: seed,
				cfg:  Config{Bugs: bugs},
				wl:   workloads.Config{Model: history.Queue, Clients: 3, OpsPerClient: 80, Keys: 1, Mix: map[string]int{"enqueue": 1, "dequeue": 1}},
				setup: func(r *wlRun) {
					r.isolateLeader("p1", 600*ms, 400*ms)
					r.isolateLeader("p2", 1400*ms, 400*ms)
				},
			}
		},
	}.run(t)
}
