// Package sim is the world a system under test runs in: named nodes built
// from factories, their lifecycle, the Env each node acts through, the run
// loop with its deterministic budgets, the trace and its hash, and the
// harness's checks on itself.
//
// # The contract
//
// A World is single-threaded and seeded. A node is an event-driven state
// machine (Node): it is called on start (boot and every restart), on each
// delivered message, and when its timers fire, and it answers only through
// its Env: send, timers, its disk, its clock, its private random stream, the
// trace logger and Buggify. A node never starts goroutines, reads the host
// clock, uses global randomness or lets map iteration order reach its
// outputs; with that, a run is a pure function of the configuration and the
// seed, and its trace hash identifies it.
//
// Crash drops the node's object: its timers and the messages in flight to
// it are discarded, its disk loses what the disk's crash mode says, and a
// restart builds a fresh object from the factory (or another factory, to
// simulate an upgrade or a rollback) that must recover from disk. Pause
// freezes a node: its deliveries and timers wait until Resume.
//
// # Randomness
//
// Every random choice comes from a stream of package rng split from the
// seed by name: "node/<name>" for a node's Env.Rand, "net" for the network,
// "disk/<name>" for its disk, "crypto/<name>" for the node's view of
// crypto/rand, "buggify" for site activation. Harness users (nemesis,
// workloads) take their own streams with World.Stream.
//
// Some libraries draw from crypto/rand (go.etcd.io/raft/v3 draws its
// randomized election timeout that way). While World.Run runs, the
// process-wide crypto/rand.Reader is replaced by a reader that serves the
// current node's "crypto/<name>" stream, and it is restored afterwards.
// Because that variable is process-wide, worlds in one process run one at
// a time (Run holds a process-wide lock); to run worlds concurrently, run
// them in separate processes, as faultline's sweeps do. A read from any
// goroutine but the world's while it runs (another test in the process, a
// goroutine the SUT started) is served from the host's reader, so it
// cannot shift the world's streams, and counted in
// Result.ForeignCryptoReads: the scenario layer makes such a run
// INCONCLUSIVE-env.
//
// Only reads through crypto/rand.Reader (crypto/rand.Read, Int, and APIs
// given rand.Reader explicitly) are seeded. Since Go 1.26 key generation
// and rand.Prime ignore the reader they are given and always use the
// system's secure source (unless GODEBUG=cryptocustomrand=1): an SUT that
// generates keys inside a run is not deterministic.
//
// # The harness checks itself
//
// While it runs the World checks that time never moves backwards, that no
// message is delivered to and no timer fires on a crashed node, and that a
// crash loses no synced byte outside the disk's declared faults. A breach
// stops the run with a *HarnessError: the SUT is not to blame for it. A
// panic in node code, or in a harness action (World.At), is recovered at
// the event boundary and stops the run with a *PanicError naming the node,
// the event and the stack, whose Frames (taken with runtime.Callers when
// it was recovered) say whose code panicked. A node that breaks the Env
// contract (sends to a name that is not a node, reads TrueNow on an SUT
// node, acts through another node's Env, uses its Env from a goroutine it
// started, or whose factory returns nil) stops the run with a typed
// *MisuseError: the node's bug, whatever sim frame noticed it. An Env
// used off the world's goroutine ends that goroutine (runtime.Goexit) and
// stops the run at the next event; a goroutine that calls while its own
// node's event runs is not told from the event (that would cost the
// goroutine's identity on every call).
//
// # Code that never returns
//
// The budgets above are checked between events; a callback that never
// returns would hang the run. With Config.StuckAfter set, Run runs the
// world on a goroutine of its own and a watchdog abandons the run when one
// call into node code (or a harness action) has not returned after that
// much host time: Run returns a *StuckError with the stuck goroutine's
// stack and frames. The goroutine cannot be stopped and leaks; the process
// should end once it has reported it. The watchdog costs the world one
// atomic store per call (a call number its ticker samples); a world stuck
// between calls, in the simulator's own code, is abandoned the same way,
// with no stack (the call it names had returned). Waiting on Config.Trace's
// writer or on RealTime pacing is never timed.
package sim
