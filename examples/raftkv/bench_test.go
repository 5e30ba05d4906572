package raftkv

import (
	"fmt"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/rng"
)

// randomKV is a generator of n random kv operations on a few keys: 40%
// reads, 40% writes of unique values, 20% cas.
func randomKV(seed uint64, name string, n int) func(int) (step, bool) {
	r := rng.New(seed, "client/"+name)
	return func(i int) (step, bool) {
		if i >= n {
			return step{}, false
		}
		key := fmt.Sprintf("k%d", r.Intn(5))
		switch p := r.Intn(10); {
		case p < 4:
			return opRead(key), true
		case p < 8:
			return opWrite(key, name+"-"+fmt.Sprint(i)), true
		default:
			return opCAS(key, name+"-"+fmt.Sprint(r.Intn(i+1)), name+"-"+fmt.Sprint(i)), true
		}
	}
}

// kvScenario runs 3 replicas and 5 clients of 100 random kv operations
// each, on 1ms links with 10ms ticks, until every client is done.
func kvScenario(tb testing.TB, seed uint64) (*cluster, []outcome) {
	var clients []clientSpec
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("c%d", i)
		clients = append(clients, clientSpec{name: name, gen: randomKV(seed, name, 100), start: 200 * time.Millisecond})
	}
	c := newCluster(tb, seed, Config{}, disk.Config{}, clients...)
	c.run(time.Minute)
	return c, c.all()
}

// TestRandomKVLinearizable runs the benchmark's scenario on a few seeds and
// checks the histories.
func TestRandomKVLinearizable(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		_, outs := kvScenario(t, seed)
		ok := 0
		for _, o := range outs {
			if o.status == "ok" {
				ok++
			}
		}
		if len(outs) != 500 || ok < 490 {
			t.Errorf("seed %d: %d outcomes, %d ok; want 500 and nearly all ok without faults", seed, len(outs), ok)
		}
		if !checkKV(t, outs) {
			t.Errorf("seed %d: history not linearizable", seed)
		}
	}
}

// realTime makes newCluster pace its world against the host clock
// (sim.Config.RealTime); only BenchmarkKVSeedRealTime sets it.
var realTime bool

// BenchmarkKVSeedRealTime runs the same seeds as BenchmarkKVSeed paced
// against the host clock: how long the same workload takes when time is
// real (every tick, every 1ms link and every client pause waited out).
func BenchmarkKVSeedRealTime(b *testing.B) {
	realTime = true
	defer func() { realTime = false }()
	var simNS int64
	for i := 0; i < b.N; i++ {
		c, _ := kvScenario(b, uint64(i+1))
		simNS += int64(c.settle(0).SimTime)
	}
	b.ReportMetric(float64(simNS)/float64(b.N)/1e6, "sim-ms/seed")
}

// BenchmarkKVSeed measures the wall time of one seed of the kv scenario
// (3 replicas, 5 clients x 100 operations, 1ms links, 10ms ticks).
func BenchmarkKVSeed(b *testing.B) {
	b.ReportAllocs()
	var events, simNS int64
	for i := 0; i < b.N; i++ {
		c, _ := kvScenario(b, uint64(i+1))
		res := c.settle(0)
		events += res.Events
		simNS += int64(res.SimTime)
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/seed")
	b.ReportMetric(float64(simNS)/float64(b.N)/1e6, "sim-ms/seed")
}
