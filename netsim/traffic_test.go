package netsim

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

// TestTraffic: a link counts the messages sent on it over the current and
// the previous traffic bucket, the ones refused by a partition too, never
// the ones to or from a down node, and forgets older ones.
func TestTraffic(t *testing.T) {
	ms := func(n int) clock.Time { return clock.Time(time.Duration(n) * time.Millisecond) }
	b := int(TrafficBucket / time.Millisecond)
	tests := []struct {
		name  string
		sends []int // instants, ms
		cut   bool  // a partition on the link
		down  bool  // the receiver is down
		at    int
		want  int64
	}{
		{"none", nil, false, false, 3 * b, 0},
		{"this bucket", []int{3*b + 1, 3*b + 2}, false, false, 3*b + 5, 2},
		{"and the previous one", []int{2*b + 1, 3*b + 2}, false, false, 3*b + 5, 2},
		{"older ones forgotten", []int{b + 1, 3*b + 2}, false, false, 3*b + 5, 1},
		{"all old", []int{b + 1, b + 2}, false, false, 3*b + 5, 0},
		{"the bucket moved on", []int{3*b + 1}, false, false, 4*b + 1, 1},
		{"two buckets on", []int{3*b + 1}, false, false, 5*b + 1, 0},
		{"refused by a partition", []int{3*b + 1}, true, false, 3*b + 5, 1},
		{"to a down node", []int{3*b + 1}, false, true, 3*b + 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := New([]string{"a", "b"}, Config{Default: LinkConfig{Latency: Latency{Kind: Fixed, Min: time.Millisecond, Max: time.Millisecond}}}, rng.New(1, "net"))
			if err != nil {
				t.Fatal(err)
			}
			if tc.cut {
				if _, err := n.Install("p", Fault{Kind: Cut, Links: []Link{{0, 1}}}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.down {
				n.CrashNode(1)
			}
			for _, s := range tc.sends {
				n.Send(ms(s), 0, 1)
			}
			got, span := n.Traffic(ms(tc.at), 0, 1)
			if got != tc.want {
				t.Errorf("Traffic = %d, want %d", got, tc.want)
			}
			if span < TrafficBucket || span > 2*TrafficBucket {
				t.Errorf("span %v outside [%v, %v]", span, TrafficBucket, 2*TrafficBucket)
			}
			if back, _ := n.Traffic(ms(tc.at), 1, 0); back != 0 {
				t.Errorf("the reverse link counted %d", back)
			}
		})
	}
}
