// Package raftkv is a replicated state machine on go.etcd.io/raft/v3,
// running inside the simulator: a reference system under test whose
// correct version should pass faultline's checkers and whose bug variants
// (Bugs) should fail them.
//
// # The cluster
//
// A cluster of Config.Nodes replicas is named n1..nN; replica nK has raft
// ID K (NodeName). New returns the replicas' factory and NodeSpecs their
// specs; every other node of the world is a client. Clients speak the
// workloads wire format (workloads.Request, workloads.Reply): a request is
// served by the leader, which answers StatusOK with the model's output; a
// follower answers StatusRedirect with the leader's name when it knows it,
// having done nothing; a request whose proposal may or may not commit
// (leadership lost after proposing) is answered StatusUnknown; a request
// refused without effect is answered StatusFail: a malformed one, an
// unconfirmed read whose leader stepped down, a transfer that would pass
// the floor, an acquire of a lock or lease another client holds. (A cas
// whose comparison fails is not a refusal: it is StatusOK with
// {"ok": false}.)
//
// # Driving raft from simulator events
//
// Each replica drives a raft.RawNode from the events the simulator hands
// it: a timer on the node's own clock ticks raft every Config.Tick;
// messages from other replicas are raftpb.Messages, marshalled; requests
// come from clients. After every event the node drains raft's Ready in the
// order the library's contract (raft's doc.go, "Usage") requires with
// AsyncStorageWrites off:
//
//  1. persist the snapshot, the entries and the hard state, and sync the
//     WAL when Ready.MustSync says so;
//  2. send the messages (only now: they may vouch for what step 1 wrote);
//  3. apply the snapshot and the committed entries to the state machine
//     and answer the clients whose proposals they are; serve reads whose
//     ReadState index has been applied;
//  4. Advance.
//
// raft's randomized election timeout draws from crypto/rand, which the
// simulator serves from the node's seeded stream, and raft logs through a
// Logger that writes into the trace (Env.Logf); nothing here reads the host
// clock, starts a goroutine or lets map order reach an output, so a run is
// a pure function of its seed.
//
// # Durability
//
// A replica's disk holds two files. wal/wal is the write-ahead log: framed
// records (length, CRC-32C, type, payload) of entries and hard states; a
// later entry at index i replaces the log from i on, and the last hard
// state wins. At restart a torn or zero-filled tail (what a crash leaves
// of unsynced writes) is truncated and the truncation synced, as etcd's
// WAL repairs its tail; a checksum failure elsewhere is corruption of
// synced data and the node refuses to start. snap/snap holds the latest
// snapshot: every Config.SnapshotEntries applied entries the node writes
// it to snap/snap.tmp, syncs it, renames it into place and syncs the
// directory, and only then compacts its log and replaces the WAL (the
// same way: temporary file, sync, rename, directory sync) with one that
// no longer holds the entries the snapshot covers. A replica that finds
// no snapshot starts from the genesis snapshot (index 1, every replica a
// voter, empty state), which is a function of the cluster size and never
// written.
//
// A node that meets a disk error, or whose disk holds what it could not
// have written (corruption, a WAL that does not continue its snapshot),
// halts: it logs a FATAL line into the trace and ignores every later
// event, like a process that exits, until the harness restarts it.
//
// # The state machine
//
// The log's commands are JSON: the model, op, key and input of the
// request, and the proposer's (raft ID, incarnation, sequence) so that the
// proposer can answer its client when the entry is applied. A command is
// applied exactly as often as it is committed, once: nothing is
// deduplicated beyond what a model itself promises. Each model is a type
// in its own file, implementing the model interface (machine.go), with the
// op_type vocabulary and the input and output shapes of history's
// vocabulary:
//
//   - kv and register (kv.go): read, write, cas per key. Reads are not
//     proposed: the leader takes a ReadIndex and answers once its state
//     machine has applied that index, so they are linearizable.
//   - set (set.go) and counter (counter.go): add and inc proposed, reads
//     through ReadIndex.
//   - queue (queue.go): enqueue, dequeue and drain, all proposed and
//     answered when applied, so an item leaves the queue only by a
//     committed removal (delivery at most once).
//   - log (log.go): append answers the offset (0, 1, ... per log) at
//     which the entry was applied; read from an offset through ReadIndex.
//   - ledger (ledger.go): transfer with an idempotency key applied at most
//     once, balances that never go below LedgerConfig.Floor; balance and
//     balances reads through ReadIndex.
//   - lock (lock.go): acquire returns a fencing token, the raft index of
//     the acquire; a held lock expires Config.LockTTL after its acquire;
//     the protected resource (use) refuses a token smaller than one it
//     accepted.
//   - lease (lease.go): acquire, renew and release for a term D. A holder
//     may use a lease for D(1−ρ)/(1+ρ) of its own clock from when it asked
//     (METHOD.md; ρ is LeaseConfig.DriftBound), so it stops by D/(1+ρ) of
//     true time; a replica whose clock may run 1+ρ fast keeps the lease
//     for D of its own clock from when it applied the grant.
//
// Locks and leases expire by time, which the replicated state cannot
// hold: each replica keeps, as soft state, when each held lock or lease
// expires on its own monotonic clock, counted from when it applied the
// grant (or restored a snapshot holding it, or replayed its log at
// restart), never earlier than the grant was proposed. The leader admits
// an acquire of a lock or lease another client holds only once it has
// expired there, and stamps the command with the generation it saw; apply
// grants only at that generation, so every replica decides alike and a
// deposed leader's admission never takes effect.
//
// # Bug variants
//
// Config.Bugs switches on variants by name; Catalog describes each (the
// model, the checker that catches it, the claim it breaks and the fault
// that exposes it), and the constants (BugAckBeforeSync, BugStaleRead,
// BugSnapshotNoDirSync, BugLedgerNoIdempotency, BugLockNoFencing,
// BugLeaseNoDriftMargin, BugDequeueBeforeCommit, BugLeaseWallClock,
// BugAckOnAppend, BugLeaseRead, BugLeaderRead, BugNewWALFormat) say how.
//
// # Versions
//
// Config.Version is the software version a replica runs, 1 or 2; they
// share every wire and disk format, and version 2 also reads a newer WAL
// entry record (recEntryV2) that it does not write, so that a replica
// upgraded to version 2 and rolled back to version 1 reads its own WAL.
// BugNewWALFormat makes version 2 write that record.
package raftkv
