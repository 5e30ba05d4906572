package inputfile

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// TraceHeader starts every trace file faultline writes.
const TraceHeader = "# faultline trace v1:"

// MaxTraceLine bounds one line of a trace file.
const MaxTraceLine = 16 << 20

// ErrNotTrace is wrapped by the error CheckTrace returns for input that is
// not a faultline trace.
var ErrNotTrace = errors.New("not a faultline trace")

// CheckTrace reads r through and reports the first line that is not part
// of a faultline trace, naming name:line and quoting the line: the first
// line must be the header, and every other line one event (seq, t_ns,
// kind, node, peer, len, digest, detail, tab-separated, seq counting from
// 1), ended by a newline. An empty input is not a trace either.
func CheckTrace(r io.Reader, name string) error {
	lines := NewLines(r, MaxTraceLine)
	var seq uint64
	for {
		line, complete, err := lines.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s:%w", name, err)
		}
		n := lines.Line()
		bad := func(why string) error {
			return fmt.Errorf("%s:%d: %w (%s): %s", name, n, ErrNotTrace, why, Quote(line, 120))
		}
		if n == 1 {
			if !strings.HasPrefix(string(line), TraceHeader) {
				return bad("the first line is not the header " + strconv.Quote(TraceHeader+" ..."))
			}
			continue
		}
		if !complete {
			return bad("torn: the last line has no newline")
		}
		if len(line) > 0 && line[0] == '#' {
			continue // a comment, such as the line naming the harness nodes
		}
		f := strings.Split(string(line), "\t")
		if len(f) != 8 {
			return bad(fmt.Sprintf("%d tab-separated fields, want 8", len(f)))
		}
		s, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil || s != seq+1 {
			return bad(fmt.Sprintf("sequence number %q, want %d", f[0], seq+1))
		}
		seq = s
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			return bad(fmt.Sprintf("time %q is not an integer", f[1]))
		}
	}
	if lines.Line() == 0 {
		return fmt.Errorf("%s is empty: %w", name, ErrNotTrace)
	}
	return nil
}
