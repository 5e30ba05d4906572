package raftkv

import (
	"fmt"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/faultline-dst/faultline/disk"
)

// genesis is the state every replica starts from before anything is on its
// disk: a snapshot at index 1, term 1, whose configuration holds every
// replica and whose state machine is empty. It is a function of the
// cluster size alone, so it is never written: a node that finds no
// snapshot on disk starts from it (raft's recommended alternative to
// Bootstrap).
func genesis(n int) (raftpb.Snapshot, raftpb.HardState) {
	cs := raftpb.ConfState{}
	for id := 1; id <= n; id++ {
		cs.Voters = append(cs.Voters, uint64(id))
	}
	snap := raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{ConfState: cs, Index: 1, Term: 1}}
	return snap, raftpb.HardState{Term: 1, Commit: 1}
}

// recovered is what a node rebuilt from its disk.
type recovered struct {
	storage *raft.MemoryStorage
	snap    raftpb.Snapshot // the snapshot the state machine restarts from
	wal     *wal
}

// recoverStorage rebuilds raft's storage from the snapshot file (or the
// genesis snapshot) and the WAL, repairing a torn WAL tail. It fails, and
// the node must not start, when what is on disk cannot be what it wrote:
// a corrupt record, or a WAL that does not continue the snapshot. version
// is the software version reading it (Config.Version): version 1 does not
// know version 2's entry records, and a WAL holding one is a WAL it cannot
// have written (errInconsistent). newFormat makes a version 2 WAL write
// version 2's records (BugNewWALFormat).
func recoverStorage(fs *disk.FS, n, version int, newFormat bool, logf func(string, ...any)) (*recovered, error) {
	snap, hs := genesis(n)
	saved, ok, err := loadSnapshot(fs)
	if err != nil {
		return nil, err
	}
	if ok {
		snap = saved
	}
	w, recs, err := openWAL(fs, logf)
	if err != nil {
		return nil, err
	}
	w.v2 = version >= 2 && newFormat
	var ents []raftpb.Entry
	var walHS raftpb.HardState
	for i, r := range recs {
		switch {
		case r.typ == recEntry || (r.typ == recEntryV2 && version >= 2):
			payload := r.payload
			if r.typ == recEntryV2 {
				if len(payload) < 16 {
					return nil, fmt.Errorf("%s: record %d: short version 2 entry", walFile, i)
				}
				payload = payload[16:]
			}
			var e raftpb.Entry
			if err := e.Unmarshal(payload); err != nil {
				return nil, fmt.Errorf("%s: record %d: %w", walFile, i, err)
			}
			// An entry at index i replaces the log from i on.
			if k := len(ents); k > 0 {
				first, last := ents[0].Index, ents[k-1].Index
				switch {
				case e.Index > last+1:
					return nil, fmt.Errorf("%s: record %d: entry %d after %d leaves a gap", walFile, i, e.Index, last)
				case e.Index <= first:
					ents = ents[:0]
				default:
					ents = ents[:e.Index-first]
				}
			}
			ents = append(ents, e)
		case r.typ == recHardState:
			if err := walHS.Unmarshal(r.payload); err != nil {
				return nil, fmt.Errorf("%s: record %d: %w", walFile, i, err)
			}
		default:
			// The record passed its checksum: a version of this system
			// wrote it, and this one cannot read it back.
			return nil, fmt.Errorf("%w: %s: record %d: unknown type %d (version %d)", errInconsistent, walFile, i, r.typ, version)
		}
	}
	// Entries the snapshot covers are dropped; the rest must follow it.
	k := 0
	for k < len(ents) && ents[k].Index <= snap.Metadata.Index {
		k++
	}
	ents = ents[k:]
	if len(ents) > 0 && ents[0].Index != snap.Metadata.Index+1 {
		return nil, fmt.Errorf("%w: the WAL resumes at index %d but the snapshot ends at %d: entries %d..%d are on neither", errInconsistent,
			ents[0].Index, snap.Metadata.Index, snap.Metadata.Index+1, ents[0].Index-1)
	}
	if !raft.IsEmptyHardState(walHS) {
		hs = walHS
	}
	last := snap.Metadata.Index
	if len(ents) > 0 {
		last = ents[len(ents)-1].Index
	}
	hs.Term = max(hs.Term, snap.Metadata.Term)
	hs.Commit = max(hs.Commit, snap.Metadata.Index)
	if hs.Commit > last {
		// The commit index need not be durable (raft re-learns it), but it
		// must not point past the log.
		logf("recovery: hard state commit %d is past the log's last index %d; using %d", hs.Commit, last, last)
		hs.Commit = last
	}
	ms := raft.NewMemoryStorage()
	if err := ms.ApplySnapshot(snap); err != nil {
		return nil, fmt.Errorf("applying snapshot %d: %w", snap.Metadata.Index, err)
	}
	if err := ms.Append(ents); err != nil {
		return nil, fmt.Errorf("appending %d recovered entries: %w", len(ents), err)
	}
	if err := ms.SetHardState(hs); err != nil {
		return nil, err
	}
	logf("recovered snapshot %d (term %d), %d entries up to %d, term %d vote %d commit %d",
		snap.Metadata.Index, snap.Metadata.Term, len(ents), last, hs.Term, hs.Vote, hs.Commit)
	return &recovered{storage: ms, snap: snap, wal: w}, nil
}
