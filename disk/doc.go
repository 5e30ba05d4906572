// Package disk is a per-node simulated file store with the durability rules
// of a POSIX file system, crash modes that discard what was not made durable,
// and injectable faults whose firings are counted as landing evidence.
//
// # The store
//
// An FS holds files named by clean, relative, slash-separated paths such as
// "wal/0001.log" (io/fs.ValidPath, and not "."). Directories need not be
// made: a file's directory is path.Dir of its name, a file can be created
// in any valid directory, and List returns the base names of the files
// directly in it. Creating "a/b/c" needs no mkdir, and only the immediate
// parent "a/b" is involved in its durability. Mkdir makes a directory that
// exists while empty too, RemoveDir removes it, Rename moves a directory
// with everything in it, IsDir and Dirs tell which directories exist (one
// made and not removed, or one with something in it). Every file is readable and writable; Write appends at the
// end of the file (O_APPEND), WriteAt writes anywhere, a write past the end
// fills the gap with zeros. Files are capped at MaxFileSize bytes.
//
// The simulator owns one FS per node, keeps it across the node's crashes and
// restarts and calls Crash when the node crashes. An FS is not safe for
// concurrent use; a simulation is single-threaded. It draws all randomness
// from the *rng.Stream given to New, so the same stream and the same calls
// give the same results, byte for byte.
//
// # The durability contract
//
// Each file is an inode with two states: its durable contents, which survive
// a crash, and its current contents, which every read sees. A write or a
// truncate changes the current contents at once and is queued on the inode as
// a pending operation. File.Sync makes the inode's pending operations durable
// in order. Until then they are volatile.
//
// The namespace works the same way per directory. Create of a new name,
// Rename and Remove change the current namespace at once and queue a pending
// name operation on each directory involved; SyncDir(dir) makes that
// directory's pending name operations durable in order. A rename within one
// directory is one operation, atomic at a crash; a rename across directories
// is two, one per directory, and needs both SyncDirs (if only one persists,
// the file has both names or neither after a crash). So, as on Linux, a new
// file needs Sync of the file for its data and SyncDir of its parent for its
// name; syncing either alone is not enough. Create of an existing name
// truncates that file in place (a pending truncate) and changes no name.
//
// Directories are names too. Mkdir and RemoveDir queue a pending name
// operation on the parent directory: after a crash, an empty directory
// exists only if its Mkdir (and not a later RemoveDir) was made durable by
// SyncDir of its parent. A directory's Rename is one atomic operation
// queued on the destination's parent directory: until SyncDir of that
// directory, a crash brings the directory back at its old name with what
// is in it. Pending operations inside a renamed directory stay with the
// directory, not the path: SyncDir of it at its new name makes them
// durable wherever the directory durably is. Not modelled: a file whose
// directory was made by Mkdir and whose parent was never synced survives a
// crash once its own name is synced (on a real file system the directory,
// and the file with it, may be lost).
//
// A removed file that is still open keeps working through its *File (POSIX
// unlink semantics): reads, writes and Sync go to its inode, which has no
// name. If the remove was not made durable, the name and the inode's durable
// contents come back after a crash. Faults match a *File by the name it was
// opened or created with, even after a rename.
//
// # Crashes
//
// Crash discards volatile state according to Config.Crash, then invalidates
// every *File (later calls return ErrClosed) and resets the current state to
// the durable state:
//
//   - LoseUnsynced: every pending operation is lost, data and names. After the
//     crash the store is exactly what was synced.
//   - LoseSome: each pending operation independently persists with
//     probability 1/2, and the persisted ones are applied in their original
//     order (per inode for data, per directory for names). This is reordered
//     persistence: a later write may survive while an earlier one is lost.
//   - Tear: as LoseSome, and a persisting write that spans more than one
//     sector may persist only a prefix of its sectors (a torn write). Sectors
//     are SectorSize-aligned in the file; a single sector is written
//     atomically.
//
// A file whose name was never made durable is gone after a crash, with its
// data, synced or not.
//
// # Faults
//
// Faults are injected by id and cleared by id (Inject, Clear). Each firing is
// counted per id (Counters) as evidence that the fault landed:
//
//   - ReadError: a read overlapping the range fails with ErrIO, probability P.
//   - WriteError: a write overlapping the range fails with ErrIO and changes
//     nothing, probability P.
//   - NoSpace: an operation that would grow a file fails with ErrNoSpace,
//     probability P. Config.Capacity, if set, does the same for real.
//   - SyncFail: a Sync of a file with pending operations fails with ErrIO,
//     probability P, and drops those operations as Linux does after a failed
//     fsync ("fsyncgate"): they will never become durable, a later Sync
//     succeeds without writing them, and reads still see them (they stay in
//     the page cache) until the next crash.
//   - Corrupt: applied at each Crash while active, after the crash mode: each
//     synced sector in the range of each matching file gets one bit flipped,
//     probability P per sector. Corruption is thus seen when data is read back
//     from the medium after a restart. It is declared, so CheckInvariants
//     accepts it.
//   - LatentSector: reads overlapping the range fail with ErrIO (P unused)
//     until the sector is rewritten; a write overlapping a sector heals it.
//   - Misdirect: a write overlapping the range lands, probability P, a whole
//     number of sectors (1 to 8) away from where it was aimed. The current
//     contents (the cache) show the write where it was aimed; the medium gets
//     it at the wrong place, which a reader sees after Sync and a crash. The
//     aimed-at place keeps its old contents on the medium.
//   - Slow: each write and each Sync or SyncDir with something to write
//     takes Fault.Delay longer, probability P (a slow or overloaded disk;
//     see Latency).
//
// Fault.Off and Fault.Len are a byte range in the file (Len 0 means to the end
// of the file); sectors are those overlapping it. The range is ignored by
// NoSpace and SyncFail. Fault.Name selects one file ("" = all files).
//
// # Latency
//
// Config.SyncLatency, Config.WriteLatency and Config.ReadLatency give
// syncs, writes and reads a duration, fixed, uniform in [Min, Max], or
// long-tailed (Min, Median, Max: netsim's LongTail law, see Latency),
// drawn from the FS's own stream (split from the one given to New, so
// latency shifts no other draw; a zero latency draws nothing);
// SetLatency and SetReadLatency change them on a running FS, and Slow
// faults add to writes and syncs (not to reads). The FS does not block: its owner drives time. Begin(now) starts an
// event at true instant now, each call then charges its latency to
// Elapsed, and a Sync (or SyncDir) with something to write issues a sync
// that completes at now plus Elapsed at that point. Its operations leave
// the pending queue at once (a later Sync does not issue them again) and
// become durable when it completes: at the next Begin or Advance at or
// after that instant. A crash while syncs are in flight cuts them: each
// of their operations persists with probability 1/2, whatever the crash
// mode, in the order issued (the device was writing them when power went),
// before the crash mode applies to what was still pending; the
// CrashReport counts them with the others and the cut syncs in SyncsCut.
// With no latency configured, Sync is durable at once, as before.
//
// Package sim calls Begin before every callback of the node that owns the
// FS and Advance before crashing it, and keeps the node busy until
// Elapsed has passed (see sim.Env.Disk).
//
// # Self-check
//
// The FS keeps a shadow of its durable state: the size and a checksum of each
// sector of every inode's durable contents, updated only from the metadata of
// the operations that are allowed to change durable state (a Sync, an
// operation persisted at a crash, a declared corruption). CheckInvariants
// recomputes the checksums and reports any synced byte that was lost or
// changed otherwise; the simulator calls it after Crash and charges a breach
// to the harness.
package disk
