package nemesis_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/rng"
)

// A hand-written schedule, as a shrinker or a person writes it.
const handSchedule = `[
  {"id": "f1", "kind": "partition", "shape": "isolate", "nodes": ["n2"], "start": "200ms", "end": "400ms"},
  {"id": "f2", "kind": "crash", "nodes": ["n1"], "start": "300ms", "end": "500ms"},
  {"id": "f3", "kind": "clock-drift", "nodes": ["n3"], "ppm": -400, "start": "250ms", "end": "600ms"},
  {"id": "f4", "kind": "disk", "disk": "SyncFail", "p": 0.5, "nodes": ["n2"], "start": "600ms", "end": "700ms"},
  {"id": "f5", "kind": "loss", "p": 0.25, "links": ["n1->n3", "n3->n1"], "start": "650ms", "end": "1.2s"},
  {"id": "f6", "kind": "upgrade", "factory": "v2", "nodes": ["n1", "n2", "n3"], "start": "1s", "end": "1.5s"}
]`

func TestParseHandWrittenSchedule(t *testing.T) {
	s, err := nemesis.ParseSchedule([]byte(handSchedule))
	if err != nil {
		t.Fatal(err)
	}
	want := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n2"}, Start: 200 * ms, End: 400 * ms},
		{ID: "f2", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 300 * ms, End: 500 * ms},
		{ID: "f3", Kind: nemesis.ClockDrift, Nodes: []string{"n3"}, PPM: -400, Start: 250 * ms, End: 600 * ms},
		{ID: "f4", Kind: nemesis.Disk, DiskKind: disk.SyncFail, P: 0.5, Nodes: []string{"n2"}, Start: 600 * ms, End: 700 * ms},
		{ID: "f5", Kind: nemesis.Loss, P: 0.25, Links: []nemesis.Link{{From: "n1", To: "n3"}, {From: "n3", To: "n1"}}, Start: 650 * ms, End: 1200 * ms},
		{ID: "f6", Kind: nemesis.Upgrade, Factory: "v2", Nodes: []string{"n1", "n2", "n3"}, Start: 1000 * ms, End: 1500 * ms},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("parsed:\n%v\nwant:\n%v", s, want)
	}
	if err := s.Validate(worldNodes, testBudget()); err != nil {
		t.Fatal(err)
	}
	// It runs, and the isolate partition is resolved from its node.
	_, nem, _ := run(t, 9, s, nil)
	if err := nem.Err(); err != nil {
		t.Fatal(err)
	}
	p := nem.Schedule()[0]
	if len(p.Links) != 6 || !reflect.DeepEqual(p.Components, [][]string{{"n1", "n3", "n4"}, {"n2"}}) {
		t.Errorf("resolved partition: links %v components %v", p.Links, p.Components)
	}
	for _, e := range nem.Evidence() {
		if !e.Landed {
			t.Errorf("%s did not land: %+v", e.ID, e)
		}
	}
}

func TestScheduleJSONRoundTrip(t *testing.T) {
	b := propertyBudgets()["five"]
	for seed := uint64(1); seed <= 200; seed++ {
		s, err := nemesis.Swarm(rng.New(seed, "nemesis"), worldOf(b), b)
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := nemesis.ParseSchedule(data)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, data)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("seed %d: round trip changed the schedule:\n%v\n%v", seed, s, back)
		}
	}
	// Odd instants survive too (durations print with full precision).
	s := nemesis.Schedule{{ID: "x", Kind: nemesis.ClockJump, Nodes: []string{"a"}, Start: 1, End: 1<<62 + 12345, Jump: -time.Duration(1<<40 + 7)}}
	data, _ := json.Marshal(s)
	back, err := nemesis.ParseSchedule(data)
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip of %s: %v %v", data, back, err)
	}
	empty, _ := json.Marshal(nemesis.Schedule(nil))
	if string(empty) != "[]" {
		t.Errorf("empty schedule marshals as %s", empty)
	}
}

func TestParseScheduleErrors(t *testing.T) {
	cases := []struct {
		name, json string
		want       []string
	}{
		{"unknown kind", `[{"id":"f1","kind":"partiton","start":"1s","end":"2s"}]`,
			[]string{"schedule[0]", `kind = "partiton"`, "unknown fault kind", "valid: partition, crash, pause, clock-offset, clock-drift, clock-jump, disk, clog, loss, duplicate, reorder, upgrade"}},
		{"unknown field", `[{"id":"f1","kind":"crash","nodez":["n1"],"start":"1s","end":"2s"}]`,
			[]string{"schedule[0]", `unknown field "nodez"`, "valid: id, kind, start, end, nodes"}},
		{"bad duration", `[{"id":"f1","kind":"crash","start":"1 sec","end":"2s"}]`,
			[]string{"f1: start", `"1 sec"`, "not a duration"}},
		{"missing end", `[{"id":"f1","kind":"crash","start":"1s"}]`,
			[]string{"f1: end", "missing"}},
		{"unknown disk kind", `[{"id":"f1","kind":"disk","disk":"Melt","start":"1s","end":"2s"}]`,
			[]string{"f1: disk", `"Melt"`, "ReadError, WriteError, NoSpace, SyncFail, Corrupt, LatentSector, Misdirect"}},
		{"unknown shape", `[{"id":"f1","kind":"partition","shape":"square","start":"1s","end":"2s"}]`,
			[]string{"f1: shape", `"square"`, "isolate, halves"}},
		{"bad link", `[{"id":"f1","kind":"loss","links":["n1n2"],"start":"1s","end":"2s"}]`,
			[]string{"schedule[0]", `"n1n2"`, "from->to"}},
		{"not an array", `{"id":"f1"}`, []string{"want a JSON array"}},
		{"trailing data", `[] []`, []string{"trailing data"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := nemesis.ParseSchedule([]byte(c.json))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, nemesis.ErrInvalid) {
				t.Errorf("does not wrap ErrInvalid: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := nemesis.ParseKind("upgrade"); err != nil {
		t.Error(err)
	}
	if _, err := nemesis.ParseKind("upgrad"); err == nil || !strings.Contains(err.Error(), "valid: partition") {
		t.Errorf("ParseKind: %v", err)
	}
}

// A schedule is written as JSON and read back; Validate checks it against
// the world and the budget.
func ExampleParseSchedule() {
	s, err := nemesis.ParseSchedule([]byte(`[
	  {"id": "f1", "kind": "partition", "shape": "isolate", "nodes": ["n2"], "start": "1s", "end": "3s"},
	  {"id": "f2", "kind": "crash", "nodes": ["n1"], "start": "2s", "end": "4s"},
	  {"id": "f3", "kind": "disk", "disk": "Corrupt", "p": 0.01, "crash_at_end": true, "nodes": ["n3"], "start": "5s", "end": "6s"}
	]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range s {
		fmt.Println(f)
	}
	b := nemesis.DefaultBudget([]string{"n1", "n2", "n3"}, 10*time.Second)
	fmt.Println(s.Validate([]string{"n1", "n2", "n3", "client"}, b))
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false) // keep "a->b" links readable
	_ = enc.Encode(nemesis.Schedule{{ID: "f4", Kind: nemesis.Loss, P: 0.2, Links: []nemesis.Link{{From: "n1", To: "n2"}}, Start: 1e9, End: 2e9}})
	// Output:
	// f1 partition isolate n2 [1s, 3s)
	// f2 crash n1 [2s, 4s)
	// f3 disk n3 Corrupt p=0.01 crash-at-end [5s, 6s)
	// nemesis: f3: kind = disk: kind not allowed by the budget; valid: partition, crash, pause, clock-offset, clock-drift, clock-jump, clog, loss, duplicate, reorder (outside the fault budget)
	// nemesis: f3: disk = Corrupt: disk fault kind not allowed by the budget (outside the fault budget)
	// [{"id":"f4","kind":"loss","start":"1s","end":"2s","links":["n1->n2"],"p":0.2}]
}
