package raftkv

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/rng"
	"github.com/faultline-dst/faultline/sim"
)

// nemesisRun runs 3 clients of random kv operations against the correct
// system while a seeded nemesis crashes and restarts replicas (torn
// writes) and partitions the network, then checks the history and that no
// replica halted.
func nemesisRun(t *testing.T, seed uint64) {
	var clients []clientSpec
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("c%d", i)
		clients = append(clients, clientSpec{name: name, gen: randomKV(seed, name, 60), think: 30 * ms})
	}
	c := newCluster(t, seed, Config{SnapshotEntries: 25, Bugs: bugsFromEnv()}, disk.Config{Crash: disk.Tear, SectorSize: 64}, clients...)
	r := rng.New(seed, "nemesis")
	servers := []string{"n1", "n2", "n3"}
	for at := 400 * ms; at < 3*time.Second; at += time.Duration(100+r.Intn(300)) * ms {
		victim := servers[r.Intn(3)]
		switch r.Intn(3) {
		case 0:
			c.w.At(clock.Time(at), "crash "+victim, func(w *sim.World) {
				if w.IsUp(victim) {
					c.must(w.Crash(victim))
					w.At(w.Now()+clock.Time(time.Duration(50+r.Intn(200))*ms), "restart "+victim, func(w *sim.World) {
						c.must(w.Restart(victim))
					})
				}
			})
		case 1:
			id := fmt.Sprintf("p%d", at)
			c.w.At(clock.Time(at), "partition", func(w *sim.World) {
				// Cut the victim from the other replicas; clients still reach it.
				v := netsim.Node(nodeID(victim, 3) - 1)
				var others []netsim.Node
				for i := netsim.Node(0); i < 3; i++ {
					if i != v {
						others = append(others, i)
					}
				}
				c.must(w.InstallNetFault(id, netsim.Fault{Kind: netsim.Cut, Links: netsim.LinksBetween([]netsim.Node{v}, others)}))
				w.At(w.Now()+clock.Time(time.Duration(50+r.Intn(300))*ms), "heal", func(w *sim.World) { c.must(w.RemoveNetFault(id)) })
			})
		}
	}
	c.run(30 * time.Second)
	for _, name := range sortedKeys(c.nodes) {
		if err := c.nodes[name].halted; err != nil && c.w.IsUp(name) {
			t.Errorf("seed %d: %s halted: %v", seed, name, err)
		}
	}
	outs := c.all()
	counts := map[string]int{}
	for _, o := range outs {
		counts[string(o.status)]++
	}
	if testing.Verbose() {
		t.Logf("seed %d: %v", seed, counts)
	}
	if !checkKV(t, outs) {
		for _, o := range outs {
			t.Log(o)
		}
		t.Fatalf("seed %d: history not linearizable", seed)
	}
}

// TestNemesis runs a few seeds of nemesisRun; RAFTKV_SEEDS=n runs n.
func TestNemesis(t *testing.T) {
	n := 5
	if s := os.Getenv("RAFTKV_SEEDS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		nemesisRun(t, seed)
	}
}

// bugsFromEnv returns the bug variants named in RAFTKV_BUGS (comma
// separated), so that a sweep can be pointed at a variant.
func bugsFromEnv() []string {
	if s := os.Getenv("RAFTKV_BUGS"); s != "" {
		return strings.Split(s, ",")
	}
	return nil
}
