package scenario_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/scenario/testdata/hangnode"
)

// TestStuckCallbackIsBlamedFromItsStack: a node of the SUT whose callback
// never returns (a loop, a block) is abandoned after RunOptions.StuckAfter
// and blamed from its stack: FAIL-reproducible on the SUT when the rerun
// hangs in the same code, INCONCLUSIVE-env when it does not.
func TestStuckCallbackIsBlamedFromItsStack(t *testing.T) {
	t.Cleanup(func() { hangnode.Stop.Store(true) })
	// once is called from the first run's goroutine, which is abandoned
	// and left blocked, and then from the rerun's: atomic.
	var first atomic.Int64
	once := func() bool { return first.Add(1) == 1 }
	tests := []struct {
		name    string
		hang    func()
		hangs   func() bool
		verdict scenario.Verdict
		blame   scenario.Blame
		site    string
	}{
		{"spinning", hangnode.Spin, nil, scenario.FailReproducible, scenario.BlameSUT, "hangnode.Spin"},
		{"blocked", hangnode.Block, nil, scenario.FailReproducible, scenario.BlameSUT, "hangnode.Block"},
		{"once only", hangnode.Block, once, scenario.InconclusiveEnv, scenario.BlameEnvironment, "hangnode.Block"},
		// The SUT calls a library that spins: blamed on the SUT at
		// the library's frame (the first that has an owner).
		{"in a library", func() { _ = strings.Map(func(r rune) rune { hangnode.Spin(); return r }, "x") }, nil, scenario.FailReproducible, scenario.BlameSUT, "hangnode.Spin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := registry(t)
			sys := memSystem("hanging", "")
			sys.Build = func(b scenario.Build) (scenario.Cluster, error) {
				cl := memCluster(1, memstore.BugNone)
				cl.Nodes[0].Factory = hangnode.Wrap(cl.Nodes[0].Factory, "n1", 5, tt.hang, tt.hangs)
				return cl, nil
			}
			if err := r.AddSystem(sys); err != nil {
				t.Fatal(err)
			}
			s := base("hang")
			s.System = "hanging"
			start := time.Now()
			res, err := r.Run(s, 1, scenario.RunOptions{StuckAfter: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %v with a 100ms limit", took)
			}
			const entered = "github.com/faultline-dst/faultline/scenario/testdata/hangnode.(*hanging).Receive"
			if res.Verdict != tt.verdict || res.Blame != tt.blame || res.Anomaly != "stuck:"+entered || res.Stop != "stuck" {
				t.Fatalf("got %s/%s %q (stop %s): %s\nwant %s/%s stuck:%s", res.Verdict, res.Blame, res.Anomaly, res.Stop, res.Reason, tt.verdict, tt.blame, entered)
			}
			if !strings.Contains(res.Reason, "did not return from receive from") || !strings.Contains(res.Reason, tt.site+" is code of the system under test") {
				t.Errorf("reason: %s", res.Reason)
			}
			if p := res.Panic; p == nil || p.Node != "n1" || !strings.HasPrefix(p.Event, "receive from ") || !strings.Contains(strings.Join(p.Frames, "\n"), tt.site+" (") {
				t.Errorf("the finding does not show the stuck stack: %+v", res.Panic)
			}
			if tt.verdict == scenario.FailReproducible && (res.Rerun != res.TraceHash || res.TraceHash == "") {
				t.Errorf("trace %q, rerun %q", res.TraceHash, res.Rerun)
			}
		})
	}
}
