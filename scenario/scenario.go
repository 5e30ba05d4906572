package scenario

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// Claim is the promise a scenario tries to falsify.
type Claim struct {
	IDs  []string // C1, C2, ...
	Text string
	// Kind is safety, liveness, durability, idempotency, isolation,
	// ordering, membership or performance.
	Kind string
}

// Scenario binds one claim to a system, a workload, a nemesis and a
// checker. It is named after the claim, not after its set-up.
type Scenario struct {
	Name   string
	Claim  Claim
	System string   // a registered System
	Bugs   []string // the system's bug switches (a known-bug variant)
	Model  history.Model
	// Checker names the checker (checkers.Lookup, or one added to the
	// Registry); Options configure it.
	Checker string
	Options checkers.Options
	// History lists the fields the workload records; the others are
	// stripped before checking (a plan may declare less than the checker
	// needs, which makes the run INCONCLUSIVE-oracle-too-weak). Empty
	// means every field.
	History history.FieldSet
	Nodes   int // topology: SUT nodes (default: the system's)
	// SystemOptions configure the system for this scenario (Build.Options);
	// each key must be one of System.Options.
	SystemOptions map[string]string
	// Workload configures the clients; Targets, Adapter and Epoch are
	// filled in by the run. A zero ThinkTime is paced so that each client's
	// operations span the run up to a little past the fault window.
	Workload workloads.Config
	Nemesis  NemesisSpec
	Net      netsim.Config // zero: 1ms fixed links
	Disk     disk.Config
	// Disks give single nodes disk latencies other than Disk's (a slow
	// disk on one node); a node not listed has Disk's.
	Disks []NodeDisk
	// Clocks set nodes' clocks at boot (offset and drift); a node not
	// listed keeps the one its system gives it.
	Clocks []NodeClock
	// SimTime and MaxEvents are the run's deterministic budgets.
	SimTime   time.Duration
	MaxEvents int64
	Seeds     int // how many seeds a sweep runs by default
	// Failover marks a failover scenario: its claim is about the system
	// changing the node that serves writes (a new primary or leader). A
	// sweep of it must see more than one failover (Result.Failovers,
	// summed over the seeds), or its PASS proves nothing about failover.
	Failover bool
	// SelfTest breaks a harness invariant on purpose (sim.Config's
	// BreakInvariant), to test that faultline then blames itself.
	SelfTest string
}

// NodeClock is one node's clock at boot: an offset from true time and a
// drift rate in parts per million.
type NodeClock struct {
	Node     string
	Offset   time.Duration
	DriftPPM int64
}

// NodeDisk is one node's disk latencies where they differ from the
// scenario's Disk: each non-nil field replaces Disk's for that node, the
// others keep it. The node's disk draws them from its own latency stream,
// as every disk does.
type NodeDisk struct {
	Node                                   string
	SyncLatency, WriteLatency, ReadLatency *disk.Latency
}

// NoChecker is the checker name of a scenario that binds no model-level
// checker: only invariants and panics are watched (PARTIAL-surface).
const NoChecker = "none"

// NemesisSpec is a scenario's fault budget and how schedules are drawn.
type NemesisSpec struct {
	// Budget is the fault budget; its Targets default to the SUT nodes,
	// its Roles to the system's, and its window to where the workload's
	// plan has client operations in flight (see Scenario.budget).
	Budget nemesis.Budget
	// Swarm draws each seed's schedule with nemesis.Swarm instead of
	// nemesis.Generate.
	Swarm bool
	// Schedule, when set, replaces the generator: an explicit fault list
	// (the output of shrinking, or written by hand).
	Schedule nemesis.Schedule
	// Extend, with Schedule, draws generated faults too (nemesis.Extend):
	// the explicit faults and generated ones mix in one run.
	Extend bool
	// Jitter shifts each explicit fault's window by a seeded offset in
	// [-Jitter, Jitter] (nemesis.Jitter), so that a hand-aimed fault
	// explores the instants around the one written.
	Jitter time.Duration
	// NoRoles turns role targeting off: generated faults ignore the
	// roles the system declares and draw their targets blind.
	NoRoles bool
	// None runs without faults (a smoke scenario).
	None bool
}

// Build is what a System is asked to build for one run.
type Build struct {
	Nodes int
	Model history.Model
	Bugs  []string
	// Options are the scenario's system options (Scenario.SystemOptions),
	// each one the system declared in System.Options.
	Options map[string]string
}

// Cluster is a built system: its nodes and how clients talk to them.
type Cluster struct {
	Nodes   []sim.NodeSpec
	Adapter workloads.Adapter
	// Factories are alternative versions for upgrade faults, by name.
	Factories map[string]sim.Factory
	// Targets are the nodes clients send requests to (default: every
	// non-harness node).
	Targets []string
	// FaultTargets are the nodes the nemesis may target unless the
	// scenario's budget names them (default: every non-harness node).
	FaultTargets []string
	// StartAfter delays the clients (e.g. until a leader is elected).
	StartAfter time.Duration
	// Tune adjusts checker options to the system (initial balances, the
	// drift bound of leases).
	Tune func(*checkers.Options)
}

// Bug is one known-bug switch of a system: the mistake, the claim it
// breaks and the fault that exposes it.
type Bug struct {
	Name, Claim, Fault string
}

// System is a registered system under test.
type System struct {
	Name    string
	Summary string
	Models  []history.Model
	// Faults are the fault kinds the system can be tested under; a
	// scenario asking for another is INCONCLUSIVE-env.
	Faults []nemesis.Kind
	// Roles are the roles its nodes declare with sim.Env.SetRole
	// ("leader", "primary"): generated faults aim at them (Budget.Roles)
	// unless the scenario turns role targeting off.
	Roles []string
	Bugs  []Bug
	// DefaultNodes is the topology when a scenario does not say.
	DefaultNodes int
	// FixedTopology says the system runs only on its topology: the
	// shrinker never drops a node (a scenario's topology.nodes still
	// chooses it).
	FixedTopology bool
	// Options are the system options a scenario may set beyond the bug
	// switches, by name, with what each means (e.g. "replicas": "the
	// number of replicas per shard"); Build receives the values.
	Options map[string]string
	// Shrinkable are options the shrinker may lower when a reproducer
	// still needs more than a few dozen operations: what a person cutting
	// it down by hand would lower (a snapshot interval, a batch size), so
	// that the bug needs fewer operations. The shrunk plan records the
	// value kept (system_options).
	Shrinkable []Shrinkable
	Build      func(Build) (Cluster, error)
}

// Shrinkable is a system option the shrinker may lower, with the values
// it tries, smallest first; each must be one the option accepts.
type Shrinkable struct {
	Option string
	Values []string
}

// Registry holds the systems, checkers and scenarios a run can name. It
// is plain data owned by its caller; there is no global registry.
type Registry struct {
	systems   []System
	scenarios []Scenario
	checkers  []checkers.Checker
}

// AddSystem registers s; names must be unique.
func (r *Registry) AddSystem(s System) error {
	if s.Name == "" || s.Build == nil {
		return fmt.Errorf("scenario: system %q needs a name and a Build function", s.Name)
	}
	if _, err := r.System(s.Name); err == nil {
		return fmt.Errorf("scenario: system %q registered twice", s.Name)
	}
	r.systems = append(r.systems, s)
	return nil
}

// AddChecker registers a checker beyond package checkers' own.
func (r *Registry) AddChecker(c checkers.Checker) error {
	if _, err := r.Checker(c.Name); err == nil {
		return fmt.Errorf("scenario: checker %q registered twice", c.Name)
	}
	r.checkers = append(r.checkers, c)
	return nil
}

// AddScenario registers s after checking that its system, model and
// checker exist and fit together.
func (r *Registry) AddScenario(s Scenario) error {
	if s.Name == "" {
		return fmt.Errorf("scenario: a scenario needs a name")
	}
	if _, err := r.Scenario(s.Name); err == nil {
		return fmt.Errorf("scenario: scenario %q registered twice", s.Name)
	}
	if err := r.check(s); err != nil {
		return fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	r.scenarios = append(r.scenarios, s)
	return nil
}

func (r *Registry) check(s Scenario) error {
	sys, err := r.System(s.System)
	if err != nil {
		return err
	}
	for _, b := range s.Bugs {
		if !sys.hasBug(b) {
			return fmt.Errorf("system %s has no bug %q; valid: %s", sys.Name, b, strings.Join(sys.bugNames(), ", "))
		}
	}
	for k := range s.SystemOptions {
		if _, ok := sys.Options[k]; !ok {
			return fmt.Errorf("system %s has no option %q; valid: %s", sys.Name, k, strings.Join(sys.optionNames(), ", "))
		}
	}
	if s.Checker == NoChecker {
		return nil
	}
	c, err := r.Checker(s.Checker)
	if err != nil {
		return err
	}
	if len(c.Models) > 0 && !containsModel(c.Models, s.Model) {
		return fmt.Errorf("checker %s does not judge model %s; it judges %v", c.Name, s.Model, c.Models)
	}
	if checkers.NeedsDelivery(c.Name) {
		if _, err := checkers.ParseDelivery(string(s.Options.Delivery)); err != nil {
			return fmt.Errorf("checker %s judges a delivery claim, which the scenario states (Options.Delivery): %w", c.Name, err)
		}
	}
	return nil
}

// System returns the system called name.
func (r *Registry) System(name string) (System, error) {
	for _, s := range r.systems {
		if s.Name == name {
			return s, nil
		}
	}
	var names []string
	for _, s := range r.systems {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return System{}, fmt.Errorf("unknown system %q; valid: %s", name, strings.Join(names, ", "))
}

// Checker returns the checker called name: the registry's own first, then
// package checkers'.
func (r *Registry) Checker(name string) (checkers.Checker, error) {
	for _, c := range r.checkers {
		if c.Name == name {
			return c, nil
		}
	}
	c, err := checkers.Lookup(name)
	if err != nil && len(r.checkers) > 0 {
		names := checkers.Names()
		for _, c := range r.checkers {
			names = append(names, c.Name)
		}
		sort.Strings(names)
		return c, fmt.Errorf("unknown checker %q; valid: %s", name, strings.Join(names, ", "))
	}
	return c, err
}

// Scenario returns the scenario called name.
func (r *Registry) Scenario(name string) (Scenario, error) {
	for _, s := range r.scenarios {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q; valid: %s", name, strings.Join(r.ScenarioNames(), ", "))
}

// Scenarios returns every registered scenario, sorted by name.
func (r *Registry) Scenarios() []Scenario {
	out := append([]Scenario(nil), r.scenarios...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ScenarioNames returns the registered scenario names, sorted.
func (r *Registry) ScenarioNames() []string {
	var names []string
	for _, s := range r.Scenarios() {
		names = append(names, s.Name)
	}
	return names
}

// Systems returns every registered system, sorted by name.
func (r *Registry) Systems() []System {
	out := append([]System(nil), r.systems...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s System) hasBug(name string) bool {
	for _, b := range s.Bugs {
		if b.Name == name {
			return true
		}
	}
	return false
}

func (s System) bugNames() []string {
	var out []string
	for _, b := range s.Bugs {
		out = append(out, b.Name)
	}
	return out
}

func containsModel(ms []history.Model, m history.Model) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// optionNames returns the system's option names, sorted ("none" when it
// has none).
func (s System) optionNames() []string {
	out := sortedKeys(s.Options)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
