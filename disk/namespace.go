package disk

import (
	"cmp"
	"fmt"
	iofs "io/fs"
	"path"
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/clock"
)

// The namespace. The current namespace is keyed by path (cur, and cdirs
// for directories). The durable namespace is a tree of directory entries
// keyed by directory identity (dkey), so that a pending operation inside a
// directory stays with that directory when it is renamed: it becomes
// durable where the directory durably is when it is applied, as on a
// POSIX file system.

// dkey is a directory entry: base name in the directory of identity dir
// (0 is the top directory).
type dkey struct {
	dir  uint64
	base string
}

// dnode is a directory's identity. explicit: made by Mkdir and not removed
// by RemoveDir; a directory that is not explicit exists only while
// something is in it.
type dnode struct {
	id       uint64
	explicit bool
}

// entryChange is one change to a directory entry: key now names ino (a
// file) or, if dir, the directory sub; or, if del, it no longer does; or,
// if mark is not 0, the directory sub is made explicit (+1, Mkdir) or not
// (-1, RemoveDir).
type entryChange struct {
	key  dkey
	dir  bool
	del  bool
	mark int8
	ino  *inode
	sub  uint64
}

// nsOp is one pending name operation on one directory. Its changes persist
// together or not at all (a rename within a directory is atomic).
type nsOp struct {
	changes []entryChange
}

// pendq is one directory's pending name operations. path is where the
// directory is in the current namespace (it orders the queues at a crash).
type pendq struct {
	path string
	ops  []nsOp
}

// checkName validates a file name.
func checkName(op, name string) error {
	if name == "." || !iofs.ValidPath(name) {
		return pathErr(op, name, fmt.Errorf("%w: want a clean, relative, slash-separated file name like \"wal/0001.log\"", ErrInvalid))
	}
	return nil
}

// checkDir validates a directory name ("." is the top).
func checkDir(op, dir string) error {
	if !iofs.ValidPath(dir) {
		return pathErr(op, dir, fmt.Errorf("%w: want a clean, relative, slash-separated directory name like \"wal\" or \".\"", ErrInvalid))
	}
	return nil
}

// dirID returns the identity of the current directory dir, giving it one
// if it has none: an implicit directory, durable at once (every valid
// directory exists).
func (fs *FS) dirID(dir string) uint64 {
	if dir == "." {
		return 0
	}
	if d, ok := fs.cdirs[dir]; ok {
		return d.id
	}
	parent := fs.dirID(path.Dir(dir))
	fs.nextDir++
	id := fs.nextDir
	fs.cdirs[dir] = dnode{id: id}
	if k := (dkey{parent, path.Base(dir)}); fs.hasDurDir(k) {
		fs.waiting[k] = id // durable once the directory there moves away
	} else {
		fs.durD[k] = id
	}
	return id
}

func (fs *FS) hasDurDir(k dkey) bool { _, ok := fs.durD[k]; return ok }

// entry returns the durable-tree key of the current name.
func (fs *FS) entry(name string) dkey {
	return dkey{fs.dirID(path.Dir(name)), path.Base(name)}
}

// queue adds a pending name operation to the current directory dir.
func (fs *FS) queue(dir string, changes ...entryChange) {
	id := fs.dirID(dir)
	q := fs.pend[id]
	if q == nil {
		q = &pendq{}
		fs.pend[id] = q
	}
	q.path = dir
	q.ops = append(q.ops, nsOp{changes: changes})
}

// pendOrder returns the directories with pending name operations, by
// current path (then identity).
func (fs *FS) pendOrder() []uint64 {
	ids := make([]uint64, 0, len(fs.pend))
	for id := range fs.pend {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b uint64) int {
		if c := strings.Compare(fs.pend[a].path, fs.pend[b].path); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return ids
}

// link points the current name at ino (nil removes it), keeping link
// counts and space accounting right.
func (fs *FS) link(name string, ino *inode) {
	if old := fs.cur[name]; old != nil {
		old.nlink--
		fs.account(old)
	}
	if ino == nil {
		delete(fs.cur, name)
		return
	}
	fs.cur[name] = ino
	ino.nlink++
	fs.account(ino)
}

// applyDurable applies a name operation to the durable namespace.
func (fs *FS) applyDurable(op nsOp) {
	for _, c := range op.changes {
		switch {
		case c.mark != 0:
			if c.mark > 0 {
				fs.durX[c.sub] = true
			} else {
				delete(fs.durX, c.sub)
			}
		case c.del && c.dir:
			delete(fs.durD, c.key)
			if id, ok := fs.waiting[c.key]; ok {
				fs.durD[c.key] = id
				delete(fs.waiting, c.key)
			}
		case c.del:
			delete(fs.durF, c.key)
		case c.dir:
			fs.durD[c.key] = c.sub
		default:
			fs.durF[c.key] = c.ino
		}
	}
}

// walkDurable resolves the durable tree from the top: the durable files
// and directories by path. Entries in directories the top cannot reach
// (never made durable, or removed) are not in it.
func (fs *FS) walkDurable() (files map[string]*inode, dirs map[string]dnode) {
	files, dirs = map[string]*inode{}, map[string]dnode{}
	subs := map[uint64][]dkey{}
	for k := range fs.durD {
		subs[k.dir] = append(subs[k.dir], k)
	}
	byDir := map[uint64][]dkey{}
	for k := range fs.durF {
		byDir[k.dir] = append(byDir[k.dir], k)
	}
	join := func(dir, base string) string {
		if dir == "." {
			return base
		}
		return dir + "/" + base
	}
	seen := map[uint64]bool{0: true}
	var walk func(id uint64, at string)
	walk = func(id uint64, at string) {
		for _, k := range byDir[id] {
			files[join(at, k.base)] = fs.durF[k]
		}
		ks := subs[id]
		slices.SortFunc(ks, func(a, b dkey) int { return strings.Compare(a.base, b.base) })
		for _, k := range ks {
			id := fs.durD[k]
			if seen[id] {
				continue // two durable names for one directory: the first in name order
			}
			seen[id] = true
			p := join(at, k.base)
			dirs[p] = dnode{id: id, explicit: fs.durX[id]}
			walk(id, p)
		}
	}
	walk(0, ".")
	return files, dirs
}

// durable returns the durable file at name, or nil.
func (fs *FS) durable(name string) *inode {
	files, _ := fs.walkDurable()
	return files[name]
}

// Create creates the named file, or truncates it if it exists, and opens
// it. A new name is volatile until SyncDir of its directory; a truncation is
// volatile until the file is synced.
func (fs *FS) Create(name string) (*File, error) {
	if err := checkName("create", name); err != nil {
		return nil, err
	}
	if ino := fs.cur[name]; ino != nil {
		f := fs.open(name, ino)
		if err := f.truncate("create", 0); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	ino := fs.newInode()
	fs.link(name, ino)
	fs.queue(path.Dir(name), entryChange{key: fs.entry(name), ino: ino})
	return fs.open(name, ino), nil
}

// Open opens the named file for reading and writing.
func (fs *FS) Open(name string) (*File, error) {
	if err := checkName("open", name); err != nil {
		return nil, err
	}
	ino := fs.cur[name]
	if ino == nil {
		return nil, pathErr("open", name, ErrNotExist)
	}
	return fs.open(name, ino), nil
}

func (fs *FS) open(name string, ino *inode) *File {
	ino.opens++
	fs.account(ino)
	return &File{fs: fs, ino: ino, name: name, gen: fs.gen}
}

// Rename renames oldname to newname. A file replaces newname if it is a
// file; it is volatile until SyncDir of both directories (one, if they are
// the same). A directory (see IsDir) moves with everything in it,
// replacing newname if that is an empty directory (ErrNotEmpty if it is
// not, ErrNotDir if it is a file); it is one atomic name operation queued on
// newname's directory, volatile until SyncDir of that directory. Name
// operations still pending inside the moved directory stay with it: they
// become durable where the directory durably is.
func (fs *FS) Rename(oldname, newname string) error {
	if err := checkName("rename", oldname); err != nil {
		return err
	}
	if err := checkName("rename", newname); err != nil {
		return err
	}
	ino := fs.cur[oldname]
	if ino == nil {
		if fs.IsDir(oldname) {
			return fs.renameDir(oldname, newname)
		}
		return pathErr("rename", oldname, ErrNotExist)
	}
	if oldname == newname {
		return nil
	}
	if fs.IsDir(newname) {
		return pathErr("rename", newname, ErrIsDir)
	}
	del := entryChange{key: fs.entry(oldname), del: true}
	add := entryChange{key: fs.entry(newname), ino: ino}
	fs.link(newname, ino)
	fs.link(oldname, nil)
	if path.Dir(oldname) == path.Dir(newname) {
		fs.queue(path.Dir(oldname), del, add)
	} else {
		fs.queue(path.Dir(oldname), del)
		fs.queue(path.Dir(newname), add)
	}
	return nil
}

// under reports whether name is dir or inside it.
func under(name, dir string) bool {
	return name == dir || strings.HasPrefix(name, dir+"/")
}

func (fs *FS) renameDir(oldname, newname string) error {
	if oldname == newname {
		return nil
	}
	if under(newname, oldname) {
		return pathErr("rename", newname, fmt.Errorf("%w: a directory cannot move into itself (%s)", ErrInvalid, oldname))
	}
	if fs.cur[newname] != nil {
		return pathErr("rename", newname, ErrNotDir)
	}
	if fs.IsDir(newname) && !fs.emptyDir(newname) {
		return pathErr("rename", newname, ErrNotEmpty)
	}
	id := fs.dirID(oldname)
	for _, dir := range sortedKeys(fs.cdirs) {
		if under(dir, newname) {
			delete(fs.cdirs, dir) // an empty directory replaced, or implicit ones with nothing in them
		}
	}
	del := entryChange{key: fs.entry(oldname), dir: true, del: true}
	add := entryChange{key: fs.entry(newname), dir: true, sub: id}
	move := func(p string) string { return newname + strings.TrimPrefix(p, oldname) }
	for _, name := range sortedKeys(fs.cur) {
		if under(name, oldname) {
			ino := fs.cur[name]
			delete(fs.cur, name)
			fs.cur[move(name)] = ino
		}
	}
	for _, dir := range sortedKeys(fs.cdirs) {
		if under(dir, oldname) {
			n := fs.cdirs[dir]
			delete(fs.cdirs, dir)
			fs.cdirs[move(dir)] = n
			if q := fs.pend[n.id]; q != nil {
				q.path = move(dir)
			}
		}
	}
	fs.queue(path.Dir(newname), del, add)
	return nil
}

// emptyDir reports whether nothing (no file, no made directory) is in dir.
func (fs *FS) emptyDir(dir string) bool {
	for n := range fs.cur {
		if strings.HasPrefix(n, dir+"/") {
			return false
		}
	}
	for d, n := range fs.cdirs {
		if n.explicit && strings.HasPrefix(d, dir+"/") {
			return false
		}
	}
	return true
}

// Remove removes the named file. It is volatile until SyncDir of its
// directory. Open *Files of it keep working.
func (fs *FS) Remove(name string) error {
	if err := checkName("remove", name); err != nil {
		return err
	}
	if fs.cur[name] == nil {
		return pathErr("remove", name, ErrNotExist)
	}
	k := fs.entry(name)
	fs.link(name, nil)
	fs.queue(path.Dir(name), entryChange{key: k, del: true})
	return nil
}

// IsDir reports whether the directory dir exists: the top ("."), a
// directory made by Mkdir and not removed, or one that holds a file or
// such a directory.
func (fs *FS) IsDir(dir string) bool {
	if dir == "." || fs.cdirs[dir].explicit {
		return true
	}
	if !iofs.ValidPath(dir) {
		return false
	}
	for name := range fs.cur {
		if strings.HasPrefix(name, dir+"/") {
			return true
		}
	}
	for d, n := range fs.cdirs {
		if n.explicit && strings.HasPrefix(d, dir+"/") {
			return true
		}
	}
	return false
}

// Mkdir makes the directory name. Directories need not be made: a file
// can be created in any valid directory, and only its immediate directory
// is involved in its durability. A made directory also exists while it is
// empty, and that, like a file's name, is volatile until SyncDir of its
// parent directory: after a crash before that, it exists only if
// something durable is in it. ErrExist if name is a file or a directory
// already.
func (fs *FS) Mkdir(name string) error {
	if err := checkName("mkdir", name); err != nil {
		return err
	}
	if fs.cur[name] != nil || fs.IsDir(name) {
		return pathErr("mkdir", name, ErrExist)
	}
	k := fs.entry(name)
	id := fs.dirID(name)
	fs.cdirs[name] = dnode{id: id, explicit: true}
	mark := entryChange{key: k, mark: +1, sub: id}
	if fs.durD[k] == id {
		fs.queue(path.Dir(name), mark)
	} else { // another directory is durably there: this one replaces it
		fs.queue(path.Dir(name), entryChange{key: k, dir: true, sub: id}, mark)
	}
	return nil
}

// RemoveDir removes the empty directory name (made by Mkdir). It is
// volatile until SyncDir of its parent directory. ErrNotEmpty if it holds
// a file or a directory, ErrNotDir if it is a file, ErrNotExist if it
// does not exist.
func (fs *FS) RemoveDir(name string) error {
	if err := checkName("removedir", name); err != nil {
		return err
	}
	switch {
	case !fs.IsDir(name) && fs.cur[name] != nil:
		return pathErr("removedir", name, ErrNotDir)
	case !fs.IsDir(name):
		return pathErr("removedir", name, ErrNotExist)
	}
	if !fs.emptyDir(name) {
		return pathErr("removedir", name, ErrNotEmpty)
	}
	id := fs.cdirs[name].id
	fs.cdirs[name] = dnode{id: id}
	fs.queue(path.Dir(name), entryChange{key: fs.entry(name), mark: -1, sub: id})
	return nil
}

// List returns the sorted base names of the files directly in dir (not of
// subdirectories; see Dirs). Every valid directory exists; an empty one
// lists nothing.
func (fs *FS) List(dir string) ([]string, error) {
	if err := checkDir("list", dir); err != nil {
		return nil, err
	}
	var names []string
	for _, name := range sortedKeys(fs.cur) {
		if path.Dir(name) == dir {
			names = append(names, path.Base(name))
		}
	}
	return names, nil
}

// Dirs returns the sorted base names of the directories directly in dir
// that exist (see IsDir).
func (fs *FS) Dirs(dir string) ([]string, error) {
	if err := checkDir("dirs", dir); err != nil {
		return nil, err
	}
	var names []string
	for _, d := range sortedKeys(fs.cdirs) {
		if path.Dir(d) == dir && fs.IsDir(d) {
			names = append(names, path.Base(d))
		}
	}
	return names, nil
}

// SyncDir makes the pending name operations of dir durable: creations,
// renames and removals of names directly in dir, files and directories.
// With a sync latency, as for File.Sync, they become durable when the
// sync completes.
func (fs *FS) SyncDir(dir string) error {
	if err := checkDir("syncdir", dir); err != nil {
		return err
	}
	id := uint64(0)
	if dir != "." {
		d, ok := fs.cdirs[dir]
		if !ok {
			return nil
		}
		id = d.id
	}
	q := fs.pend[id]
	if q == nil || len(q.ops) == 0 {
		return nil
	}
	if lat := fs.cost(fs.cfg.SyncLatency, dir, 0); lat > 0 || len(fs.flights) > 0 {
		fs.flights = append(fs.flights, flight{done: fs.now + clock.Time(fs.elapsed), names: q.ops})
		delete(fs.pend, id)
		return nil
	}
	for _, op := range q.ops {
		fs.applyDurable(op)
	}
	delete(fs.pend, id)
	return nil
}
