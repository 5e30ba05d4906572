package sim

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// TraceDiff is the first difference between two traces.
type TraceDiff struct {
	Line    int      // 1-based line number of the first differing line
	A, B    string   // the differing lines ("" when one trace ended)
	Context []string // up to ContextLines lines before, common to both
	// Producer says whose code wrote the differing records: "sut" when
	// both are what a node of the system under test did, "harness" when
	// neither is, "mixed" when one is and the other is not (who parted
	// first is then not known).
	Producer string
}

// ContextLines is how many common lines before a divergence DiffTraces
// keeps.
const ContextLines = 5

// DiffTraces compares two traces written by Config.Trace line by line and
// returns the first difference, or nil when they are equal.
//
// Producer says whose code the first differing records came from, for
// blame: what a node of the system under test does through its Env (send,
// settimer, log, buggify, panic) is the SUT's; everything the World
// decides (deliveries, drops, timer firings, faults, actions, crashes,
// starts, clock changes, stop), and everything a harness node (a workload
// client, named in the trace's "# harness nodes:" line) does, is the
// harness's. A divergence in the harness's records after identical SUT
// records means faultline itself was not deterministic.
func DiffTraces(a, b io.Reader) (*TraceDiff, error) {
	sa, sb := bufio.NewScanner(a), bufio.NewScanner(b)
	sa.Buffer(make([]byte, 64<<10), 16<<20)
	sb.Buffer(make([]byte, 64<<10), 16<<20)
	var ctx []string
	harness := map[string]bool{}
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
			pa, pb := producer(la, harness), producer(lb, harness)
			p := pa
			switch {
			case la == "":
				p = pb
			case lb == "":
			case pa != pb:
				p = "mixed"
			}
			return &TraceDiff{Line: line, A: la, B: lb, Context: ctx, Producer: p}, nil
		}
		if rest, ok := strings.CutPrefix(la, harnessHeader); ok {
			for _, n := range strings.Fields(rest) {
				harness[n] = true
			}
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

// producer says whose code wrote a trace line: "sut" or "harness".
func producer(line string, harness map[string]bool) string {
	f := strings.Split(line, "\t")
	if len(f) < 4 {
		return "harness"
	}
	for k := KindStart; k < kindCount; k++ {
		if k.String() == f[2] && sutKind(k) && !harness[f[3]] {
			return "sut"
		}
	}
	return "harness"
}
