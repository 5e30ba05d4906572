package guest

import (
	"context"
	"errors"
	"hash/fnv"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/faultline-dst/faultline/disk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Files: the node's disk (package disk) is the guest's file system,
// preopened as "/" at descriptor 3. Paths map to disk names by dropping
// the leading slash ("/data/wal" is "data/wal"). Directories are the
// disk's (disk.FS.Mkdir, RemoveDir, IsDir, Dirs): mkdir, rmdir and the
// rename of a directory are name operations volatile until the parent
// directory is synced, as a file's name is.

const (
	rootFD      = 3
	firstFileFD = 4

	errnoExist      = 20
	errnoIO         = 29
	errnoIsDir      = 31
	errnoNoEnt      = 44
	errnoNoSpace    = 51
	errnoNoSys      = 52
	errnoNotDir     = 54
	errnoNotEmpty   = 55
	errnoNotSup     = 58
	errnoSpipe      = 70
	errnoNotCapable = 76

	filetypeDirectory = 3
	filetypeRegular   = 4

	oflagCreate    = 1
	oflagDirectory = 2
	oflagExcl      = 4
	oflagTrunc     = 8

	fdflagAppend = 1
	fdflagDsync  = 2
	fdflagSync   = 16
)

type fileFD struct {
	name   string // disk name; "." for the root
	dir    bool
	f      *disk.File
	off    int64
	append bool
	sync   bool // O_SYNC / O_DSYNC: every write is synced
}

// fileState is one instance's open files.
type fileState struct {
	fds    map[int32]*fileFD // never iterated
	nextFD int32
}

func newFileState() *fileState {
	return &fileState{fds: map[int32]*fileFD{rootFD: {name: ".", dir: true}}, nextFD: firstFileFD}
}

// diskErrno maps a disk error to a WASI errno.
func diskErrno(err error) uint64 {
	switch {
	case err == nil:
		return errnoSuccess
	case errors.Is(err, disk.ErrNotExist):
		return errnoNoEnt
	case errors.Is(err, disk.ErrExist):
		return errnoExist
	case errors.Is(err, disk.ErrNotEmpty):
		return errnoNotEmpty
	case errors.Is(err, disk.ErrNotDir):
		return errnoNotDir
	case errors.Is(err, disk.ErrIsDir):
		return errnoIsDir
	case errors.Is(err, disk.ErrNoSpace):
		return errnoNoSpace
	case errors.Is(err, disk.ErrClosed):
		return errnoBadf
	case errors.Is(err, disk.ErrInvalid):
		return errnoInval
	}
	return errnoIO
}

func (in *instance) disk() *disk.FS { return in.n.env.Disk() }

// resolve turns (dirfd, path) into a disk name, or an errno.
func (in *instance) resolve(mod api.Module, dirfd int32, ptr, n uint32) (string, uint64) {
	d, ok := in.n.files.fds[dirfd]
	if !ok {
		return "", errnoBadf
	}
	if !d.dir {
		return "", errnoNotDir
	}
	p, ok := readString(mod, ptr, n)
	if !ok {
		return "", errnoFault
	}
	var full string
	if strings.HasPrefix(p, "/") {
		full = path.Clean(p)
	} else {
		full = path.Clean("/" + d.name + "/" + p)
	}
	name := strings.TrimPrefix(full, "/")
	if name == "" {
		name = "."
	}
	if name == ".." || strings.HasPrefix(name, "../") {
		return "", errnoNotCapable
	}
	return name, errnoSuccess
}

func (in *instance) isFile(name string) bool {
	if name == "." {
		return false
	}
	names, err := in.disk().List(path.Dir(name))
	if err != nil {
		return false
	}
	i := sort.SearchStrings(names, path.Base(name))
	return i < len(names) && names[i] == path.Base(name)
}

func (in *instance) isDir(name string) bool { return in.disk().IsDir(name) }

func inode(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// writeFilestat writes WASI's 64-byte filestat.
func writeFilestat(mod api.Module, ptr uint32, name string, dir bool, size int64) uint64 {
	var st [64]byte
	le.PutUint64(st[8:], inode(name))
	if dir {
		st[16] = filetypeDirectory
	} else {
		st[16] = filetypeRegular
	}
	le.PutUint64(st[24:], 1)
	le.PutUint64(st[32:], uint64(size))
	if !mod.Memory().Write(ptr, st[:]) {
		return errnoFault
	}
	return errnoSuccess
}

type fileFunc func(in *instance, fd int32, mod api.Module, stack []uint64)

// fileFuncs serve descriptor calls on files and directories (see
// socketOverride); filled by the first exportFiles (under runtimesMu),
// read-only after.
var (
	fileFuncs      = map[string]fileFunc{}
	fileFuncsReady bool
)

func exportFiles(b wazero.HostModuleBuilder) {
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	defer func() { fileFuncsReady = true }()
	file := func(name string, params []api.ValueType, fn fileFunc) {
		if !fileFuncsReady {
			fileFuncs[name] = fn
		}
		if _, ok := socketFuncs[name]; ok {
			return // exported by exportSockets, which dispatches here
		}
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			in := instanceOf(ctx)
			fd := int32(stack[0])
			if in == nil || in.n.files == nil {
				defaults[name].Call(ctx, mod, stack)
				return
			}
			if _, ok := in.n.net.fds[fd]; ok {
				stack[0] = errnoSpipe // a socket: no files calls
				return
			}
			if fd < rootFD {
				defaults[name].Call(ctx, mod, stack)
				return
			}
			in.step()
			fn(in, fd, mod, stack)
		}), params, []api.ValueType{i32}).Export(name)
	}
	open := func(in *instance, fd int32) *fileFD { return in.n.files.fds[fd] }

	file("fd_prestat_get", []api.ValueType{i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		if fd != rootFD {
			stack[0] = errnoBadf
			return
		}
		var b [8]byte
		le.PutUint32(b[4:], 1) // name "/"
		if !mod.Memory().Write(uint32(stack[1]), b[:]) {
			stack[0] = errnoFault
			return
		}
		stack[0] = errnoSuccess
	})
	file("fd_prestat_dir_name", []api.ValueType{i32, i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		if fd != rootFD {
			stack[0] = errnoBadf
			return
		}
		if uint32(stack[2]) < 1 || !mod.Memory().Write(uint32(stack[1]), []byte("/")) {
			stack[0] = errnoFault
			return
		}
		stack[0] = errnoSuccess
	})
	file("fd_fdstat_get", nil, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		f := open(in, fd)
		if f == nil {
			stack[0] = errnoBadf
			return
		}
		var st [24]byte
		st[0] = filetypeRegular
		if f.dir {
			st[0] = filetypeDirectory
		}
		var flags uint16
		if f.append {
			flags |= fdflagAppend
		}
		if f.sync {
			flags |= fdflagSync
		}
		le.PutUint16(st[2:], flags)
		le.PutUint64(st[8:], 0x1fffffff)
		le.PutUint64(st[16:], 0x1fffffff)
		if !mod.Memory().Write(uint32(stack[1]), st[:]) {
			stack[0] = errnoFault
			return
		}
		stack[0] = errnoSuccess
	})
	file("fd_fdstat_set_flags", nil, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		f := open(in, fd)
		if f == nil {
			stack[0] = errnoBadf
			return
		}
		f.append = uint32(stack[1])&fdflagAppend != 0
		stack[0] = errnoSuccess
	})
	rw := func(write bool, positional bool) fileFunc {
		return func(in *instance, fd int32, mod api.Module, stack []uint64) {
			f := open(in, fd)
			switch {
			case f == nil:
				stack[0] = errnoBadf
				return
			case f.dir:
				stack[0] = errnoIsDir
				return
			}
			iovs, ok := readIOVecs(mod, uint32(stack[1]), uint32(stack[2]))
			if !ok {
				stack[0] = errnoFault
				return
			}
			off, resPtr := f.off, uint32(stack[3])
			if positional {
				off, resPtr = int64(stack[3]), uint32(stack[4])
			}
			total := 0
			var err error
			if write {
				var data []byte
				for _, v := range iovs {
					data = append(data, v...)
				}
				if f.append && !positional {
					total, err = f.f.Write(data)
					if err == nil {
						off, err = f.f.Size()
						off -= int64(total)
					}
				} else {
					total, err = f.f.WriteAt(data, off)
				}
				if err == nil && f.sync {
					err = f.f.Sync()
				}
			} else {
				for _, v := range iovs {
					var k int
					k, err = f.f.ReadAt(v, off+int64(total))
					total += k
					if err != nil || k < len(v) {
						break
					}
				}
				if err == io.EOF {
					err = nil
				}
			}
			if err != nil {
				stack[0] = diskErrno(err)
				return
			}
			if !positional {
				f.off = off + int64(total)
			}
			stack[0] = writeU32(mod, resPtr, uint32(total))
		}
	}
	file("fd_read", nil, rw(false, false))
	file("fd_write", nil, rw(true, false))
	file("fd_pread", []api.ValueType{i32, i32, i32, i64, i32}, rw(false, true))
	file("fd_pwrite", []api.ValueType{i32, i32, i32, i64, i32}, rw(true, true))
	file("fd_seek", []api.ValueType{i32, i64, i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		f := open(in, fd)
		if f == nil {
			stack[0] = errnoBadf
			return
		}
		off := int64(stack[1])
		switch uint32(stack[2]) {
		case 0:
		case 1:
			off += f.off
		case 2:
			if f.dir {
				stack[0] = errnoIsDir
				return
			}
			size, err := f.f.Size()
			if err != nil {
				stack[0] = diskErrno(err)
				return
			}
			off += size
		default:
			stack[0] = errnoInval
			return
		}
		if off < 0 {
			stack[0] = errnoInval
			return
		}
		f.off = off
		if !mod.Memory().WriteUint64Le(uint32(stack[3]), uint64(off)) {
			stack[0] = errnoFault
			return
		}
		stack[0] = errnoSuccess
	})
	file("fd_tell", []api.ValueType{i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		f := open(in, fd)
		if f == nil {
			stack[0] = errnoBadf
			return
		}
		if !mod.Memory().WriteUint64Le(uint32(stack[1]), uint64(f.off)) {
			stack[0] = errnoFault
			return
		}
		stack[0] = errnoSuccess
	})
	sync := func(in *instance, fd int32, mod api.Module, stack []uint64) {
		f := open(in, fd)
		switch {
		case f == nil:
			stack[0] = errnoBadf
		case f.dir:
			stack[0] = diskErrno(in.disk().SyncDir(f.name))
		default:
			stack[0] = diskErrno(f.f.Sync())
		}
	}
	file("fd_sync", []api.ValueType{i32}, sync)
	file("fd_datasync", []api.ValueType{i32}, sync)
	file("fd_close", nil, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		f := open(in, fd)
		if f == nil || fd == rootFD {
			stack[0] = errnoBadf
			return
		}
		delete(in.n.files.fds, fd)
		if f.f != nil {
			_ = f.f.Close()
		}
		stack[0] = errnoSuccess
	})
	file("fd_filestat_get", []api.ValueType{i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		f := open(in, fd)
		if f == nil {
			stack[0] = errnoBadf
			return
		}
		var size int64
		if !f.dir {
			var err error
			if size, err = f.f.Size(); err != nil {
				stack[0] = diskErrno(err)
				return
			}
		}
		stack[0] = writeFilestat(mod, uint32(stack[1]), f.name, f.dir, size)
	})
	file("fd_filestat_set_size", []api.ValueType{i32, i64}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		f := open(in, fd)
		switch {
		case f == nil:
			stack[0] = errnoBadf
		case f.dir:
			stack[0] = errnoIsDir
		default:
			stack[0] = diskErrno(f.f.Truncate(int64(stack[1])))
		}
	})
	noop := func(in *instance, fd int32, mod api.Module, stack []uint64) {
		if open(in, fd) == nil {
			stack[0] = errnoBadf
			return
		}
		stack[0] = errnoSuccess
	}
	file("fd_filestat_set_times", []api.ValueType{i32, i64, i64, i32}, noop)
	file("fd_advise", []api.ValueType{i32, i64, i64, i32}, noop)
	file("fd_readdir", []api.ValueType{i32, i32, i32, i64, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		f := open(in, fd)
		switch {
		case f == nil:
			stack[0] = errnoBadf
			return
		case !f.dir:
			stack[0] = errnoNotDir
			return
		}
		type ent struct {
			name string
			typ  byte
		}
		var ents []ent
		files, err := in.disk().List(f.name)
		if err != nil {
			stack[0] = diskErrno(err)
			return
		}
		for _, nm := range files {
			ents = append(ents, ent{nm, filetypeRegular})
		}
		dirs, err := in.disk().Dirs(f.name)
		if err != nil {
			stack[0] = diskErrno(err)
			return
		}
		for _, nm := range dirs {
			ents = append(ents, ent{nm, filetypeDirectory})
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].name < ents[j].name })
		var buf []byte
		for i := int(stack[3]); i < len(ents); i++ {
			var h [24]byte
			le.PutUint64(h[0:], uint64(i+1))
			le.PutUint64(h[8:], inode(path.Join(f.name, ents[i].name)))
			le.PutUint32(h[16:], uint32(len(ents[i].name)))
			h[20] = ents[i].typ
			buf = append(buf, h[:]...)
			buf = append(buf, ents[i].name...)
		}
		if n := int(uint32(stack[2])); len(buf) > n {
			buf = buf[:n]
		}
		if !mod.Memory().Write(uint32(stack[1]), buf) {
			stack[0] = errnoFault
			return
		}
		stack[0] = writeU32(mod, uint32(stack[4]), uint32(len(buf)))
	})
	file("path_open", []api.ValueType{i32, i32, i32, i32, i32, i64, i64, i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		name, errno := in.resolve(mod, fd, uint32(stack[2]), uint32(stack[3]))
		if errno != 0 {
			stack[0] = errno
			return
		}
		oflags, fdflags := uint32(stack[4]), uint32(stack[7])
		fs := in.disk()
		var nf *fileFD
		switch {
		case in.isDir(name):
			if oflags&(oflagCreate|oflagExcl) == oflagCreate|oflagExcl {
				stack[0] = errnoExist
				return
			}
			nf = &fileFD{name: name, dir: true}
		case oflags&oflagDirectory != 0:
			if in.isFile(name) {
				stack[0] = errnoNotDir
			} else {
				stack[0] = errnoNoEnt
			}
			return
		case in.isFile(name):
			if oflags&(oflagCreate|oflagExcl) == oflagCreate|oflagExcl {
				stack[0] = errnoExist
				return
			}
			f, err := fs.Open(name)
			if err == nil && oflags&oflagTrunc != 0 {
				err = f.Truncate(0)
			}
			if err != nil {
				stack[0] = diskErrno(err)
				return
			}
			nf = &fileFD{name: name, f: f}
		case oflags&oflagCreate != 0:
			if !in.isDir(path.Dir(name)) {
				stack[0] = errnoNoEnt
				return
			}
			f, err := fs.Create(name)
			if err != nil {
				stack[0] = diskErrno(err)
				return
			}
			nf = &fileFD{name: name, f: f}
		default:
			stack[0] = errnoNoEnt
			return
		}
		nf.append = fdflags&fdflagAppend != 0
		nf.sync = fdflags&(fdflagSync|fdflagDsync) != 0
		st := in.n.files
		nfd := st.nextFD
		st.nextFD++
		if st.nextFD >= firstSocketFD {
			st.nextFD = firstFileFD
		}
		st.fds[nfd] = nf
		stack[0] = writeU32(mod, uint32(stack[8]), uint32(nfd))
	})
	file("path_filestat_get", []api.ValueType{i32, i32, i32, i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		name, errno := in.resolve(mod, fd, uint32(stack[2]), uint32(stack[3]))
		if errno != 0 {
			stack[0] = errno
			return
		}
		switch {
		case in.isFile(name):
			f, err := in.disk().Open(name)
			if err != nil {
				stack[0] = diskErrno(err)
				return
			}
			size, err := f.Size()
			_ = f.Close()
			if err != nil {
				stack[0] = diskErrno(err)
				return
			}
			stack[0] = writeFilestat(mod, uint32(stack[4]), name, false, size)
		case in.isDir(name):
			stack[0] = writeFilestat(mod, uint32(stack[4]), name, true, 0)
		default:
			stack[0] = errnoNoEnt
		}
	})
	file("path_filestat_set_times", []api.ValueType{i32, i32, i32, i32, i64, i64, i32}, noop)
	file("path_create_directory", []api.ValueType{i32, i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		name, errno := in.resolve(mod, fd, uint32(stack[1]), uint32(stack[2]))
		switch {
		case errno != 0:
			stack[0] = errno
		case in.isDir(name) || in.isFile(name):
			stack[0] = errnoExist
		case !in.isDir(path.Dir(name)):
			stack[0] = errnoNoEnt
		default:
			stack[0] = diskErrno(in.disk().Mkdir(name))
		}
	})
	file("path_remove_directory", []api.ValueType{i32, i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		name, errno := in.resolve(mod, fd, uint32(stack[1]), uint32(stack[2]))
		switch {
		case errno != 0:
			stack[0] = errno
		case in.isFile(name):
			stack[0] = errnoNotDir
		case !in.isDir(name):
			stack[0] = errnoNoEnt
		case name == ".":
			stack[0] = errnoInval
		default:
			stack[0] = diskErrno(in.disk().RemoveDir(name))
		}
	})
	file("path_unlink_file", []api.ValueType{i32, i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		name, errno := in.resolve(mod, fd, uint32(stack[1]), uint32(stack[2]))
		switch {
		case errno != 0:
			stack[0] = errno
		case in.isDir(name):
			stack[0] = errnoIsDir
		default:
			stack[0] = diskErrno(in.disk().Remove(name))
		}
	})
	file("path_rename", []api.ValueType{i32, i32, i32, i32, i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		from, errno := in.resolve(mod, fd, uint32(stack[1]), uint32(stack[2]))
		if errno != 0 {
			stack[0] = errno
			return
		}
		to, errno := in.resolve(mod, int32(stack[3]), uint32(stack[4]), uint32(stack[5]))
		switch {
		case errno != 0:
			stack[0] = errno
		case from == ".":
			stack[0] = errnoInval
		case !in.isDir(path.Dir(to)):
			stack[0] = errnoNoEnt
		default:
			stack[0] = diskErrno(in.disk().Rename(from, to))
		}
	})
	nosys := func(in *instance, fd int32, mod api.Module, stack []uint64) { stack[0] = errnoNoSys }
	file("path_link", []api.ValueType{i32, i32, i32, i32, i32, i32, i32}, nosys)
	file("path_symlink", []api.ValueType{i32, i32, i32, i32, i32}, nosys)
	file("path_readlink", []api.ValueType{i32, i32, i32, i32, i32, i32}, func(in *instance, fd int32, mod api.Module, stack []uint64) {
		stack[0] = errnoInval // no symlinks: nothing is a link
	})
	file("fd_allocate", []api.ValueType{i32, i64, i64}, nosys)
}
