package quickstart

import (
	"os"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/fl"
)

// registry declares the system (how to build it) and its scenarios (what
// each claims, under which faults, judged by which checker).
func registry() *fl.Registry {
	system := fl.System{
		Name:         "quickstore",
		Models:       []fl.Model{fl.KV},
		Faults:       []fl.Fault{fl.Pause},
		Bugs:         []fl.Bug{{Name: "lossy", Claim: "acknowledged writes are visible", Fault: "none needed"}},
		DefaultNodes: 1,
		Build: func(b fl.Build) (fl.Cluster, error) {
			lossy := len(b.Bugs) > 0
			return fl.Cluster{Nodes: []fl.NodeSpec{{Name: "s1", Factory: New(lossy)}}}, nil
		},
	}
	correct := fl.Scenario{
		Name:     "quickstore_linearizable_under_pauses",
		Claim:    fl.Claim{IDs: []string{"Q1"}, Text: "reads see the latest acknowledged write", Kind: "safety"},
		Model:    fl.KV,
		Checker:  "linearizable",
		Workload: fl.Workload{Clients: 4, OpsPerClient: 40, Keys: 2, Timeout: 200 * time.Millisecond},
		Nemesis:  fl.Faults(fl.Pause),
		SimTime:  3 * time.Second,
	}
	buggy := correct
	buggy.Name, buggy.Bugs = correct.Name+"@lossy", []string{"lossy"}
	return fl.MustDeclare(system, correct, buggy)
}

// TestMain lets `faultline sweep ./examples/quickstart` drive this test
// binary as its worker.
func TestMain(m *testing.M) {
	fl.ServeWorker(registry())
	os.Exit(m.Run())
}

// TestStoreLinearizable passes only if every seed passes.
func TestStoreLinearizable(t *testing.T) {
	fl.Test(t, registry(), "quickstore_linearizable_under_pauses")
}

// TestLossyWritesAreFound keeps the known bug found.
func TestLossyWritesAreFound(t *testing.T) {
	fl.ExpectBug(t, registry(), "quickstore_linearizable_under_pauses@lossy", fl.ExpectedBug{Anomaly: "not-linearizable", Seeds: 5, MinFound: 5}) // 5 of 5 measured
}
