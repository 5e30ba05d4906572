// Package reference is faultline's built-in catalogue: the reference
// systems under test (raftkv on etcd raft, the in-memory memstore) and the
// scenarios that exercise them, correct and with known bugs. It is what
// `faultline` runs when no other scenarios are named, and what the tests
// use to show every bug class being caught.
//
// A known-bug variant of a scenario is named "<claim scenario>@<bug>": the
// same claim, workload and nemesis, against the system with one mistake
// switched on.
package reference

import (
	"fmt"
	"strconv"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/examples/pbkv"
	"github.com/faultline-dst/faultline/examples/raftkv"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// Default is the scenario faultline runs when none is named: raftkv's
// key-value store, linearizable under partitions and crashes.
const Default = "kv_linearizable_under_partitions_and_crashes"

// Registry returns a new registry holding the reference systems and
// scenarios. Each call builds a fresh one; nothing is shared.
func Registry() *scenario.Registry {
	var r scenario.Registry
	for _, s := range []scenario.System{raftkvSystem(), pbkvSystem(), memstoreSystem()} {
		if err := r.AddSystem(s); err != nil {
			panic(err) // a bug in this file
		}
	}
	for _, s := range Scenarios() {
		if err := r.AddScenario(s); err != nil {
			panic(err)
		}
	}
	return &r
}

// openingBalance is every ledger account's opening balance.
const openingBalance = 100

func ledgerTune(accounts int) func(*checkers.Options) {
	return func(o *checkers.Options) {
		if o.InitialBalances == nil {
			o.InitialBalances = map[string]int64{}
		}
		for _, a := range workloads.KeyNames(history.Ledger, accounts) {
			o.InitialBalances[a] = openingBalance
		}
	}
}

// referenceDriftBound is the clock drift bound (ρ) of the reference
// systems' leases and of the lease scenarios' budgets: 20%, large enough
// that a lease without a drift margin overlaps its successor.
const referenceDriftBound = 0.2

func raftkvSystem() scenario.System {
	var bugs []scenario.Bug
	for _, b := range raftkv.Catalog() {
		bugs = append(bugs, scenario.Bug{Name: b.Name, Claim: b.Claim, Fault: b.Fault})
	}
	return scenario.System{
		Name:    "raftkv",
		Summary: "a replicated state machine on go.etcd.io/raft/v3 v3.6.0 for every model (ReadIndex reads)",
		Models: []history.Model{history.KV, history.Register, history.Set, history.Counter, history.Queue,
			history.Log, history.Lock, history.Lease, history.Ledger},
		Faults:       []nemesis.Kind{nemesis.Partition, nemesis.Crash, nemesis.Pause, nemesis.ClockOffset, nemesis.ClockDrift, nemesis.ClockJump, nemesis.Clog, nemesis.Loss, nemesis.Duplicate, nemesis.Reorder, nemesis.Upgrade, nemesis.Disk},
		Roles:        []string{"leader"}, // raft's soft state (node.go)
		Bugs:         bugs,
		DefaultNodes: 3,
		Options: map[string]string{
			"snapshot_entries": "how many applied entries trigger a snapshot (default 100; -1: never)",
		},
		// A bug of snapshots needs as many writes as the interval: a
		// person shrinking its reproducer would lower it.
		Shrinkable: []scenario.Shrinkable{{Option: "snapshot_entries", Values: []string{"5", "10", "20", "50"}}},
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			snapshots := 100
			if v, ok := b.Options["snapshot_entries"]; ok {
				n, err := strconv.Atoi(v)
				if err != nil || n == 0 || n < -1 {
					return scenario.Cluster{}, fmt.Errorf("snapshot_entries: %q is not a positive count or -1", v)
				}
				snapshots = n
			}
			cfg := raftkv.Config{Nodes: b.Nodes, Bugs: b.Bugs, SnapshotEntries: snapshots,
				Lease: raftkv.LeaseConfig{DriftBound: referenceDriftBound}}
			cfg.Ledger.Opening = map[string]int64{}
			for _, a := range workloads.KeyNames(history.Ledger, 3) {
				cfg.Ledger.Opening[a] = openingBalance
			}
			specs, err := raftkv.NodeSpecs(cfg)
			if err != nil {
				return scenario.Cluster{}, err
			}
			// The replicas run version 1; upgrades restart them from
			// version 2 and roll them back (Config.Version).
			f, _ := raftkv.New(cfg)
			cfg.Version = 2
			f2, err := raftkv.New(cfg)
			if err != nil {
				return scenario.Cluster{}, err
			}
			return scenario.Cluster{
				Nodes:      specs,
				Factories:  map[string]sim.Factory{"v1": f, "v2": f2},
				StartAfter: 300 * time.Millisecond,
				Tune:       ledgerTune(3),
			}, nil
		},
	}
}

func pbkvSystem() scenario.System {
	var bugs []scenario.Bug
	for _, b := range pbkv.Catalog() {
		bugs = append(bugs, scenario.Bug{Name: b.Name, Claim: b.Claim, Fault: b.Fault})
	}
	return scenario.System{
		Name:         "pbkv",
		Summary:      "a primary-backup key-value store with a view manager and leases (not raft)",
		Models:       []history.Model{history.KV, history.Register},
		Faults:       []nemesis.Kind{nemesis.Partition, nemesis.Crash, nemesis.Pause, nemesis.ClockDrift, nemesis.Clog, nemesis.Loss},
		Roles:        []string{"primary"}, // the view a replica knows (replica.go)
		Bugs:         bugs,
		DefaultNodes: 3,
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			cfg := pbkv.Config{Replicas: b.Nodes, Bugs: b.Bugs}
			specs, err := pbkv.NodeSpecs(cfg)
			if err != nil {
				return scenario.Cluster{}, err
			}
			replicas := pbkv.Replicas(cfg)
			return scenario.Cluster{Nodes: specs, Targets: replicas, FaultTargets: replicas, StartAfter: 200 * time.Millisecond}, nil
		},
	}
}

func memstoreSystem() scenario.System {
	return scenario.System{
		Name:    "memstore",
		Summary: "an in-memory single-leader store for every model; fast, not durable",
		Models:  []history.Model{history.KV, history.Register, history.Set, history.Counter, history.Queue, history.Log, history.Lock, history.Lease, history.Ledger},
		Faults:  []nemesis.Kind{nemesis.Partition, nemesis.Pause, nemesis.Clog, nemesis.Loss, nemesis.Duplicate, nemesis.Reorder, nemesis.ClockDrift, nemesis.ClockJump, nemesis.ClockOffset},
		Bugs: []scenario.Bug{
			{Name: string(memstore.BugDropWrites), Claim: "acknowledged writes are visible", Fault: "none needed"},
			{Name: string(memstore.BugLoseEnqueue), Claim: "acknowledged enqueues are delivered", Fault: "none needed"},
			{Name: string(memstore.BugDoubleApply), Claim: "transfers apply exactly once", Fault: "none needed"},
			{Name: string(memstore.BugStaleToken), Claim: "fencing tokens increase", Fault: "none needed"},
		},
		DefaultNodes: 1,
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			if len(b.Bugs) > 1 {
				return scenario.Cluster{}, fmt.Errorf("memstore takes at most one bug, got %v", b.Bugs)
			}
			cfg := memstore.Config{Leader: "n1", InitialBalances: map[string]int64{}}
			for _, a := range workloads.KeyNames(history.Ledger, 3) {
				cfg.InitialBalances[a] = openingBalance
			}
			if len(b.Bugs) == 1 {
				cfg.Bug = memstore.Bug(b.Bugs[0])
			}
			f := memstore.New(cfg)
			var nodes []sim.NodeSpec
			for i := 1; i <= b.Nodes; i++ {
				nodes = append(nodes, sim.NodeSpec{Name: fmt.Sprintf("n%d", i), Factory: f})
			}
			return scenario.Cluster{Nodes: nodes, Targets: []string{"n1"}, Tune: ledgerTune(3)}, nil
		},
	}
}

// links is the reference network: 1ms links.
func links() netsim.Config {
	return netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: time.Millisecond, Max: time.Millisecond}}}
}

func kvWorkload() workloads.Config {
	return workloads.Config{Clients: 5, OpsPerClient: 100, Keys: 5, Timeout: 500 * time.Millisecond, Targeting: workloads.TargetSticky}
}

func budget(maxDown int, kinds ...nemesis.Kind) scenario.NemesisSpec {
	return scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: kinds, MaxDown: maxDown, MaxFaults: 6}}
}

// Scenarios returns the reference scenarios, correct and known-bug
// variants.
func Scenarios() []scenario.Scenario {
	kv := func(name string, claim scenario.Claim, nem scenario.NemesisSpec, bugs ...string) scenario.Scenario {
		return scenario.Scenario{
			Name: name, Claim: claim, System: "raftkv", Bugs: bugs,
			Model: history.KV, Checker: "linearizable",
			Workload: kvWorkload(), Nemesis: nem, Net: links(),
			Disk:    disk.Config{Crash: disk.LoseUnsynced},
			SimTime: 15 * time.Second, MaxEvents: 200_000, Seeds: 1000,
		}
	}
	c1 := scenario.Claim{IDs: []string{"C1"}, Text: "the key-value store is linearizable with at most one replica down or partitioned away", Kind: "safety"}
	c2 := scenario.Claim{IDs: []string{"C2"}, Text: "an acknowledged write survives crashes of every replica with loss of unsynced data", Kind: "durability"}
	c3 := scenario.Claim{IDs: []string{"C3"}, Text: "reads are linearizable while a replica is partitioned away", Kind: "safety"}
	c4 := scenario.Claim{IDs: []string{"C4"}, Text: "a replica restarted after a crash rebuilds its state from its disk", Kind: "durability"}
	c5 := scenario.Claim{IDs: []string{"C5"}, Text: "each ledger transfer applies exactly once, money is conserved and no balance drops below its floor", Kind: "idempotency"}
	c6 := scenario.Claim{IDs: []string{"C6"}, Text: "the key-value store is linearizable; smoke run without faults", Kind: "safety"}

	crashAll := budget(3, nemesis.Crash)
	out := []scenario.Scenario{
		kv(Default, c1, budget(1, nemesis.Partition, nemesis.Crash)),
		kv("kv_linearizable_under_swarm_faults", c1, scenario.NemesisSpec{Swarm: true, Budget: nemesis.Budget{MaxDown: 1,
			Kinds: []nemesis.Kind{nemesis.Partition, nemesis.Crash, nemesis.Pause, nemesis.ClockDrift, nemesis.Clog, nemesis.Loss, nemesis.Duplicate, nemesis.Reorder}}}),
		kv("acked_writes_survive_crash_with_fsync_loss", c2, crashAll),
		kv("acked_writes_survive_crash_with_fsync_loss@"+raftkv.BugAckBeforeSync, c2, crashAll, raftkv.BugAckBeforeSync),
		kv("reads_linearizable_under_partition", c3, budget(1, nemesis.Partition)),
		kv("reads_linearizable_under_partition@"+raftkv.BugStaleRead, c3, budget(1, nemesis.Partition), raftkv.BugStaleRead),
		kv("state_rebuilt_from_disk_after_crash", c4, crashAll),
		kv("state_rebuilt_from_disk_after_crash@"+raftkv.BugSnapshotNoDirSync, c4, crashAll, raftkv.BugSnapshotNoDirSync),
	}
	model := func(name string, claim scenario.Claim, m history.Model, checker string, w workloads.Config, nem scenario.NemesisSpec, bugs ...string) scenario.Scenario {
		s := kv(name, claim, nem, bugs...)
		s.Model, s.Checker, s.Workload = m, checker, w
		if checkers.NeedsDelivery(checker) {
			s.Options.Delivery = checkers.ExactlyOnce // C9, C11: never delivered or stored twice
		}
		return s
	}
	clients := func(n int) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprintf("client%d", i))
		}
		return out
	}
	c7 := scenario.Claim{IDs: []string{"C7"}, Text: "the protected resource never accepts a fencing token older than one it accepted", Kind: "safety"}
	c8 := scenario.Claim{IDs: []string{"C8"}, Text: "no two clients hold a lease at once while clocks stay within the drift bound", Kind: "safety"}
	c9 := scenario.Claim{IDs: []string{"C9"}, Text: "each enqueued item is delivered at most once and none acknowledged is lost", Kind: "ordering"}
	c10 := scenario.Claim{IDs: []string{"C10"}, Text: "an acknowledged write survives the primary's failure", Kind: "durability"}
	// Locks: clients holding a lock are paused past its TTL.
	lockW := workloads.Config{Clients: 3, OpsPerClient: 60, Keys: 1, Timeout: 500 * time.Millisecond, Targeting: workloads.TargetSticky}
	lockNem := scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Pause}, MaxDown: 1, MaxFaults: 6, Targets: clients(3), MinDuration: 1500 * time.Millisecond, MaxDuration: 2500 * time.Millisecond}}
	// Leases: replicas' clocks run fast, within the drift bound.
	leaseW := workloads.Config{Clients: 3, OpsPerClient: 200, Keys: 1, ThinkTime: 40 * time.Millisecond, LeaseTerm: 100 * time.Millisecond, Mix: map[string]int{"renew": 3, "release": 1}}
	// Every replica's clock runs fast at the drift bound for most of the
	// run: an explicit schedule, the strongest drift the claim allows.
	leaseNem := scenario.NemesisSpec{
		Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.ClockDrift}, MaxDown: 3, MaxDriftPPM: int64(referenceDriftBound * 1e6)},
		Schedule: nemesis.Schedule{{ID: "f1", Kind: nemesis.ClockDrift, Nodes: []string{"n1", "n2", "n3"},
			PPM: int64(referenceDriftBound * 1e6), Start: clock.Time(2 * time.Second), End: clock.Time(7 * time.Second)}},
	}
	// Queues: the leader is cut off or crashed while removals are pending.
	queueW := workloads.Config{Clients: 4, OpsPerClient: 60, Keys: 2, Timeout: 500 * time.Millisecond, Targeting: workloads.TargetSticky}
	queueNem := budget(1, nemesis.Partition, nemesis.Crash)
	// Ledger: duplicated client requests and retries with the same key.
	ledgerW := workloads.Config{Clients: 4, OpsPerClient: 50, Keys: 3, Retries: 2, Timeout: 300 * time.Millisecond, Targeting: workloads.TargetSticky}
	ledgerNem := scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Duplicate, nemesis.Partition}, MaxDown: 1, MaxFaults: 6, MaxNetP: 0.5,
		Targets: append([]string{"n1", "n2", "n3"}, clients(4)...), Roles: []string{"leader"}}}
	out = append(out,
		model("fencing_tokens_reject_stale_holders", c7, history.Lock, "lock", lockW, lockNem),
		model("fencing_tokens_reject_stale_holders@"+raftkv.BugLockNoFencing, c7, history.Lock, "lock", lockW, lockNem, raftkv.BugLockNoFencing),
		model("leases_never_overlap_under_clock_drift", c8, history.Lease, "lease", leaseW, leaseNem),
		model("leases_never_overlap_under_clock_drift@"+raftkv.BugLeaseNoDriftMargin, c8, history.Lease, "lease", leaseW, leaseNem, raftkv.BugLeaseNoDriftMargin),
		model("queue_items_delivered_once_under_leader_loss", c9, history.Queue, "queue", queueW, queueNem),
		model("queue_items_delivered_once_under_leader_loss@"+raftkv.BugDequeueBeforeCommit, c9, history.Queue, "queue", queueW, queueNem, raftkv.BugDequeueBeforeCommit),
		model("transfers_apply_exactly_once_under_retries", c5, history.Ledger, "ledger", ledgerW, ledgerNem),
		model("transfers_apply_exactly_once_under_retries@"+raftkv.BugLedgerNoIdempotency, c5, history.Ledger, "ledger", ledgerW, ledgerNem, raftkv.BugLedgerNoIdempotency),
	)
	// The other models under partitions, crashes with fsync loss and drift.
	c11 := scenario.Claim{IDs: []string{"C11"}, Text: "acknowledged log appends survive, offsets are unique and increasing, readers see prefixes", Kind: "durability"}
	c12 := scenario.Claim{IDs: []string{"C12"}, Text: "no acknowledged set add is lost", Kind: "durability"}
	c13 := scenario.Claim{IDs: []string{"C13"}, Text: "counter reads stay within what acknowledged and uncertain increments allow", Kind: "safety"}
	mixed := budget(1, nemesis.Partition, nemesis.Crash, nemesis.ClockDrift)
	other := workloads.Config{Clients: 4, OpsPerClient: 60, Keys: 3, Timeout: 500 * time.Millisecond, Targeting: workloads.TargetSticky}
	out = append(out,
		model("log_appends_survive_partitions_and_crashes", c11, history.Log, "log", other, mixed),
		model("set_adds_survive_partitions_and_crashes", c12, history.Set, "set", other, mixed),
		model("counter_reads_in_bounds_under_partitions_and_crashes", c13, history.Counter, "counter", other, mixed),
	)
	// Faults that must aim: bugs only a fault on the leader (or on its
	// clock) exposes, under generated faults. Partitions around the
	// leader that leave clients reaching it, with its clock running up to
	// 100x slow (a clock that stalls, as a VM's can); clients spread their
	// requests over the replicas, so that some reach a leader cut off
	// from its peers while others reach the new one.
	isolation := scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Partition, nemesis.ClockDrift}, MaxDown: 1, MaxFaults: 8,
		MinDuration: time.Second, MaxDuration: 3 * time.Second,
		MaxDriftPPM: 990_000, DriftDirection: nemesis.DriftSlow,
		Shapes: []nemesis.Shape{nemesis.Isolate, nemesis.Minority, nemesis.Halves, nemesis.MajorityMinority}}}
	c14 := scenario.Claim{IDs: []string{"C14"}, Text: "reads are linearizable while the leader is cut off from its peers and its clock runs slow", Kind: "safety"}
	spread := kvWorkload()
	spread.Clients, spread.OpsPerClient, spread.Targeting = 10, 50, workloads.TargetRandom
	isolated := func(bugs ...string) scenario.Scenario {
		name := "reads_linearizable_under_leader_isolation"
		if len(bugs) > 0 {
			name += "@" + bugs[0]
		}
		s := kv(name, c14, isolation, bugs...)
		s.Workload = spread
		return s
	}
	// One replica cut off from its peers, once a run; clients still reach
	// it. Aimed, the partition isolates the leader.
	c18 := scenario.Claim{IDs: []string{"C18"}, Text: "reads are linearizable while one replica is cut off from its peers", Kind: "safety"}
	single := scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Partition}, MaxFaults: 1, MinDuration: time.Second, MaxDuration: 3 * time.Second,
		Shapes: []nemesis.Shape{nemesis.Isolate}}}
	oneCut := func(bugs ...string) scenario.Scenario {
		name := "reads_linearizable_while_one_replica_is_cut_off"
		if len(bugs) > 0 {
			name += "@" + bugs[0]
		}
		s := kv(name, c18, single, bugs...)
		s.Workload.Targeting = workloads.TargetRandom
		return s
	}
	// Wall clocks stepped forward and back by up to 2s.
	steps := scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.ClockJump, nemesis.ClockOffset}, MaxDown: 1, MaxFaults: 6,
		MaxJump: 2 * time.Second, MaxOffset: 2 * time.Second, MaxDriftPPM: int64(referenceDriftBound * 1e6)}}
	c15 := scenario.Claim{IDs: []string{"C15"}, Text: "no two clients hold a lease at once while wall clocks are stepped", Kind: "safety"}
	out = append(out,
		isolated(),
		isolated(raftkv.BugLeaseRead),
		oneCut(), oneCut(raftkv.BugLeaderRead),
		model("leases_never_overlap_under_clock_steps", c15, history.Lease, "lease", leaseW, steps),
		model("leases_never_overlap_under_clock_steps@"+raftkv.BugLeaseWallClock, c15, history.Lease, "lease", leaseW, steps, raftkv.BugLeaseWallClock),
		kv(Default+"@"+raftkv.BugAckOnAppend, c1, budget(1, nemesis.Partition, nemesis.Crash), raftkv.BugAckOnAppend),
	)
	pb := func(name string, bugs ...string) scenario.Scenario {
		s := kv(name, c10, budget(1, nemesis.Crash, nemesis.Partition), bugs...)
		s.System = "pbkv"
		s.Failover = true
		return s
	}
	out = append(out, pb("acked_writes_survive_primary_failover"), pb("acked_writes_survive_primary_failover@"+pbkv.BugAsyncReplication, pbkv.BugAsyncReplication))
	// The primary cut off from the view manager and its backups while
	// clients still reach it: the view manager is a fault target too (its
	// links, never its process), and partitions are placed around the
	// primary.
	c16 := scenario.Claim{IDs: []string{"C16"}, Text: "reads are linearizable while the primary is cut off from the view manager and its backups", Kind: "safety"}
	cutOff := scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Partition}, MaxFaults: 3,
		Targets: append([]string{pbkv.ViewManager}, pbkv.Replicas(pbkv.Config{})...), Roles: []string{"primary"},
		Shapes: []nemesis.Shape{nemesis.Isolate, nemesis.Minority, nemesis.MajorityMinority}}}
	primaryCut := func(bugs ...string) scenario.Scenario {
		name := "reads_linearizable_while_primary_cut_off"
		if len(bugs) > 0 {
			name += "@" + bugs[0]
		}
		s := kv(name, c16, cutOff, bugs...)
		s.System = "pbkv"
		return s
	}
	out = append(out, primaryCut(), primaryCut(pbkv.BugReadWithoutLease))
	// A rolling upgrade: replicas restarted one at a time from version 2,
	// and rolled back to version 1, keeping their disks.
	c17 := scenario.Claim{IDs: []string{"C17"}, Text: "through a rolling upgrade to version 2 and rollbacks to version 1, one replica at a time, the store stays linearizable and every replica rebuilds its state from its disk", Kind: "durability"}
	rolling := scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Upgrade}, MaxDown: 1, MaxFaults: 4, Upgrades: []string{"v2", "v1"}}}
	out = append(out,
		kv("state_survives_rolling_upgrade_and_rollback", c17, rolling),
		kv("state_survives_rolling_upgrade_and_rollback@"+raftkv.BugNewWALFormat, c17, rolling, raftkv.BugNewWALFormat))
	smoke := kv("kv_linearizable_smoke", c6, scenario.NemesisSpec{None: true})
	smoke.Seeds = 10
	out = append(out, smoke)
	mem := func(name string, model history.Model, checker string, bug memstore.Bug) scenario.Scenario {
		s := scenario.Scenario{
			Name: name, Claim: scenario.Claim{IDs: []string{"M1"}, Text: "memstore keeps the " + string(model) + " model's promises under pauses", Kind: "safety"},
			System: "memstore", Model: model, Checker: checker,
			Workload: workloads.Config{Clients: 3, OpsPerClient: 30, Keys: 3, Timeout: 200 * time.Millisecond},
			Nemesis:  budget(1, nemesis.Pause), Net: links(), SimTime: 3 * time.Second, Seeds: 100,
		}
		if checkers.NeedsDelivery(checker) {
			s.Options.Delivery = checkers.ExactlyOnce
		}
		if bug != "" {
			s.Name += "@" + string(bug)
			s.Bugs = []string{string(bug)}
		}
		return s
	}
	out = append(out,
		mem("memstore_kv_linearizable_under_pauses", history.KV, "linearizable", ""),
		mem("memstore_kv_linearizable_under_pauses", history.KV, "linearizable", memstore.BugDropWrites),
		mem("memstore_queue_delivers_under_pauses", history.Queue, "queue", ""),
		mem("memstore_queue_delivers_under_pauses", history.Queue, "queue", memstore.BugLoseEnqueue),
		mem("memstore_transfers_apply_once_under_pauses", history.Ledger, "ledger", ""),
		mem("memstore_transfers_apply_once_under_pauses", history.Ledger, "ledger", memstore.BugDoubleApply),
		mem("memstore_fencing_tokens_increase_under_pauses", history.Lock, "lock", ""),
		mem("memstore_fencing_tokens_increase_under_pauses", history.Lock, "lock", memstore.BugStaleToken),
	)
	return out
}
