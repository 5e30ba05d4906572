package raftkv

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/sim"
)

// Defaults for the zero fields of a Config.
const (
	DefaultNodes           = 3
	DefaultTick            = 10 * time.Millisecond
	DefaultElectionTicks   = 10
	DefaultHeartbeatTicks  = 1
	DefaultSnapshotEntries = 1000
	DefaultSyncInterval    = 50 * time.Millisecond
	DefaultLockTTL         = time.Second
	// DefaultDriftBound is the clock drift bound ρ leases assume: 1000
	// parts per million.
	DefaultDriftBound = 1e-3
)

// maxPending bounds the requests a node holds while they wait for raft
// (proposals plus reads); more are refused with StatusFail.
const maxPending = 4096

// Config configures a cluster. The zero value is a correct three-node
// cluster with the defaults above.
type Config struct {
	// Nodes is the number of replicas, named n1..nN (raft IDs 1..N).
	Nodes int
	// Tick is the raft tick, measured on each node's own clock.
	Tick time.Duration
	// ElectionTicks and HeartbeatTicks are raft's election timeout (before
	// randomisation) and heartbeat interval, in ticks.
	ElectionTicks, HeartbeatTicks int
	// SnapshotEntries is how many applied entries trigger a snapshot and
	// the compaction of the WAL; a negative value disables snapshots.
	SnapshotEntries int
	// SyncInterval is the period of the batched WAL fsync under
	// BugAckBeforeSync; the correct system syncs every Ready.
	SyncInterval time.Duration
	// Ledger is the ledger model's opening state.
	Ledger LedgerConfig
	// LockTTL is how long a lock stays held without a release before
	// another client may acquire it, on the admitting leader's clock.
	LockTTL time.Duration
	// Lease configures the lease model.
	Lease LeaseConfig
	// Version is the software version the replicas run: 1 (0 means 1) or
	// 2. Version 2 reads the WAL's version-2 entry records
	// (recEntryV2) as well as version 1's, and keeps writing version 1's
	// records, so that a replica rolled back to version 1 reads its WAL
	// (the new format is for once no rollback is possible, which this
	// reference system never declares). A rolling upgrade restarts the
	// replicas one at a time from a factory of the other version, keeping
	// their disks.
	Version int
	// Bugs switches on bug variants by name (see Bugs).
	Bugs []string
}

// LedgerConfig is the opening state of the ledger model.
type LedgerConfig struct {
	// Opening is the opening balance of each account; accounts not listed
	// open at 0.
	Opening map[string]int64
	// Floor is the least balance a transfer may leave in its source
	// account; a transfer that would go below it fails.
	Floor int64
}

// LeaseConfig configures the lease model.
type LeaseConfig struct {
	// DriftBound is ρ: every clock, the holders' and the replicas', runs
	// at a rate within 1±ρ of true time (0 means DefaultDriftBound; valid
	// up to 0.5). A scenario tells the lease checker the same bound
	// (checkers.Options.DriftBound).
	DriftBound float64
}

// resolved is a validated Config with defaults filled in.
type resolved struct {
	Config
	bugs  bugSet
	names []string // names[i] is the node with raft ID i+1
}

func (c Config) resolve() (*resolved, error) {
	var errs []error
	if c.Nodes == 0 {
		c.Nodes = DefaultNodes
	}
	if c.Tick == 0 {
		c.Tick = DefaultTick
	}
	if c.ElectionTicks == 0 {
		c.ElectionTicks = DefaultElectionTicks
	}
	if c.HeartbeatTicks == 0 {
		c.HeartbeatTicks = DefaultHeartbeatTicks
	}
	if c.SnapshotEntries == 0 {
		c.SnapshotEntries = DefaultSnapshotEntries
	}
	if c.SyncInterval == 0 {
		c.SyncInterval = DefaultSyncInterval
	}
	if c.LockTTL == 0 {
		c.LockTTL = DefaultLockTTL
	}
	if c.Lease.DriftBound == 0 {
		c.Lease.DriftBound = DefaultDriftBound
	}
	if c.Version == 0 {
		c.Version = 1
	}
	if c.Version < 1 || c.Version > 2 {
		errs = append(errs, fmt.Errorf("raftkv: Config.Version is %d; valid: 1, 2, or 0 for 1", c.Version))
	}
	if c.Nodes < 1 || c.Nodes > 99 {
		errs = append(errs, fmt.Errorf("raftkv: Config.Nodes is %d; valid: 1 to 99", c.Nodes))
	}
	if c.Tick < 0 {
		errs = append(errs, fmt.Errorf("raftkv: Config.Tick is %v; valid: > 0, or 0 for %v", c.Tick, DefaultTick))
	}
	if c.HeartbeatTicks < 0 || c.ElectionTicks <= c.HeartbeatTicks {
		errs = append(errs, fmt.Errorf("raftkv: Config.ElectionTicks (%d) must exceed Config.HeartbeatTicks (%d) > 0", c.ElectionTicks, c.HeartbeatTicks))
	}
	if c.SyncInterval < 0 {
		errs = append(errs, fmt.Errorf("raftkv: Config.SyncInterval is %v; valid: > 0", c.SyncInterval))
	}
	if c.LockTTL < 0 {
		errs = append(errs, fmt.Errorf("raftkv: Config.LockTTL is %v; valid: > 0, or 0 for %v", c.LockTTL, DefaultLockTTL))
	}
	if !(c.Lease.DriftBound > 0 && c.Lease.DriftBound <= 0.5) {
		errs = append(errs, fmt.Errorf("raftkv: Config.Lease.DriftBound is %g; valid: (0, 0.5], or 0 for %g", c.Lease.DriftBound, DefaultDriftBound))
	}
	bugs, err := parseBugs(c.Bugs)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r := &resolved{Config: c, bugs: bugs}
	for i := 1; i <= c.Nodes; i++ {
		r.names = append(r.names, NodeName(uint64(i)))
	}
	return r, nil
}

// NodeName returns the name of the replica with raft ID id: "n1", "n2"...
func NodeName(id uint64) string { return "n" + strconv.FormatUint(id, 10) }

// nodeID returns the raft ID of the replica called name among n replicas,
// or 0 when name is not one (a client).
func nodeID(name string, n int) uint64 {
	if !strings.HasPrefix(name, "n") {
		return 0
	}
	id, err := strconv.ParseUint(name[1:], 10, 64)
	if err != nil || id < 1 || id > uint64(n) || NodeName(id) != name {
		return 0
	}
	return id
}

// New returns the factory of a replica of the cluster cfg describes. The
// factory must be used for nodes named by NodeName; every other node of the
// world is treated as a client that speaks the workloads wire format.
func New(cfg Config) (sim.Factory, error) {
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	return func(env *sim.Env) sim.Node { return newNode(env, r) }, nil
}

// NodeSpecs returns the specs of the cluster's replicas, n1..nN, in order.
// Append client nodes (Harness: true) to complete a world.
func NodeSpecs(cfg Config) ([]sim.NodeSpec, error) {
	f, err := New(cfg)
	if err != nil {
		return nil, err
	}
	n := cfg.Nodes
	if n == 0 {
		n = DefaultNodes
	}
	specs := make([]sim.NodeSpec, n)
	for i := range specs {
		specs[i] = sim.NodeSpec{Name: NodeName(uint64(i + 1)), Factory: f}
	}
	return specs, nil
}

// sortedKeys returns m's keys in order, so that no output depends on map
// iteration order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
