package nemesis_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// claimer is a chatter that claims role "leader" at the instants (on its
// own clock) its schedule gives, and clears it at the ones marked "".
type claimer struct {
	*chatter
	claims map[time.Duration]string
}

func (c *claimer) Start() {
	c.chatter.Start()
	for at := range c.claims {
		if d := at - time.Duration(c.env.Mono()); d >= 0 {
			c.env.SetTimer(d, "claim@"+at.String())
		}
	}
}

func (c *claimer) Timer(id sim.TimerID, tag string) {
	if at, ok := strings.CutPrefix(tag, "claim@"); ok {
		d, _ := time.ParseDuration(at)
		if c.claims[d] == "FAIL" {
			c.env.Fail("the test's finding")
			return
		}
		c.env.SetRole(c.claims[d])
		return
	}
	c.chatter.Timer(id, tag)
}

// roleWorld is testWorld whose n1..n3 claim "leader" as claims says, per
// node; it traces into trace when not nil.
func roleWorld(t *testing.T, claims map[string]map[time.Duration]string, trace *bytes.Buffer) *sim.World {
	t.Helper()
	var w *sim.World
	node := func(name string, peers []string) sim.NodeSpec {
		f := chatterFactory("v1", peers, &w, nil)
		return sim.NodeSpec{Name: name, Factory: func(env *sim.Env) sim.Node {
			return &claimer{chatter: f(env).(*chatter), claims: claims[name]}
		}}
	}
	cfg := sim.Config{
		Seed:    1,
		Nodes:   []sim.NodeSpec{node("n1", talkers), node("n2", talkers), node("n3", talkers), node("n4", nil), {Name: "client", Factory: chatterFactory("client", allSUT, &w, nil), Harness: true}},
		Net:     netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: time.Millisecond, Max: time.Millisecond}}},
		MaxTime: 2 * time.Second,
	}
	if trace != nil {
		cfg.Trace = trace
	}
	var err error
	if w, err = sim.New(cfg); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestRoleAimedFaultsResolveWhenTheyStart(t *testing.T) {
	claims := map[string]map[time.Duration]string{
		"n1": {100 * time.Millisecond: "leader", 400 * time.Millisecond: ""},
		"n2": {300 * time.Millisecond: "leader", 450 * time.Millisecond: ""},
	}
	tests := []struct {
		name  string
		fault nemesis.Fault
		want  []string   // resolved
		at    clock.Time // resolved at
		state nemesis.State
	}{
		{"holder", nemesis.Fault{Kind: nemesis.Crash, Role: "leader", Start: 200 * ms, End: 250 * ms}, []string{"n1"}, 200 * ms, nemesis.Healed},
		{"latest claimant", nemesis.Fault{Kind: nemesis.Pause, Role: "leader", Start: 350 * ms, End: 380 * ms}, []string{"n2"}, 350 * ms, nemesis.Healed},
		{"waits for a holder", nemesis.Fault{Kind: nemesis.ClockDrift, Role: "leader", PPM: 500, Start: 120 * ms, End: 900 * ms}, []string{"n1"}, 120 * ms, nemesis.Healed},
		{"not-leader", nemesis.Fault{Kind: nemesis.Crash, Role: "not-leader", Pick: 0, Start: 200 * ms, End: 250 * ms}, []string{"n2"}, 200 * ms, nemesis.Healed},
		{"never held", nemesis.Fault{Kind: nemesis.Crash, Role: "coordinator", Start: 200 * ms, End: 250 * ms}, nil, 0, nemesis.Unresolved},
		{"no holder: the last one", nemesis.Fault{Kind: nemesis.Crash, Role: "leader", Start: 500 * ms, End: 700 * ms}, []string{"n2"}, 500 * ms, nemesis.Healed},
		{"isolate the role", nemesis.Fault{Kind: nemesis.Partition, Shape: nemesis.Isolate, Role: "leader", Start: 320 * ms, End: 440 * ms}, []string{"n2"}, 320 * ms, nemesis.Healed},
		{"slow disk on the leader", nemesis.Fault{Kind: nemesis.Disk, DiskKind: disk.Slow, P: 1, Delay: 20 * time.Millisecond, Role: "leader", Start: 320 * ms, End: 440 * ms}, []string{"n2"}, 320 * ms, nemesis.Healed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var trace bytes.Buffer
			w := roleWorld(t, claims, &trace)
			f := tc.fault
			f.ID = "f1"
			nem, err := nemesis.Apply(w, nemesis.Schedule{f}, nemesis.Options{Budget: testBudget()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Run(); err != nil {
				t.Fatal(err)
			}
			got := nem.Schedule()[0]
			if !slices.Equal(got.Resolved, tc.want) || got.ResolvedAt != tc.at {
				t.Errorf("resolved %v at %v, want %v at %v", got.Resolved, got.ResolvedAt, tc.want, tc.at)
			}
			ev := nem.Evidence()[0]
			if ev.State != tc.state || ev.Role != f.Role {
				t.Errorf("evidence %+v, want state %s", ev, tc.state)
			}
			if tc.state == nemesis.Healed && !ev.Landed {
				t.Errorf("did not land: %+v", ev)
			}
			if tc.state == nemesis.Unresolved && (ev.Landed || !strings.Contains(ev.Detail, "no free node held role coordinator")) {
				t.Errorf("unresolved evidence: %+v", ev)
			}
			if len(tc.want) > 0 && !strings.Contains(trace.String(), "f1 role "+f.Role+" -> "+tc.want[0]) {
				t.Errorf("the trace does not record the resolution:\n%s", grep(trace.String(), "f1"))
			}
		})
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestRolePartitionShapes: isolate leaves the holder reachable by clients,
// isolate-all cuts it from them too, and a layout partition moves the
// holder to where its links are cut.
func TestRolePartitionShapes(t *testing.T) {
	claims := map[string]map[time.Duration]string{"n3": {100 * time.Millisecond: "leader"}}
	tests := []struct {
		name  string
		fault nemesis.Fault
		comps string
		cuts  func([]nemesis.Link) bool
	}{
		{"isolate", nemesis.Fault{Shape: nemesis.Isolate}, "[[n1 n2 n4] [n3]]", func(ls []nemesis.Link) bool {
			return !slices.Contains(ls, nemesis.Link{From: "client", To: "n3"}) && slices.Contains(ls, nemesis.Link{From: "n3", To: "n1"})
		}},
		{"isolate-all", nemesis.Fault{Shape: nemesis.IsolateAll}, "[[n1 n2 n4] [n3]]", func(ls []nemesis.Link) bool {
			return slices.Contains(ls, nemesis.Link{From: "client", To: "n3"}) && slices.Contains(ls, nemesis.Link{From: "n3", To: "client"})
		}},
		{"layout", nemesis.Fault{Shape: nemesis.OneWay, Links: []nemesis.Link{{From: "n1", To: "n2"}, {From: "n1", To: "n3"}, {From: "n1", To: "n4"}}}, "", func(ls []nemesis.Link) bool {
			return slices.Equal(ls, []nemesis.Link{{From: "n3", To: "n1"}, {From: "n3", To: "n2"}, {From: "n3", To: "n4"}})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := roleWorld(t, claims, nil)
			f := tc.fault
			f.ID, f.Kind, f.Role, f.Start, f.End = "f1", nemesis.Partition, "leader", 200*ms, 400*ms
			nem, err := nemesis.Apply(w, nemesis.Schedule{f}, nemesis.Options{Budget: testBudget()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Run(); err != nil {
				t.Fatal(err)
			}
			got := nem.Schedule()[0]
			if !tc.cuts(got.Links) {
				t.Errorf("links %v", got.Links)
			}
			if c := slices.Clone(got.Components); tc.comps != "" && len(c) > 0 && strings.TrimSpace(fmtComps(c)) != tc.comps {
				t.Errorf("components %v, want %s", c, tc.comps)
			}
			if ev := nem.Evidence()[0]; !ev.Landed || !slices.Equal(ev.Nodes, []string{"n3"}) {
				t.Errorf("evidence %+v", ev)
			}
		})
	}
}

func fmtComps(c [][]string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, x := range c {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("[" + strings.Join(x, " ") + "]")
	}
	return b.String() + "]"
}

// TestRoleFaultJSON: a role-aimed fault round-trips with its role, pick
// and resolution; the resolution is output only and Validate accepts it.
func TestRoleFaultJSON(t *testing.T) {
	s := nemesis.Schedule{{ID: "f1", Kind: nemesis.Crash, Role: "not-leader", Pick: 2, Start: 200 * ms, End: 300 * ms, Resolved: []string{"n2"}, ResolvedAt: 210 * ms}}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"id":"f1","kind":"crash","start":"200ms","end":"300ms","role":"not-leader","pick":2,"resolved":["n2"],"resolved_at":"210ms"}]`
	if string(data) != want {
		t.Errorf("JSON %s\nwant %s", data, want)
	}
	back, err := nemesis.ParseSchedule(data)
	if err != nil || back[0].Role != "not-leader" || back[0].Pick != 2 || back[0].ResolvedAt != 210*ms {
		t.Fatalf("back %+v, %v", back, err)
	}
	if err := back.Validate(append(allSUT, "client"), testBudget()); err != nil {
		t.Error(err)
	}
	bad := nemesis.Schedule{{ID: "f1", Kind: nemesis.Crash, Role: "leader", Nodes: []string{"n1"}, Start: 200 * ms, End: 300 * ms}}
	if err := bad.Validate(append(allSUT, "client"), testBudget()); err == nil || !strings.Contains(err.Error(), "names no nodes") {
		t.Errorf("role and nodes together: %v", err)
	}
}

// TestNotReachedIsNotNotLanded: a fault scheduled after the run stopped
// on a finding is "not reached", not "not landed", and the summary does
// not count it against landing; while the world can still run, it is
// pending.
func TestNotReachedIsNotNotLanded(t *testing.T) {
	claims := map[string]map[time.Duration]string{"n3": {time.Second: "FAIL"}}
	w := roleWorld(t, claims, nil)
	s := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 200 * ms, End: 300 * ms},
		{ID: "f2", Kind: nemesis.Crash, Nodes: []string{"n2"}, Start: 1500 * ms, End: 1550 * ms},
	}
	nem, err := nemesis.Apply(w, s, nemesis.Options{Budget: testBudget()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunUntil(900 * ms); err != nil {
		t.Fatal(err)
	}
	if st := nem.Evidence()[1].State; st != nemesis.Pending {
		t.Errorf("while the world can still run, f2 is %s, want pending", st)
	}
	if _, err := w.Run(); err == nil {
		t.Fatal("the node's Fail did not stop the run")
	}
	ev := nem.Evidence()
	if !ev[0].Landed || ev[1].State != nemesis.NotReached || !strings.Contains(ev[1].Detail, "not reached") {
		t.Errorf("evidence %+v", ev)
	}
	if sum := nem.Summary(); !strings.Contains(sum, "2 faults, 1 landed, 1 not reached") || strings.Contains(sum, "not landed") {
		t.Errorf("summary:\n%s", sum)
	}
}
