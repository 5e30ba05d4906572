// Package counter is the smallest useful system under test: a replicated
// counter. It exists to show the sim API (Node, Env, timers, disk, send)
// and is the built-in cluster of `faultline run`.
//
// The primary (the first node) increments its counter on a timer, makes the
// new value durable (write, sync), then sends it to every replica. A
// replica adopts a larger value, makes it durable and acknowledges it. Every
// node recovers its value from disk when it starts.
package counter

import (
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// Replica is one node of the counter.
type Replica struct {
	env     *sim.Env
	primary bool
	value   uint64
	acks    map[string]uint64 // highest value each replica acknowledged
	// Tick is how often the primary increments.
	Tick time.Duration
}

const file = "counter"

// New returns a factory for a replica; the first name in the world is the
// primary.
func New(tick time.Duration) sim.Factory {
	return func(env *sim.Env) sim.Node {
		return &Replica{env: env, primary: env.Nodes()[0] == env.Name(), acks: map[string]uint64{}, Tick: tick}
	}
}

// Start recovers the value from disk and, on the primary, arms the tick.
func (r *Replica) Start() {
	r.value = r.load()
	r.env.Logf("recovered value %d", r.value)
	if r.primary {
		r.env.SetTimer(r.Tick, "tick")
	}
}

// Timer increments on the primary, persists, and replicates.
func (r *Replica) Timer(_ sim.TimerID, tag string) {
	if tag != "tick" {
		return
	}
	if r.persist(r.value + 1) {
		r.value++
		for _, peer := range r.env.Nodes() {
			if peer != r.env.Name() {
				r.env.Send(peer, strconv.AppendUint([]byte("set "), r.value, 10))
			}
		}
	}
	r.env.SetTimer(r.Tick, "tick")
}

// Receive adopts larger values (replica) or records acks (primary).
func (r *Replica) Receive(from string, msg []byte) {
	switch {
	case len(msg) > 4 && string(msg[:4]) == "set ":
		v, err := strconv.ParseUint(string(msg[4:]), 10, 64)
		if err != nil {
			panic("counter: bad message " + strconv.Quote(string(msg)))
		}
		if v > r.value && r.persist(v) {
			r.value = v
		}
		r.env.Send(from, strconv.AppendUint([]byte("ack "), r.value, 10))
	case len(msg) > 4 && string(msg[:4]) == "ack ":
		v, _ := strconv.ParseUint(string(msg[4:]), 10, 64)
		if v > r.acks[from] {
			r.acks[from] = v
		}
	}
}

// Value returns the replica's current value.
func (r *Replica) Value() uint64 { return r.value }

func (r *Replica) load() uint64 {
	f, err := r.env.Disk().Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	var b [8]byte
	if _, err := f.ReadAt(b[:], 0); err != nil && !errors.Is(err, io.EOF) {
		return 0
	}
	return binary.LittleEndian.Uint64(b[:])
}

// persist writes v durably: the file is synced, and on first creation its
// directory too, so the name survives a crash.
func (r *Replica) persist(v uint64) bool {
	fs := r.env.Disk()
	f, err := fs.Open(file)
	fresh := false
	if errors.Is(err, disk.ErrNotExist) {
		f, err = fs.Create(file)
		fresh = true
	}
	if err != nil {
		r.env.Logf("open: %v", err)
		return false
	}
	defer f.Close()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	if _, err := f.WriteAt(b[:], 0); err != nil {
		r.env.Logf("write: %v", err)
		return false
	}
	if err := f.Sync(); err != nil {
		r.env.Logf("sync: %v", err)
		return false
	}
	if fresh {
		if err := fs.SyncDir("."); err != nil {
			r.env.Logf("syncdir: %v", err)
			return false
		}
	}
	return true
}

// Cluster returns the built-in demo world of `faultline run`: three
// replicas on 1ms links, one crash and restart of a replica, and a
// partition that isolates another, over one simulated second.
func Cluster(seed uint64) sim.Config {
	f := New(10 * time.Millisecond)
	return sim.Config{
		Seed: seed,
		Nodes: []sim.NodeSpec{
			{Name: "n1", Factory: f},
			{Name: "n2", Factory: f, DriftPPM: 200},
			{Name: "n3", Factory: f, ClockOffset: 3 * time.Millisecond},
		},
		Net: netsim.Config{Default: netsim.LinkConfig{
			Latency: netsim.Latency{Kind: netsim.Uniform, Min: 500 * time.Microsecond, Max: 2 * time.Millisecond},
			Loss:    0.01,
		}},
		MaxTime: time.Second,
	}
}

// Faults schedules the demo's faults on w: crash n2 at 200ms and restart
// it at 400ms; isolate n3 from 500ms to 700ms.
func Faults(w *sim.World) {
	ms := func(n int) clock.Time { return clock.Time(n) * clock.Time(time.Millisecond) }
	w.At(ms(200), "crash n2", func(w *sim.World) { _ = w.Crash("n2") })
	w.At(ms(400), "restart n2", func(w *sim.World) { _ = w.Restart("n2") })
	w.At(ms(500), "isolate n3", func(w *sim.World) {
		_ = w.InstallNetFault("p1", netsim.Fault{Kind: netsim.Cut, Links: netsim.Isolate(3, 2)})
	})
	w.At(ms(700), "heal p1", func(w *sim.World) { _ = w.RemoveNetFault("p1") })
}
