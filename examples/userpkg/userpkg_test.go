package userpkg

import (
	"os"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/faultlinetest"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/sweep"
	"github.com/faultline-dst/faultline/workloads"
)

// registry declares this package's system and scenarios.
func registry() *scenario.Registry {
	var r scenario.Registry
	must(r.AddSystem(scenario.System{
		Name:         "userstore",
		Models:       []history.Model{history.KV},
		Faults:       []nemesis.Kind{nemesis.Pause},
		Bugs:         []scenario.Bug{{Name: "forget", Claim: "acknowledged writes are visible", Fault: "none needed"}},
		DefaultNodes: 1,
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			return scenario.Cluster{Nodes: []sim.NodeSpec{{Name: "s1", Factory: New(len(b.Bugs) > 0)}}}, nil
		},
	}))
	s := scenario.Scenario{
		Name:     "userstore_linearizable_under_pauses",
		Claim:    scenario.Claim{IDs: []string{"U1"}, Text: "reads see the latest acknowledged write", Kind: "safety"},
		System:   "userstore",
		Model:    history.KV,
		Checker:  "linearizable",
		Workload: workloads.Config{Clients: 3, OpsPerClient: 30, Keys: 2, Timeout: 200 * time.Millisecond},
		Nemesis:  scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Pause}, MaxDown: 1}},
		SimTime:  3 * time.Second,
		Seeds:    50,
	}
	must(r.AddScenario(s))
	s.Name, s.Bugs = s.Name+"@forget", []string{"forget"}
	must(r.AddScenario(s))
	return &r
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// TestMain serves as a faultline sweep worker when faultline asks it to.
func TestMain(m *testing.M) {
	if os.Getenv(sweep.WorkerEnv) == "1" {
		sweep.WorkerMain(registry(), sweep.ServeOptions{})
	}
	os.Exit(m.Run())
}

// TestUserstoreLinearizable fails on any FAIL verdict; a seed whose pause
// found no traffic to hold back (INCONCLUSIVE-fault-not-proven) is logged,
// not failed.
func TestUserstoreLinearizable(t *testing.T) {
	faultlinetest.Run(t, registry(), "userstore_linearizable_under_pauses", faultlinetest.Options{AllowInconclusive: true})
}

// TestForgetIsFound keeps the package's known bug found: it fails the day
// faultline stops finding it, with the command that replays a seed.
func TestForgetIsFound(t *testing.T) {
	faultlinetest.ExpectBug(t, registry(), "userstore_linearizable_under_pauses@forget",
		faultlinetest.Bug{Anomaly: "not-linearizable", Seeds: 5, MinFound: 3}) // 4 of 5 measured
}
