package counter_test

import (
	"fmt"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/examples/counter"
	"github.com/faultline-dst/faultline/sim"
)

// Example builds a three-replica counter, crashes a replica half way
// through and restarts it, and shows that the restarted replica recovered
// from its disk and caught up, and that the same seed gives the same run.
func Example() {
	run := func(seed uint64) (sim.Result, []uint64) {
		replicas := map[string]*counter.Replica{}
		f := counter.New(10 * time.Millisecond)
		track := func(env *sim.Env) sim.Node {
			r := f(env).(*counter.Replica)
			replicas[env.Name()] = r // the latest incarnation
			return r
		}
		w, err := sim.New(sim.Config{
			Seed:    seed,
			Nodes:   []sim.NodeSpec{{Name: "n1", Factory: track}, {Name: "n2", Factory: track}, {Name: "n3", Factory: track}},
			MaxTime: 495 * time.Millisecond, // after the last increment has arrived everywhere
		})
		if err != nil {
			panic(err)
		}
		w.At(clock.Time(200*time.Millisecond), "crash n2", func(w *sim.World) { _ = w.Crash("n2") })
		w.At(clock.Time(300*time.Millisecond), "restart n2", func(w *sim.World) { _ = w.Restart("n2") })
		res, err := w.Run()
		if err != nil {
			panic(err)
		}
		return res, []uint64{replicas["n1"].Value(), replicas["n2"].Value(), replicas["n3"].Value()}
	}
	r1, values := run(42)
	r2, _ := run(42)
	fmt.Println("values:", values)
	fmt.Println("same seed, same hash:", r1.TraceHash == r2.TraceHash)
	// Output:
	// values: [49 49 49]
	// same seed, same hash: true
}
