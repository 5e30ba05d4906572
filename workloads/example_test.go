package workloads_test

import (
	"fmt"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// A workload's clients join the SUT's nodes in one world; after the run,
// its history goes to the model's checker.
func Example() {
	var world *sim.World
	w, err := workloads.New(workloads.Config{
		Model:   history.Queue,
		Clients: 3, OpsPerClient: 20, Keys: 2,
		Targets: []string{"n1"},
		Epoch:   func() []string { return world.Network().FaultIDs() },
	})
	if err != nil {
		panic(err)
	}
	nodes := append([]sim.NodeSpec{{Name: "n1", Factory: memstore.New(memstore.Config{})}}, w.Nodes()...)
	world, err = sim.New(sim.Config{Seed: 42, Nodes: nodes})
	if err != nil {
		panic(err)
	}
	if _, err := world.Run(); err != nil {
		panic(err)
	}
	st := w.Stats()
	fmt.Printf("%d ops: %d ok, %d fail, %d info; final reads done: %t\n", st.Invoked, st.OK, st.Fail, st.Info, st.FinalsDone)
	c, _ := checkers.Lookup("queue")
	res := c.Check(w.History(), checkers.Options{Delivery: checkers.ExactlyOnce})
	fmt.Printf("%s: %s, checked %d of %d\n", res.Checker, res.Outcome, res.Checked, res.Recorded)
	// Output:
	// 62 ops: 62 ok, 0 fail, 0 info; final reads done: true
	// queue: ok, checked 62 of 62
}
