package lostwrite

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

// The scenarios with a bug switched on.
const (
	Name     = "lostwrite_reads_see_writes@lose"
	ExitName = "lostwrite_reads_see_writes@exit"
)

func has(bugs []string, name string) bool {
	for _, b := range bugs {
		if b == name {
			return true
		}
	}
	return false
}

func registry() *scenario.Registry {
	var r scenario.Registry
	must(r.AddSystem(scenario.System{
		Name:   "lostwrite",
		Models: []history.Model{history.KV},
		Faults: []nemesis.Kind{nemesis.Pause},
		Bugs: []scenario.Bug{{Name: "lose", Claim: "acknowledged writes are visible", Fault: "none needed"},
			{Name: "exit", Claim: "the register serves", Fault: "none needed"},
			{Name: "spin", Claim: "the register serves", Fault: "none needed"},
			{Name: "block", Claim: "the register serves", Fault: "none needed"}},
		DefaultNodes: 1,
		Build: func(b scenario.Build) (scenario.Cluster, error) {
			bugs := Bugs{Lose: has(b.Bugs, "lose"), Exit: has(b.Bugs, "exit"), Spin: has(b.Bugs, "spin"), Block: has(b.Bugs, "block")}
			return scenario.Cluster{Nodes: []sim.NodeSpec{{Name: "r1", Factory: New(bugs)}}}, nil
		},
	}))
	s := scenario.Scenario{
		Name:     "lostwrite_reads_see_writes",
		Claim:    scenario.Claim{IDs: []string{"L1"}, Text: "reads see the latest acknowledged write", Kind: "safety"},
		System:   "lostwrite",
		Model:    history.KV,
		Checker:  "linearizable",
		Workload: workloads.Config{Clients: 2, OpsPerClient: 12, Keys: 1, Timeout: 200 * time.Millisecond},
		Nemesis:  scenario.NemesisSpec{Budget: nemesis.Budget{Kinds: []nemesis.Kind{nemesis.Pause}, MaxDown: 1}},
		SimTime:  2 * time.Second,
		Seeds:    10,
	}
	must(r.AddScenario(s))
	s.Name, s.Bugs = Name, []string{"lose"}
	must(r.AddScenario(s))
	s.Name, s.Bugs = ExitName, []string{"exit"}
	must(r.AddScenario(s))
	for _, bug := range []string{"spin", "block"} {
		s.Name, s.Bugs = "lostwrite_reads_see_writes@"+bug, []string{bug}
		must(r.AddScenario(s))
	}
	return &r
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// TestMain serves as a faultline worker when faultline asks it to.
func TestMain(m *testing.M) {
	if os.Getenv(sweep.WorkerEnv) == "1" {
		sweep.WorkerMain(registry(), sweep.ServeOptions{})
	}
	os.Exit(m.Run())
}

// TestLoseFails fails on purpose: it runs the buggy scenario, and
// faultlinetest prints the command that replays the failing seed.
func TestLoseFails(t *testing.T) {
	faultlinetest.Run(t, registry(), Name, faultlinetest.Options{AllowInconclusive: true})
}
