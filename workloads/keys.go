package workloads

import (
	"sort"
	"strconv"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/rng"
)

// KeyNames returns the names of the n objects a workload of model m
// addresses: "acct0", "acct1", ... for a ledger's accounts, "k0", "k1",
// ... otherwise.
func KeyNames(m history.Model, n int) []string {
	prefix := "k"
	if m == history.Ledger {
		prefix = "acct"
	}
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

// zipfScale is the weight of the hottest key under KeysZipf; key i weighs
// zipfScale/(i+1), so every key of up to MaxKeys has a positive weight.
const zipfScale = 1 << 20

// keyPicker draws key indices from a distribution with one draw per pick.
type keyPicker struct {
	n   int
	cum []uint64 // zipf: cumulative weights; nil for uniform
}

func newKeyPicker(d KeyDist, n int) keyPicker {
	p := keyPicker{n: n}
	if d == KeysZipf {
		var sum uint64
		for i := 0; i < n; i++ {
			sum += zipfScale / uint64(i+1)
			p.cum = append(p.cum, sum)
		}
	}
	return p
}

// pick returns a key index in [0, n).
func (p keyPicker) pick(r *rng.Stream) int {
	if p.cum == nil {
		return r.Intn(p.n)
	}
	x := r.Uint64n(p.cum[len(p.cum)-1])
	return sort.Search(len(p.cum), func(i int) bool { return p.cum[i] > x })
}
