// Package inputfile opens the files a user names on the command line
// (results, traces, plans, histories) so that a file which is not what it
// seems cannot hang or exhaust the process: only regular files are read,
// opened without blocking (a named pipe with no writer would otherwise
// block open forever), and read a line at a time with a limit on each
// line, so that /dev/zero, /dev/full or one enormous line is an error that
// names the file rather than a process that eats the machine's memory.
package inputfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular is wrapped by the error Open returns for a path that is
// not a regular file (a directory, a named pipe, a device, a socket).
var ErrNotRegular = errors.New("not a regular file")

// ErrLineTooLong is wrapped by the error Lines.Next returns for a line
// longer than its limit.
var ErrLineTooLong = errors.New("line too long")

// Open opens path for reading when it is a regular file. The open does not
// block (a FIFO is opened non-blocking and then refused), and the error
// for anything else names the path and what it is.
func Open(path string) (*os.File, error) {
	return OpenFile(path, os.O_RDONLY, 0)
}

// OpenFile is os.OpenFile that refuses anything but a regular file, as
// Open does; flag may create the file.
func OpenFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK, perm)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(path, st.Mode())
	}
	return f, nil
}

// CheckRegular returns nil when path does not exist or is a regular file,
// and the Open error otherwise: for outputs, which a command creates.
func CheckRegular(path string) error {
	st, err := os.Stat(path)
	if err != nil || st.Mode().IsRegular() {
		return nil
	}
	return notRegular(path, st.Mode())
}

func notRegular(path string, m fs.FileMode) error {
	return fmt.Errorf("%s is %s, %w: name a regular file", path, Kind(m), ErrNotRegular)
}

// Kind names what a file mode is, with its article: "a directory",
// "a named pipe", ...
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}

// Quote quotes b for an error message, Go-escaped (%q) so that binary
// bytes never reach a terminal raw, cut to at most max bytes of b.
func Quote(b []byte, max int) string {
	if len(b) <= max {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q... (%d bytes)", b[:max], len(b))
}

// Lines reads a stream a line at a time, no line longer than a limit.
type Lines struct {
	r   *bufio.Reader
	max int
	n   int
	buf []byte
}

// NewLines reads r in lines of at most max bytes (without the newline).
func NewLines(r io.Reader, max int) *Lines {
	return &Lines{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Line is the number of the line Next returned last, from 1.
func (l *Lines) Line() int { return l.n }

// Next returns the next line without its newline, and whether the newline
// was there (a final line without one is what a writer killed mid-write
// leaves). At the end it returns io.EOF; a line longer than the limit
// returns an error wrapping ErrLineTooLong, without reading the rest. The
// line is valid until the next call.
func (l *Lines) Next() (line []byte, complete bool, err error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.buf = append(l.buf, chunk...)
		size := len(l.buf)
		if err == nil {
			size-- // the newline
		}
		if size > l.max {
			l.n++
			return nil, false, fmt.Errorf("line %d: %w (more than %d bytes)", l.n, ErrLineTooLong, l.max)
		}
		switch {
		case err == nil:
			l.n++
			return bytes.TrimSuffix(l.buf, []byte("\n")), true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(l.buf) == 0 {
				return nil, false, io.EOF
			}
			l.n++
			return l.buf, false, nil
		default:
			return nil, false, err
		}
	}
}

// ReadAll reads a regular file of at most max bytes whole; a bigger file
// is an error naming the limit.
func ReadAll(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes, the most faultline reads", path, max)
	}
	return data, nil
}
