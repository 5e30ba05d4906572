package sim_test

import (
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// probe records what happens to it into a log owned by the test.
type probe struct {
	env *sim.Env
	log *[]string
	on  func(p *probe, what string)
}

func (p *probe) note(format string, args ...any) {
	*p.log = append(*p.log, fmt.Sprintf("%v %s ", p.env.Mono(), p.env.Name())+fmt.Sprintf(format, args...))
}
func (p *probe) Start() {
	p.note("start %d", p.env.Incarnation())
	if p.on != nil {
		p.on(p, "start")
	}
}
func (p *probe) Receive(from string, msg []byte) {
	p.note("recv %s %s", from, msg)
	if p.on != nil {
		p.on(p, "recv "+string(msg))
	}
}
func (p *probe) Timer(_ sim.TimerID, tag string) {
	p.note("timer %s", tag)
	if p.on != nil {
		p.on(p, "timer "+tag)
	}
}
func (p *probe) StreamBroken(peer string) { p.note("broken %s", peer) }

func probes(log *[]string, on func(p *probe, what string)) sim.Factory {
	return func(env *sim.Env) sim.Node { return &probe{env: env, log: log, on: on} }
}

func fixedNet(mode netsim.Mode) netsim.Config {
	return netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}, Mode: mode}}
}

func newWorld(t *testing.T, cfg sim.Config) *sim.World {
	t.Helper()
	w, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func contains(log []string, s string) bool {
	for _, l := range log {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func TestCrashDropsInFlightMessagesAndTimers(t *testing.T) {
	var log []string
	on := func(p *probe, what string) {
		if what == "start" && p.env.Name() == "a" {
			p.env.Send("b", []byte("hello"))
		}
		if what == "start" && p.env.Name() == "b" && p.env.Incarnation() == 0 {
			p.env.SetTimer(20*time.Millisecond, "never")
		}
	}
	w := newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(&log, on)}, {Name: "b", Factory: probes(&log, on)}}, Net: fixedNet(netsim.Datagram), MaxTime: time.Second})
	w.At(5*ms, "crash b", func(w *sim.World) { must(t, w.Crash("b")) })
	w.At(6*ms, "restart b", func(w *sim.World) { must(t, w.Restart("b")) })
	res, err := w.Run()
	if err != nil {
		t.Fatal(err)
	}
	if contains(log, "recv a hello") {
		t.Errorf("message in flight to a crashed node was delivered to its next incarnation:\n%s", strings.Join(log, "\n"))
	}
	if contains(log, "timer never") {
		t.Errorf("timer survived a crash:\n%s", strings.Join(log, "\n"))
	}
	if !contains(log, "b start 1") {
		t.Errorf("restart did not boot incarnation 1:\n%s", strings.Join(log, "\n"))
	}
	if res.Dropped != 1 {
		t.Errorf("dropped %d, want 1", res.Dropped)
	}
	st := w.Stats("b")
	if st.Crashes != 1 || st.Restarts != 1 || st.TimersDiscarded != 1 || st.MessagesLost != 1 {
		t.Errorf("crash evidence of b: %+v", st)
	}
	if err := w.Crash("zz"); err == nil {
		t.Error("crash of unknown node accepted")
	}
}

func TestPauseHoldsEventsInOrder(t *testing.T) {
	var log []string
	on := func(p *probe, what string) {
		if what == "start" && p.env.Name() == "a" {
			for i := 0; i < 3; i++ {
				p.env.Send("b", []byte{byte('0' + i)})
			}
		}
		if what == "start" && p.env.Name() == "b" {
			p.env.SetTimer(15*time.Millisecond, "t")
		}
	}
	w := newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(&log, on)}, {Name: "b", Factory: probes(&log, on)}}, Net: fixedNet(netsim.Stream), MaxTime: time.Second})
	w.At(5*ms, "pause b", func(w *sim.World) { must(t, w.Pause("b")) })
	w.At(50*ms, "resume b", func(w *sim.World) { must(t, w.Resume("b")) })
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range log {
		if strings.Contains(l, " b ") && !strings.Contains(l, "start") {
			got = append(got, l)
		}
	}
	want := []string{"50ms b recv a 0", "50ms b recv a 1", "50ms b recv a 2", "50ms b timer t"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("paused node saw %q, want %q", got, want)
	}
	if err := w.Resume("b"); err == nil {
		t.Error("resume of a running node accepted")
	}
}

func TestStreamBreaksOnPartitionAndCrash(t *testing.T) {
	var log []string
	w := newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(&log, nil)}, {Name: "b", Factory: probes(&log, nil)}, {Name: "c", Factory: probes(&log, nil)}}, Net: fixedNet(netsim.Stream), MaxTime: time.Second})
	w.At(10*ms, "cut", func(w *sim.World) {
		must(t, w.InstallNetFault("p", netsim.Fault{Kind: netsim.Cut, Links: netsim.Isolate(3, 0)}))
	})
	w.At(20*ms, "crash c", func(w *sim.World) { must(t, w.Crash("c")) })
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a broken b", "b broken a", "a broken c", "c broken a", "b broken c"} {
		if !contains(log, want) {
			t.Errorf("missing %q in\n%s", want, strings.Join(log, "\n"))
		}
	}
}

func TestPanicIsCaughtWithNodeAndEvent(t *testing.T) {
	var log []string
	on := func(p *probe, what string) {
		if what == "start" && p.env.Name() == "a" {
			p.env.Send("b", []byte("boom"))
		}
		if what == "recv boom" {
			panic("bad state")
		}
	}
	w := newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(&log, on)}, {Name: "b", Factory: probes(&log, on)}}, Net: fixedNet(netsim.Datagram)})
	res, err := w.Run()
	var pe *sim.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a PanicError", err)
	}
	if pe.Node != "b" || pe.Event != "receive from a" || pe.Value != "bad state" || !strings.Contains(pe.Stack, "sim_test.TestPanicIsCaughtWithNodeAndEvent") {
		t.Errorf("panic error lacks context: %+v", pe)
	}
	if res.Stop != sim.StopError {
		t.Errorf("stop %s, want error", res.Stop)
	}
}

func TestDriftMovesTimersInTrueTime(t *testing.T) {
	var log []string
	on := func(p *probe, what string) {
		if what == "start" {
			p.env.SetTimer(time.Second, "t")
		}
	}
	w := newWorld(t, sim.Config{Nodes: []sim.NodeSpec{
		{Name: "fast", Factory: probes(&log, on), DriftPPM: 100_000},
		{Name: "slow", Factory: probes(&log, on), DriftPPM: -100_000},
	}, MaxTime: 10 * time.Second})
	var fired []clock.Time
	w.At(0, "observe", func(w *sim.World) {})
	res, err := w.Run()
	if err != nil {
		t.Fatal(err)
	}
	_ = res
	// The log is in true order: fast fires at 1s/1.1, slow at 1s/0.9.
	if len(log) != 4 || !strings.Contains(log[2], "fast timer t") || !strings.Contains(log[3], "slow timer t") {
		t.Fatalf("log %q", log)
	}
	_ = fired
}

func TestDriftChangeReschedulesPendingTimers(t *testing.T) {
	var log []string
	var at []clock.Time
	var w *sim.World
	on := func(p *probe, what string) {
		switch what {
		case "start":
			p.env.SetTimer(time.Second, "t")
		case "timer t":
			at = append(at, w.Now())
		}
	}
	w = newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(&log, on)}}, MaxTime: 10 * time.Second})
	// After 500ms true (500ms mono), run at +25%: the remaining 500ms of
	// local time take 400ms true.
	w.At(500*ms, "drift", func(w *sim.World) { must(t, w.SetDrift("a", 250_000)) })
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if len(at) != 1 || at[0] != 900*ms {
		t.Fatalf("timer fired at %v, want [900ms]", at)
	}
}

func TestCryptoRandIsSeededAndRestored(t *testing.T) {
	before := cryptorand.Reader
	draw := func(seed uint64) []byte {
		var got []byte
		on := func(p *probe, what string) {
			if what == "start" {
				b := make([]byte, 8)
				_, _ = cryptorand.Read(b)
				got = b
			}
		}
		w := newWorld(t, sim.Config{Seed: seed, Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}}})
		if _, err := w.Run(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	a, b, c := draw(1), draw(1), draw(2)
	if string(a) != string(b) {
		t.Error("crypto/rand draws differ for one seed")
	}
	if string(a) == string(c) {
		t.Error("crypto/rand draws equal for two seeds")
	}
	if cryptorand.Reader != before {
		t.Error("crypto/rand.Reader not restored after Run")
	}
}

func TestBudgetsStopTheRun(t *testing.T) {
	on := func(p *probe, what string) { p.env.SetTimer(time.Millisecond, "t") }
	w := newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}}, MaxEvents: 100})
	res, err := w.Run()
	if err != nil || res.Stop != sim.StopEventLimit || res.Events != 100 {
		t.Errorf("event limit: %+v %v", res, err)
	}
	w = newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}}, MaxTime: 50 * time.Millisecond})
	res, err = w.Run()
	if err != nil || res.Stop != sim.StopTimeLimit || res.SimTime != 50*ms {
		t.Errorf("time limit: %+v %v", res, err)
	}
	w = newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), nil)}}})
	res, err = w.Run()
	if err != nil || res.Stop != sim.StopQuiescent {
		t.Errorf("quiescent: %+v %v", res, err)
	}
}

func TestBuggifyOffByDefaultAndDeterministic(t *testing.T) {
	count := func(enabled bool, seed uint64) int {
		n := 0
		on := func(p *probe, what string) {
			for i := 0; i < 1000; i++ {
				for s := 0; s < 8; s++ {
					if p.env.Buggify(fmt.Sprintf("site%d", s)) {
						n++
					}
				}
			}
		}
		w := newWorld(t, sim.Config{Seed: seed, Buggify: enabled, Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}}})
		if _, err := w.Run(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(false, 1); n != 0 {
		t.Errorf("buggify fired %d times while disabled", n)
	}
	total := 0
	for seed := uint64(1); seed <= 10; seed++ {
		a, b := count(true, seed), count(true, seed)
		if a != b {
			t.Fatalf("seed %d: buggify fired %d then %d times", seed, a, b)
		}
		total += a
	}
	if total == 0 {
		t.Error("buggify never fired over 10 seeds")
	}
}

func TestWatchdogCatchesRunawayLoop(t *testing.T) {
	// A livelocked node re-arms a zero-length timer forever: simulated
	// time never advances, so only the host-time watchdog can stop it.
	on := func(p *probe, what string) { p.env.SetTimer(0, "spin") }
	w := newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}}, MaxEvents: 1 << 40, Watchdog: 50 * time.Millisecond})
	res, err := w.Run()
	var we *sim.WatchdogError
	if !errors.As(err, &we) || res.Stop != sim.StopError || res.SimTime != 0 {
		t.Fatalf("got %+v, %v; want a watchdog error at instant 0", res, err)
	}
}

func TestBreakInvariantSelfTest(t *testing.T) {
	for _, inv := range []string{"time-backwards", "delivery-to-crashed-node", "timer-after-crash"} {
		cfg := gossipConfig(1)
		cfg.BreakInvariant = inv
		w := newWorld(t, cfg)
		_, err := w.Run()
		var he *sim.HarnessError
		if !errors.As(err, &he) {
			t.Fatalf("%s: got %v, want a HarnessError", inv, err)
		}
		if inv == "time-backwards" && he.Invariant != inv {
			t.Errorf("%s: got invariant %s", inv, he.Invariant)
		}
	}
	cfg := gossipConfig(1)
	cfg.BreakInvariant = "nope"
	if _, err := sim.New(cfg); err == nil || !strings.Contains(err.Error(), "valid: time-backwards") {
		t.Errorf("unknown invariant accepted: %v", err)
	}
}

func TestFailStopsTheRunWithAnAssertionError(t *testing.T) {
	on := func(p *probe, what string) {
		if what == "start" {
			p.env.Fail("balance %d below floor", -3)
		}
	}
	w := newWorld(t, sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}}})
	res, err := w.Run()
	var ae *sim.AssertionError
	if !errors.As(err, &ae) || ae.Node != "a" || ae.Message != "balance -3 below floor" || res.Stop != sim.StopError {
		t.Fatalf("got %+v, %v", res, err)
	}
}

func TestRealTimePacesButKeepsTheTrace(t *testing.T) {
	run := func(rt bool) (sim.Result, time.Duration) {
		cfg := gossipConfig(3)
		cfg.MaxTime = 200 * time.Millisecond
		cfg.RealTime = rt
		w := newWorld(t, cfg)
		start := time.Now()
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		return res, time.Since(start)
	}
	fast, _ := run(false)
	paced, took := run(true)
	if fast.TraceHash != paced.TraceHash {
		t.Error("RealTime changed the trace")
	}
	if took < 150*time.Millisecond {
		t.Errorf("a 200ms run in real time took only %v", took)
	}
}

// dropper counts Drop calls on its incarnations.
type dropper struct {
	env   *sim.Env
	drops *[]string
}

func (d *dropper) Start()                    {}
func (d *dropper) Receive(string, []byte)    {}
func (d *dropper) Timer(sim.TimerID, string) {}
func (d *dropper) Drop() {
	*d.drops = append(*d.drops, fmt.Sprintf("%s/%d", d.env.Name(), d.env.Incarnation()))
}

// TestDropperIsToldWhenItsObjectIsDiscarded: Drop runs at a crash and,
// for nodes still up, once when Run returns; never for a node that is down.
func TestDropperIsToldWhenItsObjectIsDiscarded(t *testing.T) {
	var drops []string
	f := func(env *sim.Env) sim.Node { return &dropper{env: env, drops: &drops} }
	w, err := sim.New(sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: f}, {Name: "b", Factory: f}}})
	if err != nil {
		t.Fatal(err)
	}
	w.At(clock.Time(time.Millisecond), "crash a", func(w *sim.World) { _ = w.Crash("a") })
	w.At(clock.Time(2*time.Millisecond), "restart a", func(w *sim.World) { _ = w.Restart("a") })
	w.At(clock.Time(3*time.Millisecond), "crash b", func(w *sim.World) { _ = w.Crash("b") })
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(drops, " "), "a/0 b/0 a/1"; got != want {
		t.Fatalf("drops %q, want %q", got, want)
	}
}

// TestNodesListsTheSystem checks that a system node's Env.Nodes lists the
// system's nodes only (a node broadcasting to its peers must not write into
// a workload client's wire), while a harness node sees every node.
func TestNodesListsTheSystem(t *testing.T) {
	seen := map[string]string{}
	on := func(p *probe, what string) {
		if what == "start" {
			seen[p.env.Name()] = strings.Join(p.env.Nodes(), ",")
		}
	}
	var log []string
	w := newWorld(t, sim.Config{Seed: 1, MaxTime: time.Second, Nodes: []sim.NodeSpec{
		{Name: "n1", Factory: probes(&log, on)},
		{Name: "client0", Factory: probes(&log, on), Harness: true},
		{Name: "n2", Factory: probes(&log, on)},
	}})
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"n1": "n1,n2", "n2": "n1,n2", "client0": "n1,client0,n2"}
	for name, nodes := range want {
		if seen[name] != nodes {
			t.Errorf("%s: Env.Nodes() = %q, want %q", name, seen[name], nodes)
		}
	}
}
