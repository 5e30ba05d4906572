//go:build unix

package inputfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	file, fifo := filepath.Join(dir, "f"), filepath.Join(dir, "fifo")
	if err := os.WriteFile(file, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
	}{
		{file, ""},
		{dir, "is a directory"},
		{fifo, "is a named pipe (FIFO)"}, // and open does not block
		{"/dev/zero", "is a character device"},
		{filepath.Join(dir, "missing"), "no such file"},
	}
	for _, tt := range tests {
		f, err := Open(tt.path)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.path, err)
			} else {
				f.Close()
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.path, err, tt.want)
		}
		if tt.want != "no such file" && !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: %v does not wrap ErrNotRegular", tt.path, err)
		}
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		in       string
		max      int
		lines    []string
		complete []bool
		tooLong  bool
	}{
		{"", 10, nil, nil, false},
		{"a\nbc\n", 10, []string{"a", "bc"}, []bool{true, true}, false},
		{"a\n\nbc", 10, []string{"a", "", "bc"}, []bool{true, true, false}, false},
		{"0123456789\n", 10, []string{"0123456789"}, []bool{true}, false},
		{"0123456789a\n", 10, nil, nil, true},
		{"ok\n" + strings.Repeat("x", 200000), 1000, []string{"ok"}, []bool{true}, true},
	}
	for _, tt := range tests {
		l := NewLines(strings.NewReader(tt.in), tt.max)
		var got []string
		var complete []bool
		for {
			line, c, err := l.Next()
			if errors.Is(err, io.EOF) {
				if tt.tooLong {
					t.Errorf("%q: no ErrLineTooLong", tt.in)
				}
				break
			}
			if err != nil {
				if !tt.tooLong || !errors.Is(err, ErrLineTooLong) {
					t.Errorf("%q: %v", tt.in, err)
				}
				break
			}
			got, complete = append(got, string(line)), append(complete, c)
		}
		if strings.Join(got, "|") != strings.Join(tt.lines, "|") || len(complete) != len(tt.complete) {
			t.Errorf("%q: lines %q %v, want %q %v", tt.in, got, complete, tt.lines, tt.complete)
			continue
		}
		for i := range complete {
			if complete[i] != tt.complete[i] {
				t.Errorf("%q: line %d complete %v", tt.in, i+1, complete[i])
			}
		}
	}
}

func TestQuote(t *testing.T) {
	if got := Quote([]byte("a\x00\x1b[31m\xff"), 100); got != `"a\x00\x1b[31m\xff"` {
		t.Errorf("got %s", got)
	}
	if got := Quote([]byte(strings.Repeat("y", 50)), 10); got != `"yyyyyyyyyy"... (50 bytes)` {
		t.Errorf("got %s", got)
	}
}
