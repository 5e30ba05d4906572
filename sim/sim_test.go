package sim_test

import (
	"bytes"
	cryptorand "crypto/rand"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

const ms = clock.Time(time.Millisecond)

// gossip is a test node that exercises every part of the Env: it sends
// random messages to random peers on timers, persists what it hears, logs,
// draws from crypto/rand and buggify.
type gossip struct {
	env   *sim.Env
	heard int
	got   []string
}

func newGossip(env *sim.Env) sim.Node { return &gossip{env: env} }

func (g *gossip) Start() {
	g.env.Logf("start incarnation %d", g.env.Incarnation())
	g.env.SetTimer(time.Duration(1+g.env.Rand().Intn(5))*time.Millisecond, "gossip")
}

func (g *gossip) Receive(from string, msg []byte) {
	g.heard++
	g.got = append(g.got, from+":"+string(msg))
	if f, err := g.env.Disk().Create("heard"); err == nil {
		_, _ = f.Write(msg)
		if g.env.Rand().Intn(2) == 0 {
			_ = f.Sync()
		}
		_ = f.Close()
	}
}

func (g *gossip) Timer(_ sim.TimerID, tag string) {
	peers := g.env.Nodes()
	to := peers[g.env.Rand().Intn(len(peers))]
	if to != g.env.Name() {
		n, _ := cryptorand.Int(cryptorand.Reader, big.NewInt(1000))
		msg := fmt.Sprintf("%s-%d-%d", g.env.Name(), g.heard, n.Int64())
		if g.env.Buggify("gossip/double-send") {
			g.env.Send(to, []byte(msg))
		}
		g.env.Send(to, []byte(msg))
	}
	g.env.SetTimer(time.Duration(1+g.env.Rand().Intn(5))*time.Millisecond, tag)
}

func gossipConfig(seed uint64) sim.Config {
	return sim.Config{
		Seed: seed,
		Nodes: []sim.NodeSpec{
			{Name: "a", Factory: newGossip},
			{Name: "b", Factory: newGossip, DriftPPM: 300},
			{Name: "c", Factory: newGossip, ClockOffset: time.Second},
		},
		Net: netsim.Config{Default: netsim.LinkConfig{
			Latency:   netsim.Latency{Kind: netsim.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond},
			Loss:      0.05,
			Duplicate: 0.05,
			Reorder:   0.1,
		}},
		MaxTime: 2 * time.Second,
		Buggify: true,
	}
}

// runGossip runs the gossip world with a fixed fault script.
func runGossip(t testing.TB, seed uint64, trace *bytes.Buffer) sim.Result {
	t.Helper()
	cfg := gossipConfig(seed)
	if trace != nil {
		cfg.Trace = trace
	}
	w, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.At(300*ms, "crash b", func(w *sim.World) { must(t, w.Crash("b")) })
	w.At(500*ms, "restart b", func(w *sim.World) { must(t, w.Restart("b")) })
	w.At(700*ms, "pause c", func(w *sim.World) { must(t, w.Pause("c")) })
	w.At(900*ms, "resume c", func(w *sim.World) { must(t, w.Resume("c")) })
	w.At(1000*ms, "partition", func(w *sim.World) {
		must(t, w.InstallNetFault("p1", netsim.Fault{Kind: netsim.Cut, Links: netsim.Isolate(3, 0)}))
	})
	w.At(1200*ms, "heal", func(w *sim.World) { must(t, w.RemoveNetFault("p1")) })
	w.At(1300*ms, "drift a", func(w *sim.World) { must(t, w.SetDrift("a", -400)) })
	w.At(1400*ms, "jump c", func(w *sim.World) { must(t, w.JumpClock("c", 1500*ms, -time.Second)) })
	res, err := w.Run()
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	return res
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Error(err)
	}
}

func TestSameSeedSameTrace(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		var t1, t2 bytes.Buffer
		r1 := runGossip(t, seed, &t1)
		r2 := runGossip(t, seed, &t2)
		if r1.TraceHash != r2.TraceHash {
			t.Fatalf("seed %d: hashes differ: %x vs %x", seed, r1.TraceHash, r2.TraceHash)
		}
		if t1.String() != t2.String() {
			t.Fatalf("seed %d: traces differ", seed)
		}
		if r1.Events < 1000 || r1.Delivered == 0 || r1.Dropped == 0 {
			t.Fatalf("seed %d: the run did too little to mean anything: %+v", seed, r1)
		}
		// Writing the trace must not change the hash.
		if r3 := runGossip(t, seed, nil); r3.TraceHash != r1.TraceHash {
			t.Fatalf("seed %d: hash depends on trace writing", seed)
		}
	}
	if runGossip(t, 1, nil).TraceHash == runGossip(t, 2, nil).TraceHash {
		t.Error("seeds 1 and 2 give the same trace hash")
	}
}

// TestSameSeedAcrossProcesses runs the same seeds in a child process (this
// test binary again) and compares hashes with this process's.
func TestSameSeedAcrossProcesses(t *testing.T) {
	if os.Getenv("FAULTLINE_SIM_CHILD") != "" {
		for _, s := range strings.Split(os.Getenv("FAULTLINE_SIM_CHILD"), ",") {
			seed, _ := strconv.ParseUint(s, 10, 64)
			fmt.Printf("hash %d %x\n", seed, runGossip(t, seed, nil).TraceHash)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSameSeedAcrossProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FAULTLINE_SIM_CHILD=3,4,5", "GOMAXPROCS=1")
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
		if want := fmt.Sprintf("%x", runGossip(t, seed, nil).TraceHash); h != want {
			t.Errorf("seed %d: child process hash %s, this process %s", seed, h, want)
		}
	}
	if found != 3 {
		t.Fatalf("child printed %d hashes, want 3:\n%s", found, out)
	}
}

func TestTraceIsReadableLines(t *testing.T) {
	var buf bytes.Buffer
	runGossip(t, 7, &buf)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if !strings.HasPrefix(lines[0], "# faultline trace v1") {
		t.Fatalf("missing header: %q", lines[0])
	}
	kinds := map[string]bool{}
	for i, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 8 {
			t.Fatalf("line %d has %d fields: %q", i+2, len(f), l)
		}
		if f[0] != strconv.Itoa(i+1) {
			t.Fatalf("line %d: seq %s", i+2, f[0])
		}
		kinds[f[2]] = true
	}
	for _, k := range []string{"start", "send", "deliver", "drop", "timer", "log", "crash", "pause", "resume", "fault", "clock", "action", "stop"} {
		if !kinds[k] {
			t.Errorf("trace has no %q record", k)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	f := func(env *sim.Env) sim.Node { return &gossip{env: env} }
	tests := []struct {
		name string
		cfg  sim.Config
		want string
	}{
		{"no nodes", sim.Config{}, "at least one node"},
		{"duplicate", sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: f}, {Name: "a", Factory: f}}}, `duplicate node name "a"`},
		{"empty name", sim.Config{Nodes: []sim.NodeSpec{{Factory: f}}}, "Nodes[0].Name: empty"},
		{"nil factory", sim.Config{Nodes: []sim.NodeSpec{{Name: "a"}}}, "Factory: nil"},
		{"drift", sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: f, DriftPPM: 100_000_000}}}, "DriftPPM: 100000000 out of range"},
		{"negative time", sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: f}}, MaxTime: -1}, "MaxTime: negative"},
		{"buggify p", sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: f}}, BuggifyFireP: 1.5}, "BuggifyFireP: 1.5 is not a probability"},
		{"bad latency", sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: f}}, Net: netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: -time.Second, Max: -time.Second}}}}, "Net:"},
		{"bad loss", sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: f}}, Net: netsim.Config{Default: netsim.LinkConfig{Loss: 2}}}, "Net:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sim.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	w, err := sim.New(gossipConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Crash("zz"); err == nil || !strings.Contains(err.Error(), "nodes: a, b, c") {
		t.Errorf("unknown node: %v", err)
	}
}

func TestDiffTraces(t *testing.T) {
	var a, b, c bytes.Buffer
	runGossip(t, 1, &a)
	runGossip(t, 1, &b)
	runGossip(t, 2, &c)
	if d, err := sim.DiffTraces(bytes.NewReader(a.Bytes()), bytes.NewReader(b.Bytes())); err != nil || d != nil {
		t.Fatalf("equal traces: %+v %v", d, err)
	}
	d, err := sim.DiffTraces(bytes.NewReader(a.Bytes()), bytes.NewReader(c.Bytes()))
	if err != nil || d == nil {
		t.Fatalf("different seeds: %+v %v", d, err)
	}
	if d.A == d.B || d.Line < 2 || len(d.Context) == 0 || (d.Producer != "sut" && d.Producer != "harness") {
		t.Errorf("diff lacks detail: %+v", d)
	}
	// A truncated trace differs where it ends.
	cut := a.Bytes()[:bytes.IndexByte(a.Bytes()[100:], '\n')+101]
	d, _ = sim.DiffTraces(bytes.NewReader(a.Bytes()), bytes.NewReader(cut))
	if d == nil || d.B != "" || d.A == "" {
		t.Errorf("truncated trace: %+v", d)
	}
}
