package disk

import (
	"fmt"
	"io"
)

// File is an open file of an FS. It stays usable after its name is removed
// or renamed, and becomes invalid (ErrClosed) when the FS crashes.
type File struct {
	fs     *FS
	ino    *inode
	name   string // the name it was opened with; faults match on it
	gen    uint64
	closed bool
}

// Name returns the name the file was opened or created with.
func (f *File) Name() string { return f.name }

func (f *File) check(op string) error {
	if f == nil || f.fs == nil {
		return pathErr(op, "", fmt.Errorf("%w: nil *File", ErrInvalid))
	}
	if f.closed {
		return pathErr(op, f.name, ErrClosed)
	}
	if f.gen != f.fs.gen {
		return pathErr(op, f.name, fmt.Errorf("%w: invalidated by a crash", ErrClosed))
	}
	return nil
}

// ReadAt reads len(p) bytes at off from the current contents, with
// io.ReaderAt semantics: fewer bytes than len(p) come with io.EOF.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if err := f.check("read"); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, pathErr("read", f.name, fmt.Errorf("%w: negative offset %d", ErrInvalid, off))
	}
	if len(p) == 0 {
		return 0, nil
	}
	f.fs.costRead()
	b := f.ino.view()
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := min(int64(len(p)), int64(len(b))-off)
	if f.fs.latentHit(f, off, n) || f.fs.fire(ReadError, f.name, off, n, n) {
		return 0, pathErr("read", f.name, ErrIO)
	}
	copy(p, b[off:off+n])
	if n < int64(len(p)) {
		return int(n), io.EOF
	}
	return int(n), nil
}

// WriteAt writes p at off. A write past the end fills the gap with zeros.
// It is all or nothing: on error nothing was written.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	return f.write(p, off, false)
}

// Write appends p at the end of the file (O_APPEND).
func (f *File) Write(p []byte) (int, error) {
	return f.write(p, 0, true)
}

func (f *File) write(p []byte, off int64, appending bool) (int, error) {
	if err := f.check("write"); err != nil {
		return 0, err
	}
	fs, ino := f.fs, f.ino
	if appending {
		off = ino.size()
	}
	if off < 0 {
		return 0, pathErr("write", f.name, fmt.Errorf("%w: negative offset %d", ErrInvalid, off))
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := int64(len(p))
	if off > MaxFileSize-n {
		return 0, pathErr("write", f.name, fmt.Errorf("%w: %d bytes at offset %d would pass MaxFileSize (%d)", ErrInvalid, n, off, MaxFileSize))
	}
	fs.cost(fs.cfg.WriteLatency, f.name, n)
	if fs.fire(WriteError, f.name, off, n, n) {
		return 0, pathErr("write", f.name, ErrIO)
	}
	grow := max(off+n-ino.size(), 0)
	if err := fs.checkGrow(f.name, grow); err != nil {
		return 0, pathErr("write", f.name, err)
	}
	land := off
	if fs.fire(Misdirect, f.name, off, n, n) {
		land = fs.misdirect(off, n)
	}
	ino.mutable()
	ino.cur = writeBytes(ino.cur, off, p)
	if ino.counted {
		fs.used += grow
	}
	ino.pushWrite(land, p)
	fs.heal(f, off, n)
	return len(p), nil
}

// checkGrow decides whether a file may grow by grow bytes (NoSpace faults
// and Capacity).
func (fs *FS) checkGrow(name string, grow int64) error {
	if grow <= 0 {
		return nil
	}
	if fs.fire(NoSpace, name, 0, 0, grow) {
		return ErrNoSpace
	}
	if fs.cfg.Capacity > 0 && fs.used+grow > fs.cfg.Capacity {
		fs.refused++
		return fmt.Errorf("%w: capacity %d bytes, %d in use, %d more needed", ErrNoSpace, fs.cfg.Capacity, fs.used, grow)
	}
	return nil
}

// misdirect picks where a misdirected write of n bytes aimed at off lands:
// 1 to 8 sectors away, in the file's address range.
func (fs *FS) misdirect(off, n int64) int64 {
	d := (1 + fs.r.Int64Range(0, 7)) * fs.ss
	if fs.r.Chance(0.5) && off-d >= 0 {
		return off - d
	}
	if off+d+n <= MaxFileSize {
		return off + d
	}
	return max(off-d, 0)
}

// Sync makes the file's pending writes and truncates durable, in order.
// Names are not synced: see SyncDir. With a sync latency, they become
// durable when the sync completes, Elapsed after the event's instant; a
// crash before then cuts the sync (see Crash).
func (f *File) Sync() error {
	if err := f.check("sync"); err != nil {
		return err
	}
	fs, ino := f.fs, f.ino
	if len(ino.pend) == 0 {
		return nil
	}
	lat := fs.cost(fs.cfg.SyncLatency, f.name, ino.pendingBytes())
	if fs.fire(SyncFail, f.name, 0, 0, ino.pendingBytes()) {
		// Linux marks the dirty pages clean after a failed writeback: the
		// data stays readable in the cache but will never reach the disk.
		ino.clearPending()
		return pathErr("sync", f.name, ErrIO)
	}
	if lat > 0 || len(fs.flights) > 0 {
		fs.fly(ino) // behind the syncs still in flight, in order
		return nil
	}
	fs.commit(ino)
	return nil
}

// Truncate changes the file's size; growing fills with zeros.
func (f *File) Truncate(size int64) error {
	return f.truncate("truncate", size)
}

func (f *File) truncate(op string, size int64) error {
	if err := f.check(op); err != nil {
		return err
	}
	if size < 0 || size > MaxFileSize {
		return pathErr(op, f.name, fmt.Errorf("%w: size %d outside 0..MaxFileSize (%d)", ErrInvalid, size, MaxFileSize))
	}
	fs, ino := f.fs, f.ino
	delta := size - ino.size()
	if err := fs.checkGrow(f.name, delta); err != nil {
		return pathErr(op, f.name, err)
	}
	ino.mutable()
	ino.cur = resize(ino.cur, size)
	if ino.counted {
		fs.used += delta
	}
	ino.pushTruncate(size)
	return nil
}

// Size returns the file's current size.
func (f *File) Size() (int64, error) {
	if err := f.check("size"); err != nil {
		return 0, err
	}
	return f.ino.size(), nil
}

// Close closes the file. Closing does not sync.
func (f *File) Close() error {
	if err := f.check("close"); err != nil {
		return err
	}
	f.closed = true
	f.ino.opens--
	f.fs.account(f.ino)
	return nil
}
