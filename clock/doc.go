// Package clock owns virtual time: the instant type, the agenda of pending
// events, and the clock each simulated node reads.
//
// Time is an integer count of nanoseconds since the start of a run. It only
// moves when the simulator takes the next event off the Agenda; events at
// the same instant come off in the order they were pushed. Nothing here reads
// the host clock.
//
// A node never sees true time. It reads a Clock: true time seen through an
// offset, a drift rate in parts per million and scheduled jumps. Node timers
// measure durations on the node's monotonic reading (drift applies, jumps and
// offsets do not, as with Go's monotonic time.Timer), so a fast clock fires
// its timers early in true time; wall-clock reads (Now) see offsets and jumps.
// All arithmetic is integer, so a run is identical on every platform.
package clock
