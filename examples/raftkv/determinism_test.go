package raftkv

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// scenarioHash runs a short cluster with two clients, a crash with fsync
// loss and a partition, and returns the trace hash.
func scenarioHash(t testing.TB, seed uint64) sim.Result {
	c := newCluster(t, seed, Config{SnapshotEntries: 20}, disk.Config{Crash: disk.LoseSome},
		clientSpec{name: "c1", gen: writes("x", 30), think: 3 * ms},
		clientSpec{name: "c2", gen: writes("y", 30), think: 4 * ms})
	c.w.At(clock.Time(400*ms), "crash leader", func(w *sim.World) {
		if l := c.leader(); l != "" {
			c.must(w.Crash(l))
			w.At(w.Now()+clock.Time(100*ms), "restart", func(w *sim.World) { c.must(w.Restart(l)) })
		}
	})
	c.w.At(clock.Time(700*ms), "partition", func(w *sim.World) {
		c.must(w.InstallNetFault("p", netsim.Fault{Kind: netsim.Cut, Links: netsim.Isolate(5, 1)}))
	})
	c.w.At(clock.Time(900*ms), "heal", func(w *sim.World) { c.must(w.RemoveNetFault("p")) })
	return c.run(20 * time.Second)
}

func TestSameSeedSameTrace(t *testing.T) {
	seen := map[uint64]uint64{}
	for seed := uint64(1); seed <= 4; seed++ {
		r1, r2 := scenarioHash(t, seed), scenarioHash(t, seed)
		if r1.TraceHash != r2.TraceHash || r1.Events != r2.Events {
			t.Fatalf("seed %d: hash %x (%d events) then %x (%d events)", seed, r1.TraceHash, r1.Events, r2.TraceHash, r2.Events)
		}
		if other, dup := seen[r1.TraceHash]; dup {
			t.Errorf("seeds %d and %d give the same trace hash %x", other, seed, r1.TraceHash)
		}
		seen[r1.TraceHash] = seed
		t.Logf("seed %d: hash %x, %d events, %d delivered, %d dropped, sim %v", seed, r1.TraceHash, r1.Events, r1.Delivered, r1.Dropped, time.Duration(r1.SimTime))
	}
}

// TestSameSeedAcrossProcesses runs the scenario in a child process (this
// test binary again, GOMAXPROCS=1) and compares its hashes with this
// process's.
func TestSameSeedAcrossProcesses(t *testing.T) {
	if env := os.Getenv("RAFTKV_CHILD_SEEDS"); env != "" {
		for _, s := range strings.Split(env, ",") {
			seed, _ := strconv.ParseUint(s, 10, 64)
			fmt.Printf("hash %d %x\n", seed, scenarioHash(t, seed).TraceHash)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSameSeedAcrossProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), "RAFTKV_CHILD_SEEDS=5,6", "GOMAXPROCS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	found := 0
	for _, line := range strings.Split(string(out), "\n") {
		var seed uint64
		var h string
		if n, _ := fmt.Sscanf(line, "hash %d %s", &seed, &h); n != 2 {
			continue
		}
		found++
		if want := fmt.Sprintf("%x", scenarioHash(t, seed).TraceHash); h != want {
			t.Errorf("seed %d: child process hash %s, this process %s", seed, h, want)
		}
	}
	if found != 2 {
		t.Fatalf("child printed %d hashes, want 2:\n%s", found, out)
	}
}
