package disk

import (
	"errors"
	"fmt"
	"hash/crc64"
	iofs "io/fs"
	"slices"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

// Sentinel errors callers branch on with errors.Is. Errors returned by the
// file API wrap them in an *io/fs.PathError naming the operation and path.
// ErrNotExist, ErrExist, ErrClosed and ErrInvalid are the io/fs values, so
// code written against the os package recognises them too.
var (
	ErrNotExist = iofs.ErrNotExist                      // no such file
	ErrExist    = iofs.ErrExist                         // a fault id is already active
	ErrClosed   = iofs.ErrClosed                        // the *File was closed or invalidated by a crash
	ErrInvalid  = iofs.ErrInvalid                       // bad name, offset, size or fault
	ErrIO       = errors.New("input/output error")      // EIO
	ErrNoSpace  = errors.New("no space left on device") // ENOSPC
	ErrNotEmpty = errors.New("directory not empty")     // ENOTEMPTY
	ErrNotDir   = errors.New("not a directory")         // ENOTDIR
	ErrIsDir    = errors.New("is a directory")          // EISDIR
)

// MaxFileSize is the largest size a file may have; larger writes and
// truncates fail with ErrInvalid rather than exhaust the host's memory.
const MaxFileSize = 1 << 30

// DefaultSectorSize is the sector size used when Config.SectorSize is 0.
const DefaultSectorSize = 512

// maxSectorSize bounds Config.SectorSize.
const maxSectorSize = 1 << 16

// Config configures an FS.
type Config struct {
	// SectorSize is the unit of atomic writes and of sector faults, a power
	// of two from 1 to 65536; 0 means DefaultSectorSize.
	SectorSize int
	// Capacity is the most bytes the current files may hold together (the
	// sum of their sizes, open unlinked files included); 0 means unlimited.
	Capacity int64
	// Crash is what Crash does to unsynced state.
	Crash CrashMode
	// SyncLatency is how long a File.Sync or SyncDir that has something
	// to write takes, and WriteLatency how long a write (WriteAt, Write)
	// takes; zero: instantaneous. See "Latency" in the package
	// documentation.
	SyncLatency, WriteLatency Latency
	// ReadLatency is how long a read (ReadAt) takes; zero: instantaneous.
	ReadLatency Latency
}

// FS is one node's simulated file store. It survives the node's crashes;
// see the package documentation for its durability contract.
type FS struct {
	cfg Config
	ss  int64 // sector size
	r   *rng.Stream
	lat *rng.Stream // latency draws, apart from r so latency shifts no other draw
	tab *crc64.Table

	now     clock.Time    // instant of the latest Begin
	elapsed time.Duration // disk time charged since Begin
	busy    time.Duration // disk time charged in all
	flights []flight      // syncs issued and not completed, in issue order

	nextIno uint64
	gen     uint64 // incremented by Crash; a *File of an older gen is invalid

	cur     map[string]*inode        // current namespace: files by path
	cdirs   map[string]dnode         // current directories with an identity, by path ("." is 0)
	durF    map[dkey]*inode          // durable namespace: files by directory entry
	durD    map[dkey]uint64          // durable namespace: directories by directory entry
	durX    map[uint64]bool          // durable: the directories made by Mkdir (see dnode)
	waiting map[dkey]uint64          // implicit directories to place where a durable one moves away
	pend    map[uint64]*pendq        // pending name operations, by directory identity
	nextDir uint64                   // the last directory identity given
	used    int64                    // sum of sizes of counted inodes
	live    []*activeFault           // active faults, sorted by id
	ctrs    map[string]*FaultCounter // every fault id ever injected

	crashes int64
	totals  CrashReport
	refused int64 // writes refused because Capacity was reached
}

// New returns an empty FS. Validation errors name the field, its value and
// the valid choices. r must not be nil; the FS draws only from it.
func New(cfg Config, r *rng.Stream) (*FS, error) {
	if r == nil {
		return nil, errors.New("disk: New: nil *rng.Stream; give the node's own stream (e.g. nodeStream.Split(\"disk\"))")
	}
	if cfg.SectorSize == 0 {
		cfg.SectorSize = DefaultSectorSize
	}
	if s := cfg.SectorSize; s < 1 || s > maxSectorSize || s&(s-1) != 0 {
		return nil, fmt.Errorf("disk: Config.SectorSize is %d; valid: a power of two from 1 to %d, or 0 for %d", s, maxSectorSize, DefaultSectorSize)
	}
	if cfg.Capacity < 0 {
		return nil, fmt.Errorf("disk: Config.Capacity is %d; valid: a byte count > 0, or 0 for unlimited", cfg.Capacity)
	}
	if !cfg.Crash.valid() {
		return nil, fmt.Errorf("disk: Config.Crash is %d; valid: %s", uint8(cfg.Crash), crashModeChoices())
	}
	if err := cfg.SyncLatency.validate("SyncLatency"); err != nil {
		return nil, err
	}
	if err := cfg.WriteLatency.validate("WriteLatency"); err != nil {
		return nil, err
	}
	if err := cfg.ReadLatency.validate("ReadLatency"); err != nil {
		return nil, err
	}
	return &FS{
		cfg:     cfg,
		ss:      int64(cfg.SectorSize),
		r:       r,
		lat:     r.Split("latency"),
		tab:     crc64.MakeTable(crc64.ECMA),
		cur:     map[string]*inode{},
		cdirs:   map[string]dnode{},
		durF:    map[dkey]*inode{},
		durD:    map[dkey]uint64{},
		durX:    map[uint64]bool{},
		waiting: map[dkey]uint64{},
		pend:    map[uint64]*pendq{},
		ctrs:    map[string]*FaultCounter{},
	}, nil
}

// Config returns the configuration in effect, defaults filled in.
func (fs *FS) Config() Config { return fs.cfg }

// Digest returns a stable 64-bit hash of the whole store: current and
// durable namespace and contents, and the number of pending operations. Equal
// stores give equal digests on any machine; it costs a pass over every byte.
func (fs *FS) Digest() uint64 {
	var h uint64
	add := func(b []byte) { h = crc64.Update(h, fs.tab, b) }
	num := func(v int64) {
		var b [8]byte
		for i := range b {
			b[i] = byte(v >> (8 * i))
		}
		add(b[:])
	}
	dur, ddirs := fs.walkDurable()
	for i, m := range []map[string]*inode{fs.cur, dur} {
		for _, name := range sortedKeys(m) {
			ino := m[name]
			add([]byte(name))
			num(int64(ino.id))
			if i == 0 {
				num(ino.size())
				add(ino.view())
				num(int64(len(ino.pend)))
			} else {
				num(int64(len(ino.durable)))
				add(ino.durable)
			}
		}
		add([]byte{'|'})
	}
	for _, id := range fs.pendOrder() {
		add([]byte(fs.pend[id].path))
		num(int64(len(fs.pend[id].ops)))
	}
	for i, m := range []map[string]dnode{fs.cdirs, ddirs} {
		for _, name := range sortedKeys(m) {
			if d := m[name]; d.explicit && (i == 1 || fs.IsDir(name)) {
				add([]byte("dir " + name))
			}
		}
	}
	if len(fs.flights) > 0 {
		num(int64(len(fs.flights)))
	}
	return h
}

// newInode returns an empty inode with a fresh id.
func (fs *FS) newInode() *inode {
	fs.nextIno++
	return &inode{id: fs.nextIno}
}

// account reconciles fs.used with whether ino occupies space: it does while
// it has a current name or an open *File.
func (fs *FS) account(ino *inode) {
	want := ino.nlink > 0 || ino.opens > 0
	if want == ino.counted {
		return
	}
	if want {
		fs.used += ino.size()
	} else {
		fs.used -= ino.size()
	}
	ino.counted = want
}

// candidates returns every inode the namespace can still reach, now or after
// a crash (current names, durable names, pending name operations), sorted by
// id. Removed files reachable only through an open *File are not included.
func (fs *FS) candidates() []*inode {
	seen := map[uint64]bool{}
	var out []*inode
	add := func(ino *inode) {
		if ino != nil && !seen[ino.id] {
			seen[ino.id] = true
			out = append(out, ino)
		}
	}
	for _, name := range sortedKeys(fs.cur) {
		add(fs.cur[name])
	}
	for _, k := range sortedDkeys(fs.durF) {
		add(fs.durF[k])
	}
	for _, id := range fs.pendOrder() {
		for _, op := range fs.pend[id].ops {
			for _, c := range op.changes {
				add(c.ino)
			}
		}
	}
	for _, fl := range fs.flights {
		add(fl.ino)
		for _, op := range fl.names {
			for _, c := range op.changes {
				add(c.ino)
			}
		}
	}
	slices.SortFunc(out, func(a, b *inode) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return out
}

func sortedDkeys[V any](m map[dkey]V) []dkey {
	keys := make([]dkey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b dkey) int {
		if a.dir != b.dir {
			if a.dir < b.dir {
				return -1
			}
			return 1
		}
		return strings.Compare(a.base, b.base)
	})
	return keys
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func pathErr(op, name string, err error) error {
	return &iofs.PathError{Op: op, Path: name, Err: err}
}
