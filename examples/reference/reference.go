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
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/examples/memstore"
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
	for _, s := range []scenario.System{raftkvSystem(), memstoreSystem()} {
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

func raftkvSystem() scenario.System {
	var bugs []scenario.Bug
	for _, b := range raftkv.Bugs() {
		bugs = append(bugs, scenario.Bug{Name: b, Claim: raftkvClaims[b][0], Fault: raftkvClaims[b][1]})
	}
	return scenario.System{
		Name:         "raftkv",
		Summary:      "a replicated state machine on go.etcd.io/raft/v3 v3.6.0: kv (ReadIndex reads), ledger, lock",
		Models:       []history.Model{history.KV, history.Register, history.Ledger, history.Lock},
		Faults:       []nemesis.Kind{nemesis.Partition, nemesis.Crash, nemesis.Pause, nemesis.ClockOffset, nemesis.ClockDrift, nemesis.ClockJump, nemesis.Clog, nemesis.Loss, nemesis.Duplicate, nemesis.Reorder, nemesis.Upgrade, nemesis.Disk},
		Bugs:         bugs,
		DefaultNodes: 3,
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			cfg := raftkv.Config{Nodes: b.Nodes, Bugs: b.Bugs, SnapshotEntries: 100}
			accounts := workloads.KeyNames(history.Ledger, 3)
			cfg.Ledger.Opening = map[string]int64{}
			for _, a := range accounts {
				cfg.Ledger.Opening[a] = openingBalance
			}
			specs, err := raftkv.NodeSpecs(cfg)
			if err != nil {
				return scenario.Cluster{}, err
			}
			f, _ := raftkv.New(cfg)
			return scenario.Cluster{
				Nodes:      specs,
				Factories:  map[string]sim.Factory{"same": f},
				StartAfter: 300 * time.Millisecond,
				Tune:       ledgerTune(3),
			}, nil
		},
	}
}

// raftkvClaims gives each raftkv bug the claim it breaks and the fault
// that exposes it.
var raftkvClaims = map[string][2]string{
	raftkv.BugAckBeforeSync:     {"an acknowledged write survives a crash", "crash with fsync loss of the replicas holding it"},
	raftkv.BugStaleRead:         {"reads are linearizable", "a partition that isolates a replica or an old leader"},
	raftkv.BugSnapshotNoDirSync: {"a restarted node rebuilds its state from its disk", "a crash with fsync loss after a snapshot"},
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
			SimTime: 15 * time.Second, Seeds: 1000,
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
	smoke := kv("kv_linearizable_smoke", c6, scenario.NemesisSpec{None: true})
	smoke.Seeds = 10
	out = append(out, smoke)
	ledger := scenario.Scenario{
		Name: "transfers_apply_exactly_once_under_retries", Claim: c5, System: "raftkv",
		Model: history.Ledger, Checker: "ledger",
		Workload: workloads.Config{Clients: 4, OpsPerClient: 50, Keys: 3, Retries: 2, Timeout: 300 * time.Millisecond, Targeting: workloads.TargetSticky},
		Nemesis:  budget(1, nemesis.Partition, nemesis.Duplicate, nemesis.Crash),
		Net:      links(), SimTime: 10 * time.Second, Seeds: 1000,
	}
	out = append(out, ledger)
	mem := func(name string, model history.Model, checker string, bug memstore.Bug) scenario.Scenario {
		s := scenario.Scenario{
			Name: name, Claim: scenario.Claim{IDs: []string{"M1"}, Text: "memstore keeps the " + string(model) + " model's promises under pauses", Kind: "safety"},
			System: "memstore", Model: model, Checker: checker,
			Workload: workloads.Config{Clients: 3, OpsPerClient: 30, Keys: 3, Timeout: 200 * time.Millisecond},
			Nemesis:  budget(1, nemesis.Pause), Net: links(), SimTime: 3 * time.Second, Seeds: 100,
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
	)
	return out
}
