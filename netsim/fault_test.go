package netsim

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
)

func TestInstallValidation(t *testing.T) {
	ms := time.Millisecond
	l01 := []Link{{0, 1}}
	tests := []struct {
		name string
		id   string
		f    Fault
		want []string
		is   error
	}{
		{"empty id", "", Fault{Kind: Cut, Links: l01}, []string{`fault id = ""`, "empty"}, ErrInvalid},
		{"reserved base", BaseID, Fault{Kind: Cut, Links: l01}, []string{`fault id = "base"`, "reserved"}, ErrInvalid},
		{"reserved crash", CrashID, Fault{Kind: Cut, Links: l01}, []string{`fault id = "crash"`, "reserved"}, ErrInvalid},
		{"space in id", "p 1", Fault{Kind: Cut, Links: l01}, []string{`fault id = "p 1"`, "space"}, ErrInvalid},
		{"long id", strings.Repeat("x", 65), Fault{Kind: Cut, Links: l01}, []string{"longer than 64"}, ErrInvalid},
		{"active id", "p0", Fault{Kind: Cut, Links: l01}, []string{`"p0"`}, ErrFaultActive},
		{"unknown kind", "f", Fault{Kind: 42, Links: l01}, []string{`fault "f" Kind = FaultKind(42)`, "valid: cut, clog, loss, duplicate, reorder"}, ErrInvalid},
		{"cut with P", "f", Fault{Kind: Cut, Links: l01, P: 0.5}, []string{`fault "f" P = 0.5`, "cut takes no P"}, ErrInvalid},
		{"cut with delay", "f", Fault{Kind: Cut, Links: l01, Delay: ms}, []string{`fault "f" Delay = 1ms`, "cut takes no Delay"}, ErrInvalid},
		{"clog without delay", "f", Fault{Kind: Clog, Links: l01}, []string{`fault "f" Delay = 0s`, "clog needs a Delay"}, ErrInvalid},
		{"clog negative delay", "f", Fault{Kind: Clog, Links: l01, Delay: -ms}, []string{`Delay = -1ms`}, ErrInvalid},
		{"clog huge delay", "f", Fault{Kind: Clog, Links: l01, Delay: 48 * time.Hour}, []string{`Delay = 48h0m0s`, "MaxDelay"}, ErrInvalid},
		{"loss P zero", "f", Fault{Kind: Loss, Links: l01}, []string{`fault "f" P = 0`, "(0,1]"}, ErrInvalid},
		{"loss P above 1", "f", Fault{Kind: Loss, Links: l01, P: 1.01}, []string{`P = 1.01`}, ErrInvalid},
		{"duplicate with delay", "f", Fault{Kind: Duplicate, Links: l01, P: 0.1, Delay: ms}, []string{"duplicate takes no Delay"}, ErrInvalid},
		{"reorder without delay", "f", Fault{Kind: Reorder, Links: l01, P: 0.1}, []string{"reorder needs a Delay"}, ErrInvalid},
		{"no links", "f", Fault{Kind: Cut}, []string{`fault "f" Links = "[]"`, "no links"}, ErrInvalid},
		{"node out of range", "f", Fault{Kind: Cut, Links: []Link{{0, 1}, {1, 3}}}, []string{`fault "f" Links[1] = 1->3`, "node 3 out of range [0,3)"}, ErrInvalid},
		{"negative node", "f", Fault{Kind: Cut, Links: []Link{{-1, 1}}}, []string{`Links[0] = -1->1`, "out of range"}, ErrInvalid},
		{"self link", "f", Fault{Kind: Loss, P: 1, Links: []Link{{2, 2}}}, []string{`Links[0] = 2->2`, "self-link"}, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			net := mustNew(t, 3, Config{}, 1)
			if _, err := net.Install("p0", Fault{Kind: Cut, Links: []Link{{2, 1}}}); err != nil {
				t.Fatal(err)
			}
			_, err := net.Install(tc.id, tc.f)
			if err == nil {
				t.Fatal("Install accepted an invalid fault")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if got := net.FaultIDs(); !slices.Equal(got, []string{"p0"}) {
				t.Errorf("a rejected fault changed the active set: %v", got)
			}
		})
	}
}

func TestRemove(t *testing.T) {
	net := mustNew(t, 3, Config{}, 1)
	err := net.Remove("p9")
	if !errors.Is(err, ErrUnknownFault) || !strings.Contains(err.Error(), `"p9"`) {
		t.Errorf("Remove(unknown) = %v, want ErrUnknownFault naming the id", err)
	}
	for _, id := range []string{"p2", "p10", "p1"} {
		if _, err := net.Install(id, Fault{Kind: Cut, Links: []Link{{0, 1}}}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := net.FaultIDs(), []string{"p1", "p10", "p2"}; !slices.Equal(got, want) {
		t.Errorf("FaultIDs = %v, want %v", got, want)
	}
	if err := net.Remove("p10"); err != nil {
		t.Fatal(err)
	}
	if err := net.Remove("p10"); !errors.Is(err, ErrUnknownFault) {
		t.Errorf("second Remove = %v, want ErrUnknownFault", err)
	}
	if got, want := net.FaultIDs(), []string{"p1", "p2"}; !slices.Equal(got, want) {
		t.Errorf("FaultIDs = %v, want %v", got, want)
	}
	if got, want := net.CounterIDs(), []string{BaseID, CrashID, "p1", "p10", "p2"}; !slices.Equal(got, want) {
		t.Errorf("CounterIDs = %v, want %v", got, want)
	}
	// An id may be reused after removal; its counters accumulate.
	if _, err := net.Install("p10", Fault{Kind: Loss, P: 1, Links: []Link{{1, 2}}}); err != nil {
		t.Errorf("reinstalling a removed id: %v", err)
	}
}

// TestOverlappingCutsChargeEarliest: a message refused by a link cut by
// several faults is charged (Fate.Fault) to the earliest installed, every
// one of them gets it as landing evidence, and the link stays cut until
// all are removed.
func TestOverlappingCutsChargeEarliest(t *testing.T) {
	net := mustNew(t, 3, Config{Default: LinkConfig{Latency: Latency{Kind: Fixed, Min: time.Millisecond}}}, 1)
	mustInstall(t, net, "late", Fault{Kind: Cut, Links: []Link{{0, 2}}})
	mustInstall(t, net, "early-but-second", Fault{Kind: Cut, Links: []Link{{0, 1}, {0, 2}}})
	if f := net.Send(0, 0, 2); f.Fault != "late" || f.Cause != CausePartition {
		t.Errorf("0->2 charged to %q (%s), want late", f.Fault, f.Cause)
	}
	if f := net.Send(0, 0, 1); f.Fault != "early-but-second" {
		t.Errorf("0->1 charged to %q", f.Fault)
	}
	if err := net.Remove("late"); err != nil {
		t.Fatal(err)
	}
	if f := net.Send(0, 0, 2); f.Fault != "early-but-second" {
		t.Errorf("after removing the first cut, 0->2 charged to %q", f.Fault)
	}
	if err := net.Remove("early-but-second"); err != nil {
		t.Fatal(err)
	}
	if f := net.Send(0, 0, 2); f.Dropped || !net.Reachable(0, 2) {
		t.Errorf("healed link still drops: %+v", f)
	}
	if got := net.Counters("late").Dropped; got != 1 {
		t.Errorf("late.Dropped = %d, want 1", got)
	}
	if got := net.Counters("early-but-second").Dropped; got != 3 {
		t.Errorf("early-but-second.Dropped = %d, want 3 (it also cut the first 0->2 send)", got)
	}
}

func mustInstall(t testing.TB, net *Network, id string, f Fault) []Link {
	t.Helper()
	broken, err := net.Install(id, f)
	if err != nil {
		t.Fatal(err)
	}
	return broken
}

// TestCountersCountWhatHappened sends many messages through links that
// each carry exactly one source of trouble, and checks that every counter
// equals what the fates show.
func TestCountersCountWhatHappened(t *testing.T) {
	const lat = time.Millisecond
	clean := LinkConfig{Latency: Latency{Kind: Fixed, Min: lat}}
	for seed := uint64(1); seed <= 20; seed++ {
		// Link 0->1 has only the base config's trouble; the others are
		// clean in config and carry one fault each.
		cfg := Config{
			Default: clean,
			Links: []LinkOverride{{From: "n0", To: "n1", LinkConfig: LinkConfig{
				Latency: Latency{Kind: Fixed, Min: lat}, Loss: 0.1, Duplicate: 0.1, Reorder: 0.1, ReorderWindow: 3 * lat,
			}}},
		}
		net := mustNew(t, 3, cfg, seed)
		mustInstall(t, net, "loss", Fault{Kind: Loss, P: 0.3, Links: []Link{{1, 0}}})
		mustInstall(t, net, "dup", Fault{Kind: Duplicate, P: 0.3, Links: []Link{{1, 2}}})
		mustInstall(t, net, "reorder", Fault{Kind: Reorder, P: 0.3, Delay: 5 * lat, Links: []Link{{2, 1}}})
		mustInstall(t, net, "clog", Fault{Kind: Clog, Delay: 7 * lat, Links: []Link{{2, 0}}})

		type tally struct{ dropped, dup, reordered, delayed uint64 }
		got := map[Link]*tally{}
		links := []Link{{0, 1}, {1, 0}, {1, 2}, {2, 1}, {2, 0}}
		for _, k := range links {
			got[k] = &tally{}
		}
		now := clock.Time(0)
		for i := range 4000 {
			k := links[i%len(links)]
			now += clock.Time(time.Microsecond)
			f := net.Send(now, k.From, k.To)
			g := got[k]
			if f.Dropped {
				if f.Cause != CauseLoss {
					t.Fatalf("unexpected drop cause %q", f.Cause)
				}
				g.dropped++
				continue
			}
			if f.Count == 2 {
				g.dup++
			}
			extra := f.At[f.Count-1].Sub(now) - lat
			if k == (Link{2, 0}) {
				if extra != 7*lat {
					t.Fatalf("clogged delivery after %v, want latency+7ms", f.At[0].Sub(now))
				}
				g.delayed++
			} else if extra > 0 {
				g.reordered++
			}
		}
		base, loss, dup, reorder, clog := net.Counters(BaseID), net.Counters("loss"), net.Counters("dup"), net.Counters("reorder"), net.Counters("clog")
		b := got[Link{0, 1}]
		for _, c := range []struct {
			name      string
			have, are uint64
		}{
			{"base.Dropped", base.Dropped, b.dropped},
			{"base.Duplicated", base.Duplicated, b.dup},
			{"base.Reordered", base.Reordered, b.reordered},
			{"loss.Dropped", loss.Dropped, got[Link{1, 0}].dropped},
			{"dup.Duplicated", dup.Duplicated, got[Link{1, 2}].dup},
			{"reorder.Reordered", reorder.Reordered, got[Link{2, 1}].reordered},
			{"clog.Delayed", clog.Delayed, got[Link{2, 0}].delayed},
		} {
			if c.have != c.are || c.are == 0 {
				t.Errorf("seed %d: %s = %d, fates show %d (want equal and > 0)", seed, c.name, c.have, c.are)
			}
		}
		// Nothing else may have been charged.
		if loss.Duplicated+loss.Reordered+loss.Delayed+dup.Dropped+dup.Reordered+reorder.Dropped+clog.Dropped != 0 {
			t.Errorf("seed %d: counters charged to the wrong fault: %+v %+v %+v %+v", seed, loss, dup, reorder, clog)
		}
		if !clog.Landed() || (Counters{}).Landed() {
			t.Error("Landed is wrong")
		}
	}
}

// TestFaultsStopOnRemove: after Remove, a fault has no further effect and
// its counters stay readable.
func TestFaultsStopOnRemove(t *testing.T) {
	net := mustNew(t, 2, Config{}, 3)
	mustInstall(t, net, "l", Fault{Kind: Loss, P: 1, Links: []Link{{0, 1}}})
	for i := range 10 {
		if f := net.Send(clock.Time(i), 0, 1); !f.Dropped || f.Fault != "l" {
			t.Fatalf("loss P=1 delivered: %+v", f)
		}
	}
	if err := net.Remove("l"); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if f := net.Send(clock.Time(i), 0, 1); f.Dropped {
			t.Fatalf("removed loss still drops: %+v", f)
		}
	}
	if got := net.Counters("l"); got.Dropped != 10 {
		t.Errorf("counters after remove = %+v, want 10 dropped", got)
	}
	if got := net.Counters("never"); got != (Counters{}) {
		t.Errorf("unknown id has counters %+v", got)
	}
}
