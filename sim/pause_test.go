package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// TestPauseIsNotAPartition: a paused process runs nothing while paused,
// its timers wait and its messages queue; on resume it gets every message
// (none dropped), its overdue timer fires once, and its clock has jumped
// by the pause. Over the same window a partition drops the messages and
// the node keeps running.
func TestPauseIsNotAPartition(t *testing.T) {
	type outcome struct {
		during  int    // callbacks of b inside the window
		recv    int    // messages b received in all
		dropped int64  // messages dropped
		firstAt string // b's first callback after the window starts, as "Mono what"
		timerAt string // when b's 25ms timer fired
	}
	run := func(fault string) outcome {
		var log []string
		on := func(p *probe, what string) {
			switch {
			case what == "start" && p.env.Name() == "a":
				p.env.SetTimer(5*time.Millisecond, "send")
			case what == "timer send":
				p.env.Send("b", []byte("m"))
				p.env.SetTimer(5*time.Millisecond, "send")
			case what == "start" && p.env.Name() == "b":
				p.env.SetTimer(25*time.Millisecond, "t25")
			}
		}
		w := newWorld(t, sim.Config{
			Nodes:   []sim.NodeSpec{{Name: "a", Factory: probes(&log, on)}, {Name: "b", Factory: probes(&log, on)}},
			Net:     netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: time.Millisecond, Max: time.Millisecond}}},
			MaxTime: 100 * time.Millisecond,
		})
		w.At(20*ms, fault+" b", func(w *sim.World) {
			if fault == "pause" {
				must(t, w.Pause("b"))
			} else {
				must(t, w.InstallNetFault("p", netsim.Fault{Kind: netsim.Cut, Links: netsim.Isolate(2, 1)}))
			}
		})
		w.At(60*ms, "heal b", func(w *sim.World) {
			if fault == "pause" {
				must(t, w.Resume("b"))
			} else {
				must(t, w.RemoveNetFault("p"))
			}
		})
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		o := outcome{dropped: res.Dropped}
		for _, l := range log {
			f := strings.Fields(l)
			if f[1] != "b" {
				continue
			}
			at, _ := time.ParseDuration(f[0])
			if strings.Contains(l, "recv") {
				o.recv++
			}
			if at > 20*time.Millisecond && at < 60*time.Millisecond {
				o.during++
			}
			if at > 20*time.Millisecond && o.firstAt == "" {
				o.firstAt = f[0] + " " + f[2]
			}
			if strings.Contains(l, "timer t25") {
				o.timerAt = f[0]
			}
		}
		return o
	}
	p, c := run("pause"), run("partition")
	if p.during != 0 || p.firstAt != "60ms recv" || p.timerAt != "60ms" || p.dropped != 0 {
		t.Errorf("pause: %+v; want no callback inside [20ms, 60ms), first callback at 60ms on b's own clock (the jump), the 25ms timer at 60ms, nothing dropped", p)
	}
	if p.recv <= c.recv {
		t.Errorf("pause delivered %d messages, partition %d: the pause must queue what the partition drops", p.recv, c.recv)
	}
	if c.dropped == 0 || c.during == 0 || c.timerAt != "25ms" {
		t.Errorf("partition: %+v; want drops, b running inside the window, its timer on time", c)
	}
}
