package sim

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// TraceDiff is the first difference between two traces.
type TraceDiff struct {
	Line     int      // 1-based line number of the first differing line
	A, B     string   // the differing lines ("" when one trace ended)
	Context  []string // up to ContextLines lines before, common to both
	Producer string   // "sut" or "harness": whose code wrote the A line
}

// ContextLines is how many common lines before a divergence DiffTraces
// keeps.
const ContextLines = 5

// DiffTraces compares two traces written by Config.Trace line by line and
// returns the first difference, or nil when they are equal.
//
// Producer says whose code the first differing record came from, for
// blame: records a node's own code makes (send, settimer, log, buggify,
// panic) are
// the SUT's; everything the World decides (deliveries, drops, timer
// firings, faults, actions, crashes, starts, clock changes, stop) is the
// harness's. A divergence in the harness's records after identical SUT
// records means faultline itself was not deterministic.
func DiffTraces(a, b io.Reader) (*TraceDiff, error) {
	sa, sb := bufio.NewScanner(a), bufio.NewScanner(b)
	sa.Buffer(make([]byte, 64<<10), 16<<20)
	sb.Buffer(make([]byte, 64<<10), 16<<20)
	var ctx []string
	for line := 1; ; line++ {
		okA, okB := sa.Scan(), sb.Scan()
		if !okA && !okB {
			break
		}
		la, lb := "", ""
		if okA {
			la = sa.Text()
		}
		if okB {
			lb = sb.Text()
		}
		if la != lb || okA != okB {
			first := la
			if first == "" {
				first = lb
			}
			return &TraceDiff{Line: line, A: la, B: lb, Context: ctx, Producer: producer(first)}, nil
		}
		ctx = append(ctx, la)
		if len(ctx) > ContextLines {
			ctx = ctx[1:]
		}
	}
	if err := sa.Err(); err != nil {
		return nil, fmt.Errorf("sim: reading first trace: %w", err)
	}
	if err := sb.Err(); err != nil {
		return nil, fmt.Errorf("sim: reading second trace: %w", err)
	}
	return nil, nil
}

func producer(line string) string {
	f := strings.Split(line, "\t")
	if len(f) < 3 {
		return "harness"
	}
	switch f[2] {
	case KindSend.String(), KindLog.String(), KindBuggify.String(), KindPanic.String(), KindSetTimer.String(), KindRole.String():
		return "sut"
	}
	return "harness"
}
