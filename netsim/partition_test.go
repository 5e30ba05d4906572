package netsim

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

type shape struct {
	name string
	make func(n int, r *rng.Stream) []Link
}

func randomNodes(n int, r *rng.Stream) []Node {
	var out []Node
	for x := range n {
		if r.Chance(0.5) {
			out = append(out, Node(x))
		}
	}
	if len(out) == 0 {
		out = append(out, Node(r.Intn(n)))
	}
	return out
}

func shapes() []shape {
	return []shape{
		{"isolate", func(n int, r *rng.Stream) []Link { return Isolate(n, Node(r.Intn(n))) }},
		{"random-halves", RandomHalves},
		{"majority-minority", MajorityMinority},
		{"majorities-ring", MajoritiesRing},
		{"bridge", Bridge},
		{"one-way", func(n int, r *rng.Stream) []Link { return OneWay(randomNodes(n, r), randomNodes(n, r)) }},
		{"links-between", func(n int, r *rng.Stream) []Link { return LinksBetween(randomNodes(n, r), randomNodes(n, r)) }},
		{"arbitrary", func(n int, r *rng.Stream) []Link {
			var out []Link
			for range 1 + r.Intn(n*n) {
				a, b := Node(r.Intn(n)), Node(r.Intn(n))
				if a != b {
					out = append(out, Link{a, b})
				}
			}
			return out
		}},
	}
}

// TestNothingCrossesACut installs every shape over many seeds, node counts
// and both modes, and checks: a send on a cut link is dropped and charged
// to the cut; everything else is delivered; messages in flight on cut
// links are refused on arrival; streams break in both directions and are
// reported; the counters match; after the heal everything flows again.
func TestNothingCrossesACut(t *testing.T) {
	lat := Latency{Kind: Uniform, Min: time.Millisecond, Max: 10 * time.Millisecond}
	for seed := uint64(1); seed <= 60; seed++ {
		for _, sh := range shapes() {
			for _, mode := range []Mode{Datagram, Stream} {
				r := rng.New(seed, "shape")
				n := 3 + r.Intn(7)
				cut := sh.make(n, r)
				if len(cut) == 0 {
					continue
				}
				name := fmt.Sprintf("seed=%d/%s/n=%d/%s", seed, sh.name, n, mode)
				checkCut(t, name, n, mode, lat, seed, cut)
			}
		}
	}
}

func checkCut(t *testing.T, name string, n int, mode Mode, lat Latency, seed uint64, cut []Link) {
	t.Helper()
	net := mustNew(t, n, Config{Default: LinkConfig{Latency: lat, Mode: mode}}, seed)
	isCut := map[Link]bool{}
	for _, k := range cut {
		isCut[k] = true
	}
	silenced := func(k Link) bool {
		return isCut[k] || (mode == Stream && isCut[Link{k.To, k.From}])
	}
	// Messages in flight when the cut is installed.
	type msg struct {
		k    Link
		fate Fate
	}
	var inflight []msg
	for a := range n {
		for b := range n {
			if a != b {
				k := Link{Node(a), Node(b)}
				inflight = append(inflight, msg{k, net.Send(0, k.From, k.To)})
			}
		}
	}
	broken := mustInstall(t, net, "p1", Fault{Kind: Cut, Links: cut})

	var wantBroken []Link
	if mode == Stream {
		for a := range n {
			for b := range n {
				if k := (Link{Node(a), Node(b)}); a != b && silenced(k) {
					wantBroken = append(wantBroken, k)
				}
			}
		}
	}
	if !slices.Equal(broken, wantBroken) {
		t.Errorf("%s: broken streams %v, want %v", name, broken, wantBroken)
	}
	var drops uint64
	now := clock.Time(time.Millisecond)
	for _, m := range inflight {
		ok := net.Arrive(m.fate.At[0], m.k.From, m.k.To, m.fate.Epoch)
		if ok == silenced(m.k) {
			t.Errorf("%s: in-flight %v on a link cut=%v: Arrive = %v", name, m.k, silenced(m.k), ok)
		}
		if !ok {
			drops++
		}
	}
	for a := range n {
		for b := range n {
			k := Link{Node(a), Node(b)}
			if a == b {
				continue
			}
			f := net.Send(now, k.From, k.To)
			if silenced(k) {
				if !f.Dropped || f.Cause != CausePartition || f.Fault != "p1" || f.Count != 0 {
					t.Errorf("%s: send on cut link %v crossed: %+v", name, k, f)
				}
				if net.Reachable(k.From, k.To) {
					t.Errorf("%s: Reachable(%v) on a cut link", name, k)
				}
				drops++
			} else {
				if f.Dropped || !net.Reachable(k.From, k.To) {
					t.Errorf("%s: uncut link %v dropped (%+v)", name, k, f)
				}
				if !net.Arrive(f.At[0], k.From, k.To, f.Epoch) {
					t.Errorf("%s: uncut link %v refused on arrival", name, k)
				}
			}
		}
	}
	if got := net.Counters("p1").Dropped; got != drops {
		t.Errorf("%s: p1.Dropped = %d, observed %d drops", name, got, drops)
	}
	if got := net.CutLinks(); !slices.Equal(got, normalize(cut)) {
		t.Errorf("%s: CutLinks = %v, want %v", name, got, normalize(cut))
	}
	if err := net.Remove("p1"); err != nil {
		t.Fatal(err)
	}
	for _, m := range inflight {
		if silenced(m.k) && net.Arrive(m.fate.At[0], m.k.From, m.k.To, m.fate.Epoch) {
			t.Errorf("%s: a message in flight across the cut was delivered after the heal", name)
		}
	}
	for a := range n {
		for b := range n {
			if a != b {
				if f := net.Send(now, Node(a), Node(b)); f.Dropped || !net.Arrive(f.At[0], Node(a), Node(b), f.Epoch) {
					t.Errorf("%s: %d->%d still cut after heal: %+v", name, a, b, f)
				}
			}
		}
	}
}

func normalize(links []Link) []Link {
	out := slices.Clone(links)
	slices.SortFunc(out, cmpLink)
	return slices.Compact(out)
}

// hears returns, for each node, the set of nodes it receives from
// (itself included) under cut.
func hears(n int, cut []Link) [][]Node {
	isCut := map[Link]bool{}
	for _, k := range cut {
		isCut[k] = true
	}
	out := make([][]Node, n)
	for x := range n {
		for y := range n {
			if !isCut[Link{Node(y), Node(x)}] {
				out[x] = append(out[x], Node(y))
			}
		}
	}
	return out
}

func TestMajoritiesRing(t *testing.T) {
	for n := 3; n <= 9; n++ {
		for seed := uint64(1); seed <= 50; seed++ {
			cut := MajoritiesRing(n, rng.New(seed, "ring"))
			h := hears(n, cut)
			seen := map[string]Node{}
			for x := range n {
				if len(h[x]) != n/2+1 {
					t.Errorf("n=%d seed=%d: node %d hears %v, not a majority of exactly %d", n, seed, x, h[x], n/2+1)
				}
				key := fmt.Sprint(h[x])
				if y, dup := seen[key]; dup {
					t.Errorf("n=%d seed=%d: nodes %d and %d hear the same majority %v", n, seed, y, x, h[x])
				}
				seen[key] = Node(x)
			}
			if (n/2+1)%2 == 1 {
				for _, k := range cut {
					if !slices.Contains(cut, Link{k.To, k.From}) {
						t.Errorf("n=%d: ring with odd majorities has a one-way cut %v", n, k)
					}
				}
			}
		}
	}
	// The n=5 case through the network: each node reaches a majority.
	net := mustNew(t, 5, Config{}, 1)
	mustInstall(t, net, "ring", Fault{Kind: Cut, Links: MajoritiesRing(5, rng.New(7, "ring"))})
	for x := Node(0); x < 5; x++ {
		reach := 0
		for y := Node(0); y < 5; y++ {
			if net.Reachable(y, x) {
				reach++
			}
		}
		if reach != 3 {
			t.Errorf("node %d is reachable from %d nodes, want 3", x, reach)
		}
	}
}

func TestBridge(t *testing.T) {
	for n := 3; n <= 9; n++ {
		for seed := uint64(1); seed <= 50; seed++ {
			net := mustNew(t, n, Config{}, seed)
			mustInstall(t, net, "b", Fault{Kind: Cut, Links: Bridge(n, rng.New(seed, "bridge"))})
			var bridges []Node
			for x := Node(0); int(x) < n; x++ {
				all := true
				for y := Node(0); int(y) < n; y++ {
					all = all && net.Reachable(x, y) && net.Reachable(y, x)
				}
				if all {
					bridges = append(bridges, x)
				}
			}
			if len(bridges) != 1 {
				t.Fatalf("n=%d seed=%d: nodes reaching everyone both ways: %v, want exactly one", n, seed, bridges)
			}
			parts, clean := Components(n, net.CutLinks())
			if clean || len(parts) != 3 {
				t.Fatalf("n=%d seed=%d: bridge components %v clean=%v, want 3 parts, not clean", n, seed, parts, clean)
			}
			// The two sides: non-empty, cut from each other both ways,
			// whole inside; the bridge alone in its part.
			var sides [][]Node
			for _, p := range parts {
				if !slices.Contains(p, bridges[0]) {
					sides = append(sides, p)
				} else if len(p) != 1 {
					t.Errorf("bridge shares its part: %v", p)
				}
			}
			for _, a := range sides[0] {
				for _, b := range sides[1] {
					if net.Reachable(a, b) || net.Reachable(b, a) {
						t.Errorf("n=%d seed=%d: sides %v and %v connected", n, seed, sides[0], sides[1])
					}
				}
				for _, a2 := range sides[0] {
					if !net.Reachable(a, a2) {
						t.Errorf("side %v split", sides[0])
					}
				}
			}
			if d := len(sides[0]) - len(sides[1]); d < -1 || d > 1 {
				t.Errorf("n=%d: unbalanced sides %v %v", n, sides[0], sides[1])
			}
		}
	}
}

func TestSplitShapesSizes(t *testing.T) {
	for n := 3; n <= 9; n++ {
		r := rng.New(uint64(n), "sizes")
		for _, tc := range []struct {
			name  string
			cut   []Link
			sizes []int
		}{
			{"halves", RandomHalves(n, r), []int{n / 2, n - n/2}},
			{"majority", MajorityMinority(n, r), []int{n - (n/2 + 1), n/2 + 1}},
			{"isolate", Isolate(n, Node(n-1)), []int{1, n - 1}},
		} {
			parts, clean := Components(n, tc.cut)
			var sizes []int
			for _, p := range parts {
				sizes = append(sizes, len(p))
			}
			slices.Sort(sizes)
			if !clean || !slices.Equal(sizes, tc.sizes) {
				t.Errorf("n=%d %s: parts %v clean=%v, want sizes %v", n, tc.name, parts, clean, tc.sizes)
			}
		}
	}
}

func TestShapesDegenerate(t *testing.T) {
	r := rng.New(1, "x")
	for _, cut := range [][]Link{
		Isolate(1, 0), Isolate(5, 5), Isolate(5, -1), Isolate(-3, 0), RandomHalves(1, r), RandomHalves(-1, r),
		MajorityMinority(0, r), MajoritiesRing(2, r), Bridge(2, r), Bridge(MaxNodes+1, r), RandomHalves(4, nil),
		OneWay(nil, []Node{1}), LinksBetween([]Node{1}, []Node{1}),
	} {
		if cut != nil {
			t.Errorf("degenerate shape gave %v, want nil", cut)
		}
	}
	net := mustNew(t, 3, Config{}, 1)
	if _, err := net.Install("p", Fault{Kind: Cut, Links: Isolate(3, 9)}); err == nil {
		t.Error("Install accepted an empty cut")
	}
}

func TestDescribe(t *testing.T) {
	net, err := New([]string{"a", "b", "c", "d", "e"}, Config{}, rng.New(1, "net"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cut  []Link
		want string
	}{
		{nil, "{a,b,c,d,e}"},
		{LinksBetween([]Node{3, 0}, []Node{1, 2, 4}), "{a,d} | {b,c,e}"},
		{Isolate(5, 2), "{a,b,d,e} | {c}"},
		{LinksBetween([]Node{0}, []Node{1}), "{a} | {b} | {c,d,e} cut a->b,b->a"},
		{OneWay([]Node{0}, []Node{1, 2, 3, 4}), "{a} | {b,c,d,e} cut a->b,a->c,a->d,a->e"},
	} {
		if got := net.Describe(tc.cut); got != tc.want {
			t.Errorf("Describe(%v) = %q, want %q", tc.cut, got, tc.want)
		}
		// Canonical: order and duplicates of the input do not matter.
		rev := append(slices.Clone(tc.cut), tc.cut...)
		slices.Reverse(rev)
		if got := net.Describe(rev); got != tc.want {
			t.Errorf("Describe is not canonical: %q vs %q", got, tc.want)
		}
	}
}
