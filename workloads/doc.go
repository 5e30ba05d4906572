// Package workloads generates operations for the abstract models, drives
// them against a system under test from simulated client nodes, and
// records the operation history the checkers judge.
//
// # Wiring a workload to a world
//
//	w, err := workloads.New(workloads.Config{
//		Model:   history.KV,
//		Clients: 3, OpsPerClient: 100, Keys: 5,
//		Targets: []string{"n1", "n2", "n3"},
//		Epoch:   func() []string { return world.Network().FaultIDs() },
//	})
//	nodes := append(sutNodes, w.Nodes()...)
//	world, err := sim.New(sim.Config{Seed: seed, Nodes: nodes, ...})
//	res, err := world.Run()
//	h := w.History()   // judge it with a checker; w.Stats() for sanity
//
// The Epoch hook is called while the world runs, so it may close over the
// world variable assigned after New.
//
// # Clients
//
// Each client is a harness node (sim.NodeSpec.Harness) with one operation
// in flight at a time. It thinks (a pause uniform over [0, 2*ThinkTime]),
// draws an operation from its generator, stamps the invocation with true
// time (Env.TrueNow), and sends a Request through the Adapter to a target
// chosen by the Targeting policy. The reply decides the history record:
//
//   - StatusOK: type ok with the reply's output; node_seen is the node
//     that answered.
//   - StatusFail: type fail with the reply's error.
//   - StatusRedirect: the node did not act, so the same history operation
//     is sent again (a new Request.ID) to the Leader hint, or to the next
//     target when there is none; after MaxRedirects it is recorded as fail.
//   - StatusUnknown, or no reply within Timeout: type info, timeout_marker
//     true, complete_ts and output null. With Retries left, the same call
//     is issued again as a new history operation with the same input (and
//     so the same idempotency key): a retry is never merged into the first.
//
// # Wire
//
// An Adapter is how a Request becomes the SUT's bytes and its reply bytes
// a Reply. Two general ones speak the same Request and Reply:
// JSONAdapter (the default: one JSON object per message; an SUT node
// answers with DecodeRequest and EncodeReply) and BinaryAdapter (one
// message of length-prefixed fields, with no JSON encoder or decoder per
// message; DecodeBinaryRequest and AppendBinaryReply). Inputs and outputs
// are the model's JSON text on either wire. A system with a wire of its
// own writes its own Adapter.
//
// A reply whose Request.ID is not the attempt in flight answers an attempt
// the client abandoned and is ignored (Stats.LateReplies). A reply the
// client cannot use is recorded in BadReplies, to be blamed on the SUT,
// and the operation ends at its timeout.
//
// Every operation carries fault_epoch: the sorted ids Config.Epoch returns
// at invocation and at completion (complete null for info). Without a hook
// no fault is ever active: the epoch is recorded, and empty.
//
// When every client has issued OpsPerClient operations, the last to finish
// waits Quiet and then takes the final reads, one per key, so checkers can
// judge loss: a read of each register/key and counter, a final read
// ({"final": true}) of each set and log, a drain of each queue, a balances
// snapshot of a ledger. A final read whose outcome is unknown is retried
// up to FinalRetries times. Stats.FinalsDone reports that they were
// answered.
//
// # Generators
//
// Operations follow history/vocabulary.go exactly. op_types are drawn by
// the weights of Config.Mix (DefaultMix by default), keys by KeyDist
// (uniform, or zipf-like with integer weights 1/(i+1)). Values are unique
// per run (process*1,000,000 + sequence number), so queue, log and set
// checkers can tell items apart; ledger transfers carry a unique "idem"
// (p<process>-<seq>); a register cas compares with the last value the
// client saw; a counter increments by 1 to 5. Lock and lease clients hold at most one lock or lease: they
// acquire whenever they hold nothing and otherwise draw use/release
// (renew/release) from the mix; "use" carries the fencing token the client
// holds, and a use rejected as stale, a failed renew or any release gives
// it up.
//
// Retries re-send the same input; whether that is safe is the model's and
// the claim's business: a retried transfer carries its idempotency key, a
// retried enqueue or append may be delivered twice (at-least-once).
//
// # Determinism
//
// A client draws only from streams split from its node's Env.Rand, the
// seed's "node/<client>" stream: "ops" (generator), "think" and "target".
// So a client's draws depend on the seed and its name alone, and nothing
// it draws shifts another component's stream. Nothing iterates a map into
// an output. The same seed gives the same history, byte for byte.
package workloads
