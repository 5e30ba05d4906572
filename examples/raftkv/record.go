package raftkv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/faultline-dst/faultline/disk"
)

// Record framing, shared by the WAL and the snapshot file:
//
//	uint32 length of type+payload (little endian)
//	uint32 CRC-32C of type+payload
//	byte   type
//	payload
const (
	recHeader         = 8
	recEntry     byte = 1 // payload: raftpb.Entry
	recHardState byte = 2 // payload: raftpb.HardState
	recSnapshot  byte = 3 // payload: raftpb.Snapshot
	// recEntryV2 is version 2's entry record: the entry's index and term
	// (uint64 little endian each) ahead of the raftpb.Entry, so that a
	// reader can find an index without unmarshalling. Version 1 does not
	// know it.
	recEntryV2      byte = 4
	maxRecordLength      = 64 << 20
)

// marshaler is what the raftpb types implement.
type marshaler interface {
	Size() int
	MarshalTo([]byte) (int, error)
}

// appendRecord appends one framed record holding m to buf.
func appendRecord(buf []byte, typ byte, m marshaler) []byte {
	n := m.Size()
	start := len(buf)
	buf = append(buf, make([]byte, recHeader+1+n)...)
	body := buf[start+recHeader:]
	body[0] = typ
	if _, err := m.MarshalTo(body[1:]); err != nil {
		panic(fmt.Sprintf("raftkv: marshalling a record: %v", err)) // raftpb types marshal into a buffer of their Size
	}
	binary.LittleEndian.PutUint32(buf[start:], uint32(1+n))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(body, crcTable()))
	return buf
}

// entryV2 marshals a raftpb.Entry as a version 2 record's payload.
type entryV2 struct{ e *raftpb.Entry }

func (x entryV2) Size() int { return 16 + x.e.Size() }

func (x entryV2) MarshalTo(b []byte) (int, error) {
	binary.LittleEndian.PutUint64(b, x.e.Index)
	binary.LittleEndian.PutUint64(b[8:], x.e.Term)
	n, err := x.e.MarshalTo(b[16:])
	return 16 + n, err
}

// appendEntry appends one entry record: version 2's format when v2 is
// set, version 1's otherwise.
func appendEntry(buf []byte, e *raftpb.Entry, v2 bool) []byte {
	if v2 {
		return appendRecord(buf, recEntryV2, entryV2{e})
	}
	return appendRecord(buf, recEntry, e)
}

// record is one decoded record; payload aliases the file's bytes.
type record struct {
	typ     byte
	payload []byte
}

// errCorrupt marks a record that fails its checksum in the middle of a
// file: synced data was damaged, and truncating there could drop entries
// the node promised to keep, so recovery refuses (as etcd's WAL does).
var errCorrupt = errors.New("raftkv: corrupt record")

// scanRecords decodes b into records up to the first invalid one. valid is
// the length of the good prefix. An invalid tail that a crash can leave
// behind (a short header, a zero-filled header, a record running past the
// end, or a checksum failure in the last record or in a record holding a
// zero-filled sector) ends the scan with valid < len(b) and no error: the
// caller truncates it, as etcd's WAL repairs a torn tail. Any other
// checksum failure is errCorrupt.
func scanRecords(b []byte, sector int) (recs []record, valid int, err error) {
	off := 0
	for off < len(b) {
		rest := b[off:]
		if len(rest) < recHeader+1 {
			return recs, off, nil
		}
		n := int(binary.LittleEndian.Uint32(rest))
		sum := binary.LittleEndian.Uint32(rest[4:])
		if n == 0 && sum == 0 {
			return recs, off, nil // zeros: an unsynced write that never landed
		}
		if n > maxRecordLength || recHeader+n > len(rest) {
			return recs, off, nil // runs past the end: torn
		}
		body := rest[recHeader : recHeader+n]
		if crc32.Checksum(body, crcTable()) != sum {
			if off+recHeader+n == len(b) || hasZeroSector(b, off, off+recHeader+n, sector) {
				return recs, off, nil
			}
			return recs, off, fmt.Errorf("%w at offset %d (length %d)", errCorrupt, off, n)
		}
		recs = append(recs, record{typ: body[0], payload: body[1:]})
		off += recHeader + n
	}
	return recs, off, nil
}

// hasZeroSector reports whether b[from:to] meets a sector (aligned in the
// file) whose part inside the range is all zeros: the mark of a write torn
// at a sector boundary, as etcd's isTornEntry checks.
func hasZeroSector(b []byte, from, to, sector int) bool {
	for s := from - from%sector; s < to; s += sector {
		lo, hi := max(s, from), min(s+sector, to)
		zero := true
		for _, c := range b[lo:hi] {
			if c != 0 {
				zero = false
				break
			}
		}
		if zero {
			return true
		}
	}
	return false
}

// readAll returns the whole current contents of f.
func readAll(f *disk.File) ([]byte, error) {
	size, err := f.Size()
	if err != nil {
		return nil, err
	}
	b := make([]byte, size)
	if _, err := f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b, nil
}

// crcTable is the CRC-32C table (crc32 caches it; no package state here).
func crcTable() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) }
