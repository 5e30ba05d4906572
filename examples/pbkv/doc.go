// Package pbkv is a primary-backup key-value store running inside the
// simulator, written from scratch (no consensus library): a reference
// system under test whose correct version should pass the linearizable
// checker under crashes and partitions of its replicas, and whose bug
// variant (BugAsyncReplication) should fail it.
//
// # The cluster
//
// A view manager, the node ViewManager ("vm"), decides the view: which
// replica is primary and which are its backups. Config.Replicas replicas
// are named n1..nN (NodeName; Replicas lists them); New returns the
// factory of every node of the cluster and NodeSpecs their specs; every
// other node of the world is a client. Clients speak the workloads wire
// format (workloads.Request, workloads.Reply) to the replicas, for the kv
// and register models (read, write, cas, as history/vocabulary.go
// defines them): the primary answers StatusOK with the model's output; a
// replica that is not the primary, or whose lease ran out, answers
// StatusRedirect naming the primary it knows, having done nothing; a
// request whose write may or may not survive (the primary learnt it was
// replaced before its backups had it) is answered StatusUnknown; a
// malformed request is answered StatusFail.
//
// # Views and leases
//
// Every replica pings the view manager each Config.PingInterval of its
// own clock, saying which view it knows and which view its state comes
// from. The view manager (vm.go) makes the lowest-named replica that has
// pinged the primary of view 1, adds live replicas as backups and drops
// dead ones (no ping for Config.DeadPings intervals) one view at a time,
// once the primary knows the current view; and when the primary dies it
// promotes the first live backup whose state comes from the current view:
// such a backup holds every acknowledged write. It answers each ping of
// the primary with a lease of D = Config.LeaseTerm, and installs another
// primary only D of its own clock after the last grant.
//
// The primary serves only while it holds its lease: for D(1−ρ)/(1+ρ) of
// its own clock after sending the ping the grant answered, ρ being
// Config.DriftBound. Its clock runs at least 1−ρ, so it stops within
// D/(1+ρ) of true time of sending, and the view manager, whose clock runs
// at most 1+ρ, waits at least D/(1+ρ) of true time after granting: two
// primaries never serve at once, and a primary cut off from the view
// manager stops serving before a new one starts.
//
// # Replication
//
// The state is small (a map from key to value) and is replicated whole:
// the primary applies a write, makes its state durable, and sends the
// state, tagged with the view and a sequence number, to every backup,
// re-sending every Config.Resend until each acknowledges it. A backup
// takes a state from a newer view, or a newer state of its view, makes it
// durable and acknowledges; it refuses a state from an older view and
// tells its sender the newer view, so a deposed primary learns it was
// replaced. The primary acknowledges a write only once every backup of
// its view holds it (synchronous replication), and answers a read at once
// from the latest state every backup holds, under its lease.
//
// # Durability
//
// Each replica keeps its view, the view and sequence number of its state,
// and the state in one file on its simulated disk, replaced atomically
// (written to a temporary file, synced, renamed, directory synced) before
// anything that depends on it leaves the node: a backup's
// acknowledgement, a primary's replicated state. A replica that restarts
// recovers from that file and serves again only once the view manager
// grants it a lease and, as primary, once its backups acknowledge its
// state. The view manager keeps its state in memory and is assumed not to
// fail: the claims are about faults of the replicas and of the network.
// A primary cut off from its backups but not from the view manager keeps
// its lease and stops acknowledging writes (unavailable, never unsafe).
//
// # Determinism
//
// Nothing here reads the host clock, draws randomness, starts a goroutine
// or lets map order reach an output (maps are walked in sorted order or
// encoded by encoding/json, which sorts keys), so a run is a pure function
// of its seed.
//
// # Bug variants
//
// Config.Bugs switches on variants by name; Catalog describes each (the
// model, the checker that catches it, the claim it breaks and the fault
// that exposes it); see BugAsyncReplication and BugReadWithoutLease.
package pbkv
