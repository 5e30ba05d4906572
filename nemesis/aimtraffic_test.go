package nemesis_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/rng"
)

// TestAimAtTraffic: a role-aimed network fault goes where its links carry
// messages. In roleWorld, n1..n3 chat among themselves and n4 talks to
// nobody.
func TestAimAtTraffic(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]map[time.Duration]string
		sched  nemesis.Schedule // f1 is the fault under test
		check  func(t *testing.T, f nemesis.Fault, ev nemesis.Evidence)
	}{
		{
			// The layout cuts n1 from n3; the holder is n3 and n1 is
			// down, so the layout is relabeled to cut n3 from a node it
			// talks to.
			name:   "a layout's cut moved away from a down node",
			claims: map[string]map[time.Duration]string{"n3": {100 * time.Millisecond: "leader"}},
			sched: nemesis.Schedule{
				{ID: "f0", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 150 * ms, End: 600 * ms},
				{ID: "f1", Kind: nemesis.Partition, Shape: nemesis.Bridge, Role: "leader", Links: []nemesis.Link{{From: "n1", To: "n3"}, {From: "n3", To: "n1"}}, Start: 300 * ms, End: 500 * ms},
			},
			check: func(t *testing.T, f nemesis.Fault, ev nemesis.Evidence) {
				if !slices.Equal(f.Resolved, []string{"n3"}) || slices.ContainsFunc(f.Links, func(l nemesis.Link) bool { return l.From == "n1" || l.To == "n1" }) {
					t.Errorf("resolved %v, links %v: want n3 cut from a node that is up", f.Resolved, f.Links)
				}
			},
		},
		{
			// "any" with the Pick of n4, which carries nothing: the
			// fault goes to a node that chats.
			name:  "any skips a silent node",
			sched: nemesis.Schedule{{ID: "f1", Kind: nemesis.Duplicate, Role: nemesis.AnyRole, Pick: 3, P: 0.5, Start: 300 * ms, End: 600 * ms}},
			check: func(t *testing.T, f nemesis.Fault, ev nemesis.Evidence) {
				if len(f.Resolved) != 1 || !slices.Contains(talkers, f.Resolved[0]) {
					t.Errorf("resolved %v, want one of %v", f.Resolved, talkers)
				}
			},
		},
		{
			// The holder talks to nobody: the fault waits for another
			// holder until mid-window, then falls back to a node that
			// does not hold the role and whose links carry messages.
			name:   "a silent holder: fall back at mid-window",
			claims: map[string]map[time.Duration]string{"n4": {100 * time.Millisecond: "leader"}},
			sched:  nemesis.Schedule{{ID: "f1", Kind: nemesis.Duplicate, Role: "leader", P: 0.5, Start: 300 * ms, End: 700 * ms}},
			check: func(t *testing.T, f nemesis.Fault, ev nemesis.Evidence) {
				if len(f.Resolved) != 1 || !slices.Contains(talkers, f.Resolved[0]) || f.ResolvedAt != 500*ms {
					t.Errorf("resolved %v at %v, want a talker at 500ms", f.Resolved, f.ResolvedAt)
				}
				if !strings.Contains(ev.Detail, "does not hold it") {
					t.Errorf("the evidence does not say it fell back: %q", ev.Detail)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := roleWorld(t, tc.claims, nil)
			nem, err := nemesis.Apply(w, tc.sched, nemesis.Options{Budget: testBudget()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Run(); err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(nem.Schedule(), func(f nemesis.Fault) bool { return f.ID == "f1" })
			f, ev := nem.Schedule()[i], nem.Evidence()[i]
			if !ev.Landed {
				t.Errorf("f1 did not land: %+v", ev)
			}
			tc.check(t, f, ev)
		})
	}
}

// TestGeneratedRoleFaultsFindANode: with roles declared, a generated
// fault that would take one node drawn blind is aimed at "any" (the
// Pick-th free node when it starts, the drawn one when nothing is in the
// way), and every role-aimed fault that takes a node finds one free: the
// generator leaves room for it among the faults around it.
func TestGeneratedRoleFaultsFindANode(t *testing.T) {
	b := testBudget()
	b.Targets = talkers
	b.Roles = []string{"leader"}
	b.Kinds = []nemesis.Kind{nemesis.Crash, nemesis.Pause, nemesis.ClockDrift, nemesis.Duplicate}
	b.MaxDown, b.MaxFaults = 3, 12
	claims := map[string]map[time.Duration]string{"n1": {50 * time.Millisecond: "leader"}}
	for seed := uint64(1); seed <= 40; seed++ {
		s, err := nemesis.Generate(rng.New(seed, "nemesis"), append(slices.Clone(allSUT), "client"), b)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s {
			if f.Role == "" && len(f.Nodes) == 1 {
				t.Errorf("seed %d: %s names one node blind: %v", seed, f.ID, f.Nodes)
			}
		}
		w := roleWorld(t, claims, nil)
		nem, err := nemesis.Apply(w, s, nemesis.Options{Budget: b})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Run(); err != nil {
			t.Fatal(err)
		}
		for _, ev := range nem.Evidence() {
			if ev.State == nemesis.Unresolved {
				t.Errorf("seed %d: %s (%s, role %s) found no free node: %s\n%s", seed, ev.ID, ev.Kind, ev.Role, ev.Detail, s)
			}
		}
	}
}
