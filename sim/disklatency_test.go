package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// walNode appends a record to its log on every message, syncs it and
// acknowledges to the sender: the ack must not leave before the fsync
// returned.
func walNode(log *[]string) sim.Factory {
	return probes(log, func(p *probe, what string) {
		if !strings.HasPrefix(what, "recv ") {
			return
		}
		f, err := p.env.Disk().Create("wal")
		if err != nil {
			p.env.Fail("create: %v", err)
			return
		}
		f.Write([]byte(strings.TrimPrefix(what, "recv ")))
		f.Sync()
		p.note("synced")
		p.env.Send("c", []byte("ack"))
	})
}

func diskWorld(t *testing.T, seed uint64, lat disk.Latency, log *[]string) *sim.World {
	client := probes(log, func(p *probe, what string) {
		if what == "start" {
			p.env.Send("s", []byte("w1"))
			p.env.SetTimer(2*time.Millisecond, "second")
		}
		if what == "timer second" {
			p.env.Send("s", []byte("w2"))
		}
	})
	return newWorld(t, sim.Config{
		Seed: seed,
		Nodes: []sim.NodeSpec{
			{Name: "s", Factory: walNode(log), Disk: &disk.Config{SyncLatency: lat}},
			{Name: "c", Factory: client},
		},
		Net:     netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: time.Millisecond, Max: time.Millisecond}}},
		MaxTime: time.Second,
	})
}

// TestFsyncLatencyDelaysTheNode: with a 10ms fsync, the server's ack
// leaves when the fsync returns, its clock reads that instant, and the
// message that arrived meanwhile waits until the node is free.
func TestFsyncLatencyDelaysTheNode(t *testing.T) {
	tests := []struct {
		name string
		lat  disk.Latency
		want []string
	}{
		{"instantaneous", disk.Latency{}, []string{
			"1ms s recv c w1", "1ms s synced", "2ms c recv s ack",
			"3ms s recv c w2", "3ms s synced", "4ms c recv s ack"}},
		{"fixed 10ms", disk.Latency{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}, []string{
			"1ms s recv c w1", "11ms s synced", // w2 arrived at 3ms and waited
			"11ms s recv c w2", "21ms s synced", "12ms c recv s ack", "22ms c recv s ack"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			w := diskWorld(t, 1, tt.lat, &log)
			if _, err := w.Run(); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range log {
				if !strings.Contains(l, "start") && !strings.Contains(l, "timer") {
					got = append(got, strings.TrimSpace(l))
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestCrashDuringFsyncInWorld: a crash while the server's fsync is in
// flight cuts it (the trace's crash record says so) and its ack, sent
// after the fsync, never leaves.
func TestCrashDuringFsyncInWorld(t *testing.T) {
	var log []string
	w := diskWorld(t, 1, disk.Latency{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}, &log)
	w.At(5*ms, "crash s", func(w *sim.World) { must(t, w.Crash("s")) })
	res, err := w.Run()
	if err != nil {
		t.Fatal(err)
	}
	if contains(log, "c recv s ack") {
		t.Errorf("the ack sent after a cut fsync reached the client:\n%s", strings.Join(log, "\n"))
	}
	st := w.Stats("s")
	if st.Disk.SyncsCut != 1 || st.Disk.WritesKept+st.Disk.WritesLost != 1 {
		t.Errorf("crash evidence of s: %+v; want one cut sync with its write kept or lost", st.Disk)
	}
	if res.Sent != 2 { // w1, and w2 to the crashed server; no ack
		t.Errorf("sent %d messages, want 2", res.Sent)
	}
}

// TestDiskLatencyIsDeterministic: a uniform fsync latency gives the same
// trace from the same seed, and another from another seed.
func TestDiskLatencyIsDeterministic(t *testing.T) {
	run := func(seed uint64) uint64 {
		cfg := gossipConfig(seed)
		cfg.Disk = disk.Config{Crash: disk.LoseSome, SyncLatency: disk.Latency{Min: time.Millisecond, Max: 5 * time.Millisecond}, WriteLatency: disk.Latency{Max: 100 * time.Microsecond}}
		w := newWorld(t, cfg)
		w.At(300*ms, "crash b", func(w *sim.World) { must(t, w.Crash("b")) })
		w.At(310*ms, "restart b", func(w *sim.World) { must(t, w.Restart("b")) })
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		return res.TraceHash
	}
	plain := func(seed uint64) uint64 {
		w := newWorld(t, gossipConfig(seed))
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		return res.TraceHash
	}
	a, b, c := run(4), run(4), run(5)
	if a != b {
		t.Errorf("seed 4 twice: %x then %x", a, b)
	}
	if a == c {
		t.Errorf("seeds 4 and 5 gave the same trace %x", a)
	}
	if a == plain(4) {
		t.Errorf("disk latency made no difference to the trace")
	}
}

// TestPauseDuringFsync: a node paused while its fsync is in flight sends
// what followed the fsync only when it resumes; crashed while paused, it
// never sends it.
func TestPauseDuringFsync(t *testing.T) {
	for _, crash := range []bool{false, true} {
		var log []string
		w := diskWorld(t, 1, disk.Latency{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}, &log)
		w.At(5*ms, "pause s", func(w *sim.World) { must(t, w.Pause("s")) })
		if crash {
			w.At(20*ms, "crash s", func(w *sim.World) { must(t, w.Crash("s")) })
		} else {
			w.At(30*ms, "resume s", func(w *sim.World) { must(t, w.Resume("s")) })
		}
		if _, err := w.Run(); err != nil {
			t.Fatal(err)
		}
		switch {
		case crash && contains(log, "c recv s ack"):
			t.Errorf("crashed while paused after its fsync, s still sent its ack:\n%s", strings.Join(log, "\n"))
		case !crash && !contains(log, "31ms c recv s ack"):
			t.Errorf("paused from 5ms to 30ms during a 1ms..11ms fsync, the ack should arrive at 31ms:\n%s", strings.Join(log, "\n"))
		}
	}
}
