package nemesis_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/nemesis"
)

var worldNodes = []string{"n1", "n2", "n3", "n4", "client"}

func TestValidateErrors(t *testing.T) {
	ok := func(f nemesis.Fault) nemesis.Fault {
		if f.ID == "" {
			f.ID = "f1"
		}
		if f.Start == 0 && f.End == 0 {
			f.Start, f.End = 200*ms, 300*ms
		}
		return f
	}
	crash := func(nodes ...string) nemesis.Fault {
		return ok(nemesis.Fault{Kind: nemesis.Crash, Nodes: nodes})
	}
	at := func(f nemesis.Fault, id string, start, end int) nemesis.Fault {
		f.ID, f.Start, f.End = id, clock.Time(start)*100*ms, clock.Time(end)*100*ms
		return f
	}
	cases := []struct {
		name     string
		s        nemesis.Schedule
		budget   func(*nemesis.Budget)
		fault    string
		field    string
		value    string
		valid    string // substring of FieldError.Valid
		sentinel error
	}{
		{"unknown kind", nemesis.Schedule{ok(nemesis.Fault{Kind: "crsh", Nodes: []string{"n1"}})}, nil,
			"f1", "kind", `"crsh"`, "partition, crash, pause, clock-offset", nemesis.ErrInvalid},
		{"unknown node", nemesis.Schedule{crash("n9")}, nil,
			"f1", "nodes[0]", `"n9"`, "n1, n2, n3, n4, client", nemesis.ErrInvalid},
		{"client is not a target", nemesis.Schedule{crash("client")}, nil,
			"f1", "nodes[0]", `"client"`, "n1, n2, n3, n4", nemesis.ErrOutsideBudget},
		{"duplicate node", nemesis.Schedule{crash("n1", "n1")}, nil,
			"f1", "nodes[1]", `"n1"`, "", nemesis.ErrInvalid},
		{"end before start", nemesis.Schedule{at(crash("n1"), "f1", 5, 4)}, nil,
			"f1", "end", "400ms", "after start", nemesis.ErrInvalid},
		{"end equals start", nemesis.Schedule{at(crash("n1"), "f1", 5, 5)}, nil,
			"f1", "end", "500ms", "after start", nemesis.ErrInvalid},
		{"before warm-up", nemesis.Schedule{at(crash("n1"), "f1", 0, 2)}, nil,
			"f1", "start", "0s", "from 100ms", nemesis.ErrOutsideBudget},
		{"in the quiet period", nemesis.Schedule{at(crash("n1"), "f1", 15, 17)}, nil,
			"f1", "end", "1.7s", "up to 1.6s", nemesis.ErrOutsideBudget},
		{"kind not allowed", nemesis.Schedule{crash("n1")}, func(b *nemesis.Budget) { b.Kinds = []nemesis.Kind{nemesis.Partition, nemesis.Loss} },
			"f1", "kind", "crash", "partition, loss", nemesis.ErrOutsideBudget},
		{"duplicate id", nemesis.Schedule{at(crash("n1"), "f1", 2, 3), at(crash("n2"), "f1", 4, 5)}, nil,
			"f1", "id", `"f1"`, "", nemesis.ErrInvalid},
		{"empty id", nemesis.Schedule{at(crash("n1"), "", 2, 3)}, nil,
			"schedule[0]", "id", `""`, `"f1"`, nemesis.ErrInvalid},
		{"reserved id", nemesis.Schedule{at(crash("n1"), "crash", 2, 3)}, nil,
			"crash", "id", `"crash"`, "any other name", nemesis.ErrInvalid},
		{"two down at once", nemesis.Schedule{at(crash("n1"), "f1", 2, 4), at(crash("n2"), "f2", 3, 5)}, nil,
			"f2", "nodes", `"n2"`, "MaxDown=1", nemesis.ErrOutsideBudget},
		{"crash and pause together count", nemesis.Schedule{at(crash("n1"), "f1", 2, 4), at(ok(nemesis.Fault{Kind: nemesis.Pause, Nodes: []string{"n2"}}), "f2", 3, 5)}, nil,
			"f2", "nodes", `"n2"`, "MaxDown=1", nemesis.ErrOutsideBudget},
		{"one fault crashing two nodes", nemesis.Schedule{crash("n1", "n2")}, nil,
			"f1", "nodes", `"n2"`, "MaxDown=1", nemesis.ErrOutsideBudget},
		{"crash and pause of one node overlap", nemesis.Schedule{at(crash("n1"), "f1", 2, 4), at(ok(nemesis.Fault{Kind: nemesis.Pause, Nodes: []string{"n1"}}), "f2", 3, 5)}, func(b *nemesis.Budget) { b.MaxDown = 2 },
			"f2", "start", "300ms", "does not overlap", nemesis.ErrInvalid},
		{"overlapping drift on one node", nemesis.Schedule{
			at(ok(nemesis.Fault{Kind: nemesis.ClockDrift, Nodes: []string{"n1"}, PPM: 10}), "f1", 2, 4),
			at(ok(nemesis.Fault{Kind: nemesis.ClockDrift, Nodes: []string{"n1"}, PPM: 20}), "f2", 3, 5)}, nil,
			"f2", "start", "300ms", "does not overlap", nemesis.ErrInvalid},
		{"drift beyond bound", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.ClockDrift, Nodes: []string{"n1"}, PPM: -2000})}, nil,
			"f1", "ppm", "-2000", "±1000", nemesis.ErrOutsideBudget},
		{"drift zero", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.ClockDrift, Nodes: []string{"n1"}})}, nil,
			"f1", "ppm", "0", "non-zero", nemesis.ErrInvalid},
		{"offset beyond bound", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.ClockOffset, Nodes: []string{"n1"}, Offset: time.Minute})}, nil,
			"f1", "offset", "1m0s", "±5s", nemesis.ErrOutsideBudget},
		{"jump beyond bound", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.ClockJump, Nodes: []string{"n1"}, Jump: -time.Minute})}, nil,
			"f1", "jump", "-1m0s", "±5s", nemesis.ErrOutsideBudget},
		{"loss probability beyond cap", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Loss, P: 0.9})}, nil,
			"f1", "p", "0.9", "up to 0.5", nemesis.ErrOutsideBudget},
		{"loss without probability", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Loss})}, nil,
			"f1", "p", "0", "(0, 1]", nemesis.ErrInvalid},
		{"clog delay beyond cap", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Clog, Delay: time.Second})}, nil,
			"f1", "delay", "1s", "up to 100ms", nemesis.ErrOutsideBudget},
		{"field a kind does not use", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Crash, Nodes: []string{"n1"}, P: 0.5})}, nil,
			"f1", "p", "set", "nodes", nemesis.ErrInvalid},
		{"disk kind not allowed", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Disk, Nodes: []string{"n1"}, DiskKind: disk.Corrupt, P: 0.1})}, func(b *nemesis.Budget) { b.DiskKinds = []disk.FaultKind{disk.SyncFail, disk.ReadError} },
			"f1", "disk", "Corrupt", "SyncFail, ReadError", nemesis.ErrOutsideBudget},
		{"unknown shape", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Partition, Shape: "triangle", Links: []nemesis.Link{{From: "n1", To: "n2"}}})}, nil,
			"f1", "shape", `"triangle"`, "isolate, halves, majority-minority", nemesis.ErrInvalid},
		{"shape not allowed", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Partition, Shape: nemesis.OneWay, Links: []nemesis.Link{{From: "n1", To: "n2"}}})}, func(b *nemesis.Budget) { b.Shapes = []nemesis.Shape{nemesis.Isolate} },
			"f1", "shape", "one-way", "isolate", nemesis.ErrOutsideBudget},
		{"random shape without links", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Partition, Shape: nemesis.Halves})}, nil,
			"f1", "links", "[]", `"a->b"`, nemesis.ErrInvalid},
		{"link to a client", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Partition, Shape: nemesis.LinkSet, Links: []nemesis.Link{{From: "n1", To: "client"}}})}, nil,
			"f1", "links[0]", `"n1->client"`, "n1, n2, n3, n4", nemesis.ErrOutsideBudget},
		{"self-link", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Partition, Shape: nemesis.LinkSet, Links: []nemesis.Link{{From: "n1", To: "n1"}}})}, nil,
			"f1", "links[0]", `"n1->n1"`, "two different nodes", nemesis.ErrInvalid},
		{"wrong components", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n1"}, Components: [][]string{{"n1", "n2"}, {"n3", "n4"}}})}, nil,
			"f1", "components", "[[n1 n2] [n3 n4]]", "[[n1] [n2 n3 n4]]", nemesis.ErrInvalid},
		{"upgrade factory not allowed", nemesis.Schedule{ok(nemesis.Fault{Kind: nemesis.Upgrade, Nodes: []string{"n1"}, Factory: "v3"})}, nil,
			"f1", "factory", `"v3"`, "v1, v2", nemesis.ErrOutsideBudget},
		{"too many faults", nemesis.Schedule{at(crash("n1"), "f1", 2, 3), at(crash("n1"), "f2", 4, 5)}, func(b *nemesis.Budget) { b.MaxFaults = 1 },
			"schedule", "len", "2", "at most 1", nemesis.ErrOutsideBudget},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := testBudget()
			if c.budget != nil {
				c.budget(&b)
			}
			err := c.s.Validate(worldNodes, b)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("error does not wrap %v: %v", c.sentinel, err)
			}
			fe := findFieldError(err, c.fault, c.field)
			if fe == nil {
				t.Fatalf("no FieldError for %s %s in: %v", c.fault, c.field, err)
			}
			if fe.Value != c.value {
				t.Errorf("Value = %q, want %q", fe.Value, c.value)
			}
			if !strings.Contains(fe.Valid, c.valid) {
				t.Errorf("Valid = %q, want it to contain %q", fe.Valid, c.valid)
			}
			if !errors.Is(fe, c.sentinel) {
				t.Errorf("FieldError wraps %v, want %v", fe.Err, c.sentinel)
			}
			msg := fe.Error()
			for _, part := range []string{c.fault, c.field, c.value} {
				if !strings.Contains(msg, part) {
					t.Errorf("message %q lacks %q", msg, part)
				}
			}
		})
	}
}

func findFieldError(err error, fault, field string) *nemesis.FieldError {
	var all []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		all = append(all, e)
		if u := errors.Unwrap(e); u != nil {
			walk(u)
		}
	}
	walk(err)
	for _, e := range all {
		if fe, ok := e.(*nemesis.FieldError); ok && fe.Fault == fault && fe.Field == field {
			return fe
		}
	}
	return nil
}

func TestValidateReportsEveryProblem(t *testing.T) {
	s := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Crash, Nodes: []string{"n9"}, Start: 200 * ms, End: 100 * ms},
		{ID: "f2", Kind: "nope", Start: 200 * ms, End: 300 * ms},
	}
	err := s.Validate(worldNodes, testBudget())
	for _, want := range []string{"f1: nodes[0]", "f1: end", "f2: kind"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestValidateAcceptsEdges(t *testing.T) {
	// Back-to-back faults on one node at MaxDown 1: the heal runs before
	// the next start at the same instant.
	s := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Crash, Nodes: []string{"n1"}, Start: 100 * ms, End: 200 * ms},
		{ID: "f2", Kind: nemesis.Pause, Nodes: []string{"n1"}, Start: 200 * ms, End: 1600 * ms},
		{ID: "f3", Kind: nemesis.Partition, Shape: nemesis.Isolate, Nodes: []string{"n4"}, Start: 100 * ms, End: 1600 * ms},
		{ID: "f4", Kind: nemesis.Disk, DiskKind: disk.LatentSector, Nodes: []string{"n2"}, Start: 100 * ms, End: 200 * ms},
	}
	if err := s.Validate(worldNodes, testBudget()); err != nil {
		t.Fatal(err)
	}
}

func TestBudgetValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*nemesis.Budget)
		field string
		value string
		valid string
	}{
		{"unknown kind", func(b *nemesis.Budget) { b.Kinds = append(b.Kinds, "flood") }, "Kinds[12]", `"flood"`, "partition, crash"},
		{"client target", func(b *nemesis.Budget) { b.Targets = []string{"n1", "ghost"} }, "Targets[1]", `"ghost"`, "n1, n2, n3, n4, client"},
		{"no targets", func(b *nemesis.Budget) { b.Targets = nil }, "Targets", "[]", "n1"},
		{"empty window", func(b *nemesis.Budget) { b.HealBy = b.WarmUp }, "HealBy", "100ms", "after WarmUp"},
		{"too many down", func(b *nemesis.Budget) { b.MaxDown = 5 }, "MaxDown", "5", "0 to len(Targets)=4"},
		{"drift beyond clock", func(b *nemesis.Budget) { b.MaxDriftPPM = 100_000_000 }, "MaxDriftPPM", "100000000", "clock.MaxDriftPPM=99000000"},
		{"probability", func(b *nemesis.Budget) { b.MaxNetP = 1.5 }, "MaxNetP", "1.5", "0 to 1"},
		{"crash with no node down", func(b *nemesis.Budget) { b.MaxDown = 0 }, "MaxDown", "0", "1 or more"},
		{"disk with no disk kinds", func(b *nemesis.Budget) { b.DiskKinds = nil }, "DiskKinds", "0", "ReadError, WriteError"},
		{"upgrade with no factory", func(b *nemesis.Budget) { b.Upgrades = nil }, "Upgrades", "0", "Options.Factories"},
		{"clog with no delay", func(b *nemesis.Budget) { b.MaxDelay = 0 }, "MaxDelay", "0", "positive"},
		{"no faults", func(b *nemesis.Budget) { b.MaxFaults = 0 }, "MaxFaults", "0", "1 or more"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := testBudget()
			c.edit(&b)
			err := b.Validate(worldNodes)
			fe := findFieldError(err, "budget", c.field)
			if fe == nil {
				t.Fatalf("no error for %s: %v", c.field, err)
			}
			if fe.Value != c.value || !strings.Contains(fe.Valid, c.valid) || !errors.Is(err, nemesis.ErrInvalid) {
				t.Errorf("got %q (value %q, valid %q)", fe.Error(), fe.Value, fe.Valid)
			}
		})
	}
	if b := testBudget(); b.Validate(worldNodes) != nil {
		t.Errorf("test budget invalid: %v", b.Validate(worldNodes))
	}
	d := nemesis.DefaultBudget([]string{"n1", "n2", "n3"}, 10*time.Second)
	if err := d.Validate(worldNodes); err != nil {
		t.Errorf("DefaultBudget invalid: %v", err)
	}
}
