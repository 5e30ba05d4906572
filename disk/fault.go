package disk

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// FaultKind is a kind of injected disk fault; see the package documentation
// for what each does.
type FaultKind uint8

// The fault kinds. The zero FaultKind is invalid, so a Fault without a Kind
// is refused.
const (
	ReadError    FaultKind = iota + 1 // reads fail with ErrIO, probability P
	WriteError                        // writes fail with ErrIO, probability P
	NoSpace                           // growing a file fails with ErrNoSpace, probability P
	SyncFail                          // Sync fails with ErrIO and drops the dirty data, probability P
	Corrupt                           // at each Crash, flip a bit per synced sector, probability P
	LatentSector                      // reads of the range fail with ErrIO until rewritten
	Misdirect                         // a write lands 1 to 8 sectors off, probability P
	Slow                              // a write or sync takes Delay longer, probability P
)

// LastFaultKind is the last fault kind: the kinds are ReadError to
// LastFaultKind.
const LastFaultKind = Slow

func (k FaultKind) valid() bool { return k >= ReadError && k <= LastFaultKind }

// String returns the kind's name, as in the constant.
func (k FaultKind) String() string {
	switch k {
	case ReadError:
		return "ReadError"
	case WriteError:
		return "WriteError"
	case NoSpace:
		return "NoSpace"
	case SyncFail:
		return "SyncFail"
	case Corrupt:
		return "Corrupt"
	case LatentSector:
		return "LatentSector"
	case Misdirect:
		return "Misdirect"
	case Slow:
		return "Slow"
	}
	return fmt.Sprintf("FaultKind(%d)", uint8(k))
}

// ParseFaultKind returns the kind named s (case-insensitive, as in String).
func ParseFaultKind(s string) (FaultKind, error) {
	for k := ReadError; k <= LastFaultKind; k++ {
		if strings.EqualFold(s, k.String()) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("disk: unknown fault kind %q; valid: %s: %w", s, faultKindChoices(), ErrInvalid)
}

func faultKindChoices() string {
	var names []string
	for k := ReadError; k <= LastFaultKind; k++ {
		names = append(names, k.String())
	}
	return strings.Join(names, ", ")
}

// Fault is a disk fault to inject.
type Fault struct {
	Kind FaultKind
	// P is the probability, from 0 to 1, that the fault fires on an
	// operation it matches (per sector at a crash for Corrupt; unused by
	// LatentSector).
	P float64
	// Name selects the file by the name it was opened with (Corrupt: by its
	// durable name at the crash); "" selects every file.
	Name string
	// Off and Len are the byte range of the file the fault covers, widened
	// to whole sectors; Len 0 means to the end of the file. NoSpace and
	// SyncFail and Slow ignore them.
	Off, Len int64
	// Delay is what a Slow fault adds to each write and sync it fires on,
	// from 1ns to MaxLatency; other kinds leave it zero.
	Delay time.Duration
}

// FaultCounter is the landing evidence of one fault id.
type FaultCounter struct {
	ID     string
	Kind   FaultKind // of the latest injection under this id
	Active bool      // injected and not cleared
	// Fired is how many times it fired: operations failed or misdirected,
	// or sectors corrupted.
	Fired int64
	// Bytes is how many bytes its firings affected: refused or misdirected
	// writes, reads failed, dirty bytes dropped, growth refused; for
	// Corrupt, one per flipped sector.
	Bytes int64
}

// Counters is the FS's landing evidence.
type Counters struct {
	Faults      []FaultCounter // every fault id ever injected, sorted by id; counts accumulate across re-injections
	Crashes     int64
	CrashTotals CrashReport // sums over all crashes
	// CapacityRefused counts operations refused with ErrNoSpace because
	// Config.Capacity was reached (not an injected fault).
	CapacityRefused int64
	// Busy is the disk time charged in all: write and sync latencies and
	// Slow faults' delays.
	Busy time.Duration
}

type healKey struct {
	ino    uint64
	sector int64
}

// activeFault is an injected fault and its state.
type activeFault struct {
	id  string
	f   Fault
	ctr *FaultCounter
	// healed holds the LatentSector sectors rewritten since injection.
	healed map[healKey]bool
}

// Inject activates fault f under id. Injecting an id that is active fails
// with ErrExist; an invalid fault fails with ErrInvalid.
func (fs *FS) Inject(id string, f Fault) error {
	if id == "" {
		return fmt.Errorf("disk: Inject: empty fault id: %w", ErrInvalid)
	}
	if err := f.validate(); err != nil {
		return fmt.Errorf("disk: Inject %q: %w", id, err)
	}
	i, found := slices.BinarySearchFunc(fs.live, id, func(a *activeFault, id string) int {
		return strings.Compare(a.id, id)
	})
	if found {
		return fmt.Errorf("disk: Inject %q: fault id already active: %w", id, ErrExist)
	}
	ctr := fs.ctrs[id]
	if ctr == nil {
		ctr = &FaultCounter{ID: id}
		fs.ctrs[id] = ctr
	}
	ctr.Kind, ctr.Active = f.Kind, true
	af := &activeFault{id: id, f: f, ctr: ctr}
	if f.Kind == LatentSector {
		af.healed = map[healKey]bool{}
	}
	fs.live = slices.Insert(fs.live, i, af)
	return nil
}

// Clear deactivates the fault injected under id; its counter stays.
// Corruption already applied stays too. Clearing an id that is not active
// fails with ErrNotExist.
func (fs *FS) Clear(id string) error {
	i, found := slices.BinarySearchFunc(fs.live, id, func(a *activeFault, id string) int {
		return strings.Compare(a.id, id)
	})
	if !found {
		return fmt.Errorf("disk: Clear %q: no such active fault: %w", id, ErrNotExist)
	}
	fs.live[i].ctr.Active = false
	fs.live = slices.Delete(fs.live, i, i+1)
	return nil
}

func (f Fault) validate() error {
	if !f.Kind.valid() {
		return fmt.Errorf("Fault.Kind is %d; valid: %s: %w", uint8(f.Kind), faultKindChoices(), ErrInvalid)
	}
	if math.IsNaN(f.P) || f.P < 0 || f.P > 1 {
		return fmt.Errorf("Fault.P is %v; valid: 0 to 1: %w", f.P, ErrInvalid)
	}
	if f.Name != "" {
		if err := checkName("inject", f.Name); err != nil {
			return fmt.Errorf("Fault.Name is %q; valid: \"\" (every file) or a file name: %w", f.Name, ErrInvalid)
		}
	}
	if (f.Kind == Slow) != (f.Delay != 0) || f.Delay < 0 || f.Delay > MaxLatency {
		return fmt.Errorf("Fault.Delay is %v; valid: from 1ns to %v for Slow, 0 for the other kinds: %w", f.Delay, MaxLatency, ErrInvalid)
	}
	if f.Off < 0 || f.Len < 0 || f.Off > MaxFileSize || f.Len > MaxFileSize {
		return fmt.Errorf("Fault.Off, Fault.Len are %d, %d; valid: both from 0 to MaxFileSize (Len 0 = to end of file): %w", f.Off, f.Len, ErrInvalid)
	}
	return nil
}

// Counters returns a copy of the landing evidence.
func (fs *FS) Counters() Counters {
	c := Counters{Crashes: fs.crashes, CrashTotals: fs.totals, CapacityRefused: fs.refused, Busy: fs.busy}
	for _, id := range sortedKeys(fs.ctrs) {
		c.Faults = append(c.Faults, *fs.ctrs[id])
	}
	return c
}

// covers reports whether the fault's range overlaps [off, off+n), in
// sectors.
func (fs *FS) covers(f *Fault, off, n int64) bool {
	lo := f.Off / fs.ss * fs.ss
	if off+n <= lo {
		return false
	}
	if f.Len == 0 {
		return true
	}
	hi := (f.Off + f.Len + fs.ss - 1) / fs.ss * fs.ss
	return off < hi
}

// matches reports whether fault af applies to an operation of its kind on
// the file called name over [off, off+n).
func (fs *FS) matches(af *activeFault, kind FaultKind, name string, off, n int64) bool {
	if af.f.Kind != kind || (af.f.Name != "" && af.f.Name != name) {
		return false
	}
	if kind == NoSpace || kind == SyncFail || kind == Slow {
		return true
	}
	return fs.covers(&af.f, off, n)
}

// fire decides whether a fault of kind fires on an operation on name over
// [off, off+n), counting the firing (with bytes affected) if so. Faults are
// tried in id order; the first to fire wins. A fault with P 0 or 1 costs no
// draw.
func (fs *FS) fire(kind FaultKind, name string, off, n, bytes int64) bool {
	for _, af := range fs.live {
		if fs.matches(af, kind, name, off, n) && fs.r.Chance(af.f.P) {
			af.ctr.Fired++
			af.ctr.Bytes += bytes
			return true
		}
	}
	return false
}

// sectorRange returns the sectors [s0, s1) of [off, off+n) that fault f
// covers.
func (fs *FS) sectorRange(f *Fault, off, n int64) (s0, s1 int64) {
	s0, s1 = off/fs.ss, (off+n+fs.ss-1)/fs.ss
	s0 = max(s0, f.Off/fs.ss)
	if f.Len > 0 {
		s1 = min(s1, (f.Off+f.Len+fs.ss-1)/fs.ss)
	}
	return s0, s1
}

// latentHit reports whether a read of [off, off+n) of f touches a latent
// sector error that has not been healed, counting the firing.
func (fs *FS) latentHit(f *File, off, n int64) bool {
	for _, af := range fs.live {
		if !fs.matches(af, LatentSector, f.name, off, n) {
			continue
		}
		s0, s1 := fs.sectorRange(&af.f, off, n)
		for s := s0; s < s1; s++ {
			if !af.healed[healKey{f.ino.id, s}] {
				af.ctr.Fired++
				af.ctr.Bytes += n
				return true
			}
		}
	}
	return false
}

// heal marks the latent sectors a write of [off, off+n) to f rewrote.
func (fs *FS) heal(f *File, off, n int64) {
	for _, af := range fs.live {
		if !fs.matches(af, LatentSector, f.name, off, n) {
			continue
		}
		s0, s1 := fs.sectorRange(&af.f, off, n)
		for s := s0; s < s1; s++ {
			af.healed[healKey{f.ino.id, s}] = true
		}
	}
}

// corrupt applies the active Corrupt faults to the durable files after a
// crash and returns the number of sectors flipped.
func (fs *FS) corrupt(dur map[string]*inode) int64 {
	var flipped int64
	for _, af := range fs.live {
		if af.f.Kind != Corrupt || af.f.P <= 0 {
			continue
		}
		done := map[uint64]bool{} // an inode with two durable names is corrupted once
		for _, name := range sortedKeys(dur) {
			ino := dur[name]
			if done[ino.id] || (af.f.Name != "" && af.f.Name != name) {
				continue
			}
			done[ino.id] = true
			size := int64(len(ino.durable))
			if size == 0 || !fs.covers(&af.f, 0, size) {
				continue
			}
			s0, s1 := fs.sectorRange(&af.f, 0, size)
			for s := s0; s < s1; s++ {
				if !fs.r.Chance(af.f.P) {
					continue
				}
				lo := s * fs.ss
				bits := (min(lo+fs.ss, size) - lo) * 8
				bit := fs.r.Int64Range(0, bits-1)
				ino.durable[lo+bit/8] ^= 1 << (bit % 8)
				fs.rehash(ino, lo, lo+1) // declared: the shadow follows
				af.ctr.Fired++
				af.ctr.Bytes++
				flipped++
			}
		}
	}
	return flipped
}
