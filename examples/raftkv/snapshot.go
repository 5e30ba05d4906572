package raftkv

import (
	"errors"
	"fmt"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/faultline-dst/faultline/disk"
)

// saveSnapshot makes snap the node's snapshot: written to a temporary
// file, synced, renamed into place and, unless dirSync is false (the
// snapshot-no-dirsync bug), the directory synced.
func saveSnapshot(fs *disk.FS, snap *raftpb.Snapshot, dirSync bool) error {
	f, err := fs.Create(snapTmp)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(appendRecord(nil, recSnapshot, snap)); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := fs.Rename(snapTmp, snapFile); err != nil {
		return err
	}
	if !dirSync {
		return nil
	}
	return fs.SyncDir(snapDir)
}

// loadSnapshot returns the saved snapshot, or ok false if there is none.
func loadSnapshot(fs *disk.FS) (snap raftpb.Snapshot, ok bool, err error) {
	f, err := fs.Open(snapFile)
	if errors.Is(err, disk.ErrNotExist) {
		return snap, false, nil
	}
	if err != nil {
		return snap, false, err
	}
	defer f.Close()
	b, err := readAll(f)
	if err != nil {
		return snap, false, err
	}
	recs, valid, err := scanRecords(b, fs.Config().SectorSize)
	if err == nil && (valid != len(b) || len(recs) != 1 || recs[0].typ != recSnapshot) {
		err = fmt.Errorf("%w: want one snapshot record in %d bytes", errCorrupt, len(b))
	}
	if err != nil {
		return snap, false, fmt.Errorf("%s: %w", snapFile, err)
	}
	if err := snap.Unmarshal(recs[0].payload); err != nil {
		return snap, false, fmt.Errorf("%s: %w", snapFile, err)
	}
	return snap, true, nil
}

// maybeSnapshot takes a snapshot every SnapshotEntries applied entries:
// the snapshot file is made durable first, then raft's storage is
// compacted (keeping some entries for followers that lag a little) and the
// WAL rewritten without the compacted entries.
func (n *node) maybeSnapshot() {
	every := n.cfg.SnapshotEntries
	if every < 0 || n.applied-n.snapIndex < uint64(every) {
		return
	}
	data, err := n.sm.snapshot()
	if err != nil {
		n.halt("snapshot", err)
		return
	}
	snap, err := n.ms.CreateSnapshot(n.applied, &n.conf, data)
	if err != nil {
		n.halt("snapshot", err)
		return
	}
	if err := saveSnapshot(n.env.Disk(), &snap, !n.cfg.bugs.snapshotNoDirSync); err != nil {
		n.halt("snapshot", err)
		return
	}
	n.snapIndex = n.applied
	keep := min(uint64(every/2), 1000)
	if n.applied > keep {
		if err := n.ms.Compact(n.applied - keep); err != nil && !errors.Is(err, raft.ErrCompacted) {
			n.halt("compact", err)
			return
		}
	}
	if err := n.rewriteWAL(); err != nil {
		n.halt("wal rewrite", err)
		return
	}
	n.env.Logf("snapshot at %d; log compacted", n.applied)
}
