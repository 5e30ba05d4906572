package scenario_test

import (
	cryptorand "crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
)

// fullDisk is a trace writer on a full disk.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// A trace or artifact the host cannot write makes the run no evidence:
// INCONCLUSIVE-env, blamed on the environment, whatever the run showed,
// and never FAIL-nondeterministic (the rerun, which writes no trace, does
// not "differ").
func TestUnwritableTraceOrArtifactsIsTheEnvironments(t *testing.T) {
	r := registry(t)
	blocked := t.TempDir()
	// trace.txt is a directory: the artifact cannot be written.
	if err := os.Mkdir(filepath.Join(blocked, "trace.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, system string
		opts         scenario.RunOptions
		want         []string
	}{
		{"a correct system, trace on a full disk", "mem", scenario.RunOptions{Trace: fullDisk{}}, []string{"no space left on device", "gave PASS-smoke"}},
		{"a failing system, trace on a full disk", "mem-drop-writes", scenario.RunOptions{Trace: fullDisk{}}, []string{"no space left on device", "gave FAIL-reproducible"}},
		{"artifacts that cannot be written", "mem", scenario.RunOptions{OutDir: blocked}, []string{"trace.txt", "gave PASS-smoke"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base("disk-full")
			s.System = tt.system
			res, err := r.Run(s, 1, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != scenario.InconclusiveEnv || res.Blame != scenario.BlameEnvironment {
				t.Fatalf("got %s/%s: %s", res.Verdict, res.Blame, res.Reason)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Reason, w) {
					t.Errorf("reason lacks %q: %s", w, res.Reason)
				}
			}
		})
	}
}

// While a world runs, crypto/rand.Reader serves the world's streams; a
// read from another goroutine is served from the host instead and turns
// the run INCONCLUSIVE-env with a message that says what happened.
func TestCryptoRandReadFromOutsideTheWorld(t *testing.T) {
	r := registry(t)
	sys := memSystem("crypto-neighbour", "")
	sys.Build = func(b scenario.Build) (scenario.Cluster, error) {
		cl := memCluster(b.Nodes, memstore.BugNone)
		cl.Nodes = append(cl.Nodes, sim.NodeSpec{Name: "spy", Factory: func(env *sim.Env) sim.Node {
			return rogue{func() {
				// Another goroutine of the process draws from crypto/rand
				// while this node's event runs, as a parallel test using
				// TLS would.
				done := make(chan struct{})
				go func() {
					defer close(done)
					var b [16]byte
					_, _ = io.ReadFull(cryptorand.Reader, b[:])
				}()
				<-done
			}}
		}})
		return cl, nil
	}
	if err := r.AddSystem(sys); err != nil {
		t.Fatal(err)
	}
	s := base("crypto")
	s.System = "crypto-neighbour"
	res, err := r.Run(s, 1, scenario.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != scenario.InconclusiveEnv || res.Blame != scenario.BlameEnvironment || !strings.Contains(res.Reason, "crypto/rand.Reader came from a goroutine other than the world's") {
		t.Errorf("got %s/%s: %s", res.Verdict, res.Blame, res.Reason)
	}
	// The world's own draws are untouched: the same seed without the
	// neighbour's read gives the same trace as ever.
	clean := base("crypto-clean")
	a, _ := r.Run(clean, 1, scenario.RunOptions{})
	b, _ := r.Run(clean, 1, scenario.RunOptions{})
	if a.TraceHash != b.TraceHash || a.Verdict != scenario.PassSmoke {
		t.Errorf("clean runs: %s %s, %s", a.TraceHash, b.TraceHash, a.Verdict)
	}
}
