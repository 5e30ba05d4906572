package raftkv

import (
	"errors"
	"fmt"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/faultline-dst/faultline/disk"
)

// On-disk layout. Each directory holds one live file; the .tmp names exist
// only while a file is being replaced.
const (
	walDir   = "wal"
	walFile  = "wal/wal"
	walTmp   = "wal/wal.tmp"
	snapDir  = "snap"
	snapFile = "snap/snap"
	snapTmp  = "snap/snap.tmp"
)

// wal is the write-ahead log: one append-only file of entry and hard-state
// records. A later entry with index i replaces every earlier one with index
// >= i; the last hard state wins.
type wal struct {
	fs    *disk.FS
	f     *disk.File
	buf   []byte
	dirty bool // written since the last sync
	// v2 writes entries in version 2's record format (recEntryV2):
	// BugNewWALFormat.
	v2 bool
}

// openWAL opens the WAL, creating it durably (file and directory entry) if
// it does not exist, and returns its records. A torn tail is truncated and
// the truncation synced; logf reports the repair.
func openWAL(fs *disk.FS, logf func(string, ...any)) (*wal, []record, error) {
	f, err := fs.Open(walFile)
	if errors.Is(err, disk.ErrNotExist) {
		if f, err = fs.Create(walFile); err != nil {
			return nil, nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, nil, err
		}
		if err := fs.SyncDir(walDir); err != nil {
			return nil, nil, err
		}
		return &wal{fs: fs, f: f}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	b, err := readAll(f)
	if err != nil {
		return nil, nil, err
	}
	recs, valid, err := scanRecords(b, fs.Config().SectorSize)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", walFile, err)
	}
	if valid < len(b) {
		logf("wal: truncating torn tail of %d bytes at offset %d", len(b)-valid, valid)
		if err := f.Truncate(int64(valid)); err != nil {
			return nil, nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, nil, err
		}
	}
	return &wal{fs: fs, f: f}, recs, nil
}

// append writes ents and, if not empty, hs, in one write. It does not sync.
func (w *wal) append(ents []raftpb.Entry, hs *raftpb.HardState) error {
	w.buf = w.buf[:0]
	for i := range ents {
		w.buf = appendEntry(w.buf, &ents[i], w.v2)
	}
	if hs != nil {
		w.buf = appendRecord(w.buf, recHardState, hs)
	}
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.f.Write(w.buf); err != nil {
		return err
	}
	w.dirty = true
	return nil
}

// sync makes everything appended so far durable.
func (w *wal) sync() error {
	if !w.dirty {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return err
	}
	w.dirty = false
	return nil
}

// rewrite replaces the WAL with one holding exactly ents and hs: written to
// a temporary file, synced, renamed over the WAL and the directory synced,
// so that a crash leaves either the old WAL or the new one, never neither.
func (w *wal) rewrite(ents []raftpb.Entry, hs raftpb.HardState) error {
	f, err := w.fs.Create(walTmp)
	if err != nil {
		return err
	}
	w.buf = w.buf[:0]
	for i := range ents {
		w.buf = appendEntry(w.buf, &ents[i], w.v2)
	}
	w.buf = appendRecord(w.buf, recHardState, &hs)
	if _, err := f.Write(w.buf); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := w.fs.Rename(walTmp, walFile); err != nil {
		return err
	}
	if err := w.fs.SyncDir(walDir); err != nil {
		return err
	}
	_ = w.f.Close()
	w.f, w.dirty = f, false
	return nil
}
