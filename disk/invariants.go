package disk

import (
	"errors"
	"fmt"
	"hash/crc64"
)

// shadow is the harness's independent record of an inode's durable
// contents: the size, and a checksum per sector. It is updated from the
// byte ranges of the operations allowed to change durable state, never by
// copying the durable state wholesale, so a change outside those ranges
// (a bug, or an undeclared corruption) shows up as a mismatch.
type shadow struct {
	size int64
	sums []uint64 // one per sector of size bytes
}

// maxBreachesPerFile bounds the sector mismatches listed for one file.
const maxBreachesPerFile = 8

// rehash resizes the shadow to its size and recomputes the checksums of the
// sectors overlapping [from, to) from the durable contents.
func (fs *FS) rehash(ino *inode, from, to int64) {
	sh := &ino.shadow
	n := int((sh.size + fs.ss - 1) / fs.ss)
	if n <= len(sh.sums) {
		sh.sums = sh.sums[:n]
	} else {
		sh.sums = append(sh.sums, make([]uint64, n-len(sh.sums))...)
	}
	if to <= from {
		return
	}
	for s := from / fs.ss; s < (to+fs.ss-1)/fs.ss && s < int64(n); s++ {
		sh.sums[s] = fs.sectorSum(ino.durable, s)
	}
}

// sectorSum is the checksum of sector s of b (clamped to b's length).
func (fs *FS) sectorSum(b []byte, s int64) uint64 {
	lo := min(s*fs.ss, int64(len(b)))
	hi := min(lo+fs.ss, int64(len(b)))
	return crc64.Checksum(b[lo:hi], fs.tab)
}

// CheckInvariants is the harness's self-check. It reports, as one error
// listing every breach, any synced byte that was lost or changed other than
// by a sync, a crash persisting a pending operation, or a declared fault,
// and any inconsistency in the namespace bookkeeping. The simulator calls it
// after Crash; a breach is the harness's fault, not the system under test's.
// It costs a pass over every durable byte.
func (fs *FS) CheckInvariants() error {
	var errs []error
	breach := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	links := map[uint64]int{}
	for _, name := range sortedKeys(fs.cur) {
		links[fs.cur[name].id]++
	}
	for _, ino := range fs.candidates() {
		sh := &ino.shadow
		if got := int64(len(ino.durable)); got != sh.size {
			breach("inode %d (%s): durable size is %d, shadow says %d", ino.id, fs.namesOf(ino), got, sh.size)
		}
		if want := int((sh.size + fs.ss - 1) / fs.ss); len(sh.sums) != want {
			breach("inode %d (%s): shadow has %d sector checksums for %d bytes, want %d", ino.id, fs.namesOf(ino), len(sh.sums), sh.size, want)
		}
		bad := 0
		for s := range sh.sums {
			if fs.sectorSum(ino.durable, int64(s)) != sh.sums[s] {
				if bad < maxBreachesPerFile {
					breach("inode %d (%s): synced sector %d (bytes %d..%d) changed without a sync or a declared fault", ino.id, fs.namesOf(ino), s, int64(s)*fs.ss, min(int64(s+1)*fs.ss, sh.size))
				}
				bad++
			}
		}
		if bad > maxBreachesPerFile {
			breach("inode %d (%s): %d more changed sectors", ino.id, fs.namesOf(ino), bad-maxBreachesPerFile)
		}
		if ino.nlink != links[ino.id] {
			breach("inode %d (%s): link count %d, current names %d", ino.id, fs.namesOf(ino), ino.nlink, links[ino.id])
		}
		if !ino.hasCur && len(ino.pend) > 0 {
			breach("inode %d (%s): %d pending operations but no current contents of its own", ino.id, fs.namesOf(ino), len(ino.pend))
		}
		for i, op := range ino.pend {
			if op.kind == opWrite && (op.lo < 0 || op.hi > len(ino.arena) || op.lo > op.hi) {
				breach("inode %d (%s): pending write %d has data [%d:%d] outside its arena of %d bytes", ino.id, fs.namesOf(ino), i, op.lo, op.hi, len(ino.arena))
			}
		}
	}
	for _, id := range fs.pendOrder() {
		for _, op := range fs.pend[id].ops {
			if c := op.changes[len(op.changes)-1]; c.key.dir != id {
				breach("pending name operation on %q in directory %d is queued on directory %d (%s)", c.key.base, c.key.dir, id, fs.pend[id].path)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("disk: invariant breach (harness bug or undeclared fault): %w", errors.Join(errs...))
}

// namesOf describes an inode by its current and durable names, for errors.
func (fs *FS) namesOf(ino *inode) string {
	var s string
	for _, name := range sortedKeys(fs.cur) {
		if fs.cur[name] == ino {
			s += " " + name
		}
	}
	dur, _ := fs.walkDurable()
	for _, name := range sortedKeys(dur) {
		if dur[name] == ino {
			s += " durable:" + name
		}
	}
	if s == "" {
		return "no name"
	}
	return s[1:]
}
