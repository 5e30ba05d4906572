package nemesis

import (
	"slices"
	"strings"
	"time"
)

// aimActs is how many messages a role-aimed network fault should expect
// to act on over the rest of its window, judged from its links' recent
// traffic, for a placement to count as one where it acts. With draws
// independent per message, a fault that expects k messages touches none
// with probability about e^-k: 8 leaves about 0.03%, when the recent
// traffic is a fair guess at the traffic to come.
const aimActs = 8

// acts estimates how many messages fault f, placed on links now, will act
// on before its end: the messages its links carried recently
// (netsim.Network.Traffic), at the same rate over the rest of its window,
// times its probability for a fault that acts on a share of them. A link
// with a down end carries nothing; for a fault other than a partition, a
// link another partition cuts carries nothing either (the cut drops the
// message before it could be delayed, duplicated or lost).
func (n *Nemesis) acts(f *Fault, links []Link) float64 {
	net, now := n.w.Network(), n.w.Now()
	var msgs int64
	var span time.Duration
	for _, l := range links {
		from, ok1 := net.Lookup(l.From)
		to, ok2 := net.Lookup(l.To)
		if !ok1 || !ok2 || net.Down(from) || net.Down(to) {
			continue
		}
		if f.Kind != Partition && !net.Reachable(from, to) {
			continue
		}
		m, s := net.Traffic(now, from, to)
		msgs, span = msgs+m, s
	}
	if msgs == 0 || span <= 0 {
		return 0
	}
	left := f.End.Sub(now)
	if left <= 0 {
		return 0
	}
	p := 1.0
	switch f.Kind {
	case Loss, Duplicate, Reorder:
		p = f.P
	}
	// Products and one quotient only: the same bits on every platform.
	return float64(msgs) * p * (float64(left) / float64(span))
}

// placement returns the links fault i (a network fault) takes when aimed
// at node, and the messages it may expect to act on there (acts). A
// partition of an aimed shape is placed around node; a partition of
// another shape keeps its layout and node takes the place of one of the
// nodes with the most cut links leaving them (moveInto), the one whose
// cut links carry the most traffic when the Pick-th does not carry
// enough; another network fault takes node's links.
func (n *Nemesis) placement(i int, node string) ([]Link, float64) {
	f, targets := &n.sched[i], n.opts.Budget.Targets
	var links []Link
	switch {
	case f.Kind == Partition && f.Shape.aimed():
		links = aimLinks(n.w.Names(), targets, f.Shape, node, f.Pick)
	case f.Kind == Partition:
		var best float64
		for j, l := range layouts(f.Links, targets, node, f.Pick) {
			a := n.acts(f, l)
			if j == 0 || a > best {
				links, best = l, a
			}
			if a >= aimActs {
				return l, a
			}
		}
		return links, best
	default:
		links = namedLinks(targets, []string{node}, []string{node})
	}
	return links, n.acts(f, links)
}

// maxPermuted bounds the targets whose every relabeling layouts tries
// (6! = 720); with more, it tries node in each place only.
const maxPermuted = 6

// layouts returns the placements of node in a partition's layout, in the
// order to try them: moveInto's choice first; then node in the place of
// each node with a cut link leaving it, the most cut links first (name
// order among ties); then, when the layout and the targets name at most
// maxPermuted nodes, every relabeling of them that leaves node a cut link
// (in
// lexicographic order of the permutation): the layout's shape kept, its
// cut links moved to where traffic flows (say, away from a node that is
// down).
func layouts(links []Link, targets []string, node string, pick int) [][]Link {
	out := [][]Link{moveInto(links, node, pick)}
	add := func(l []Link) {
		if !slices.ContainsFunc(out, func(o []Link) bool { return slices.Equal(o, l) }) {
			out = append(out, l)
		}
	}
	count := map[string]int{}
	var names, all []string
	for _, l := range links {
		if count[l.From] == 0 {
			names = append(names, l.From)
		}
		count[l.From]++
		all = append(all, l.From, l.To)
	}
	slices.SortStableFunc(names, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return strings.Compare(a, b)
	})
	for _, p := range names {
		add(swapNames(links, node, p))
	}
	all = append(all, targets...)
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) > maxPermuted || !slices.Contains(all, node) {
		return out
	}
	perm := slices.Clone(all)
	var walk func(k int)
	walk = func(k int) {
		if k == len(perm) {
			m := map[string]string{}
			for i, x := range all {
				m[x] = perm[i]
			}
			l := make([]Link, len(links))
			for i, x := range links {
				l[i] = Link{m[x.From], m[x.To]}
			}
			slices.SortFunc(l, cmpLinks)
			if slices.ContainsFunc(l, func(x Link) bool { return x.From == node }) {
				add(l)
			}
			return
		}
		for i := k; i < len(perm); i++ {
			perm[k], perm[i] = perm[i], perm[k]
			walk(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	walk(0)
	return out
}

// swapNames returns links with the names a and b exchanged, sorted.
func swapNames(links []Link, a, b string) []Link {
	swap := func(x string) string {
		switch x {
		case a:
			return b
		case b:
			return a
		}
		return x
	}
	out := make([]Link, len(links))
	for i, l := range links {
		out[i] = Link{swap(l.From), swap(l.To)}
	}
	slices.SortFunc(out, cmpLinks)
	return out
}

// choose picks, for role-aimed network fault i, the candidate to aim at
// and its links. For a declared role (holders, the latest claimant first)
// it is the first holder whose placement acts on enough messages
// (aimActs), else the one acting on the most; for "not-<role>", "any" or
// a fallback, the Pick-th of those that act on enough, else the one
// acting on the most. ok is false when no candidate's links carried any
// traffic and waiting is still worth it (wait): the holder of a role that
// just restarted, or whose links another partition cuts, would drop,
// delay or duplicate nothing.
func (n *Nemesis) choose(i int, cands []string, byPick, wait bool) (node string, links []Link, acts float64, ok bool) {
	f := &n.sched[i]
	var enough []int
	best, bestActs := -1, 0.0
	all := make([][]Link, len(cands))
	for j, c := range cands {
		l, a := n.placement(i, c)
		all[j] = l
		if a >= aimActs {
			enough = append(enough, j)
		}
		if best < 0 || a > bestActs {
			best, bestActs = j, a
		}
	}
	switch {
	case len(enough) > 0 && byPick:
		j := enough[f.Pick%len(enough)]
		return cands[j], all[j], aimActs, true
	case len(enough) > 0:
		return cands[enough[0]], all[enough[0]], aimActs, true
	case best < 0 || (bestActs == 0 && wait):
		return "", nil, 0, false
	case bestActs == 0 && byPick:
		// Nothing to tell them apart: the blind pick.
		best = f.Pick % len(cands)
	}
	return cands[best], all[best], bestActs, true
}
