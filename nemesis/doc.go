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
// # Roles
//
// A fault may name a role instead of nodes (Fault.Role): "leader",
// "primary" or any role the nodes declare with sim.Env.SetRole;
// "not-leader" for a node that does not hold it; "any" for any target.
// It is resolved when the fault starts, to the latest claimant among
// running targets that no other fault holds down (or, with no holder, to
// the role's last holder; for "not-" and "any", the Pick-th free target),
// written into the trace ("f3 role leader -> n2 {n2} | {n1,n3}") and into
// the schedule (Fault.Resolved, ResolvedAt). A network fault aims where
// its links carry traffic: from each link's recent traffic
// (netsim.Network.Traffic) it estimates how many messages each placement
// would act on over the rest of its window and takes a holder (or the
// Pick-th candidate) expecting enough; a holder whose links carry nothing,
// or that another partition already cuts off, is waited on. A fault that
// finds no free holder waits for a role change or a heal; by mid-window it
// takes a cut-off holder or aims at a node that does not hold the role
// (the evidence says so), and a role no node ever declared leaves it
// unresolved (INCONCLUSIVE). Partitions aimed at a role take the shapes
// isolate (cut from its peers, reachable by clients), isolate-all (cut
// from every node, clients too) and minority (in the minority side), or
// any other shape's links as a layout into which the holder is moved
// where the layout cuts most, relabeled so that its cut links carry
// traffic (not, say, into a node that is down). A shrunk fault list keeps
// the role, not the node it resolved to. With Budget.Roles set, the
// generators place every partition around a role's holder, aim half the
// other faults (a per-seed share in a swarm) at a role or at a node
// without it, and aim a fault drawn blind on one node at "any" with that
// node's Pick (the same node when it is free when the fault starts); a
// role-aimed fault is only drawn with room for it: two targets free of
// other faults throughout its window. Every partition drawn after a clock
// fault aimed at a role follows it: it starts while that clock is off and
// cuts the same role's holder off from its peers, clients still reaching
// it (isolate, when the budget allows the shape), for a node on a wrong
// clock decides by it alone only once it cannot hear its peers.
//
// A drawn network fault keeps at least half its window free of the
// faults that may silence the traffic it needs: crashes, pauses and
// upgrades (of any node: which one a role-aimed fault strikes is known
// only when it starts, and a primary that crashed stops its clients'
// traffic until they time out) and other partitions (a partition on links
// another one cuts refuses nothing; a duplicate under it copies nothing).
// A fault drawn inside such a window is drawn again. Explicit faults are
// left as written.
//
// Crash, pause and clock faults never strike a node restarted at that
// very instant before its Start has run (they wait for it), and a clock
// fault never overlaps a crash or pause of its node.
//
// # Fault epochs and evidence
//
// Nemesis.Epoch returns the ids of the faults active now; workloads stamp
// it on every operation. Nemesis.Evidence returns, per fault, whether it
// landed and the counters that say so: for network faults the netsim
// counters under the fault's id, for node faults the deltas of the
// nodes' sim.NodeStats over the fault's window, for disk faults the disk's
// counter under the fault's id. A fault without evidence makes a run
// INCONCLUSIVE-fault-not-proven, never PASS. A crash lands when its node
// was running (its volatile memory is lost); its evidence also counts the
// timers, messages (in flight, or sent to it while down), client requests
// and unsynced disk state it cost. A fault the run never reached (it
// stopped first, on a finding) is NotReached: no evidence either way, and
// not held against the run. Nemesis.LastHeal says when the last fault
// healed, for liveness checks.
//
// # Determinism
//
// Randomness comes only from the rng.Stream given to Generate or Swarm;
// Apply draws nothing. No map is iterated into a schedule, a label or an
// output; ids sort in natural order (f2 before f10).
package nemesis
