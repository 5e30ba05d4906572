package workloads_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// busyRun runs a workload of model m against a three-node memstore (n2
// leads) over a lossy, duplicating, reordering network with a partition,
// and returns the history as JSON Lines and the trace hash.
func busyRun(t testing.TB, m history.Model, seed uint64) ([]byte, uint64) {
	t.Helper()
	sc := memstore.Config{Leader: "n2", InitialBalances: map[string]int64{"acct0": 50, "acct1": 50, "acct2": 50}}
	var wld *sim.World
	w, err := workloads.New(workloads.Config{
		Model: m, Clients: 4, OpsPerClient: 40, Keys: 3, KeyDist: workloads.KeysZipf,
		Targets: []string{"n1", "n2", "n3"}, Timeout: 40 * time.Millisecond, Retries: 1,
		Epoch: func() []string { return wld.Network().FaultIDs() },
	})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []sim.NodeSpec
	for _, n := range []string{"n1", "n2", "n3"} {
		nodes = append(nodes, sim.NodeSpec{Name: n, Factory: memstore.New(sc)})
	}
	wld, err = sim.New(sim.Config{Seed: seed, Nodes: append(nodes, w.Nodes()...), MaxTime: 20 * time.Second,
		Net: netsim.Config{Default: netsim.LinkConfig{
			Latency: netsim.Latency{Kind: netsim.Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond},
			Loss:    0.05, Duplicate: 0.05, Reorder: 0.1,
		}}})
	if err != nil {
		t.Fatal(err)
	}
	wld.At(100*ms, "partition n2", func(wld *sim.World) {
		if err := wld.InstallNetFault("p1", netsim.Fault{Kind: netsim.Cut, Links: netsim.Isolate(7, 1)}); err != nil {
			t.Error(err)
		}
	})
	wld.At(250*ms, "heal", func(wld *sim.World) {
		if err := wld.RemoveNetFault("p1"); err != nil {
			t.Error(err)
		}
	})
	res, err := wld.Run()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := history.WriteJSONL(&b, w.History()); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if st.OK == 0 || st.Info == 0 || st.Retries == 0 || st.LateReplies == 0 || st.Redirects == 0 {
		t.Fatalf("seed %d: the run exercised too little to mean anything: %+v", seed, st)
	}
	return b.Bytes(), res.TraceHash
}

func TestSameSeedSameHistory(t *testing.T) {
	for _, m := range []history.Model{history.KV, history.Queue, history.Ledger, history.Lock} {
		for seed := uint64(1); seed <= 3; seed++ {
			h1, t1 := busyRun(t, m, seed)
			h2, t2 := busyRun(t, m, seed)
			if !bytes.Equal(h1, h2) {
				t.Fatalf("%s seed %d: histories differ", m, seed)
			}
			if t1 != t2 {
				t.Fatalf("%s seed %d: trace hashes differ: %x vs %x", m, seed, t1, t2)
			}
		}
		h1, t1 := busyRun(t, m, 1)
		h2, t2 := busyRun(t, m, 2)
		if bytes.Equal(h1, h2) || t1 == t2 {
			t.Fatalf("%s: seeds 1 and 2 give the same run", m)
		}
	}
}

func fingerprint(t testing.TB, seed uint64) string {
	h, hash := busyRun(t, history.KV, seed)
	return fmt.Sprintf("%x %x", sha256.Sum256(h), hash)
}

// TestSameSeedAcrossProcesses runs the same seeds in a child process (this
// test binary again, with another GOMAXPROCS) and compares the history
// bytes and trace hashes with this process's.
func TestSameSeedAcrossProcesses(t *testing.T) {
	if seeds := os.Getenv("FAULTLINE_WORKLOADS_CHILD"); seeds != "" {
		for _, s := range strings.Split(seeds, ",") {
			seed, _ := strconv.ParseUint(s, 10, 64)
			fmt.Printf("run %d %s\n", seed, fingerprint(t, seed))
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSameSeedAcrossProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FAULTLINE_WORKLOADS_CHILD=1,2,3", "GOMAXPROCS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	found := 0
	for _, line := range strings.Split(string(out), "\n") {
		var seed uint64
		var sum, hash string
		if n, _ := fmt.Sscanf(line, "run %d %s %s", &seed, &sum, &hash); n != 3 {
			continue
		}
		found++
		if want := fingerprint(t, seed); sum+" "+hash != want {
			t.Errorf("seed %d: child process gave history/trace %s %s, this process %s", seed, sum, hash, want)
		}
	}
	if found != 3 {
		t.Fatalf("child printed %d runs, want 3:\n%s", found, out)
	}
}
