package mainpkg

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/guest"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
)

func TestParseSpec(t *testing.T) {
	full := DefaultSpec()
	full.System, full.Nodes, full.Port, full.Wire = "kv", 5, 9000, guest.NDJSON
	full.Args = []string{"-peers={nodes}", "-me={node}"}
	full.Env = []string{"A=1", "B=x=y"}
	full.Models = []history.Model{history.KV, history.Register}
	full.Faults = []nemesis.Kind{nemesis.Crash}
	full.Roles = []string{"leader", "primary"}
	full.Bugs = []BugSwitch{{"early-ack", []string{"-bug=early-ack"}}, {"stale", []string{"-stale", "-v"}}}
	tests := []struct {
		name, text string
		want       Spec
		err        string // a substring of the error, "" for none
	}{
		{"no block", "# my service\n\n```faultline\nscenario: x\n```\n", DefaultSpec(), ""},
		{"empty block", "```faultline-guest\n```\n", DefaultSpec(), ""},
		{"every field", "intro\n\n```faultline-guest\n# the system\nsystem: kv\nnodes: 5\nargs: -peers={nodes}  -me={node}\nenv: A=1, B=x=y\nport: 9000\nwire: ndjson\nmodels: kv, register\nfaults: crash\nroles: leader, primary\nbugs:\n  early-ack: -bug=early-ack\n  stale: -stale -v\n```\n", full, ""},
		{"other blocks skipped", "```go\nsystem: no\n```\n```faultline-guest\nnodes: 5\n```\n", func() Spec { s := DefaultSpec(); s.Nodes = 5; return s }(), ""},
		{"unknown field", "```faultline-guest\nnodez: 3\n```\n", Spec{}, "f.md:2: nodez: unknown field"},
		{"bad nodes", "```faultline-guest\nnodes: zero\n```\n", Spec{}, "f.md:2: nodes:"},
		{"bad wire", "```faultline-guest\nwire: grpc\n```\n", Spec{}, "valid: http, ndjson"},
		{"bad model", "```faultline-guest\nmodels: kv, sql\n```\n", Spec{}, `unknown model "sql"`},
		{"bad fault", "```faultline-guest\nfaults: meteor\n```\n", Spec{}, "unknown fault kind"},
		{"twice", "```faultline-guest\nport: 1\nport: 2\n```\n", Spec{}, "f.md:3: field port given twice (also line 2)"},
		{"two blocks", "```faultline-guest\n```\n```faultline-guest\n```\n", Spec{}, "f.md:3: a second faultline-guest block"},
		{"bug without args", "```faultline-guest\nbugs:\n  x:\n```\n", Spec{}, "f.md:3: bug x: want the arguments"},
		{"bug twice", "```faultline-guest\nbugs:\n  x: -x\n  x: -y\n```\n", Spec{}, "bug x declared twice"},
		{"bugs inline", "```faultline-guest\nbugs: x\n```\n", Spec{}, "a section"},
		{"not closed", "```faultline-guest\nnodes: 3\n", Spec{}, "not closed"},
		{"no colon", "```faultline-guest\nnodes 3\n```\n", Spec{}, "want field: value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSpec(strings.NewReader(tc.text), "f.md")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v; want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestReadSpecMissingFile(t *testing.T) {
	got, err := ReadSpec(filepath.Join(t.TempDir(), SidecarName))
	if err != nil || !reflect.DeepEqual(got, DefaultSpec()) {
		t.Fatalf("got %+v, %v; want the defaults", got, err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SidecarName), []byte("```faultline-guest\nnodes: 0\n```\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSpec(filepath.Join(dir, SidecarName)); err == nil {
		t.Fatal("a bad sidecar read without error")
	}
}

func TestArgs(t *testing.T) {
	s := DefaultSpec()
	s.Args = []string{"-peers={nodes}", "-name={node}"}
	s.Bugs = []BugSwitch{{"a", []string{"-a"}}, {"b", []string{"-b={node}"}}}
	got := s.args("n2", "n1,n2,n3", []string{"b"})
	want := []string{"-peers=n1,n2,n3", "-name=n2", "-b=n2"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("args %q; want %q", got, want)
	}
	if s.Args[0] != "-peers={nodes}" {
		t.Fatal("args rewrote the spec's own arguments")
	}
}

func TestDefaultScenarios(t *testing.T) {
	s := DefaultSpec()
	s.Bugs = []BugSwitch{{"x", []string{"-x"}}}
	scs := s.scenarios()
	if len(scs) != 2 || scs[0].Name != "guest_linearizable" || scs[1].Name != "guest_linearizable@x" || !reflect.DeepEqual(scs[1].Bugs, []string{"x"}) {
		t.Fatalf("scenarios %+v", scs)
	}
	if k := scs[0].Nemesis.Budget.Kinds; !reflect.DeepEqual(k, []nemesis.Kind{nemesis.Crash, nemesis.Partition}) {
		t.Fatalf("kinds %v", k)
	}
	s.Faults = []nemesis.Kind{nemesis.Pause}
	if scs := s.scenarios(); !scs[0].Nemesis.None {
		t.Fatalf("with no crash or partition the default scenario has faults: %+v", scs[0].Nemesis)
	}
	s.Models = []history.Model{history.Queue}
	if scs := s.scenarios(); len(scs) != 0 {
		t.Fatalf("a queue service got default kv scenarios: %+v", scs)
	}
}

func TestHasPlanBlocks(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"```faultline-guest\nnodes: 3\n```\n", false},
		{"```faultline-guest\n```\n\n```faultline\nscenario: x\n```\n", true},
		{"  ~~~ faultline\nscenario: x\n  ~~~\n", true},
		{"no blocks at all\n", false},
	} {
		path := filepath.Join(t.TempDir(), SidecarName)
		if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := hasPlanBlocks(path); got != tc.want {
			t.Errorf("hasPlanBlocks(%q) = %v; want %v", tc.text, got, tc.want)
		}
	}
}
