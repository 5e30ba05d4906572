package netsim

import (
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/rng"
)

// Partition shapes. Each returns the directed links to cut, sorted and
// distinct, ready for Install(id, Fault{Kind: Cut, Links: ...}). nodes is
// the node count; randomness comes only from r. A shape that cannot be
// formed (too few nodes, nodes > MaxNodes, nil r) returns nil, which
// Install rejects as "no links".

// Isolate cuts x off from every other node, both ways.
func Isolate(nodes int, x Node) []Link {
	if nodes < 2 || nodes > MaxNodes || x < 0 || int(x) >= nodes {
		return nil
	}
	return LinksBetween([]Node{x}, allBut(nodes, x))
}

// RandomHalves splits the nodes at random into halves of sizes
// floor(nodes/2) and ceil(nodes/2) and cuts between them, both ways.
func RandomHalves(nodes int, r *rng.Stream) []Link {
	p := perm(nodes, r, 2)
	if p == nil {
		return nil
	}
	return LinksBetween(p[:nodes/2], p[nodes/2:])
}

// MajorityMinority splits the nodes at random into a majority of
// nodes/2+1 and the minority of the rest, and cuts between them, both ways.
func MajorityMinority(nodes int, r *rng.Stream) []Link {
	p := perm(nodes, r, 2)
	if p == nil {
		return nil
	}
	m := nodes/2 + 1
	return LinksBetween(p[:m], p[m:])
}

// MajoritiesRing arranges the nodes in a random ring; each node hears only
// from the majority (nodes/2+1 nodes, itself included) in the window of the
// ring centred on it, so every node sees a majority and no two see the
// same one (Jepsen's majorities-ring). When the majority size is odd
// (nodes = 4, 5, 8, 9, ...) windows are symmetric and so are the cuts;
// otherwise a window has one more node ahead than behind, and some cuts
// are one-way. Needs at least 3 nodes.
func MajoritiesRing(nodes int, r *rng.Stream) []Link {
	p := perm(nodes, r, 3)
	if p == nil {
		return nil
	}
	m := nodes/2 + 1
	var out []Link
	for i := range nodes {
		self := p[(i+m/2)%nodes]
		// The window is p[i .. i+m-1]; the others are p[i+m .. i+nodes-1].
		for j := m; j < nodes; j++ {
			out = append(out, Link{From: p[(i+j)%nodes], To: self})
		}
	}
	slices.SortFunc(out, cmpLink)
	return out
}

// Bridge splits the nodes at random into two sides of sizes floor(nodes/2)
// and ceil(nodes/2)-1 and one bridge node that still talks to both; the
// sides are cut from each other, both ways. Needs at least 3 nodes.
func Bridge(nodes int, r *rng.Stream) []Link {
	p := perm(nodes, r, 3)
	if p == nil {
		return nil
	}
	h := nodes / 2
	return LinksBetween(p[:h], p[h+1:])
}

// OneWay cuts every link from a node in from to a node in to, and nothing
// in the other direction (an asymmetric partition).
func OneWay(from, to []Node) []Link {
	var out []Link
	for _, a := range from {
		for _, b := range to {
			if a != b {
				out = append(out, Link{a, b})
			}
		}
	}
	slices.SortFunc(out, cmpLink)
	return slices.Compact(out)
}

// LinksBetween cuts every link between a node of a and a node of b, both
// ways (a symmetric partition of a from b).
func LinksBetween(a, b []Node) []Link {
	out := append(OneWay(a, b), OneWay(b, a)...)
	slices.SortFunc(out, cmpLink)
	return slices.Compact(out)
}

// Components describes what a cut leaves of nodes 0..nodes-1: parts are
// the classes of nodes that talk both ways and are cut from exactly the
// same nodes in each direction, ordered by their smallest member. clean
// reports a plain partition: every pair across parts is cut both ways.
// Links outside the node range are ignored.
func Components(nodes int, cut []Link) (parts [][]Node, clean bool) {
	if nodes < 1 || nodes > MaxNodes {
		return nil, true
	}
	c := make([]bool, nodes*nodes)
	for _, k := range cut {
		if k.From >= 0 && int(k.From) < nodes && k.To >= 0 && int(k.To) < nodes && k.From != k.To {
			c[int(k.From)*nodes+int(k.To)] = true
		}
	}
	cutAB := func(a, b Node) bool { return c[int(a)*nodes+int(b)] }
	same := func(x, y Node) bool {
		if cutAB(x, y) || cutAB(y, x) {
			return false
		}
		for z := Node(0); int(z) < nodes; z++ {
			if z != x && z != y && (cutAB(x, z) != cutAB(y, z) || cutAB(z, x) != cutAB(z, y)) {
				return false
			}
		}
		return true
	}
	for x := Node(0); int(x) < nodes; x++ {
		i := slices.IndexFunc(parts, func(p []Node) bool { return same(p[0], x) })
		if i < 0 {
			parts = append(parts, []Node{x})
		} else {
			parts[i] = append(parts[i], x)
		}
	}
	clean = true
	for i, p := range parts {
		for _, q := range parts[i+1:] {
			if !cutAB(p[0], q[0]) || !cutAB(q[0], p[0]) {
				clean = false
			}
		}
	}
	return parts, clean
}

// Describe renders a cut for the trace with node names: the parts of
// Components as its sides, "{a,b} | {c,d,e}" (as reports and pages show
// them, nemesis.Sides), and, unless the cut is a clean partition, the
// cut links after them: "{a} | {b} | {c} cut a->c,c->a".
// The form is canonical: equal cuts give equal strings.
func (n *Network) Describe(cut []Link) string {
	parts, clean := Components(n.n, cut)
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteByte('{')
		for j, x := range p {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(n.names[x])
		}
		b.WriteByte('}')
	}
	if !clean {
		links := slices.Clone(cut)
		slices.SortFunc(links, cmpLink)
		b.WriteString(" cut ")
		sep := ""
		for _, k := range slices.Compact(links) {
			if n.valid(k.From) && n.valid(k.To) && k.From != k.To {
				b.WriteString(sep + n.names[k.From] + "->" + n.names[k.To])
				sep = ","
			}
		}
	}
	return b.String()
}

// perm returns a random order of the nodes, or nil if there are fewer
// than least nodes, too many, or no stream.
func perm(nodes int, r *rng.Stream, least int) []Node {
	if nodes < least || nodes > MaxNodes || r == nil {
		return nil
	}
	p := make([]Node, nodes)
	for i, v := range r.Perm(nodes) {
		p[i] = Node(v)
	}
	return p
}

func allBut(nodes int, x Node) []Node {
	out := make([]Node, 0, nodes-1)
	for y := Node(0); int(y) < nodes; y++ {
		if y != x {
			out = append(out, y)
		}
	}
	return out
}
