package raftkv

import (
	"fmt"
	"strings"
)

// The bug variants a Config can switch on by name. Each breaks one claim
// of the correct system, and each has a fault that exposes it; the tests
// (bugs_test.go) show each misbehaving under its fault while the correct
// system, under the same schedule, does not.
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
)

// Bugs returns the names of every bug variant, sorted.
func Bugs() []string {
	return []string{BugAckBeforeSync, BugSnapshotNoDirSync, BugStaleRead}
}

// bugSet is the set of bug variants a node runs with.
type bugSet struct {
	ackBeforeSync     bool
	staleRead         bool
	snapshotNoDirSync bool
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
		default:
			return b, fmt.Errorf("raftkv: Config.Bugs: unknown bug %q; valid: %s", n, strings.Join(Bugs(), ", "))
		}
	}
	return b, nil
}
