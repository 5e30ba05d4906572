package nemesis_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/rng"
	"github.com/faultline-dst/faultline/sim"
)

var allDiskKinds = []disk.FaultKind{disk.ReadError, disk.WriteError, disk.NoSpace, disk.SyncFail, disk.Corrupt, disk.LatentSector, disk.Misdirect, disk.Slow}

// everyKind is a schedule with one fault of every kind (and one disk fault
// of every disk kind), in windows that do not overlap, on nodes that talk.
func everyKind() nemesis.Schedule {
	var s nemesis.Schedule
	at := 100 * ms
	add := func(f nemesis.Fault) {
		f.ID = "f" + strconv.Itoa(len(s)+1)
		f.Start, f.End = at, at+50*ms
		at += 50 * ms
		s = append(s, f)
	}
	add(nemesis.Fault{Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n1"}})
	add(nemesis.Fault{Kind: nemesis.Crash, Nodes: []string{"n2"}})
	add(nemesis.Fault{Kind: nemesis.Pause, Nodes: []string{"n3"}})
	add(nemesis.Fault{Kind: nemesis.ClockOffset, Nodes: []string{"n1"}, Offset: time.Second})
	add(nemesis.Fault{Kind: nemesis.ClockDrift, Nodes: []string{"n2"}, PPM: 300})
	add(nemesis.Fault{Kind: nemesis.ClockJump, Nodes: []string{"n3"}, Jump: -2 * time.Second})
	add(nemesis.Fault{Kind: nemesis.Clog, Nodes: []string{"n1"}, Delay: 20 * time.Millisecond})
	add(nemesis.Fault{Kind: nemesis.Loss, P: 0.5})
	add(nemesis.Fault{Kind: nemesis.Duplicate, Nodes: []string{"n2"}, P: 0.5})
	add(nemesis.Fault{Kind: nemesis.Reorder, Nodes: []string{"n3"}, P: 0.5, Delay: 10 * time.Millisecond})
	for i, k := range allDiskKinds {
		f := nemesis.Fault{Kind: nemesis.Disk, Nodes: []string{talkers[i%3]}, DiskKind: k, P: 1}
		switch k {
		case disk.LatentSector:
			f.P = 0
		case disk.Corrupt:
			f.CrashAtEnd = true
		case disk.Slow:
			f.Delay = 5 * time.Millisecond
		}
		add(f)
	}
	add(nemesis.Fault{Kind: nemesis.Upgrade, Nodes: []string{"n3", "n1", "n2"}, Factory: "v2"})
	return s
}

func TestEveryKindLands(t *testing.T) {
	s := everyKind()
	if err := s.Validate(append(allSUT, "client"), testBudget()); err != nil {
		t.Fatal(err)
	}
	_, nem, _ := run(t, 1, s, nil)
	if err := nem.Err(); err != nil {
		t.Fatalf("harness errors: %v", err)
	}
	ev := nem.Evidence()
	if len(ev) != len(s) {
		t.Fatalf("%d evidence records for %d faults", len(ev), len(s))
	}
	seen := map[nemesis.Kind]bool{}
	for i, e := range ev {
		seen[e.Kind] = true
		if e.ID != s[i].ID || e.Kind != s[i].Kind {
			t.Errorf("evidence %d is %s %s, want %s %s", i, e.ID, e.Kind, s[i].ID, s[i].Kind)
		}
		if e.State != nemesis.Healed {
			t.Errorf("%s: state %s, want healed", e.ID, e.State)
		}
		if !e.Landed {
			t.Errorf("%s (%s): did not land: %+v", e.ID, s[i], e)
		}
		var sum int64
		for _, c := range e.Counters {
			sum += c.Value
		}
		if sum == 0 {
			t.Errorf("%s landed with all counters zero: %+v", e.ID, e)
		}
	}
	for _, k := range nemesis.Kinds() {
		if !seen[k] {
			t.Errorf("kind %s not exercised", k)
		}
	}
	// Spot-check the counter that decides each kind.
	want := map[string]string{"f1": "dropped", "f2": "timers_discarded", "f3": "parked", "f4": "clock_reads",
		"f5": "timers_fired", "f7": "delayed", "f8": "dropped", "f9": "duplicated", "f10": "reordered", "f11": "fired", "f18": "fired", "f19": "restarted"}
	for _, e := range ev {
		if name, ok := want[e.ID]; ok && e.Counter(name) == 0 {
			t.Errorf("%s: counter %s is 0: %+v", e.ID, name, e.Counters)
		}
	}
	if got := nem.LastHeal(); got != s[len(s)-1].End {
		t.Errorf("LastHeal = %v, want %v", got, s[len(s)-1].End)
	}
	if !nem.Healed() {
		t.Error("Healed() = false after the run")
	}
	sum := nem.Summary()
	if !strings.Contains(sum, "19 faults, 19 landed") || !strings.Contains(sum, "f2 crash n2") {
		t.Errorf("summary:\n%s", sum)
	}
}

// A partition that cuts off a node nobody talks to drops nothing: it did
// not land, and a run with it cannot PASS.
func TestPartitionOfIdleNodeDoesNotLand(t *testing.T) {
	s := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n4"}, Start: 200 * ms, End: 600 * ms},
		{ID: "f2", Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n2"}, Start: 200 * ms, End: 600 * ms},
		// n4's timers fire on whole milliseconds: this pause holds nothing.
		{ID: "f3", Kind: nemesis.Pause, Nodes: []string{"n4"}, Start: 700*ms + ms/2, End: 700*ms + ms/2 + 1},
	}
	_, nem, _ := run(t, 3, s, nil)
	ev := nem.Evidence()
	if ev[0].Landed || ev[0].Counter("dropped") != 0 || ev[0].Detail == "" {
		t.Errorf("isolating idle n4 landed: %+v", ev[0])
	}
	if !ev[1].Landed || ev[1].Counter("dropped") == 0 {
		t.Errorf("isolating n2 did not land: %+v", ev[1])
	}
	if ev[2].Landed {
		t.Errorf("a 1ns pause of n4 between its timers held nothing back yet landed: %+v", ev[2])
	}
	if !strings.Contains(nem.Summary(), "not landed: f1, f3") {
		t.Errorf("summary:\n%s", nem.Summary())
	}
}

func TestEpochFollowsActiveFaults(t *testing.T) {
	s := nemesis.Schedule{
		{ID: "f10", Kind: nemesis.Loss, P: 0.1, Start: 100 * ms, End: 200 * ms},
		{ID: "f2", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 150 * ms, End: 300 * ms},
		{ID: "f3", Kind: nemesis.Pause, Nodes: []string{"n1"}, Start: 300 * ms, End: 400 * ms},
	}
	w := testWorld(t, 1, nil)
	nem, err := nemesis.Apply(w, s, nemesis.Options{Budget: testBudget()})
	if err != nil {
		t.Fatal(err)
	}
	// Probes scheduled after Apply run after the nemesis's actions at the
	// same instant.
	want := []struct {
		at    clock.Time
		epoch []string
		state nemesis.State
	}{
		{0, []string{}, nemesis.Pending},
		{99 * ms, []string{}, nemesis.Pending},
		{100 * ms, []string{"f10"}, nemesis.Active},
		{160 * ms, []string{"f2", "f10"}, nemesis.Active},
		{200 * ms, []string{"f2"}, nemesis.Healed},
		// n1 restarts at 300ms; f3 pauses it once its Start has run, after
		// the probes already on the agenda for that instant.
		{300 * ms, []string{}, nemesis.Healed},
		{300*ms + 1, []string{"f3"}, nemesis.Healed},
		{399 * ms, []string{"f3"}, nemesis.Healed},
		{400 * ms, []string{}, nemesis.Healed},
	}
	for _, c := range want {
		w.At(c.at, "probe", func(*sim.World) {
			if e := nem.Epoch(); e == nil || !slices.Equal(e, c.epoch) {
				t.Errorf("at %v: Epoch() = %#v, want %#v", c.at, e, c.epoch)
			}
			if st := nem.Evidence()[0].State; st != c.state {
				t.Errorf("at %v: f10 state %s, want %s", c.at, st, c.state)
			}
		})
	}
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if nem.LastHeal() != 400*ms {
		t.Errorf("LastHeal = %v, want 400ms", nem.LastHeal())
	}
}

func TestUpgradeKeepsDiskOneNodeAtATime(t *testing.T) {
	s := nemesis.Schedule{{ID: "u1", Kind: nemesis.Upgrade, Nodes: []string{"n2", "n3", "n1"}, Factory: "v2", Start: 300 * ms, End: 900 * ms}}
	var boots []boot
	w, nem, _ := run(t, 5, s, &boots)
	if err := nem.Err(); err != nil {
		t.Fatal(err)
	}
	var v2 []boot
	for _, b := range boots {
		if b.version == "v2" {
			v2 = append(v2, b)
		}
	}
	if len(v2) != 3 {
		t.Fatalf("v2 boots: %+v", v2)
	}
	// Steps of 200ms; each node down for the first 100ms of its step.
	for i, node := range []string{"n2", "n3", "n1"} {
		b := v2[i]
		if b.node != node || b.at != 300*ms+clock.Time(i)*200*ms+100*ms {
			t.Errorf("upgrade step %d: %+v, want %s at %v", i, b, node, 300*ms+clock.Time(i)*200*ms+100*ms)
		}
		if b.recovered == 0 {
			t.Errorf("%s restarted from v2 with an empty log: the disk was not kept", node)
		}
		if st := w.Stats(node); st.Restarts != 1 || st.Crashes != 1 {
			t.Errorf("%s: %d crashes, %d restarts", node, st.Crashes, st.Restarts)
		}
	}
	e := nem.Evidence()[0]
	if !e.Landed || e.Counter("restarted") != 3 || e.Counter("up") != 3 {
		t.Errorf("upgrade evidence: %+v", e)
	}
	// A rollback is an upgrade to the old factory.
	s2 := nemesis.Schedule{
		{ID: "u1", Kind: nemesis.Upgrade, Nodes: []string{"n1"}, Factory: "v2", Start: 200 * ms, End: 400 * ms},
		{ID: "u2", Kind: nemesis.Upgrade, Nodes: []string{"n1"}, Factory: "v1", Start: 500 * ms, End: 700 * ms},
	}
	boots = nil
	run(t, 5, s2, &boots)
	var order []string
	for _, b := range boots {
		if b.node == "n1" {
			order = append(order, b.version)
		}
	}
	if !slices.Equal(order, []string{"v1", "v2", "v1"}) {
		t.Errorf("n1 booted as %v, want v1, v2, v1", order)
	}
}

// The same seed gives the same schedule and the same trace hash; a
// schedule written as JSON and read back replays to the same hash.
func TestDeterministicAndReplayable(t *testing.T) {
	b := testBudget()
	nodes := append(slices.Clone(allSUT), "client")
	for seed := uint64(1); seed <= 6; seed++ {
		s1, err := nemesis.Swarm(rng.New(seed, "nemesis"), nodes, b)
		if err != nil {
			t.Fatal(err)
		}
		s2, _ := nemesis.Swarm(rng.New(seed, "nemesis"), nodes, b)
		if !reflect.DeepEqual(s1, s2) {
			t.Fatalf("seed %d: two schedules from one seed differ", seed)
		}
		_, n1, r1 := run(t, seed, s1, nil)
		_, _, r2 := run(t, seed, s2, nil)
		if r1.TraceHash != r2.TraceHash {
			t.Fatalf("seed %d: same schedule, hashes %x and %x", seed, r1.TraceHash, r2.TraceHash)
		}
		data, err := json.Marshal(s1)
		if err != nil {
			t.Fatal(err)
		}
		back, err := nemesis.ParseSchedule(data)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, data)
		}
		if !reflect.DeepEqual(back, s1) {
			t.Fatalf("seed %d: JSON round trip changed the schedule:\n%s", seed, data)
		}
		if _, _, r3 := run(t, seed, back, nil); r3.TraceHash != r1.TraceHash {
			t.Fatalf("seed %d: replay from JSON: hash %x, want %x", seed, r3.TraceHash, r1.TraceHash)
		}
		// The normalized form (links resolved) replays the same run.
		full, _ := json.Marshal(n1.Schedule())
		norm, err := nemesis.ParseSchedule(full)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, r4 := run(t, seed, norm, nil); r4.TraceHash != r1.TraceHash {
			t.Fatalf("seed %d: replay of the normalized schedule: hash %x, want %x", seed, r4.TraceHash, r1.TraceHash)
		}
		if len(full) < len(data) {
			t.Errorf("seed %d: normalized form shorter than the compact one", seed)
		}
		if n1.Err() != nil {
			t.Fatalf("seed %d: %v", seed, n1.Err())
		}
	}
	// The nemesis changes the run: without it the hash differs.
	_, _, a := run(t, 1, nil, nil)
	s, _ := nemesis.Generate(rng.New(1, "nemesis"), nodes, b)
	_, _, c := run(t, 1, s, nil)
	if a.TraceHash == c.TraceHash {
		t.Error("a run with faults has the hash of a run without")
	}
}

func TestApplyRefuses(t *testing.T) {
	b := testBudget()
	w := testWorld(t, 1, nil)
	upg := nemesis.Schedule{{ID: "f1", Kind: nemesis.Upgrade, Nodes: []string{"n1"}, Factory: "v2", Start: 200 * ms, End: 300 * ms}}
	_, err := nemesis.Apply(w, upg, nemesis.Options{Budget: b, Factories: map[string]sim.Factory{"v1": chatterFactory("v1", nil, &w, nil)}})
	var fe *nemesis.FieldError
	if !errors.As(err, &fe) || fe.Field != "factory" || fe.Valid != "v1" {
		t.Errorf("missing factory: %v", err)
	}
	if _, err := w.RunUntil(500 * ms); err != nil {
		t.Fatal(err)
	}
	late := nemesis.Schedule{{ID: "f1", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 200 * ms, End: 600 * ms}}
	if _, err := nemesis.Apply(w, late, nemesis.Options{Budget: b}); !errors.As(err, &fe) || fe.Field != "start" {
		t.Errorf("start in the past: %v", err)
	}
	bad := nemesis.Schedule{{ID: "f1", Kind: nemesis.Crash, Nodes: []string{"client"}, Start: 600 * ms, End: 700 * ms}}
	if _, err := nemesis.Apply(w, bad, nemesis.Options{Budget: b}); !errors.Is(err, nemesis.ErrOutsideBudget) {
		t.Errorf("crash of a client: %v", err)
	}
}

// When the world refuses a fault (here, the node is already down because
// the scenario crashed it), the Nemesis reports a harness error and the
// fault does not count as landed.
func TestWorldRefusalIsHarnessError(t *testing.T) {
	w := testWorld(t, 1, nil)
	w.At(150*ms, "outside crash", func(w *sim.World) { _ = w.Crash("n2") })
	s := nemesis.Schedule{{ID: "f1", Kind: nemesis.Crash, Nodes: []string{"n2"}, Start: 200 * ms, End: 300 * ms}}
	nem, err := nemesis.Apply(w, s, nemesis.Options{Budget: testBudget()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	var he *sim.HarnessError
	if !errors.As(nem.Err(), &he) || he.Invariant != nemesis.InvariantNotApplied || he.At != 200*ms || !strings.Contains(he.Detail, "f1") {
		t.Fatalf("Err() = %v", nem.Err())
	}
	if e := nem.Evidence()[0]; e.Landed || !strings.Contains(e.Detail, "already down") {
		t.Errorf("evidence: %+v", e)
	}
}

func TestSUTNodes(t *testing.T) {
	specs := []sim.NodeSpec{{Name: "a"}, {Name: "c1", Harness: true}, {Name: "b"}}
	if got := nemesis.SUTNodes(specs); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("SUTNodes = %v", got)
	}
}

// At one instant heals run before starts: a crash healed at T and a disk
// fault that crashes the same node at T both apply, whatever their order
// in the schedule, and the Corrupt fault fires at its crash.
func TestSameInstantHealsBeforeStarts(t *testing.T) {
	s := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Disk, DiskKind: disk.Corrupt, P: 1, CrashAtEnd: true, Nodes: []string{"n1"}, Start: 150 * ms, End: 400 * ms},
		{ID: "f2", Kind: nemesis.Pause, Nodes: []string{"n2"}, Start: 300 * ms, End: 400 * ms},
		{ID: "f3", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 200 * ms, End: 400 * ms},
		{ID: "f4", Kind: nemesis.Crash, Nodes: []string{"n2"}, Start: 400 * ms, End: 500 * ms},
	}
	b := testBudget()
	b.MaxDown = 2
	w := testWorld(t, 2, nil)
	nem, err := nemesis.Apply(w, s, nemesis.Options{Budget: b})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if err := nem.Err(); err != nil {
		t.Fatalf("harness errors: %v", err)
	}
	for _, e := range nem.Evidence() {
		if !e.Landed {
			t.Errorf("%s did not land: %+v", e.ID, e)
		}
	}
	if st := w.Stats("n1"); st.Crashes != 2 || st.Restarts != 2 || st.Disk.SectorsCorrupted == 0 {
		t.Errorf("n1 stats: %+v", st)
	}
	if !w.IsUp("n1") || !w.IsUp("n2") {
		t.Error("a node is still down after the run")
	}
	// MaxDown 1 makes the same schedule outside the budget: at 400ms the
	// disk fault's crash of n1 meets the crash of n2.
	b.MaxDown = 1
	if err := s.Validate(worldNodes, b); !errors.Is(err, nemesis.ErrOutsideBudget) {
		t.Errorf("Validate at MaxDown 1: %v", err)
	}
}
