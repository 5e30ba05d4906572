package sim_test

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// pinger forwards every message it receives to the next node in a ring;
// the first node starts a few messages circulating.
type pinger struct {
	env  *sim.Env
	next string
}

func (p *pinger) Start() {
	if p.env.Name() == "n0" {
		for i := 0; i < 8; i++ {
			p.env.Send(p.next, []byte("ping-payload-32-bytes-long......"))
		}
	}
}
func (p *pinger) Receive(_ string, msg []byte) { p.env.Send(p.next, msg) }
func (p *pinger) Timer(sim.TimerID, string)    {}

// BenchmarkToyCluster is the end-to-end figure: three nodes passing
// messages around a ring over a 1ms uniform-latency network with loss and
// duplication off. One op is one simulated message (send and delivery).
func BenchmarkToyCluster(b *testing.B) {
	names := []string{"n0", "n1", "n2"}
	var specs []sim.NodeSpec
	for i, n := range names {
		next := names[(i+1)%len(names)]
		specs = append(specs, sim.NodeSpec{Name: n, Factory: func(env *sim.Env) sim.Node { return &pinger{env: env, next: next} }})
	}
	w, err := sim.New(sim.Config{
		Nodes:     specs,
		Net:       netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Uniform, Min: 500 * time.Microsecond, Max: 1500 * time.Microsecond}}},
		MaxTime:   time.Duration(1<<62 - 1),
		MaxEvents: int64(b.N) + 3,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	res, err := w.Run()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(res.Delivered)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(res.Events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkTimers measures timer events alone: one node re-arming a timer.
func BenchmarkTimers(b *testing.B) { benchTimers(b, 0) }

// BenchmarkTimersWatched is BenchmarkTimers with the host-time watchdog
// on callbacks (Config.StuckAfter) on, as scenario runs have it: the
// world runs on a goroutine of its own and publishes every call.
func BenchmarkTimersWatched(b *testing.B) { benchTimers(b, time.Minute) }

func benchTimers(b *testing.B, stuck time.Duration) {
	f := func(env *sim.Env) sim.Node { return &ticker{env: env} }
	w, err := sim.New(sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: f}}, MaxTime: time.Duration(1<<62 - 1), MaxEvents: int64(b.N) + 1, StuckAfter: stuck})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	res, err := w.Run()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(res.Events)/b.Elapsed().Seconds(), "events/s")
}

type ticker struct{ env *sim.Env }

func (t *ticker) Start()                        { t.env.SetTimer(time.Millisecond, "tick") }
func (t *ticker) Receive(string, []byte)        {}
func (t *ticker) Timer(_ sim.TimerID, _ string) { t.env.SetTimer(time.Millisecond, "tick") }

// BenchmarkLogf is BenchmarkTimers with a log line formatted on every
// event (Env.Logf, no trace writer): what a node that logs as it works
// pays per line.
func BenchmarkLogf(b *testing.B) {
	f := func(env *sim.Env) sim.Node { return &logger{ticker{env: env}} }
	w, err := sim.New(sim.Config{Nodes: []sim.NodeSpec{{Name: "a", Factory: f}}, MaxTime: time.Duration(1<<62 - 1), MaxEvents: int64(b.N) + 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := w.Run(); err != nil {
		b.Fatal(err)
	}
}

type logger struct{ ticker }

func (l *logger) Timer(id sim.TimerID, tag string) {
	l.env.Logf("term %d: tick %s at %v", 3, tag, "n1")
	l.ticker.Timer(id, tag)
}
