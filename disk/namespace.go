package disk

import (
	"fmt"
	iofs "io/fs"
	"path"

	"github.com/faultline-dst/faultline/clock"
)

// entryChange is one change to a directory entry: name now refers to ino,
// or, if ino is nil, name is removed.
type entryChange struct {
	name string
	ino  *inode
}

// nsOp is one pending name operation on one directory. Its changes persist
// together or not at all (a rename within a directory is atomic).
type nsOp struct {
	changes []entryChange
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

// queue adds a pending name operation to the directory of its changes.
func (fs *FS) queue(changes ...entryChange) {
	dir := path.Dir(changes[0].name)
	fs.pend[dir] = append(fs.pend[dir], nsOp{changes: changes})
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
		if c.ino == nil {
			delete(fs.dur, c.name)
		} else {
			fs.dur[c.name] = c.ino
		}
	}
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
	fs.queue(entryChange{name: name, ino: ino})
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

// Rename renames oldname to newname, replacing newname if it exists. It is
// volatile until SyncDir of both directories (one, if they are the same).
func (fs *FS) Rename(oldname, newname string) error {
	if err := checkName("rename", oldname); err != nil {
		return err
	}
	if err := checkName("rename", newname); err != nil {
		return err
	}
	ino := fs.cur[oldname]
	if ino == nil {
		return pathErr("rename", oldname, ErrNotExist)
	}
	if oldname == newname {
		return nil
	}
	fs.link(newname, ino)
	fs.link(oldname, nil)
	del := entryChange{name: oldname}
	add := entryChange{name: newname, ino: ino}
	if path.Dir(oldname) == path.Dir(newname) {
		fs.queue(del, add)
	} else {
		fs.queue(del)
		fs.queue(add)
	}
	return nil
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
	fs.link(name, nil)
	fs.queue(entryChange{name: name})
	return nil
}

// List returns the sorted base names of the files directly in dir (not of
// subdirectories). Every valid directory exists; an empty one lists nothing.
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

// SyncDir makes the pending name operations of dir durable: creations,
// renames and removals of names directly in dir. With a sync latency, as
// for File.Sync, they become durable when the sync completes.
func (fs *FS) SyncDir(dir string) error {
	if err := checkDir("syncdir", dir); err != nil {
		return err
	}
	if len(fs.pend[dir]) == 0 {
		return nil
	}
	if lat := fs.cost(fs.cfg.SyncLatency, dir, 0); lat > 0 || len(fs.flights) > 0 {
		fs.flights = append(fs.flights, flight{done: fs.now + clock.Time(fs.elapsed), names: fs.pend[dir]})
		delete(fs.pend, dir)
		return nil
	}
	for _, op := range fs.pend[dir] {
		fs.applyDurable(op)
	}
	delete(fs.pend, dir)
	return nil
}
