package inputfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/faultline-dst/faultline/sim"
)

// FuzzCheckTrace: no trace file makes the trace check or sim.DiffTraces
// panic or allocate without bound; a file the check accepts is equal to
// itself. The seed corpus is testdata/a.trace, whole and torn.
func FuzzCheckTrace(f *testing.F) {
	data, err := os.ReadFile("testdata/a.trace")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte(TraceHeader + "\n1\t0\tstart\tn1\t-\t0\t-\t\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		half := len(data) / 2
		if _, err := sim.DiffTraces(bytes.NewReader(data[:half]), bytes.NewReader(data[half:])); err != nil {
			return // a line over the diff's limit
		}
		if err := CheckTrace(bytes.NewReader(data), "fuzz"); err != nil {
			if !errors.Is(err, ErrNotTrace) && !errors.Is(err, ErrLineTooLong) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		d, err := sim.DiffTraces(bytes.NewReader(data), bytes.NewReader(data))
		if err != nil || d != nil {
			t.Fatalf("an accepted trace differs from itself: %+v, %v", d, err)
		}
	})
}

// FuzzLines: the lines Next returns, joined by newlines, are the input;
// only the last may lack its newline; no line exceeds the limit.
func FuzzLines(f *testing.F) {
	data, err := os.ReadFile("testdata/a.trace")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, 64)
	f.Add([]byte("a\n\nb"), 1)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max < 0 || max > 1<<20 {
			return
		}
		l := NewLines(bytes.NewReader(data), max)
		var back []byte
		sawTorn := false
		for {
			line, complete, err := l.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if errors.Is(err, ErrLineTooLong) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sawTorn {
				t.Fatal("a line after one without its newline")
			}
			if len(line) > max {
				t.Fatalf("line of %d bytes, limit %d", len(line), max)
			}
			back = append(back, line...)
			if complete {
				back = append(back, '\n')
			} else {
				sawTorn = true
			}
		}
		if !bytes.Equal(back, data) {
			t.Fatalf("lines joined %q, input %q", back, data)
		}
	})
}
