package netsim

import (
	"time"

	"github.com/faultline-dst/faultline/clock"
)

// TrafficBucket is the width of the time buckets in which every link
// counts its traffic (see Traffic).
const TrafficBucket = 250 * time.Millisecond

// traffic is one link's recent send count: the messages sent in bucket
// (TrafficBucket wide) and in the bucket before it.
type traffic struct {
	bucket    int64
	cur, prev int64
}

// count records one send at now.
func (t *traffic) count(now clock.Time) {
	b := int64(now) / int64(TrafficBucket)
	switch {
	case b == t.bucket:
	case b == t.bucket+1:
		t.prev, t.cur = t.cur, 0
	default:
		t.prev, t.cur = 0, 0
	}
	t.bucket = b
	t.cur++
}

// Traffic returns how many messages were sent from -> to, while both ends
// were up, from the start of the traffic bucket before now's to now, and
// that span (between one and two TrafficBuckets): the link's recent
// traffic, which a nemesis aims by (a fault on links that carry nothing
// acts on nothing). Messages refused by a partition count: they were
// sent. It draws no randomness and changes nothing.
func (n *Network) Traffic(now clock.Time, from, to Node) (msgs int64, span time.Duration) {
	b := int64(now) / int64(TrafficBucket)
	span = time.Duration(now) - time.Duration(b-1)*TrafficBucket
	if !n.valid(from) || !n.valid(to) {
		return 0, span
	}
	t := &n.link(from, to).traffic
	switch t.bucket {
	case b:
		return t.cur + t.prev, span
	case b - 1:
		return t.cur, span
	}
	return 0, span
}
