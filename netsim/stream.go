package netsim

import (
	"slices"

	"github.com/faultline-dst/faultline/clock"
)

// StreamMaxAttempts is how many transmissions a stream message gets: each
// lost attempt costs one more latency sample of delay, and when every
// attempt is lost the stream breaks (Fate.Broken).
const StreamMaxAttempts = 8

// sendStream delivers in order: the delivery instant is never before the
// previous one on this link in this epoch, so a clog or a slow sample
// holds back everything behind it, as on a TCP connection.
func (n *Network) sendStream(now clock.Time, from, to Node, l *link) Fate {
	var d int64
	for attempt := 1; ; attempt++ {
		f := n.draw(l, Loss, l.cfg.Loss)
		if f == nil {
			break
		}
		if attempt == StreamMaxAttempts {
			f.c.Dropped++
			ep := l.epoch
			n.breakPair(from, to, CauseStreamBroken, f)
			return Fate{Epoch: ep, Dropped: true, Cause: CauseStreamBroken, Fault: f.id, Broken: true}
		}
		f.c.Delayed++
		d += l.cfg.Latency.sample(n.r)
	}
	d += l.cfg.Latency.sample(n.r) + n.clog(l)
	at := deliverAt(now, d)
	if at < l.lastAt {
		at = l.lastAt
	}
	l.lastAt = at
	return Fate{Count: 1, At: [2]clock.Time{at}, Epoch: l.epoch}
}

// bump ends l's current epoch, recording why: messages in flight with the
// old epoch are dropped on arrival and charged to f.
func (l *link) bump(cause string, f *fault) {
	l.breaks = append(l.breaks, brk{cause: cause, f: f})
	l.epoch++
	l.lastAt = 0
}

// breakPair bumps the stream links between a and b (both directions) and
// returns the stream links among them, from -> to order first.
func (n *Network) breakPair(a, b Node, cause string, f *fault) []Link {
	var out []Link
	for _, k := range [2]Link{{a, b}, {b, a}} {
		l := n.link(k.From, k.To)
		if l.cfg.Mode == Stream {
			l.bump(cause, f)
			out = append(out, k)
		}
		if a == b {
			break
		}
	}
	return out
}

// streamAlive reports whether a stream between a and b could carry
// messages now: both ends up and neither direction cut.
func (n *Network) streamAlive(a, b Node) bool {
	return !n.down[a] && !n.down[b] && len(n.link(a, b).cuts) == 0 && len(n.link(b, a).cuts) == 0
}

// CrashNode marks x down and ends the epochs of every link into x and of
// every stream link out of x, so nothing in flight to x, and no stream
// message from x, is delivered (Arrive is false, charged to CrashID).
// Datagrams already sent by x stay in flight. Until RestartNode(x), sends
// to and from x are dropped (CauseNodeDown). It returns the stream links
// (both directions, sorted) whose live stream broke: tell the surviving
// ends. Crashing a down node or an unknown index does nothing.
func (n *Network) CrashNode(x Node) (broken []Link) {
	if !n.valid(x) || n.down[x] {
		return nil
	}
	for y := Node(0); int(y) < n.n; y++ {
		alive := y != x && n.streamAlive(x, y)
		in, out := n.link(y, x), n.link(x, y)
		in.bump(CauseNodeDown, n.crash)
		if y != x && out.cfg.Mode == Stream {
			out.bump(CauseNodeDown, n.crash)
		}
		if alive {
			if out.cfg.Mode == Stream {
				broken = append(broken, Link{x, y})
			}
			if in.cfg.Mode == Stream {
				broken = append(broken, Link{y, x})
			}
		}
	}
	n.down[x] = true
	slices.SortFunc(broken, cmpLink)
	return broken
}

// RestartNode marks x up again; streams to and from x start in fresh
// epochs. Restarting an up node or an unknown index does nothing.
func (n *Network) RestartNode(x Node) {
	if !n.valid(x) || !n.down[x] {
		return
	}
	n.down[x] = false
	for y := Node(0); int(y) < n.n; y++ {
		if n.streamAlive(x, y) {
			n.breakPair(x, y, CauseNodeDown, n.crash)
		}
	}
}

// Down reports whether x is crashed (between CrashNode and RestartNode).
func (n *Network) Down(x Node) bool { return n.valid(x) && n.down[x] }

func cmpLink(a, b Link) int {
	if a.From != b.From {
		return int(a.From - b.From)
	}
	return int(a.To - b.To)
}
