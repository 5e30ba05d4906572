package raftkv

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/history"
)

// The bug variants a Config can switch on by name. Each is the correct
// system with one realistic mistake: it breaks one claim, and one kind of
// fault exposes it; the tests (bugs_test.go, bugs_model_test.go) show each
// misbehaving under its fault while the correct system, under the same
// schedule, does not. Catalog describes them as data.
const (
	// BugAckBeforeSync batches the WAL fsync on a timer (every
	// Config.SyncInterval) instead of syncing each Ready before its
	// messages leave, the "appendfsync everysec" trade-off. Votes, append
	// acknowledgements and therefore client acknowledgements go out while
	// the entries and hard state they vouch for sit in the page cache.
	//
	// Claim broken: an acknowledged write survives any crash that leaves
	// the disk's synced data intact. Fault that exposes it: a crash with
	// fsync loss (disk.LoseUnsynced) of every replica holding the entry (a
	// power loss of the cluster) inside the sync interval; after restart
	// the acknowledged value is gone.
	BugAckBeforeSync = "ack-before-sync"

	// BugStaleRead serves reads from the local state machine on whichever
	// node receives them, without ReadIndex and without checking
	// leadership.
	//
	// Claim broken: reads are linearizable. Fault that exposes it: a
	// partition that isolates a replica (or an old leader) while the
	// majority commits a newer write; a read served by the isolated node
	// returns the old value after the new one was acknowledged.
	BugStaleRead = "stale-read"

	// BugSnapshotNoDirSync writes the snapshot to a temporary file, syncs
	// it and renames it into place, but does not sync the snapshot
	// directory before rewriting the WAL without the entries the snapshot
	// covers.
	//
	// Claim broken: a restarted node rebuilds its state from its own disk.
	// Fault that exposes it: a crash with fsync loss (disk.LoseUnsynced)
	// after a snapshot: the rename is lost, the old snapshot (or none)
	// comes back, the WAL no longer holds the entries in between, and the
	// node cannot recover (it halts with a recovery error instead of
	// rejoining).
	BugSnapshotNoDirSync = "snapshot-no-dirsync"

	// BugLedgerNoIdempotency applies every committed ledger transfer
	// without looking up its idempotency key: the key is recorded but
	// never checked.
	//
	// Claim broken: a transfer is applied at most once per idempotency
	// key. Fault that exposes it: duplicated delivery of client requests
	// (each copy is proposed, and both commit), or a client retry after a
	// timeout whose first attempt did commit; the ledger checker finds a
	// balance explained only by a transfer applied twice
	// (duplicate-apply).
	BugLedgerNoIdempotency = "ledger-no-idempotency"

	// BugLockNoFencing grants locks with fencing tokens as the correct
	// system does, but the protected resource ("use") skips the fencing
	// check: it accepts any token.
	//
	// Claim broken: the resource never accepts a token older than one it
	// has accepted (mutual exclusion at the resource). Fault that exposes
	// it: a holder paused (or partitioned) past Config.LockTTL; the lock
	// expires, another client acquires it and writes with a newer token,
	// and the old holder, resumed, writes with its stale token, which the
	// resource accepts (lock checker: stale-token-accepted).
	BugLockNoFencing = "lock-no-fencing"

	// BugLeaseNoDriftMargin frees a lease once D/(1+ρ) has passed on the
	// replica's own clock since it applied the grant: the true-time
	// instant by which the holder must have stopped, timed on a clock the
	// replica trusts to keep true time. The correct replica allows for
	// its own clock running up to 1+ρ fast and waits D (lease.go).
	//
	// Claim broken: no two clients hold a lease at once, for clocks
	// within the drift bound ρ. Fault that exposes it: clock drift within
	// ρ that makes the leader's clock run fast (a clock-drift fault of up
	// to ρ×10⁶ ppm), while holders let leases run out and others wait to
	// take them; a new holder is granted the lease before the old one's
	// validity ends (lease checker: lease-overlap). Without the drift the
	// variant passes.
	BugLeaseNoDriftMargin = "lease-no-drift-margin"

	// BugDequeueBeforeCommit answers a dequeue on the leader at once,
	// from its applied state (skipping the items it has already handed
	// out), and proposes the removal afterwards, instead of proposing the
	// dequeue and answering when it is applied.
	//
	// Claim broken: an item is delivered at most once (and an
	// acknowledged dequeue is durable). Fault that exposes it: a leader
	// change while removals are uncommitted: a partition that isolates
	// the leader from the other replicas (clients still reach it) or a
	// crash of the leader. The removals it acknowledged never commit, and
	// the next leader hands the same items out again (queue checker:
	// duplicate-delivery).
	BugDequeueBeforeCommit = "dequeue-before-commit"

	// BugLeaseWallClock times when a lease expires on the replica's wall
	// clock (Env.Now, what time.Now gives a process) instead of its
	// monotonic clock (Env.Mono): the classic mistake of measuring a
	// duration with a clock that NTP or an operator can step.
	//
	// Claim broken: no two clients hold a lease at once. Fault that
	// exposes it: the leader's wall clock stepped forward (a clock-jump
	// or clock-offset fault on the leader): its leases expire early and it
	// grants a held lease to another client (lease checker:
	// lease-overlap). A step of a follower's clock, or a step back, does
	// nothing.
	BugLeaseWallClock = "lease-wall-clock"

	// BugAckOnAppend acknowledges a key-value write as soon as the leader
	// has proposed it (it is in the leader's own log), not once it is
	// committed and applied: a "w:1" write concern.
	//
	// Claim broken: an acknowledged write survives and reads are
	// linearizable. Fault that exposes it: the leader cut off from its
	// peers or crashed with writes in its log that no follower has: a new
	// leader is elected without them, and reads return older values after
	// the writes were acknowledged. Faults on followers do not.
	BugAckOnAppend = "ack-on-append"

	// BugLeaseRead serves reads with raft's ReadOnlyLeaseBased option
	// instead of ReadOnlySafe: the leader answers a read from its own
	// state as soon as it believes its leadership lease (CheckQuorum) still
	// holds, without the heartbeat round that confirms a quorum still
	// follows it. etcd raft documents the option as safe only while clocks
	// run at bounded drift: the lease is counted in the leader's ticks.
	//
	// Claim broken: reads are linearizable. Fault that exposes it: the
	// leader cut off from its peers (clients still reach it) while its
	// clock runs slow (a clock-drift fault aimed at the leader): its ticks
	// come late, so it keeps believing in its lease for seconds after the
	// others elected a new leader and committed newer writes, and serves
	// the old values. Both on a follower do nothing, and either fault
	// alone next to never does: CheckQuorum deposes a leader with a true
	// clock within two election timeouts, about when the others elect a
	// new one, and a slow leader that no partition cuts off hears of the
	// new leader at once.
	BugLeaseRead = "lease-read"

	// BugLeaderRead answers a read on the node that believes it is the
	// leader straight from its state machine, without ReadIndex, and
	// leaves raft's CheckQuorum at its default (off): "the leader always
	// has the latest data". Followers still redirect reads to the leader.
	//
	// Claim broken: reads are linearizable. Fault that exposes it: the
	// leader cut off from its peers while clients still reach it: the
	// others elect a new leader and commit newer writes, and the old one,
	// which never learns it was deposed until the partition heals, serves
	// the old values. A partition that cuts off a follower does nothing.
	BugLeaderRead = "leader-read"

	// BugNewWALFormat makes version 2 (Config.Version) write its WAL
	// entries in its new record format (recEntryV2) as soon as it runs,
	// instead of writing version 1's format until no rollback is possible.
	//
	// Claim broken: a replica restarted from its disk rebuilds its state,
	// through a rolling upgrade and a rollback. Fault that exposes it: an
	// upgrade of a replica to version 2 followed by its rollback to
	// version 1 (upgrade faults): version 1 finds records it cannot read in
	// its WAL and halts (a failed assertion, Env.Fail). Upgrades alone, or
	// crashes and restarts on one version, do nothing.
	BugNewWALFormat = "new-wal-format"
)

// BugInfo describes one bug variant, for registering the system with a
// scenario runner: the name Config.Bugs takes, the model whose claim it
// breaks, the registry name of the checker that catches it (see
// checkers.Lookup; "" when no model checker does), the claim, and the
// fault that exposes it.
type BugInfo struct {
	Name    string
	Model   history.Model
	Checker string
	Claim   string
	Fault   string
}

// Catalog returns every bug variant's description, sorted by name.
func Catalog() []BugInfo {
	out := []BugInfo{
		{BugAckBeforeSync, history.KV, "linearizable",
			"an acknowledged write survives a crash that keeps the disk's synced data",
			"crash with fsync loss (disk.LoseUnsynced) of every replica within Config.SyncInterval of an acknowledgement"},
		{BugDequeueBeforeCommit, history.Queue, "queue",
			"each enqueued item is delivered at most once",
			"a leader change while removals are uncommitted: partition isolating the leader from the other replicas, or a crash of the leader"},
		{BugLeaseNoDriftMargin, history.Lease, "lease",
			"no two clients hold a lease at once for clocks within the drift bound",
			"clock drift within the bound making the leader's clock fast (clock-drift fault, +ρ×10⁶ ppm) while leases expire and are taken over"},
		{BugLedgerNoIdempotency, history.Ledger, "ledger",
			"a transfer is applied at most once per idempotency key",
			"duplicated delivery of client requests, or a retry after a timeout whose first attempt committed"},
		{BugLockNoFencing, history.Lock, "lock",
			"the protected resource never accepts a token older than one it accepted",
			"a lock holder paused or partitioned past Config.LockTTL while another client acquires the lock"},
		{BugSnapshotNoDirSync, history.KV, "",
			"a restarted replica rebuilds its state from its own disk",
			"crash with fsync loss (disk.LoseUnsynced) of a replica just after it took a snapshot; it halts at restart (no model checker: the replica's recovery check)"},
		{BugStaleRead, history.KV, "linearizable",
			"reads are linearizable",
			"partition isolating a replica or the old leader while the majority commits a newer write"},
		{BugLeaseWallClock, history.Lease, "lease",
			"no two clients hold a lease at once",
			"the leader's wall clock stepped forward (clock-jump or clock-offset aimed at the leader)"},
		{BugLeaseRead, history.KV, "linearizable",
			"reads are linearizable",
			"the leader cut off from its peers (clients still reach it) while its clock runs slow (role-aimed partition and clock drift)"},
		{BugLeaderRead, history.KV, "linearizable",
			"reads are linearizable",
			"the leader cut off from its peers while clients still reach it (role-aimed partition)"},
		{BugNewWALFormat, history.KV, "",
			"a replica rebuilds its state from its disk through a rolling upgrade and a rollback",
			"an upgrade of a replica to version 2 and its rollback to version 1 (upgrade faults); it halts at restart (no model checker: the replica's recovery check)"},
		{BugAckOnAppend, history.KV, "linearizable",
			"an acknowledged write survives; reads and writes are linearizable",
			"the leader partitioned away or crashed with uncommitted writes (role-aimed partition or crash)"},
	}
	slices.SortFunc(out, func(a, b BugInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Bugs returns the names of every bug variant, sorted.
func Bugs() []string {
	var out []string
	for _, b := range Catalog() {
		out = append(out, b.Name)
	}
	return out
}

// bugSet is the set of bug variants a node runs with.
type bugSet struct {
	ackBeforeSync       bool
	staleRead           bool
	snapshotNoDirSync   bool
	ledgerNoIdempotency bool
	lockNoFencing       bool
	leaseNoDriftMargin  bool
	dequeueBeforeCommit bool
	leaseWallClock      bool
	ackOnAppend         bool
	leaseRead           bool
	leaderRead          bool
	newWALFormat        bool
}

// parseBugs validates names against Bugs.
func parseBugs(names []string) (bugSet, error) {
	var b bugSet
	for _, n := range names {
		switch n {
		case BugAckBeforeSync:
			b.ackBeforeSync = true
		case BugStaleRead:
			b.staleRead = true
		case BugSnapshotNoDirSync:
			b.snapshotNoDirSync = true
		case BugLedgerNoIdempotency:
			b.ledgerNoIdempotency = true
		case BugLockNoFencing:
			b.lockNoFencing = true
		case BugLeaseNoDriftMargin:
			b.leaseNoDriftMargin = true
		case BugDequeueBeforeCommit:
			b.dequeueBeforeCommit = true
		case BugLeaseWallClock:
			b.leaseWallClock = true
		case BugAckOnAppend:
			b.ackOnAppend = true
		case BugLeaseRead:
			b.leaseRead = true
		case BugLeaderRead:
			b.leaderRead = true
		case BugNewWALFormat:
			b.newWALFormat = true
		default:
			return b, fmt.Errorf("raftkv: Config.Bugs: unknown bug %q; valid: %s", n, strings.Join(Bugs(), ", "))
		}
	}
	return b, nil
}
