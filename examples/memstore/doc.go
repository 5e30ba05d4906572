// Package memstore is the known-good system under test of faultline's own
// tests: an in-memory store that speaks the default JSON wire of package
// workloads (workloads.DecodeRequest, workloads.EncodeReply) and serves
// every model's vocabulary (history/vocabulary.go) correctly, so a
// workload run against it must pass its checker. It is the reference that
// end-to-end tests of the pipeline (generator, client driver, history,
// checker) stand on.
//
// One node serves everything. Several nodes are "trivially replicated":
// with Config.Leader set, every other node answers StatusRedirect naming
// the leader, which exercises the clients' redirect path; without it each
// node is an independent store, so a world should then hold one.
//
// Requests are served at most once: a node remembers each client's last
// Request.ID and its reply, answers a duplicate of it with the same reply
// and ignores older requests (abandoned by their client), so a network
// that duplicates or reorders datagrams cannot apply an operation twice.
// A retry is a new request and is served again: retried operations are
// as idempotent as their model makes them (ledger transfers by "idem").
//
// What it implements, per model:
//
//   - register, kv: read, write, cas (compared by canonical JSON text);
//   - set: add, read (final or not);
//   - counter: inc, read;
//   - queue: enqueue, dequeue (null when empty), drain;
//   - log: append (offsets 0, 1, ...), read from an offset;
//   - lock: acquire with fencing tokens that increase per lock, granted
//     when the lock is free, expired (Config.LockTTL on the node's
//     monotonic clock) or already the caller's; release by the holder's
//     token; use, the protected resource, which accepts a token only if it
//     is at least the greatest token it has accepted;
//   - lease: acquire and renew for the asked term, measured on the node's
//     own monotonic clock (Env.Mono); release by the holder;
//   - ledger: transfers applied at most once per idempotency key ("idem";
//     a repeat answers {"applied": false}), refused when the source would
//     fall below Config.Floor; balance and balances reads.
//
// Its limits are part of its contract: state lives in memory only, so a
// crash loses everything (it claims no durability), and nothing is
// replicated. Config.Bug switches on one known bug, so tests can show a
// checker catching it end to end.
package memstore
