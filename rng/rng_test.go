package rng

import (
	"fmt"
	"github.com/faultline-dst/faultline/internal/golden"
	"strings"
	"testing"
)

// TestGoldenDraws pins every draw helper: if this changes, every recorded
// trace hash in the world changes with it.
func TestGoldenDraws(t *testing.T) {
	var b strings.Builder
	s := New(42, "golden")
	fmt.Fprintf(&b, "seed %d\n", s.Seed())
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&b, "uint64 %d\n", s.Uint64())
	}
	for _, n := range []uint64{1, 2, 3, 10, 1000, 1 << 40, ^uint64(0)} {
		fmt.Fprintf(&b, "uint64n(%d) %d\n", n, s.Uint64n(n))
	}
	for _, n := range []int{1, 7, 100} {
		fmt.Fprintf(&b, "intn(%d) %d\n", n, s.Intn(n))
	}
	fmt.Fprintf(&b, "range(-5,5) %d\n", s.Int64Range(-5, 5))
	fmt.Fprintf(&b, "float64 %.17g\n", s.Float64())
	fmt.Fprintf(&b, "chance(0.5) %v\n", s.Chance(0.5))
	fmt.Fprintf(&b, "perm(8) %v\n", s.Perm(8))
	buf := make([]byte, 11)
	s.Read(buf)
	fmt.Fprintf(&b, "read %x\n", buf)
	fmt.Fprintf(&b, "split %d\n", s.Split("child").Uint64())
	golden.Check(t, "draws.golden", []byte(b.String()))
}

func TestStreamsIndependent(t *testing.T) {
	a1 := New(1, "a")
	b1 := New(1, "b")
	a2 := New(1, "a")
	// Drawing from b must not shift a.
	for i := 0; i < 100; i++ {
		b1.Uint64()
	}
	for i := 0; i < 10; i++ {
		if x, y := a1.Uint64(), a2.Uint64(); x != y {
			t.Fatalf("draw %d: %d != %d", i, x, y)
		}
	}
	if New(1, "a").Uint64() == New(1, "b").Uint64() {
		t.Error("streams a and b start equal")
	}
	if New(1, "a").Uint64() == New(2, "a").Uint64() {
		t.Error("seeds 1 and 2 start equal")
	}
	p := New(3, "p")
	c1 := p.Split("c").Uint64()
	p.Uint64()
	if c2 := p.Split("c").Uint64(); c1 != c2 {
		t.Error("Split depends on parent draws")
	}
}

func TestUint64nInRangeAndUniform(t *testing.T) {
	s := New(7, "u")
	var counts [6]int
	const n = 60000
	for i := 0; i < n; i++ {
		v := s.Uint64n(6)
		if v >= 6 {
			t.Fatalf("out of range: %d", v)
		}
		counts[v]++
	}
	for i, c := range counts {
		if c < n/6*9/10 || c > n/6*11/10 {
			t.Errorf("bucket %d has %d of %d", i, c, n)
		}
	}
	for i := 0; i < 1000; i++ {
		if v := s.Int64Range(-3, 3); v < -3 || v > 3 {
			t.Fatalf("Int64Range out of range: %d", v)
		}
		if f := s.Float64(); f < 0 || f >= 1 {
			t.Fatalf("Float64 out of range: %v", f)
		}
	}
}

func TestChanceEdgesDoNotDraw(t *testing.T) {
	a, b := New(9, "c"), New(9, "c")
	if a.Chance(0) || !a.Chance(1) || a.Chance(-1) || !a.Chance(2) {
		t.Fatal("edge probabilities wrong")
	}
	if a.Uint64() != b.Uint64() {
		t.Error("Chance(0)/Chance(1) consumed a draw")
	}
}

func BenchmarkUint64n(b *testing.B) {
	b.ReportAllocs()
	s := New(1, "bench")
	var x uint64
	for i := 0; i < b.N; i++ {
		x += s.Uint64n(1000)
	}
	_ = x
}

func TestWithEntropyServesDataThenFallsBack(t *testing.T) {
	data := []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0}
	s := New(5, "e").WithEntropy(data)
	plain := New(5, "e")
	if got := s.Uint64(); got != 1 {
		t.Fatalf("first draw %d, want 1", got)
	}
	if got := s.Uint64(); got != 2 {
		t.Fatalf("short tail draw %d, want 2", got)
	}
	if got, want := s.Uint64(), plain.Uint64(); got != want {
		t.Fatalf("after the data: %d, want the generator's %d", got, want)
	}
	data[0] = 9 // the stream keeps its own copy
	if New(5, "e").WithEntropy([]byte{1, 0, 0, 0, 0, 0, 0, 0}).Uint64() != 1 {
		t.Fatal("entropy not served")
	}
}
