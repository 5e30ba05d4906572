package raftkv

import (
	"errors"
	"testing"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/rng"
)

func walBytes(n int) []byte {
	var b []byte
	for i := 1; i <= n; i++ {
		b = appendRecord(b, recEntry, &raftpb.Entry{Term: 1, Index: uint64(i), Data: []byte("0123456789abcdef0123456789abcdef")})
	}
	return b
}

func TestScanRecords(t *testing.T) {
	full := walBytes(4)
	recLen := len(full) / 4
	corruptMid := append([]byte(nil), full...)
	corruptMid[recLen+recHeader+5] ^= 1 // a bit flip in record 2 of 4
	corruptLast := append([]byte(nil), full...)
	corruptLast[3*recLen+recHeader+5] ^= 1
	zeroSector := append([]byte(nil), full...)
	for i := 64; i < 80; i++ { // a 16-byte sector inside record 2 (49..97) reads zero
		zeroSector[i] = 0
	}
	gap := append(append([]byte(nil), full[:2*recLen]...), make([]byte, recLen)...)
	gap = append(gap, full[3*recLen:]...)
	tests := []struct {
		name    string
		b       []byte
		recs    int
		valid   int
		corrupt bool
	}{
		{"whole", full, 4, len(full), false},
		{"empty", nil, 0, 0, false},
		{"short header", full[:len(full)-recLen+3], 3, 3 * recLen, false},
		{"short body", full[:len(full)-5], 3, 3 * recLen, false},
		{"zero-filled gap", gap, 2, 2 * recLen, false},
		{"bad checksum in last record", corruptLast, 3, 3 * recLen, false},
		{"torn sector in the middle", zeroSector, 1, recLen, false},
		{"bit flip in the middle", corruptMid, 1, recLen, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, valid, err := scanRecords(tt.b, 16)
			if tt.corrupt != errors.Is(err, errCorrupt) {
				t.Fatalf("err %v, want corrupt %v", err, tt.corrupt)
			}
			if len(recs) != tt.recs || valid != tt.valid {
				t.Fatalf("got %d records, %d valid bytes; want %d, %d", len(recs), valid, tt.recs, tt.valid)
			}
		})
	}
}

// TestRecoverRepairsAndRefuses: recovery truncates a torn WAL tail and
// replays the rest with later entries replacing earlier ones; it refuses a
// WAL whose synced records were corrupted.
func TestRecoverRepairsAndRefuses(t *testing.T) {
	fs, err := disk.New(disk.Config{SectorSize: 8}, rng.New(1, "disk"))
	if err != nil {
		t.Fatal(err)
	}
	logf := func(string, ...any) {}
	rec, err := recoverStorage(fs, 3, 1, false, logf)
	if err != nil {
		t.Fatal(err)
	}
	w := rec.wal
	ents := []raftpb.Entry{{Term: 2, Index: 2}, {Term: 2, Index: 3}, {Term: 2, Index: 4}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.append(ents, &raftpb.HardState{Term: 2, Vote: 1, Commit: 3}))
	// A new leader replaces index 3 on.
	must(w.append([]raftpb.Entry{{Term: 3, Index: 3}}, &raftpb.HardState{Term: 3, Vote: 2, Commit: 3}))
	must(w.sync())
	must(w.append([]raftpb.Entry{{Term: 3, Index: 4, Data: make([]byte, 2000)}}, nil)) // unsynced
	fs.Crash()
	rec, err = recoverStorage(fs, 3, 1, false, logf)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := rec.storage.LastIndex()
	hs, _, _ := rec.storage.InitialState()
	term, _ := rec.storage.Term(3)
	if last != 3 || term != 3 || hs.Term != 3 || hs.Vote != 2 {
		t.Fatalf("recovered last %d term(3) %d hard state %+v; want last 3, term 3, vote 2", last, term, hs)
	}
	// Flip a bit in the body of the first record (bytes 8..14), which is
	// followed by good ones. (A flip in a length field reads as a torn
	// tail, as it does in etcd's WAL: the framing cannot tell them apart.)
	must(fs.Inject("rot", disk.Fault{Kind: disk.Corrupt, P: 1, Name: walFile, Off: 8, Len: 7}))
	fs.Crash()
	if _, err := recoverStorage(fs, 3, 1, false, logf); !errors.Is(err, errCorrupt) {
		t.Fatalf("recovery of a corrupt WAL: %v, want errCorrupt", err)
	}
}

// TestWALVersions: version 2 writes version 1's entry records unless
// BugNewWALFormat is on; version 2 reads both formats; version 1, rolled
// back onto a WAL holding version 2's records, refuses it as inconsistent
// (the node fails its assertion), and reads a correct version 2's WAL.
func TestWALVersions(t *testing.T) {
	logf := func(string, ...any) {}
	ents := []raftpb.Entry{{Term: 2, Index: 2, Data: []byte("a")}, {Term: 2, Index: 3, Data: []byte("b")}}
	for _, tt := range []struct {
		name      string
		newFormat bool
		v1Reads   bool
	}{
		{"version 2 writes version 1's records", false, true},
		{"new-wal-format: version 2 writes its own", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := disk.New(disk.Config{SectorSize: 8}, rng.New(1, "disk"))
			if err != nil {
				t.Fatal(err)
			}
			rec, err := recoverStorage(fs, 3, 2, tt.newFormat, logf)
			if err != nil {
				t.Fatal(err)
			}
			if err := rec.wal.append(ents, &raftpb.HardState{Term: 2, Vote: 1, Commit: 3}); err != nil {
				t.Fatal(err)
			}
			if err := rec.wal.sync(); err != nil {
				t.Fatal(err)
			}
			f, err := fs.Open(walFile)
			if err != nil {
				t.Fatal(err)
			}
			b, err := readAll(f)
			if err != nil {
				t.Fatal(err)
			}
			recs, _, err := scanRecords(b, 8)
			if err != nil || len(recs) != 3 {
				t.Fatalf("%d records, %v", len(recs), err)
			}
			wantType := recEntry
			if tt.newFormat {
				wantType = recEntryV2
			}
			if recs[0].typ != wantType {
				t.Errorf("entry record type %d, want %d", recs[0].typ, wantType)
			}
			v2, err := recoverStorage(fs, 3, 2, tt.newFormat, logf)
			if err != nil {
				t.Fatalf("version 2 reading its own WAL: %v", err)
			}
			if last, _ := v2.storage.LastIndex(); last != 3 {
				t.Errorf("version 2 recovered up to %d, want 3", last)
			}
			_, err = recoverStorage(fs, 3, 1, false, logf)
			if tt.v1Reads && err != nil {
				t.Errorf("version 1 after a rollback: %v, want its WAL read", err)
			}
			if !tt.v1Reads && !errors.Is(err, errInconsistent) {
				t.Errorf("version 1 after a rollback: %v, want errInconsistent", err)
			}
		})
	}
}
