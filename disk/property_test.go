package disk

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/rng"
)

// The property tests drive an FS with random operations from a test stream
// and compare it with a plain model of the durability contract.

var (
	propDirs  = []string{".", "d", "e"}
	propBases = []string{"a", "b", "c"}
)

func randName(r *rng.Stream) string {
	return path.Join(propDirs[r.Intn(len(propDirs))], propBases[r.Intn(len(propBases))])
}

func randData(r *rng.Stream, max int) []byte {
	b := make([]byte, 1+r.Intn(max))
	for i := range b {
		b[i] = byte('A' + r.Intn(26))
	}
	return b
}

// nameState returns every current file of fs: name -> contents.
func nameState(t testing.TB, fs *FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range propDirs {
		names, err := fs.List(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			name := path.Join(dir, n)
			out[name] = mustRead(t, fs, name)
		}
	}
	return out
}

// model is the reference for LoseUnsynced: a crash yields exactly the
// synced state.
type model struct {
	files    []*mfile // by inode number - 1
	cur, dur map[string]int
	pend     map[string][][2]any // per dir: {name, inode number or 0}
}

type mfile struct{ cur, dur []byte }

type handle struct {
	f   *File
	ino int
}

func newModel() *model {
	return &model{cur: map[string]int{}, dur: map[string]int{}, pend: map[string][][2]any{}}
}

func (m *model) queue(name string, ino int) {
	m.pend[path.Dir(name)] = append(m.pend[path.Dir(name)], [2]any{name, ino})
}

func (m *model) state(durable bool) map[string]string {
	out := map[string]string{}
	names := m.cur
	if durable {
		names = m.dur
	}
	for name, ino := range names {
		f := m.files[ino-1]
		if durable {
			out[name] = string(f.dur)
		} else {
			out[name] = string(f.cur)
		}
	}
	return out
}

func zeroExtend(b []byte, n int) []byte {
	for len(b) < n {
		b = append(b, 0)
	}
	return b[:n]
}

func TestPropertyLoseUnsyncedEqualsSynced(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		r := rng.New(seed, "ops")
		fs := newFS(t, Config{SectorSize: 8, Crash: LoseUnsynced}, seed)
		m := newModel()
		var hs []handle
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d: "+format, append([]any{seed}, args...)...)
		}
		for step := 0; step < 200; step++ {
			switch op := r.Intn(100); {
			case op < 10: // create
				name := randName(r)
				f, err := fs.Create(name)
				if err != nil {
					fail("create %s: %v", name, err)
				}
				ino, ok := m.cur[name]
				if ok {
					m.files[ino-1].cur = nil
				} else {
					m.files = append(m.files, &mfile{})
					ino = len(m.files)
					m.cur[name] = ino
					m.queue(name, ino)
				}
				hs = append(hs, handle{f, ino})
			case op < 15: // open
				name := randName(r)
				f, err := fs.Open(name)
				ino, ok := m.cur[name]
				if ok != (err == nil) || (!ok && !errors.Is(err, ErrNotExist)) {
					fail("open %s: %v, model has it: %v", name, err, ok)
				}
				if ok {
					hs = append(hs, handle{f, ino})
				}
			case op < 50 && len(hs) > 0: // write, append, truncate
				h := hs[r.Intn(len(hs))]
				mf := m.files[h.ino-1]
				switch r.Intn(3) {
				case 0:
					off := r.Intn(len(mf.cur) + 10)
					p := randData(r, 20)
					if _, err := h.f.WriteAt(p, int64(off)); err != nil {
						fail("writeat: %v", err)
					}
					mf.cur = zeroExtend(mf.cur, max(len(mf.cur), off+len(p)))
					copy(mf.cur[off:], p)
				case 1:
					p := randData(r, 20)
					if _, err := h.f.Write(p); err != nil {
						fail("append: %v", err)
					}
					mf.cur = append(mf.cur, p...)
				case 2:
					n := r.Intn(len(mf.cur) + 10)
					if err := h.f.Truncate(int64(n)); err != nil {
						fail("truncate: %v", err)
					}
					mf.cur = zeroExtend(mf.cur, n)
				}
			case op < 62 && len(hs) > 0: // sync
				h := hs[r.Intn(len(hs))]
				if err := h.f.Sync(); err != nil {
					fail("sync: %v", err)
				}
				mf := m.files[h.ino-1]
				mf.dur = slices.Clone(mf.cur)
			case op < 67 && len(hs) > 0: // close
				i := r.Intn(len(hs))
				if err := hs[i].f.Close(); err != nil {
					fail("close: %v", err)
				}
				hs = slices.Delete(hs, i, i+1)
			case op < 74: // rename
				a, b := randName(r), randName(r)
				err := fs.Rename(a, b)
				ino, ok := m.cur[a]
				if ok != (err == nil) {
					fail("rename %s %s: %v, model has it: %v", a, b, err, ok)
				}
				if ok && a != b {
					delete(m.cur, a)
					m.cur[b] = ino
					m.queue(a, 0)
					m.queue(b, ino)
				}
			case op < 79: // remove
				name := randName(r)
				err := fs.Remove(name)
				_, ok := m.cur[name]
				if ok != (err == nil) {
					fail("remove %s: %v, model has it: %v", name, err, ok)
				}
				if ok {
					delete(m.cur, name)
					m.queue(name, 0)
				}
			case op < 90: // syncdir
				dir := propDirs[r.Intn(len(propDirs))]
				if err := fs.SyncDir(dir); err != nil {
					fail("syncdir: %v", err)
				}
				for _, c := range m.pend[dir] {
					if c[1].(int) == 0 {
						delete(m.dur, c[0].(string))
					} else {
						m.dur[c[0].(string)] = c[1].(int)
					}
				}
				delete(m.pend, dir)
			case op < 97: // check the current state
				if got, want := nameState(t, fs), m.state(false); !maps.Equal(got, want) {
					fail("current state %v, model %v", got, want)
				}
			default: // crash
				fs.Crash()
				if err := fs.CheckInvariants(); err != nil {
					fail("%v", err)
				}
				if len(hs) > 0 {
					if _, err := hs[0].f.Size(); !errors.Is(err, ErrClosed) {
						fail("handle after crash: %v", err)
					}
				}
				hs = nil
				m.cur = maps.Clone(m.dur)
				m.pend = map[string][][2]any{}
				for _, f := range m.files {
					f.cur = slices.Clone(f.dur)
				}
				if got, want := nameState(t, fs), m.state(true); !maps.Equal(got, want) {
					fail("after crash %v, synced state %v", got, want)
				}
			}
		}
	}
}

// mop is a pending data operation in the model.
type mop struct {
	trunc bool
	off   int
	data  []byte
}

// outcomes returns every contents a crash may leave: dur plus an in-order
// subset of ops, and with tear, a prefix of sectors of any multi-sector
// write.
func outcomes(dur []byte, ops []mop, ss int, tear bool) map[string]bool {
	states := map[string]bool{string(dur): true}
	for _, op := range ops {
		next := maps.Clone(states)
		for s := range states {
			b := []byte(s)
			if op.trunc {
				next[string(zeroExtend(b, op.off))] = true
				continue
			}
			apply := func(p []byte) {
				c := zeroExtend(slices.Clone(b), max(len(b), op.off+len(p)))
				copy(c[op.off:], p)
				next[string(c)] = true
			}
			apply(op.data)
			first := op.off / ss
			sectors := (op.off+len(op.data)+ss-1)/ss - first
			for k := 1; tear && k < sectors; k++ {
				apply(op.data[:(first+k)*ss-op.off])
			}
		}
		states = next
	}
	return states
}

// TestPropertyLoseSomeData checks, for LoseSome and Tear, that after a crash
// every file is its synced contents plus an in-order subset of its pending
// operations (with Tear, a sector prefix of a write may stand for it), and
// that the interesting outcomes do happen.
func TestPropertyLoseSomeData(t *testing.T) {
	for _, mode := range []CrashMode{LoseSome, Tear} {
		t.Run(mode.String(), func(t *testing.T) {
			const ss = 8
			var total CrashReport
			partial := 0 // crashes that kept some but not all pending writes of a file
			for seed := uint64(1); seed <= 300; seed++ {
				r := rng.New(seed, "ops")
				fs := newFS(t, Config{SectorSize: ss, Crash: mode}, seed)
				names := []string{"d/a", "d/b"}
				type mf struct {
					cur, dur []byte
					pend     []mop
				}
				mfs := map[string]*mf{}
				for _, n := range names {
					put(t, fs, n, "", true)
					mfs[n] = &mf{}
				}
				for round := 0; round < 6; round++ {
					files := map[string]*File{}
					for _, n := range names {
						f, err := fs.Open(n)
						if err != nil {
							t.Fatalf("seed %d: %v", seed, err)
						}
						files[n] = f
					}
					for step := 0; step < 8; step++ {
						n := names[r.Intn(len(names))]
						f, m := files[n], mfs[n]
						switch op := r.Intn(10); {
						case op < 4:
							off := r.Intn(len(m.cur) + 12)
							p := randData(r, 30)
							f.WriteAt(p, int64(off))
							m.cur = zeroExtend(m.cur, max(len(m.cur), off+len(p)))
							copy(m.cur[off:], p)
							m.pend = append(m.pend, mop{off: off, data: p})
						case op < 7:
							p := randData(r, 30)
							f.Write(p)
							m.pend = append(m.pend, mop{off: len(m.cur), data: p})
							m.cur = append(m.cur, p...)
						case op < 8:
							size := r.Intn(len(m.cur) + 12)
							f.Truncate(int64(size))
							m.cur = zeroExtend(m.cur, size)
							m.pend = append(m.pend, mop{trunc: true, off: size})
						default:
							if err := f.Sync(); err != nil {
								t.Fatal(err)
							}
							m.dur = slices.Clone(m.cur)
							m.pend = nil
						}
					}
					total.Add(fs.Crash())
					if err := fs.CheckInvariants(); err != nil {
						t.Fatalf("seed %d: %v", seed, err)
					}
					for _, n := range names {
						m := mfs[n]
						got := mustRead(t, fs, n)
						if !outcomes(m.dur, m.pend, ss, mode == Tear)[got] {
							t.Fatalf("seed %d round %d: %s = %q is not %q plus an in-order subset of %v", seed, round, n, got, m.dur, m.pend)
						}
						if len(m.pend) > 1 && got != string(m.dur) && got != string(m.cur) {
							partial++
						}
						m.dur, m.cur, m.pend = []byte(got), []byte(got), nil
					}
				}
			}
			if total.WritesKept == 0 || total.WritesLost == 0 || partial == 0 {
				t.Errorf("property is vacuous: %+v, partial outcomes %d", total, partial)
			}
			if (total.WritesTorn > 0) != (mode == Tear) {
				t.Errorf("%v: WritesTorn = %d", mode, total.WritesTorn)
			}
		})
	}
}

// TestPropertyLoseSomeNames checks that after a LoseSome crash each
// directory is its durable entries plus an in-order subset of its pending
// name operations, a same-directory rename being atomic. Every file gets
// unique synced contents, which stand for its identity.
func TestPropertyLoseSomeNames(t *testing.T) {
	var total CrashReport
	for seed := uint64(1); seed <= 300; seed++ {
		r := rng.New(seed, "ops")
		fs := newFS(t, Config{Crash: LoseSome}, seed)
		dur := map[string]string{} // name -> contents
		next := 0
		for round := 0; round < 5; round++ {
			type change struct{ name, content string } // content "" removes
			pend := map[string][][]change{}
			cur := maps.Clone(dur)
			for step := 0; step < 6; step++ {
				switch op := r.Intn(10); {
				case op < 4:
					name := randName(r)
					if _, ok := cur[name]; ok {
						continue
					}
					next++
					content := fmt.Sprintf("file%d", next)
					f, _ := fs.Create(name)
					f.Write([]byte(content))
					f.Sync()
					f.Close()
					cur[name] = content
					pend[path.Dir(name)] = append(pend[path.Dir(name)], []change{{name, content}})
				case op < 7:
					a, b := randName(r), randName(r)
					c, ok := cur[a]
					if !ok || a == b {
						continue
					}
					if err := fs.Rename(a, b); err != nil {
						t.Fatal(err)
					}
					delete(cur, a)
					cur[b] = c
					if path.Dir(a) == path.Dir(b) {
						pend[path.Dir(a)] = append(pend[path.Dir(a)], []change{{a, ""}, {b, c}})
					} else {
						pend[path.Dir(a)] = append(pend[path.Dir(a)], []change{{a, ""}})
						pend[path.Dir(b)] = append(pend[path.Dir(b)], []change{{b, c}})
					}
				case op < 8:
					name := randName(r)
					if _, ok := cur[name]; !ok {
						continue
					}
					fs.Remove(name)
					delete(cur, name)
					pend[path.Dir(name)] = append(pend[path.Dir(name)], []change{{name, ""}})
				default:
					dir := propDirs[r.Intn(len(propDirs))]
					fs.SyncDir(dir)
					for _, op := range pend[dir] {
						for _, c := range op {
							if c.content == "" {
								delete(dur, c.name)
							} else {
								dur[c.name] = c.content
							}
						}
					}
					delete(pend, dir)
				}
			}
			total.Add(fs.Crash())
			if err := fs.CheckInvariants(); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			got := nameState(t, fs)
			for _, dir := range propDirs {
				inDir := func(m map[string]string) map[string]string {
					out := map[string]string{}
					for k, v := range m {
						if path.Dir(k) == dir {
							out[k] = v
						}
					}
					return out
				}
				base, want := inDir(dur), inDir(got)
				ops := pend[dir]
				found := false
				for mask := 0; mask < 1<<len(ops) && !found; mask++ {
					s := maps.Clone(base)
					for i, op := range ops {
						if mask&(1<<i) == 0 {
							continue
						}
						for _, c := range op {
							if c.content == "" {
								delete(s, c.name)
							} else {
								s[c.name] = c.content
							}
						}
					}
					found = maps.Equal(s, want)
				}
				if !found {
					t.Fatalf("seed %d round %d: dir %s is %v; durable %v, pending %v", seed, round, dir, want, base, ops)
				}
			}
			dur = got
		}
	}
	if total.NamesKept == 0 || total.NamesLost == 0 {
		t.Errorf("property is vacuous: %+v", total)
	}
}

// workload runs a random mix of everything, faults included, and returns a
// transcript of every result. It checks invariants after each crash.
func workload(t testing.TB, seed uint64, mode CrashMode) (string, Counters) {
	var out strings.Builder
	r := rng.New(seed, "ops")
	fs := newFS(t, Config{SectorSize: 16, Crash: mode, Capacity: 4096}, seed)
	faults := []Fault{
		{Kind: ReadError, P: 0.05},
		{Kind: WriteError, P: 0.05, Name: "d/a"},
		{Kind: NoSpace, P: 0.05},
		{Kind: SyncFail, P: 0.1},
		{Kind: Corrupt, P: 0.05},
		{Kind: LatentSector, Name: "e/b", Off: 16, Len: 16},
		{Kind: Misdirect, P: 0.1},
	}
	var hs []*File
	for step := 0; step < 300; step++ {
		var res any
		switch op := r.Intn(100); {
		case op < 10:
			f, err := fs.Create(randName(r))
			if f != nil {
				hs = append(hs, f)
			}
			res = err
		case op < 15:
			f, err := fs.Open(randName(r))
			if f != nil {
				hs = append(hs, f)
			}
			res = err
		case op < 40 && len(hs) > 0:
			f := hs[r.Intn(len(hs))]
			n, err := f.WriteAt(randData(r, 40), int64(r.Intn(100)))
			res = fmt.Sprint(n, err)
		case op < 50 && len(hs) > 0:
			f := hs[r.Intn(len(hs))]
			p := make([]byte, r.Intn(64))
			n, err := f.ReadAt(p, int64(r.Intn(80)))
			res = fmt.Sprintf("%d %v %q", n, err, p[:n])
		case op < 60 && len(hs) > 0:
			res = hs[r.Intn(len(hs))].Sync()
		case op < 63 && len(hs) > 0:
			res = hs[r.Intn(len(hs))].Truncate(int64(r.Intn(60)))
		case op < 70:
			res = fs.Rename(randName(r), randName(r))
		case op < 73:
			res = fs.Remove(randName(r))
		case op < 83:
			res = fs.SyncDir(propDirs[r.Intn(len(propDirs))])
		case op < 90:
			i := r.Intn(len(faults))
			id := fmt.Sprintf("f%d", i)
			if err := fs.Inject(id, faults[i]); errors.Is(err, ErrExist) {
				res = fs.Clear(id)
			} else {
				res = err
			}
		case op < 95:
			res = fmt.Sprintf("%+v", fs.Crash())
			if err := fs.CheckInvariants(); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			hs = nil
		default:
			names, _ := fs.List(propDirs[r.Intn(len(propDirs))])
			res = names
		}
		fmt.Fprintf(&out, "%d: %v\n", step, res)
	}
	fmt.Fprintf(&out, "digest %x\ncounters %+v\n", fs.Digest(), fs.Counters())
	return out.String(), fs.Counters()
}

func TestDeterminism(t *testing.T) {
	for _, mode := range []CrashMode{LoseUnsynced, LoseSome, Tear} {
		for seed := uint64(1); seed <= 20; seed++ {
			a, _ := workload(t, seed, mode)
			b, _ := workload(t, seed, mode)
			if a != b {
				t.Fatalf("%v seed %d: two runs differ:\n%s\n---\n%s", mode, seed, a, b)
			}
		}
		a, _ := workload(t, 1, mode)
		b, _ := workload(t, 2, mode)
		if a == b {
			t.Errorf("%v: seeds 1 and 2 give the same transcript", mode)
		}
	}
}

// TestWorkloadInvariants runs the fault-heavy workload over many seeds: the
// self-check must hold after every crash (workload checks it), whatever the
// declared faults did, and every fault kind must have landed somewhere.
func TestWorkloadInvariants(t *testing.T) {
	fired := map[FaultKind]int64{}
	for seed := uint64(1); seed <= 200; seed++ {
		_, c := workload(t, seed, Tear)
		for _, fc := range c.Faults {
			fired[fc.Kind] += fc.Fired
		}
	}
	for k := ReadError; k <= Misdirect; k++ {
		if fired[k] == 0 {
			t.Errorf("%v never fired in the mixed workload", k)
		}
	}
}
