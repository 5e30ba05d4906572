// Package history defines the operation-history record that workloads
// write and checkers judge, its JSON Lines form, and its schema validation.
//
// # Records
//
// A history is an ordered list of [Op] records, one per operation, with the
// fields METHOD.md lists: op_id, process, model, op_type, key, input,
// output, error, type, invoke_ts, complete_ts, timeout_marker, node_seen and
// fault_epoch. type is Jepsen's: ok (it happened), fail (it definitely did
// not happen) or info (unknown: it may or may not have taken effect).
// Instants are simulated true time in nanoseconds. complete_ts and output
// are null exactly for info operations, and timeout_marker is true exactly
// for them. A retry is a new record with the same input (and the same
// idempotency key where the model has one), never merged into the first.
//
// The op_type vocabulary and the JSON shapes of input and output are
// defined per [Model] in one place (see the Model constants).
//
// # JSON Lines
//
// [WriteJSONL] writes one record per line with every field present, in a
// fixed order, unused fields null, so equal histories give equal bytes.
// [ReadJSONL] is strict: it rejects invalid JSON, unknown and repeated
// fields, values of the wrong kind, broken record rules and a repeated
// op_id, each as a [*LineError] naming the line ("history.jsonl:14: field
// "type": "okk" is not one of ok, fail, info"). A line may leave out any
// field but the core ones ([CoreFields]); the reader records which were
// absent, because absent and null differ: null says "this operation does
// not use the field", absent says "this history does not record it".
//
// # Validation
//
// [WellFormed] applies the reader's record rules to a history built in Go.
// [Validate] checks that a history carries the fields a checker needs; a
// history that lacks them is too weak for that checker ([ErrTooWeak]),
// which makes the check undecided, never passed.
package history
