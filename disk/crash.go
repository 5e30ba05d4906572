package disk

import (
	"fmt"
	"strings"
)

// CrashMode is what a crash does to unsynced state; see the package
// documentation. The zero value is LoseUnsynced.
type CrashMode uint8

// The crash modes.
const (
	LoseUnsynced CrashMode = iota // every unsynced operation is lost
	LoseSome                      // each unsynced operation persists with probability 1/2, in order
	Tear                          // as LoseSome, and a persisting write may keep only a prefix of its sectors
)

func (m CrashMode) valid() bool { return m <= Tear }

// String returns the mode's name, as in the constant.
func (m CrashMode) String() string {
	switch m {
	case LoseUnsynced:
		return "LoseUnsynced"
	case LoseSome:
		return "LoseSome"
	case Tear:
		return "Tear"
	}
	return fmt.Sprintf("CrashMode(%d)", uint8(m))
}

// ParseCrashMode returns the mode named s (case-insensitive, as in String).
func ParseCrashMode(s string) (CrashMode, error) {
	for m := LoseUnsynced; m <= Tear; m++ {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("disk: unknown crash mode %q; valid: %s: %w", s, crashModeChoices(), ErrInvalid)
}

func crashModeChoices() string {
	var names []string
	for m := LoseUnsynced; m <= Tear; m++ {
		names = append(names, m.String())
	}
	return strings.Join(names, ", ")
}

// CrashReport says what one crash discarded (and, under LoseSome and Tear,
// what unsynced state it kept). It is landing evidence for a crash.
type CrashReport struct {
	WritesLost    int64 // unsynced writes that did not persist at all
	WritesTorn    int64 // unsynced writes of which only a prefix of sectors persisted
	WritesKept    int64 // unsynced writes that persisted whole
	BytesLost     int64 // bytes of unsynced writes that did not persist, torn-off parts included
	TruncatesLost int64 // unsynced truncates that did not persist
	NamesLost     int64 // unsynced directory-entry changes reverted
	NamesKept     int64 // unsynced directory-entry changes that persisted
	// FilesLost counts files that had a name before the crash and have none
	// after it because no name of theirs was durable; their data is gone,
	// synced or not.
	FilesLost        int64
	SectorsCorrupted int64 // sectors flipped by Corrupt faults at this crash
	// SyncsCut counts syncs (File.Sync, SyncDir) in flight at the crash:
	// issued, under a sync latency, and not completed. Their operations
	// are counted with the others, kept or lost.
	SyncsCut int64
}

// Add sums o into r, to total the losses of several crashes.
func (r *CrashReport) Add(o CrashReport) {
	r.WritesLost += o.WritesLost
	r.WritesTorn += o.WritesTorn
	r.WritesKept += o.WritesKept
	r.BytesLost += o.BytesLost
	r.TruncatesLost += o.TruncatesLost
	r.NamesLost += o.NamesLost
	r.NamesKept += o.NamesKept
	r.FilesLost += o.FilesLost
	r.SectorsCorrupted += o.SectorsCorrupted
	r.SyncsCut += o.SyncsCut
}

// Crash applies the crash mode to all unsynced state, names first (per
// directory in name order) then data (per inode in creation order), applies
// active Corrupt faults, invalidates every open *File and resets the current
// state to the durable state. Faults stay active. It reports what it
// discarded.
func (fs *FS) Crash() CrashReport {
	var rep CrashReport
	keep := fs.cfg.Crash != LoseUnsynced
	cands := fs.candidates()
	rep.SyncsCut = int64(len(fs.flights))

	// Syncs cut in flight, first: their operations were issued before
	// any still pending. Whatever the crash mode, each persists with
	// probability 1/2: the device was writing them when power went.
	for _, fl := range fs.flights {
		for _, op := range fl.names {
			if fs.r.Chance(0.5) {
				fs.applyDurable(op)
				rep.NamesKept += int64(len(op.changes))
			} else {
				rep.NamesLost += int64(len(op.changes))
			}
		}
	}
	for _, id := range fs.pendOrder() {
		for _, op := range fs.pend[id].ops {
			if keep && fs.r.Chance(0.5) {
				fs.applyDurable(op)
				rep.NamesKept += int64(len(op.changes))
			} else {
				rep.NamesLost += int64(len(op.changes))
			}
		}
	}
	clear(fs.pend)
	dur, ddirs := fs.walkDurable()
	fs.collect(dur, ddirs)
	reachable := map[uint64]bool{}
	for _, ino := range dur {
		reachable[ino.id] = true
	}

	for _, fl := range fs.flights {
		for _, op := range fl.ops {
			switch {
			case reachable[fl.ino.id] && fs.r.Chance(0.5):
				fs.persistOp(fl.ino, op)
				if op.kind == opWrite {
					rep.WritesKept++
				}
			case op.kind == opWrite:
				rep.WritesLost++
				rep.BytesLost += int64(len(op.data))
			default:
				rep.TruncatesLost++
			}
		}
	}
	fs.flights = fs.flights[:0]
	for _, ino := range cands {
		if reachable[ino.id] {
			fs.crashData(ino, &rep)
		} else {
			for _, op := range ino.pend {
				rep.lose(op)
			}
			if ino.nlink > 0 {
				rep.FilesLost++
			}
		}
		ino.clearPending()
		ino.cur, ino.hasCur = nil, false
		ino.nlink, ino.opens, ino.counted = 0, 0, false
	}

	rep.SectorsCorrupted = fs.corrupt(dur)

	clear(fs.cur)
	fs.used = 0
	for _, name := range sortedKeys(dur) {
		fs.link(name, dur[name])
	}
	fs.cdirs = ddirs
	fs.gen++
	fs.crashes++
	fs.totals.Add(rep)
	return rep
}

// collect drops the durable entries the top no longer reaches (in
// directories whose own names did not persist, or that were removed):
// after a crash nothing can reach them again.
func (fs *FS) collect(dur map[string]*inode, ddirs map[string]dnode) {
	live := map[uint64]bool{0: true}
	for _, d := range ddirs {
		live[d.id] = true
	}
	for k := range fs.durF {
		if !live[k.dir] {
			delete(fs.durF, k)
		}
	}
	for k, id := range fs.durD {
		if !live[k.dir] || !live[id] {
			delete(fs.durD, k)
		}
	}
	for id := range fs.durX {
		if !live[id] {
			delete(fs.durX, id)
		}
	}
	clear(fs.waiting)
}

func (r *CrashReport) lose(op dataOp) {
	if op.kind == opWrite {
		r.WritesLost++
		r.BytesLost += int64(op.hi - op.lo)
	} else {
		r.TruncatesLost++
	}
}

// crashData decides which of a surviving inode's pending operations persist.
func (fs *FS) crashData(ino *inode, rep *CrashReport) {
	for _, op := range ino.pend {
		if fs.cfg.Crash == LoseUnsynced || !fs.r.Chance(0.5) {
			rep.lose(op)
			continue
		}
		if op.kind == opTruncate {
			fs.persistTruncate(ino, op.off)
			continue
		}
		data := ino.arena[op.lo:op.hi]
		first := op.off / fs.ss
		sectors := (op.off+int64(len(data))+fs.ss-1)/fs.ss - first
		if fs.cfg.Crash == Tear && sectors > 1 && fs.r.Chance(0.5) {
			k := fs.r.Int64Range(1, sectors-1)
			cut := (first+k)*fs.ss - op.off
			fs.persistWrite(ino, op.off, data[:cut])
			rep.WritesTorn++
			rep.BytesLost += int64(len(data)) - cut
			continue
		}
		fs.persistWrite(ino, op.off, data)
		rep.WritesKept++
	}
}

// String renders the report on one line, as written in traces;
// syncs_cut is written only when a sync was cut.
func (r CrashReport) String() string {
	if r.SyncsCut > 0 {
		s := r
		s.SyncsCut = 0
		return fmt.Sprintf("%s syncs_cut=%d", s, r.SyncsCut)
	}
	return fmt.Sprintf("writes_lost=%d writes_torn=%d writes_kept=%d bytes_lost=%d truncates_lost=%d names_lost=%d names_kept=%d files_lost=%d sectors_corrupted=%d",
		r.WritesLost, r.WritesTorn, r.WritesKept, r.BytesLost, r.TruncatesLost, r.NamesLost, r.NamesKept, r.FilesLost, r.SectorsCorrupted)
}

// Discarded reports whether the crash lost or changed anything: landing
// evidence that a crash with fsync loss mattered.
func (r CrashReport) Discarded() bool {
	return r.WritesLost+r.WritesTorn+r.BytesLost+r.TruncatesLost+r.NamesLost+r.FilesLost+r.SectorsCorrupted+r.SyncsCut > 0
}
