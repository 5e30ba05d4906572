package netsim

import (
	"encoding/binary"
	"fmt"
	goldenfile "github.com/faultline-dst/faultline/internal/golden"
	"hash"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

type arrival struct {
	k     Link
	epoch uint64
}

// script runs a random mix of sends, arrivals, faults, crashes and
// restarts on a mixed datagram/stream network and hashes every decision
// netsim makes, in order.
func script(seed uint64) (uint64, string) {
	ms := time.Millisecond
	cfg := Config{
		Default: LinkConfig{Latency: Latency{Kind: LongTail, Min: ms, Median: 3 * ms, Max: time.Second}, Loss: 0.05, Duplicate: 0.05, Reorder: 0.1},
		Links: []LinkOverride{
			{From: "n0", To: "n1", LinkConfig: LinkConfig{Latency: Latency{Kind: Uniform, Min: ms, Max: 10 * ms}, Loss: 0.3, Mode: Stream}},
			{From: "n1", To: "n0", LinkConfig: LinkConfig{Latency: Latency{Kind: Uniform, Min: ms, Max: 10 * ms}, Mode: Stream}},
			{From: "n2", To: "n3", LinkConfig: LinkConfig{Latency: Latency{Kind: Fixed, Min: 2 * ms}, Mode: Stream}},
		},
	}
	const n = 5
	net, err := New(names(n), cfg, rng.New(seed, "net"))
	if err != nil {
		panic(err)
	}
	ops := rng.New(seed, "ops")
	h := fnv.New64a()
	put := func(vs ...int64) {
		var b [8]byte
		for _, v := range vs {
			binary.LittleEndian.PutUint64(b[:], uint64(v))
			h.Write(b[:])
		}
	}
	putLinks := func(ls []Link) {
		put(int64(len(ls)))
		for _, l := range ls {
			put(int64(l.From), int64(l.To))
		}
	}
	var agenda clock.Agenda[arrival]
	now := clock.Time(0)
	var active []string
	for i := range 5000 {
		now += clock.Time(ops.Int64Range(0, int64(ms)))
		for {
			at, ok := agenda.Peek()
			if !ok || at > now {
				break
			}
			at, _, a, _ := agenda.Pop()
			cause, fault := net.Arrival(at, a.k.From, a.k.To, a.epoch)
			h.Write([]byte(cause + "/" + fault + ";"))
		}
		switch x := ops.Intn(200); {
		case x < 3:
			id := fmt.Sprint("f", i)
			var f Fault
			switch ops.Intn(6) {
			case 0:
				f = Fault{Kind: Cut, Links: shapes()[ops.Intn(8)].make(n, ops)}
			case 1:
				f = Fault{Kind: Clog, Delay: 20 * ms, Links: RandomHalves(n, ops)}
			case 2:
				f = Fault{Kind: Loss, P: 0.5, Links: Isolate(n, Node(ops.Intn(n)))}
			case 3:
				f = Fault{Kind: Duplicate, P: 0.5, Links: Isolate(n, Node(ops.Intn(n)))}
			case 4:
				f = Fault{Kind: Reorder, P: 0.5, Delay: 30 * ms, Links: Isolate(n, Node(ops.Intn(n)))}
			case 5:
				f = Fault{Kind: Cut, Links: MajoritiesRing(n, ops)}
			}
			broken, err := net.Install(id, f)
			if err != nil {
				h.Write([]byte(err.Error()))
				continue
			}
			active = append(active, id)
			h.Write([]byte(id))
			putLinks(broken)
		case x < 6 && len(active) > 0:
			j := ops.Intn(len(active))
			if err := net.Remove(active[j]); err != nil {
				panic(err)
			}
			active = append(active[:j], active[j+1:]...)
		case x < 7:
			putLinks(net.CrashNode(Node(ops.Intn(n))))
		case x < 12:
			net.RestartNode(Node(ops.Intn(n)))
		}
		k := Link{Node(ops.Intn(n)), Node(ops.Intn(n))}
		f := net.Send(now, k.From, k.To)
		hashFate(h, f)
		for c := range f.Count {
			agenda.Push(f.At[c], arrival{k, f.Epoch})
		}
	}
	var sum strings.Builder
	landed := 0
	for _, id := range net.CounterIDs() {
		c := net.Counters(id)
		fmt.Fprintf(h, "%s:%d/%d/%d/%d ", id, c.Dropped, c.Delayed, c.Duplicated, c.Reordered)
		if id == BaseID || id == CrashID {
			fmt.Fprintf(&sum, "%s %+v ", id, c)
		} else if c.Landed() {
			landed++
		}
	}
	fmt.Fprintf(&sum, "faults landed %d of %d", landed, len(net.CounterIDs())-2)
	return h.Sum64(), sum.String()
}

func hashFate(h hash.Hash64, f Fate) {
	fmt.Fprintf(h, "%d %d %d %d %v %s %s %v;", f.Count, f.At[0], f.At[1], f.Epoch, f.Dropped, f.Cause, f.Fault, f.Broken)
}

// TestDeterministic: the same seed and calls give the same decisions;
// different seeds give different ones; and the decisions are pinned by a
// golden file, since they are part of every trace hash.
func TestDeterministic(t *testing.T) {
	var golden strings.Builder
	seen := map[uint64]uint64{}
	for seed := uint64(1); seed <= 5; seed++ {
		h1, sum := script(seed)
		h2, _ := script(seed)
		if h1 != h2 {
			t.Errorf("seed %d: two runs hash %x and %x", seed, h1, h2)
		}
		if other, dup := seen[h1]; dup {
			t.Errorf("seeds %d and %d hash the same", other, seed)
		}
		seen[h1] = seed
		fmt.Fprintf(&golden, "seed %d hash %016x\n  %s\n", seed, h1, sum)
	}
	goldenfile.Check(t, "fates.golden", []byte(golden.String()))
}

func TestInvalidCallsDoNotPanic(t *testing.T) {
	net := mustNew(t, 2, Config{}, 1)
	for _, k := range []Link{{-1, 0}, {0, 2}, {5, 5}} {
		if f := net.Send(0, k.From, k.To); !f.Dropped || f.Cause != CauseInvalid {
			t.Errorf("Send(%v) = %+v", k, f)
		}
		if net.Arrive(0, k.From, k.To, 0) {
			t.Errorf("Arrive(%v) accepted", k)
		}
		if net.Reachable(k.From, k.To) {
			t.Errorf("Reachable(%v)", k)
		}
	}
	if c, _ := net.Arrival(0, 0, 1, 7); c != CauseInvalid {
		t.Errorf("future epoch: cause %q", c)
	}
	if net.CrashNode(9) != nil || net.Down(9) || net.Name(9) != "" {
		t.Error("out-of-range node accepted")
	}
	net.RestartNode(-1)
	if x, ok := net.Lookup("n1"); !ok || x != 1 || net.Name(1) != "n1" || net.Nodes() != 2 {
		t.Error("Lookup/Name/Nodes wrong")
	}
	for id := range net.counters {
		if c := net.Counters(id); c.Landed() {
			t.Errorf("invalid calls were counted under %q: %+v", id, c)
		}
	}
	// Delivery never at or before the send, even at the end of time.
	if f := net.Send(clock.Never-1, 0, 1); f.At[0] != clock.Never-1 {
		t.Errorf("send at the end of time delivered at %v", f.At[0])
	}
}

func TestDuplicatesAreTwoDeliveries(t *testing.T) {
	ms := time.Millisecond
	net := mustNew(t, 2, Config{Default: LinkConfig{Latency: Latency{Kind: Uniform, Min: ms, Max: 5 * ms}, Duplicate: 1}}, 2)
	for i := range 100 {
		now := clock.Time(i) * clock.Time(ms)
		f := net.Send(now, 0, 1)
		if f.Count != 2 || f.At[0] <= now || f.At[1] < f.At[0] {
			t.Fatalf("duplicate fate %+v", f)
		}
		for c := range 2 {
			if !net.Arrive(f.At[c], 0, 1, f.Epoch) {
				t.Fatal("a copy was refused")
			}
		}
	}
	if got := net.Counters(BaseID).Duplicated; got != 100 {
		t.Errorf("base.Duplicated = %d, want 100", got)
	}
}

// BenchmarkSend measures one Send plus the Arrive of its delivery on a
// five-node network with long-tailed latency and a little of every base
// fault, plus one active loss fault.
func BenchmarkSend(b *testing.B) {
	ms := time.Millisecond
	for _, mode := range []Mode{Datagram, Stream} {
		b.Run(mode.String(), func(b *testing.B) {
			lc := LinkConfig{Latency: Latency{Kind: LongTail, Min: ms, Median: 2 * ms, Max: time.Second}, Loss: 0.01, Mode: mode}
			if mode == Datagram {
				lc.Duplicate, lc.Reorder = 0.01, 0.01
			}
			net := mustNew(b, 5, Config{Default: lc}, 1)
			mustInstall(b, net, "l1", Fault{Kind: Loss, P: 0.01, Links: Isolate(5, 4)})
			b.ReportAllocs()
			now := clock.Time(0)
			for i := 0; b.Loop(); i++ {
				now += 1000
				from, to := Node(i%5), Node((i/5)%5)
				f := net.Send(now, from, to)
				if f.Count > 0 {
					net.Arrive(f.At[0], from, to, f.Epoch)
				}
			}
		})
	}
}
