// Package guest runs an ordinary Go program, compiled with GOOS=wasip1
// GOARCH=wasm, as a node of a simulated world, hosted by wazero.
//
// # How a guest runs
//
// Each boot of a node instantiates the module afresh (Module.Factory); a
// crash drops the instance, memory and all, and a restart instantiates the
// same compiled module again. The instance runs on its own goroutine, but
// it and the world strictly alternate: the world waits while the guest
// runs, and the guest runs only until it blocks in poll_oneoff (every
// goroutine waits on a timer) or its program ends. A blocking poll's
// earliest clock deadline becomes a timer on the node's own monotonic
// clock (so drift moves it); when it fires the world resumes the guest.
// Between two host calls a wasip1 program is a pure function of its
// memory, so a run stays a pure function of the seed: the trace hash is
// the same in every process, under any GOMAXPROCS, with either Engine.
//
// The guest sees:
//   - clock_time_get: its node's clocks. Monotonic time is the node's
//     monotonic clock plus one second (the Go runtime refuses a nanotime of
//     0); wall time is WallEpoch plus the node's wall clock (offset, drift,
//     jumps). Time does not pass while a guest runs: a guest that waits by
//     reading the clock in a loop never sees it move.
//   - random_get: the node's random stream (Env.Rand), which also seeds the
//     Go runtime's map iteration order and select choices.
//   - stdout and stderr: one trace log line per line written.
//   - poll_oneoff: a subscription already due (a zero timeout) returns at
//     once; otherwise the guest blocks as above.
//
// # Network
//
// A guest listens and dials through package guest/net (Listen(":8080"),
// Dial("node:8080")), which hands Go's netpoller WASI socket descriptors
// served here: fd_fdstat_get says socket-stream and non-blocking,
// fd_read and fd_write return EAGAIN until data or the connection is
// there, sock_accept, sock_shutdown and fd_close work as on TCP, and
// poll_oneoff blocks on their readiness. So net.Conn, net.Listener,
// net/http and net/rpc work unmodified. Connection bytes ride on the
// world's messages between nodes; give the links netsim's Stream mode
// (ordered, retransmitted, broken by a partition): a partition or a crash
// of either end resets the connections between the two nodes (both ends
// see ECONNRESET), a dial to a node that is down or cut off fails after
// Config.ConnectTimeout on the node's clock (or when the dial's context
// is done, if sooner), and a dial to a port nobody listens on is refused.
// Flow control: a writer may be Config.SendBuffer bytes (default 256
// KiB) ahead of what the peer's program has read; past that fd_write
// says EAGAIN and the writer's goroutine waits in the netpoller until the
// peer reads and its window update arrives. A datagram network's gaps or
// duplicates reset a connection rather than corrupt it. UDP is not
// supported: guest/net.ListenPacket, and DialContext with a "udp"
// network, fail with guest/net.ErrUDP.
//
// # Files
//
// The node's disk (package disk) is the guest's file system, preopened as
// "/": "/data/wal.log" is the disk's "data/wal.log". os.File reads,
// writes (O_APPEND, O_TRUNC, O_EXCL, O_SYNC), Seek, Stat, Truncate, Sync,
// os.Rename, os.Remove, os.ReadDir, os.Mkdir, the removal and rename of
// a directory and a directory's Sync (the disk's SyncDir) go to the
// disk, so a guest gets exactly its crash rules and injected faults (EIO,
// ENOSPC): unsynced writes and unsynced names are lost at a crash as the
// disk's crash mode says. A made or removed directory, and a renamed one,
// are names like a file's: durable once the parent directory is synced
// (an empty directory made and not synced is gone after a crash; a
// directory renamed and not synced is back at its old name, with what is
// in it). As on the disk, a file's durability involves only its immediate
// directory. Symbolic and hard links are not supported.
//
// # Roles
//
// A guest declares its role ("primary", "leader") with package
// guest/role (the host function faultline.set_role), as a native node
// does with sim.Env.SetRole: faults aim at the holder, and a crash
// clears it.
//
// # How a guest fails
//
// A guest whose program exits with a non-zero code (a Go panic exits with
// 2), traps, or is stopped by a budget fails the run through Env.Fail: an
// SUT finding whose message carries the last lines of the guest's stderr
// (for a panic, its stack). Exit code 0 is logged; the node stays up, idle.
// Config.StepBudget stops, deterministically, a guest that makes too many
// host calls without blocking (spinning on the clock); Config.Runaway is a
// host-time backstop for a loop with no host call at all.
//
// # Compilation
//
// Compile, Load and Build compile a module once per process per Engine
// (cached in memory by content hash) and keep wazero's compiled code on
// disk under CacheDir, so another process only loads it.
package guest
