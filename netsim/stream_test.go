package netsim

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

type delivery struct {
	k     Link
	seq   int
	epoch uint64
}

// TestStreamKeepsOrder drives a small event loop over stream links with
// random (long-tailed) latency, loss, clogs coming and going, cuts and
// crashes. Per link and epoch, delivery instants never decrease and what
// is delivered is a gap-free prefix of what was accepted, in send order;
// once a send is dropped in an epoch, no later send is accepted in it.
func TestStreamKeepsOrder(t *testing.T) {
	ms := time.Millisecond
	lats := []Latency{
		{Kind: Uniform, Min: ms, Max: 20 * ms},
		{Kind: LongTail, Min: ms, Median: 3 * ms, Max: 500 * ms},
	}
	for seed := uint64(1); seed <= 40; seed++ {
		for li, lat := range lats {
			name := fmt.Sprintf("seed=%d/lat=%d", seed, li)
			const n = 4
			net := mustNew(t, n, Config{Default: LinkConfig{Latency: lat, Loss: 0.2, Mode: Stream}}, seed)
			ops := rng.New(seed, "ops")
			var agenda clock.Agenda[delivery]
			type epochKey struct {
				k     Link
				epoch uint64
			}
			accepted := map[epochKey][]int{}  // seqs accepted per link epoch, in send order
			delivered := map[epochKey][]int{} // seqs delivered per link epoch
			lastAt := map[epochKey]clock.Time{}
			gap := map[epochKey]bool{} // a send in this epoch was dropped
			now := clock.Time(0)
			faults := 0
			var active []string
			for seq := range 3000 {
				now += clock.Time(ops.Int64Range(0, int64(2*ms)))
				for {
					at, ok := agenda.Peek()
					if !ok || at > now {
						break
					}
					at, _, d, _ := agenda.Pop()
					if net.Arrive(at, d.k.From, d.k.To, d.epoch) {
						ek := epochKey{d.k, d.epoch}
						delivered[ek] = append(delivered[ek], d.seq)
					}
				}
				switch x := ops.Intn(1000); {
				case x < 40:
					faults++
					id := fmt.Sprint("c", faults)
					k := Link{Node(ops.Intn(n)), Node(ops.Intn(n))}
					if k.From == k.To {
						continue
					}
					mustInstall(t, net, id, Fault{Kind: Clog, Delay: time.Duration(ops.Int64Range(1, int64(50*ms))), Links: []Link{k}})
					active = append(active, id)
				case x < 45:
					faults++
					id := fmt.Sprint("p", faults)
					a, b := Node(ops.Intn(n)), Node(ops.Intn(n))
					if a == b {
						continue
					}
					mustInstall(t, net, id, Fault{Kind: Cut, Links: OneWay([]Node{a}, []Node{b})})
					active = append(active, id)
				case x < 125 && len(active) > 0:
					i := ops.Intn(len(active))
					if err := net.Remove(active[i]); err != nil {
						t.Fatal(err)
					}
					active = slices.Delete(active, i, i+1)
				case x < 130:
					net.CrashNode(Node(ops.Intn(n)))
				case x < 200:
					for y := Node(0); y < n; y++ {
						net.RestartNode(y)
					}
				}
				k := Link{Node(ops.Intn(n)), Node(ops.Intn(n))}
				f := net.Send(now, k.From, k.To)
				ek := epochKey{k, f.Epoch}
				if f.Dropped {
					gap[ek] = true
					continue
				}
				if gap[ek] {
					t.Fatalf("%s: %v epoch %d accepted a send after dropping one: a gap inside a stream", name, k, f.Epoch)
				}
				if f.Count != 1 || f.At[0] <= now {
					t.Fatalf("%s: stream fate %+v at %v", name, f, now)
				}
				if f.At[0] < lastAt[ek] {
					t.Fatalf("%s: %v epoch %d: delivery %v before previous %v", name, k, f.Epoch, f.At[0], lastAt[ek])
				}
				lastAt[ek] = f.At[0]
				accepted[ek] = append(accepted[ek], seq)
				agenda.Push(f.At[0], delivery{k, seq, f.Epoch})
			}
			for {
				at, _, d, ok := agenda.Pop()
				if !ok {
					break
				}
				if net.Arrive(at, d.k.From, d.k.To, d.epoch) {
					ek := epochKey{d.k, d.epoch}
					delivered[ek] = append(delivered[ek], d.seq)
				}
			}
			total := 0
			for ek, got := range delivered {
				acc := accepted[ek]
				if len(got) > len(acc) || !slices.Equal(got, acc[:len(got)]) {
					t.Fatalf("%s: %v epoch %d delivered %v, not a prefix of accepted %v", name, ek.k, ek.epoch, got, acc)
				}
				total += len(got)
			}
			if total < 1000 || faults == 0 {
				t.Errorf("%s: only %d deliveries, %d faults: the test exercised too little", name, total, faults)
			}
		}
	}
}

func TestStreamBreaksOnCutBothWaysAndHeals(t *testing.T) {
	ms := time.Millisecond
	net := mustNew(t, 3, Config{Default: LinkConfig{Latency: Latency{Kind: Fixed, Min: ms}, Mode: Stream}}, 1)
	f01 := net.Send(0, 0, 1)
	f10 := net.Send(0, 1, 0)
	f02 := net.Send(0, 0, 2)
	broken := mustInstall(t, net, "p1", Fault{Kind: Cut, Links: OneWay([]Node{0}, []Node{1})})
	if want := []Link{{0, 1}, {1, 0}}; !slices.Equal(broken, want) {
		t.Fatalf("one-way cut broke %v, want %v (both directions)", broken, want)
	}
	// A second cut over a dead stream breaks nothing new.
	if again := mustInstall(t, net, "p2", Fault{Kind: Cut, Links: []Link{{1, 0}}}); len(again) != 0 {
		t.Errorf("cutting a dead stream reported %v", again)
	}
	for _, c := range []struct {
		k    Link
		f    Fate
		want bool
	}{{Link{0, 1}, f01, false}, {Link{1, 0}, f10, false}, {Link{0, 2}, f02, true}} {
		cause, fault := net.Arrival(c.f.At[0], c.k.From, c.k.To, c.f.Epoch)
		if (cause == "") != c.want {
			t.Errorf("%v in flight: Arrival = %q, %q; want delivered=%v", c.k, cause, fault, c.want)
		}
		if !c.want && (cause != CauseStreamBroken || fault != "p1") {
			t.Errorf("%v: cause %q fault %q, want stream-broken by p1", c.k, cause, fault)
		}
	}
	// Both directions are silent during the cut, charged to p1.
	for _, k := range []Link{{0, 1}, {1, 0}} {
		if f := net.Send(clock.Time(ms), k.From, k.To); !f.Dropped || f.Cause != CausePartition || f.Fault != "p1" {
			t.Errorf("%v during cut: %+v", k, f)
		}
	}
	if net.Counters("p1").Dropped != 4 || net.Counters("p2").Dropped != 2 {
		t.Errorf("counters p1=%+v p2=%+v, want 4 and 2 drops (p2 also cuts the sends)", net.Counters("p1"), net.Counters("p2"))
	}
	for _, id := range []string{"p1", "p2"} {
		if err := net.Remove(id); err != nil {
			t.Fatal(err)
		}
	}
	f := net.Send(clock.Time(2*ms), 0, 1)
	if f.Dropped || f.Epoch <= f01.Epoch || !net.Arrive(f.At[0], 0, 1, f.Epoch) {
		t.Errorf("after heal: %+v (old epoch %d)", f, f01.Epoch)
	}
}

func TestCrashBreaksStreams(t *testing.T) {
	ms := time.Millisecond
	cfg := Config{
		Default: LinkConfig{Latency: Latency{Kind: Fixed, Min: ms}, Mode: Stream},
		Links: []LinkOverride{
			{From: "n0", To: "n2", LinkConfig: LinkConfig{Latency: Latency{Kind: Fixed, Min: ms}}}, // datagram
			{From: "n2", To: "n0", LinkConfig: LinkConfig{Latency: Latency{Kind: Fixed, Min: ms}}}, // datagram
		},
	}
	net := mustNew(t, 3, cfg, 1)
	f10 := net.Send(0, 1, 0)
	f01 := net.Send(0, 0, 1)
	f20 := net.Send(0, 2, 0) // datagram into the crashing node
	f02 := net.Send(0, 0, 2) // datagram out of the crashing node
	broken := net.CrashNode(0)
	if want := []Link{{0, 1}, {1, 0}}; !slices.Equal(broken, want) {
		t.Errorf("crash broke %v, want %v", broken, want)
	}
	if net.CrashNode(0) != nil {
		t.Error("crashing a down node reported breaks")
	}
	if net.Arrive(f10.At[0], 1, 0, f10.Epoch) || net.Arrive(f01.At[0], 0, 1, f01.Epoch) {
		t.Error("stream message to or from a crashed node delivered")
	}
	if net.Arrive(f20.At[0], 2, 0, f20.Epoch) {
		t.Error("datagram delivered to a crashed node")
	}
	if !net.Arrive(f02.At[0], 0, 2, f02.Epoch) {
		t.Error("datagram already sent by the crashed node was lost")
	}
	if f := net.Send(clock.Time(ms), 1, 0); !f.Dropped || f.Cause != CauseNodeDown || f.Fault != CrashID {
		t.Errorf("send to a down node: %+v", f)
	}
	if got := net.Counters(CrashID).Dropped; got != 4 {
		t.Errorf("crash counters %d drops, want 4", got)
	}
	if net.Reachable(1, 0) || !net.Down(0) {
		t.Error("down node reachable")
	}
	net.RestartNode(0)
	f := net.Send(clock.Time(2*ms), 1, 0)
	if f.Dropped || !net.Arrive(f.At[0], 1, 0, f.Epoch) || f.Epoch <= f10.Epoch {
		t.Errorf("after restart: %+v", f)
	}
}

// TestStreamRetransmits: loss on a stream costs delay, not gaps; losing
// every attempt breaks the stream.
func TestStreamRetransmits(t *testing.T) {
	ms := time.Millisecond
	net := mustNew(t, 2, Config{Default: LinkConfig{Latency: Latency{Kind: Fixed, Min: ms}, Mode: Stream, Loss: 0.5}}, 4)
	delayed := 0
	for i := range 1000 {
		now := clock.Time(i) * clock.Time(10*ms)
		f := net.Send(now, 0, 1)
		if f.Dropped {
			if !f.Broken || f.Cause != CauseStreamBroken || f.Fault != BaseID {
				t.Fatalf("stream drop %+v", f)
			}
			continue
		}
		d := f.At[0].Sub(now)
		if d%ms != 0 || d < ms || d > StreamMaxAttempts*ms {
			t.Fatalf("delivery after %v, want a whole number of 1ms attempts", d)
		}
		if d > ms {
			delayed++
		}
	}
	if c := net.Counters(BaseID); c.Delayed == 0 || delayed == 0 || c.Dropped != 0 && c.Dropped > 20 {
		t.Errorf("base counters %+v, delayed %d", c, delayed)
	}
	mustInstall(t, net, "bh", Fault{Kind: Loss, P: 1, Links: []Link{{0, 1}}})
	old := net.Send(0, 1, 0)
	f := net.Send(0, 0, 1)
	if !f.Dropped || !f.Broken || f.Fault == "" {
		t.Fatalf("black-holed stream: %+v", f)
	}
	if net.Arrive(old.At[0], 1, 0, old.Epoch) {
		t.Error("the reverse stream survived a reset")
	}
	if c := net.Counters("bh"); c.Dropped == 0 && net.Counters(BaseID).Dropped == 0 {
		t.Error("no one charged with the reset")
	}
}
