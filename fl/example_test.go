package fl_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/faultline-dst/faultline/fl"
)

// A system is declared with a Build function that makes its nodes, and
// a scenario with its claim, workload, faults and checker; Registry.Run
// runs one seed of it. The same seed gives the same run, so the same
// verdict, every time.
func Example() {
	sys := fl.System{
		Name: "store", Models: []fl.Model{fl.KV}, Faults: []fl.Fault{fl.Pause}, DefaultNodes: 1,
		Bugs: []fl.Bug{{Name: "lossy", Claim: "acknowledged writes are visible", Fault: "none needed"}},
		Build: func(b fl.Build) (fl.Cluster, error) {
			lossy := len(b.Bugs) > 0
			node := fl.Serve(func() fl.Service { return &store{values: map[string]json.RawMessage{}, lossy: lossy} })
			return fl.Cluster{Nodes: []fl.NodeSpec{{Name: "s1", Factory: node}}}, nil
		},
	}
	correct := fl.Scenario{
		Name:     "store_linearizable_under_pauses",
		Claim:    fl.Claim{IDs: []string{"S1"}, Text: "reads see the latest acknowledged write"},
		Model:    fl.KV,
		Checker:  "linearizable",
		Workload: fl.Workload{Clients: 3, OpsPerClient: 30, Keys: 2, Timeout: 200 * time.Millisecond},
		Nemesis:  fl.Faults(fl.Pause),
		SimTime:  3 * time.Second,
	}
	buggy := correct
	buggy.Name, buggy.Bugs = correct.Name+"@lossy", []string{"lossy"}
	reg := fl.MustDeclare(sys, correct, buggy)

	for _, name := range reg.ScenarioNames() {
		s, _ := reg.Scenario(name)
		res, err := reg.Run(s, 1, fl.RunOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		if res.Verdict.IsFail() {
			fmt.Printf("%s: %s, blame %s, %s\n", name, res.Verdict, res.Blame, res.Anomaly)
			continue
		}
		fmt.Printf("%s: %s\n", name, res.Verdict)
	}
	// Output:
	// store_linearizable_under_pauses: PASS-hardening
	// store_linearizable_under_pauses@lossy: FAIL-reproducible, blame SUT, anomaly:linearizable:not-linearizable
}

// Decode reads a request's input: a write of the key-value model carries
// {"value": v}.
func ExampleRequest_Decode() {
	req := fl.Request{Client: "c1", Op: "write", Key: "k1", Input: json.RawMessage(`{"value": 42}`)}
	var in struct{ Value int }
	if err := req.Decode(&in); err != nil {
		fmt.Println(err)
	}
	fmt.Println(req.Op, req.Key, in.Value)
	// Output: write k1 42
}

// Faults is the common nemesis: the named kinds, at most one node down
// at a time; its Budget says more when a scenario needs it.
func ExampleFaults() {
	n := fl.Faults(fl.Crash, fl.Partition)
	n.Budget.MaxFaults = 4
	fmt.Println(n.Budget.Kinds, n.Budget.MaxDown, n.Budget.MaxFaults)
	// Output: [crash partition] 1 4
}

// A queue's scenario states its delivery claim: whether an item may be
// delivered twice is the system's promise, not the checker's default.
func ExampleCheckerOptions() {
	reg := fl.MustDeclare(fl.System{
		Name: "broker", Models: []fl.Model{fl.Queue},
		Build: func(fl.Build) (fl.Cluster, error) { return fl.Cluster{}, nil },
	}, fl.Scenario{
		Name: "broker_delivers_every_item", Model: fl.Queue, Checker: "queue",
		Options: fl.CheckerOptions{Delivery: fl.AtLeastOnce},
	})
	s, _ := reg.Scenario("broker_delivers_every_item")
	fmt.Println(s.System, s.Checker, s.Options.Delivery)
	// Output: broker queue at-least-once
}
