// Package checkers judges operation histories (package history) against
// the abstract models' specifications.
//
// Every checker is a function of a history and Options returning one
// [Result]: an [Outcome] (OK, Anomaly or Unknown), a short explanation a
// person can act on (which op_ids, which values, why nothing explains
// them), the violations found with their stable kinds, the coverage
// (operations checked out of operations recorded), the partitions (usually
// keys) decided, and a deterministic measure of the work done. A checker
// never passes what it could not decide: a history that is malformed or
// lacks a needed field (history.Validate), a partition beyond a work
// limit, a claim without the final read it needs, all give Unknown with a
// reason in Result.Kind.
//
// The checkers, by registry name ([Registry], [Lookup]):
//
//	linearizable  register/kv, per key: a checked        not-linearizable
//	              witness, else porcupine
//	ledger        transfers, balances                    duplicate-apply, stale-read, invalid-balance,
//	                                                     below-floor, total-not-conserved
//	queue         enqueue, dequeue, drain                lost-write, duplicate-delivery, invented-value,
//	                                                     order-violation
//	log           append, read                           lost-write, duplicate-offset, offset-order,
//	                                                     divergent-read, duplicate-entry, non-prefix-read,
//	                                                     invented-value
//	lock          acquire, release, use (fencing)        stale-token-accepted, duplicate-token,
//	                                                     token-order, invented-token
//	lease         acquire, renew, release                lease-overlap
//	session       register/kv per process                read-your-writes, monotonic-reads
//	set           add, read                              lost-write, invented-value
//	counter       inc, read                              out-of-bounds
//	liveness      any model                              no-recovery
//
// Unknown reasons: too-weak, malformed-history, no-operations, work-limit,
// time-limit, no-final-read, no-reads, no-resource-ops, not-configured,
// history-too-short.
//
// The op_type vocabulary and input/output shapes of each model are defined
// in package history (see history.Model).
//
// Determinism: checkers iterate in sorted or history order only, bound
// their work by counts, never by host time, and sort their findings, so
// the same history and options give the same Result on any host. The one
// host-time element, porcupine's time limit (Options.TimeLimit), is a
// last-resort safety net that can only turn a key Unknown.
package checkers
