package clock

import (
	"fmt"
	"testing"

	"github.com/faultline-dst/faultline/rng"
)

func TestAgendaOrdersByInstantThenSequence(t *testing.T) {
	var a Agenda[string]
	a.Push(30, "c")
	a.Push(10, "a1")
	a.Push(20, "b")
	a.Push(10, "a2")
	a.Push(10, "a3")
	var got []string
	for {
		_, _, v, ok := a.Pop()
		if !ok {
			break
		}
		got = append(got, v)
	}
	want := []string{"a1", "a2", "a3", "b", "c"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// TestAgendaProperty checks, over random pushes and pops, that events come
// out in (instant, sequence) order, none lost or duplicated.
func TestAgendaProperty(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		r := rng.New(seed, "agenda")
		var a Agenda[int]
		pushed := map[uint64]Time{}
		var lastAt Time = -1
		var lastSeq uint64
		var now Time
		for step := 0; step < 2000; step++ {
			if r.Intn(3) > 0 || a.Len() == 0 {
				at := now + Time(r.Intn(50))
				seq := a.Push(at, step)
				pushed[seq] = at
				continue
			}
			at, seq, _, ok := a.Pop()
			if !ok {
				t.Fatal("pop on non-empty agenda failed")
			}
			if want, ok := pushed[seq]; !ok || want != at {
				t.Fatalf("seed %d: popped unknown seq %d at %v", seed, seq, at)
			}
			delete(pushed, seq)
			if at < lastAt || (at == lastAt && seq < lastSeq) {
				t.Fatalf("seed %d: (%v,%d) after (%v,%d)", seed, at, seq, lastAt, lastSeq)
			}
			lastAt, lastSeq, now = at, seq, at
		}
		for a.Len() > 0 {
			_, seq, _, _ := a.Pop()
			delete(pushed, seq)
		}
		if len(pushed) != 0 {
			t.Fatalf("seed %d: %d events lost", seed, len(pushed))
		}
	}
}

type benchEvent struct {
	kind uint8
	node int32
	a, b uint64
}

// BenchmarkAgenda measures one steady-state event: pop the earliest and
// push its successor, with 16, 1,024 and 65,536 events pending.
func BenchmarkAgenda(b *testing.B) {
	for _, pending := range []int{16, 1024, 65536} {
		b.Run(fmt.Sprintf("pending=%d", pending), func(b *testing.B) {
			var a Agenda[benchEvent]
			r := rng.New(1, "bench")
			for i := 0; i < pending; i++ {
				a.Push(Time(r.Intn(1_000_000)), benchEvent{a: uint64(i)})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				at, _, ev, _ := a.Pop()
				ev.kind++
				ev.node++
				ev.b = uint64(at)
				a.Push(at+Time(1+ev.a%1000), ev)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
