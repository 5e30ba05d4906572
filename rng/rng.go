// Package rng provides the named, seed-split random streams every part of a
// simulation draws from.
//
// A run has one seed. Each component (a node, the network, the nemesis, a
// client) asks for its own stream by name; a stream's sequence depends only on
// the seed and the name, so adding a draw in one component never shifts the
// draws of another. The generator is math/rand/v2's PCG, and every draw
// helper here is implemented in this package (not delegated to rand.Rand) so
// that golden tests pin the exact values: a change to a helper is a visible
// change to every trace.
package rng

import (
	"math/bits"
	"math/rand/v2"
)

// Stream is a deterministic random stream. It is not safe for concurrent
// use; a simulation is single-threaded.
type Stream struct {
	pcg     rand.PCG
	seed    uint64 // the derived seed, kept so Split is independent of draws
	entropy []byte // served before the generator (WithEntropy)
}

// New returns the stream called name of the run seeded with seed.
func New(seed uint64, name string) *Stream {
	return fromSeed(derive(seed, name))
}

func fromSeed(s uint64) *Stream {
	st := &Stream{seed: s}
	st.pcg.Seed(s, splitmix(s^0x9e3779b97f4a7c15))
	return st
}

// Split returns the child stream called name. The child depends only on the
// parent's seed and the name, never on how many draws the parent has made.
func (s *Stream) Split(name string) *Stream {
	return fromSeed(derive(s.seed, name))
}

// Seed returns the derived 64-bit seed of the stream (for reports).
func (s *Stream) Seed() uint64 { return s.seed }

// derive mixes a seed and a name with FNV-1a and splitmix64. It is a pinned
// function: changing it changes every run.
func derive(seed uint64, name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return splitmix(seed ^ splitmix(h))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// WithEntropy makes s serve its next draws from data, eight bytes (little
// endian) per 64-bit draw, and fall back to its generator when data runs
// out. A fuzzer's input becomes the choices a stream makes, so coverage
// can guide the search; the same data always gives the same draws.
func (s *Stream) WithEntropy(data []byte) *Stream {
	s.entropy = append([]byte(nil), data...)
	return s
}

// Uint64 returns a uniformly distributed 64-bit value.
func (s *Stream) Uint64() uint64 {
	if len(s.entropy) > 0 {
		var b [8]byte
		n := copy(b[:], s.entropy)
		s.entropy = s.entropy[n:]
		return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	}
	return s.pcg.Uint64()
}

// Uint64n returns a uniform value in [0, n). It panics if n == 0.
// Lemire's multiply-shift with rejection: unbiased and pinned here.
func (s *Stream) Uint64n(n uint64) uint64 {
	if n == 0 {
		panic("rng: Uint64n(0)")
	}
	hi, lo := bits.Mul64(s.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(s.Uint64(), n)
		}
	}
	return hi
}

// Intn returns a uniform value in [0, n). It panics if n <= 0.
func (s *Stream) Intn(n int) int {
	if n <= 0 {
		panic("rng: Intn of non-positive n")
	}
	return int(s.Uint64n(uint64(n)))
}

// Int64Range returns a uniform value in [lo, hi]. It panics if hi < lo.
func (s *Stream) Int64Range(lo, hi int64) int64 {
	if hi < lo {
		panic("rng: Int64Range with hi < lo")
	}
	span := uint64(hi - lo)
	if span == ^uint64(0) {
		return int64(s.Uint64())
	}
	return lo + int64(s.Uint64n(span+1))
}

// Float64 returns a uniform value in [0, 1) with 53 bits of precision.
func (s *Stream) Float64() float64 {
	return float64(s.Uint64()>>11) / (1 << 53)
}

// Chance reports true with probability p. p <= 0 never draws and is false;
// p >= 1 never draws and is true, so a disabled fault costs no draw.
func (s *Stream) Chance(p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return s.Float64() < p
}

// Shuffle permutes n elements with Fisher–Yates, calling swap(i, j).
func (s *Stream) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		j := s.Intn(i + 1)
		swap(i, j)
	}
}

// Perm returns a random permutation of [0, n).
func (s *Stream) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	s.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Read fills p with random bytes; it never fails. It lets a stream stand in
// for crypto/rand.Reader inside a simulation.
func (s *Stream) Read(p []byte) (int, error) {
	for i := 0; i < len(p); i += 8 {
		v := s.Uint64()
		for j := 0; j < 8 && i+j < len(p); j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	return len(p), nil
}

// LomaxExcess returns min(s*(2^32-u)/u, limit) for u in [1, 2^32]: with u
// uniform this is s*(1/U - 1), the inverse CDF of Lomax(shape 1, scale s),
// the excess over its minimum of a long-tailed latency whose median is the
// minimum plus s. netsim's links and disk's latencies both draw it, so a
// link and a disk given the same MIN MEDIAN MAX draw alike. It saturates at
// limit when the quotient needs more than 64 bits.
func LomaxExcess(s, limit, u uint64) int64 {
	hi, lo := bits.Mul64(s, 1<<32-u)
	if hi >= u { // the quotient needs more than 64 bits
		return int64(limit)
	}
	q, _ := bits.Div64(hi, lo, u)
	if q > limit {
		q = limit
	}
	return int64(q)
}
