// Package netsim decides the fate of every message in a simulated
// network. It has no event loop and no clock of its own: the simulator
// (package sim) owns the agenda and asks netsim two questions per message.
//
// At send time, Send(now, from, to) returns a Fate: dropped (with a cause
// and the counter id charged), or one or two delivery instants strictly
// after now, plus the link's epoch. The simulator schedules a delivery
// event per instant. When a delivery event comes due, Arrive(now, from, to,
// epoch) says whether the message may still be delivered: it is refused if
// the link was cut since the send, if the stream it travelled on broke, or
// if the destination crashed. Every drop, at send or at arrival, is counted
// against the fault responsible; those counters are the landing evidence a
// nemesis needs before a run may PASS.
//
// Nodes are dense indices 0..n-1 named at construction. Each directed link
// has a LinkConfig: a latency distribution (Fixed, Uniform, LongTail),
// loss, duplication and reordering probabilities, and a Mode.
//
// Datagram links treat each message independently: a message may be lost,
// duplicated (the copy gets its own latency sample), or held back by an
// extra delay (reordering: later messages overtake it).
//
// Stream links behave like a TCP connection per directed link: delivery
// instants never decrease within an epoch (a clog or slow sample holds back
// what follows), nothing is duplicated or reordered, and a loss costs a
// retransmission (more delay) rather than a gap. A stream breaks when
// either direction between its ends is cut, when either end crashes, or
// when StreamMaxAttempts transmissions in a row are lost. A break ends the
// link's epoch in both directions: messages in flight are refused on
// arrival, sends while the stream is dead (cut, or an end down) are
// dropped, and when it comes back (Remove of the last cut, RestartNode) it
// starts a fresh epoch. An epoch is thus one connection: what is delivered
// of it is a gap-free prefix, in send order, of what was accepted on it.
// The simulator learns of every break from the return value of the call
// that caused it (Install, CrashNode, or Fate.Broken) and tells both ends.
//
// Wiring, for the simulator: call Send when a node sends and schedule one
// delivery per Fate.At[:Count]; when a delivery comes due (after any pause
// of the destination), call Arrive (or Arrival, for the reason) once and
// deliver only if it says so. Call CrashNode when a node crashes and
// RestartNode when it restarts. The nemesis calls Install and Remove and
// reads Counters as landing evidence.
//
// Faults are installed and removed by id: Cut (partitions, built by the
// shape functions Isolate, RandomHalves, MajorityMinority, MajoritiesRing,
// Bridge, OneWay, LinksBetween or any link list), Clog (delay instead of
// loss), Loss, Duplicate and Reorder. Several may be active on the same
// links; a message refused at send by overlapping cuts is charged
// (Fate.Fault) to the earliest installed and counted as landing evidence
// by every one of them, since each alone would have refused it.
// Effects of the configuration itself are counted under BaseID, those of
// crashes under CrashID.
//
// Determinism: every random draw comes from the rng.Stream given to New, in
// an order pinned by Send's documentation; latency sampling is integer
// arithmetic; nothing depends on map iteration. The same seed and the same
// calls give the same fates. A Network is single-threaded.
//
// Validation: New and Install check everything they are given and return
// errors wrapping ErrInvalid that name the field and its value (and list
// valid choices for kinds). Send and Arrive never panic: indices or epochs
// netsim never issued yield CauseInvalid.
package netsim
