package disk

import "bytes"

// opKind is the kind of a pending data operation.
type opKind uint8

const (
	opWrite opKind = iota + 1
	opTruncate
)

// dataOp is one pending (unsynced) operation on an inode.
type dataOp struct {
	kind opKind
	off  int64 // opWrite: where the data lands on the medium; opTruncate: the new size
	lo   int   // opWrite: the data is the inode's arena[lo:hi]
	hi   int
}

// arenaKeep is the arena capacity an inode keeps after its pending
// operations are cleared; a bigger arena is released.
const arenaKeep = 64 << 10

// inode is a file: durable contents, current contents and the pending
// operations that lead from one to the other.
type inode struct {
	id      uint64
	durable []byte // what survives a crash
	cur     []byte // what reads see, valid when hasCur
	hasCur  bool   // false: the current contents are durable (shared, read-only)
	pend    []dataOp
	arena   []byte // data of the pending writes, back to back

	shadow shadow // checksums of durable, kept apart from it

	nlink   int  // current names
	opens   int  // open *Files of the current generation
	counted bool // its size is in FS.used
}

// view returns the current contents. The caller must not modify them.
func (ino *inode) view() []byte {
	if ino.hasCur {
		return ino.cur
	}
	return ino.durable
}

func (ino *inode) size() int64 { return int64(len(ino.view())) }

// mutable gives the inode current contents of its own, so that they can be
// changed without touching the durable contents.
func (ino *inode) mutable() {
	if !ino.hasCur {
		ino.cur = bytes.Clone(ino.durable)
		ino.hasCur = true
	}
}

func (ino *inode) pushWrite(off int64, p []byte) {
	lo := len(ino.arena)
	ino.arena = append(ino.arena, p...)
	ino.pend = append(ino.pend, dataOp{kind: opWrite, off: off, lo: lo, hi: len(ino.arena)})
}

func (ino *inode) pushTruncate(size int64) {
	ino.pend = append(ino.pend, dataOp{kind: opTruncate, off: size})
}

// pendingBytes is the number of bytes of pending writes.
func (ino *inode) pendingBytes() int64 { return int64(len(ino.arena)) }

func (ino *inode) clearPending() {
	ino.pend = ino.pend[:0]
	if cap(ino.arena) > arenaKeep {
		ino.arena = nil
	} else {
		ino.arena = ino.arena[:0]
	}
}

// resize returns b with length n; bytes past the old length are zero.
func resize(b []byte, n int64) []byte {
	old := int64(len(b))
	if n <= old {
		if c := int64(cap(b)); c > arenaKeep && n < c/4 {
			return bytes.Clone(b[:n]) // give back the memory of a big shrink
		}
		return b[:n]
	}
	if n <= int64(cap(b)) {
		b = b[:n]
	} else {
		b = append(b[:cap(b)], make([]byte, n-int64(cap(b)))...)[:n]
	}
	clear(b[old:])
	return b
}

// writeBytes writes p into b at off, growing b (zero-filled) if needed.
func writeBytes(b []byte, off int64, p []byte) []byte {
	if end := off + int64(len(p)); end > int64(len(b)) {
		b = resize(b, end)
	}
	copy(b[off:], p)
	return b
}

// persistWrite applies a write to the durable contents and its shadow.
func (fs *FS) persistWrite(ino *inode, off int64, data []byte) {
	ino.durable = writeBytes(ino.durable, off, data)
	end := off + int64(len(data))
	from := off
	if end > ino.shadow.size {
		from = min(from, ino.shadow.size)
		ino.shadow.size = end
	}
	fs.rehash(ino, from, end)
}

// persistTruncate applies a truncate to the durable contents and its shadow.
func (fs *FS) persistTruncate(ino *inode, n int64) {
	ino.durable = resize(ino.durable, n)
	old := ino.shadow.size
	ino.shadow.size = n
	switch {
	case n < old:
		fs.rehash(ino, max(n-1, 0), n) // the last sector got shorter
	case n > old:
		fs.rehash(ino, old, n)
	}
}

// commit makes all of the inode's pending operations durable (a Sync).
func (fs *FS) commit(ino *inode) {
	for _, op := range ino.pend {
		switch op.kind {
		case opWrite:
			fs.persistWrite(ino, op.off, ino.arena[op.lo:op.hi])
		case opTruncate:
			fs.persistTruncate(ino, op.off)
		}
	}
	ino.clearPending()
}
