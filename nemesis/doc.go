// Package nemesis turns a seed into a schedule of faults inside a
// scenario's fault budget, applies and heals those faults on a sim.World,
// and records for each fault the evidence that it landed.
//
// # Schedules
//
// A Schedule is a list of Faults. Each has an id ("f1", "f2", ...), a
// Kind, a start and an end instant (true simulated time; the fault heals,
// or the crashed node restarts, at End), the nodes it targets and its
// kind's parameters. A schedule is plain data: it round-trips through JSON
// (ParseSchedule, json.Marshal), so a generated schedule, or one a
// shrinker cut down, is written as an explicit fault list that replays on
// its own. ParseSchedule is strict: unknown fields and unknown kinds are
// errors that list the valid choices.
//
// Schedule.Validate checks a schedule against the world's nodes and a
// Budget: structure (ids, kinds, instants, nodes, parameters, no two
// faults that change the state of one node at once) and the budget (kinds
// allowed, eligible targets, time window, bounds on drift, offsets, jumps,
// delays and probabilities, and how many nodes are down or paused at
// once). Every problem is reported, each as a *FieldError naming the
// fault, the field, its value and the valid choices; errors.Is tells a
// malformed schedule (ErrInvalid) from one outside its budget
// (ErrOutsideBudget).
//
// # Budgets and generation
//
// A Budget is part of the claim under test ("linearizable with at most one
// node down"). Generate draws a schedule with a fixed mix: every allowed
// kind equally likely, up to MaxFaults faults. Swarm first draws a mix per
// seed (swarm testing): each allowed kind is enabled with probability 1/2
// (at least one is), each enabled kind gets a weight from 1 to 8, the
// allowed disk fault kinds and partition shapes are thinned the same way,
// and the number of faults is uniform in [1, MaxFaults]; then it draws the
// schedule as Generate does. Both draw only from the stream they are given
// and never leave the budget: every candidate fault is kept only if the
// schedule with it still validates, and the result is validated again.
//
// # Applying
//
// Apply validates a schedule against a world and a budget and schedules
// every fault's start and end with World.At, labelled "f3 start crash n2"
// and "f3 end crash n2". At the same instant heals run before starts (a
// disk fault's crash at its end counts as a start), so a node restarted at
// t may be crashed again at t. While the world runs,
// the Nemesis checks its budget again at each start (time window, nodes
// down or paused at once) and the success of every call it makes on the
// world. A breach is a harness defect: the fault is not applied and
// Nemesis.Err returns a *sim.HarnessError, which the scenario layer
// charges to the harness.
//
// How each kind is applied:
//
//   - partition, clog, loss, duplicate, reorder: a netsim fault installed
//     under the fault's id on its links, removed at End.
//   - crash: every node crashes at Start and restarts at End.
//   - pause: every node is paused at Start and resumed at End.
//   - clock-offset and clock-jump: each node's wall clock steps by Offset
//     (or Jump) at Start and back at End (World.JumpClock), on top of
//     whatever offset the node was configured with.
//   - clock-drift: each node's drift becomes PPM at Start and returns to
//     its base drift (Options.BaseDriftPPM, default 0) at End.
//   - disk: a disk fault is injected under the fault's id at Start and
//     cleared at End. Corrupt fires only when the node crashes; with
//     CrashAtEnd the node is crashed at End (so the corruption is applied),
//     the fault cleared, and the node restarted at once.
//   - upgrade: a rolling restart. The window is cut into len(Nodes) equal
//     steps; in step i node Nodes[i] crashes at its start and restarts
//     half a step later from the factory Options.Factories[Factory],
//     keeping its disk. A rollback is an upgrade to the old factory.
//
// # Fault epochs and evidence
//
// Nemesis.Epoch returns the ids of the faults active now; workloads stamp
// it on every operation. Nemesis.Evidence returns, per fault, whether it
// landed and the counters that say so: for network faults the netsim
// counters under the fault's id, for node faults the deltas of the
// nodes' sim.NodeStats over the fault's window, for disk faults the disk's
// counter under the fault's id. A fault without evidence makes a run
// INCONCLUSIVE-fault-not-proven, never PASS. Nemesis.LastHeal says when
// the last fault healed, for liveness checks.
//
// # Determinism
//
// Randomness comes only from the rng.Stream given to Generate or Swarm;
// Apply draws nothing. No map is iterated into a schedule, a label or an
// output; ids sort in natural order (f2 before f10).
package nemesis
