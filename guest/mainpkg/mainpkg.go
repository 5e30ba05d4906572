// Package mainpkg makes a plain Go main package a faultline system with
// no harness code: `faultline sweep ./cmd/mysvc` builds the command with
// GOOS=wasip1 (guest.BuildCached), and Registry declares it as a system
// whose nodes are guests of that module, with a default scenario.
//
// # The convention
//
// With nothing declared, the system is called "guest": three nodes n1, n2
// and n3 run the program with no arguments; each learns its own name from
// os.Args[0] and every node's name from the environment variable
// FAULTLINE_NODES ("n1,n2,n3"). faultline's workload clients reach each
// node on port 8080 with an HTTP POST of a workloads.Request JSON body to
// /op, and read a workloads.Reply JSON body back (guest.HTTP). The
// scenario "guest_linearizable" claims its key-value operations are
// linearizable across crashes and partitions.
//
// # The sidecar
//
// A file faultline.md in the package's directory may say otherwise. It is
// Markdown for people; one fenced block with the info string
// faultline-guest declares the system (every field optional):
//
//	system: mysvc                 the system's name (default guest)
//	nodes: 3                      n1..nN (default 3)
//	args: -peers={nodes}          the program's arguments, split on spaces;
//	                              {nodes} is every node's name comma-separated,
//	                              {node} the node's own
//	env: LOG=debug, MODE=strict   more environment variables
//	port: 8080                    where clients reach each node
//	wire: http                    http (POST /op) or ndjson (one JSON object a line)
//	models: kv                    the models the service implements
//	faults: crash, partition      the fault kinds it is tested under
//	roles: primary                roles it declares with guest/role
//	bugs:                         bug switches: a name, then the arguments that turn it on
//	  ack-before-fsync: -bug=ack-before-fsync
//
// When the models include kv, the default scenario SYSTEM_linearizable is
// registered (under the declared crash and partition faults; other kinds
// need a scenario block), and one SYSTEM_linearizable@BUG per bug. The file's
// faultline blocks (the plan format of docs/METHOD.md) declare more
// scenarios on the system; a block may start from a default one with
// base.
package mainpkg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/guest"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// SidecarName is the file in a main package's directory that declares
// its system and scenarios.
const SidecarName = "faultline.md"

// NodesEnv is the environment variable that tells each guest every node's
// name, comma-separated.
const NodesEnv = "FAULTLINE_NODES"

// Spec is a main package's system, as its sidecar's faultline-guest block
// declares it (or the defaults).
type Spec struct {
	System string
	Nodes  int
	Args   []string
	Env    []string
	Port   int
	Wire   guest.Wire
	Models []history.Model
	Faults []nemesis.Kind
	Roles  []string
	Bugs   []BugSwitch
}

// BugSwitch is one bug of the system: its name and the program arguments
// that turn it on.
type BugSwitch struct {
	Name string
	Args []string
}

// DefaultSpec is the system when nothing is declared.
func DefaultSpec() Spec {
	return Spec{
		System: "guest",
		Nodes:  3,
		Port:   8080,
		Wire:   guest.HTTP,
		Models: []history.Model{history.KV},
		Faults: []nemesis.Kind{nemesis.Crash, nemesis.Partition},
	}
}

// SpecError is a mistake in a sidecar, with its file and line.
type SpecError struct {
	File string
	Line int
	Msg  string
}

func (e *SpecError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ReadSpec reads the faultline-guest block of the sidecar at path; a
// missing file gives DefaultSpec. A file with two such blocks, an
// unknown field or a bad value is an error naming the line.
func ReadSpec(path string) (Spec, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return DefaultSpec(), nil
	}
	if err != nil {
		return Spec{}, err
	}
	defer f.Close()
	return ParseSpec(f, path)
}

// ParseSpec is ReadSpec on a reader; file names it in errors.
func ParseSpec(r io.Reader, file string) (Spec, error) {
	s := DefaultSpec()
	sc := bufio.NewScanner(r)
	bad := func(line int, format string, args ...any) error {
		return &SpecError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	fence, in, blocks, section := "", false, 0, ""
	seen := map[string]int{}
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		if fence != "" { // inside a fenced block
			if trimmed == fence {
				fence, in = "", false
				continue
			}
			if !in || trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			indented := text != strings.TrimLeft(text, " \t")
			key, val, ok := strings.Cut(trimmed, ":")
			key, val = strings.TrimSpace(key), strings.TrimSpace(val)
			if !ok || key == "" {
				return s, bad(line, "want field: value, got %q", trimmed)
			}
			if indented && section == "bugs" {
				if val == "" {
					return s, bad(line, "bug %s: want the arguments that turn it on", key)
				}
				for _, b := range s.Bugs {
					if b.Name == key {
						return s, bad(line, "bug %s declared twice", key)
					}
				}
				s.Bugs = append(s.Bugs, BugSwitch{Name: key, Args: strings.Fields(val)})
				continue
			}
			section = ""
			if prev, dup := seen[key]; dup {
				return s, bad(line, "field %s given twice (also line %d)", key, prev)
			}
			seen[key] = line
			if err := s.set(key, val); err != nil {
				return s, bad(line, "%s: %v", key, err)
			}
			if key == "bugs" {
				section = "bugs"
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			mark := trimmed[:3]
			n := len(trimmed) - len(strings.TrimLeft(trimmed, mark[:1]))
			fence = strings.Repeat(mark[:1], n)
			if strings.TrimSpace(trimmed[n:]) == "faultline-guest" {
				blocks++
				if blocks > 1 {
					return s, bad(line, "a second faultline-guest block: declare the system once")
				}
				in = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	if fence != "" {
		return s, bad(0, "a fenced block is not closed")
	}
	return s, nil
}

var fieldNames = []string{"system", "nodes", "args", "env", "port", "wire", "models", "faults", "roles", "bugs"}

func list(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (s *Spec) set(key, val string) error {
	if val == "" && key != "bugs" && key != "args" && key != "env" {
		return fmt.Errorf("want a value")
	}
	switch key {
	case "system":
		if strings.ContainsAny(val, " \t@,") {
			return fmt.Errorf("%q: a name without spaces, commas or @", val)
		}
		s.System = val
	case "nodes":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > 64 {
			return fmt.Errorf("%q: want a number of nodes from 1 to 64", val)
		}
		s.Nodes = n
	case "args":
		s.Args = strings.Fields(val)
	case "env":
		s.Env = nil
		for _, kv := range list(val) {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
				return fmt.Errorf("%q: want KEY=value", kv)
			}
			s.Env = append(s.Env, kv)
		}
	case "port":
		p, err := strconv.Atoi(val)
		if err != nil || p < 1 || p > 65535 {
			return fmt.Errorf("%q: want a port from 1 to 65535", val)
		}
		s.Port = p
	case "wire":
		switch val {
		case "http":
			s.Wire = guest.HTTP
		case "ndjson":
			s.Wire = guest.NDJSON
		default:
			return fmt.Errorf("%q: valid: http, ndjson", val)
		}
	case "models":
		s.Models = nil
		for _, m := range list(val) {
			if !slices.Contains(history.Models(), history.Model(m)) {
				return fmt.Errorf("unknown model %q; valid: %v", m, history.Models())
			}
			s.Models = append(s.Models, history.Model(m))
		}
	case "faults":
		s.Faults = nil
		for _, k := range list(val) {
			kind, err := nemesis.ParseKind(k)
			if err != nil {
				return err
			}
			s.Faults = append(s.Faults, kind)
		}
	case "roles":
		s.Roles = list(val)
	case "bugs":
		if val != "" {
			return fmt.Errorf("a section: one indented line per bug, NAME: ARGS")
		}
	default:
		return fmt.Errorf("unknown field; valid: %s", strings.Join(fieldNames, ", "))
	}
	return nil
}

// Registry declares module m, built from the main package in dir, as the
// system its sidecar (dir/faultline.md) declares, with the default
// scenarios and the sidecar's faultline blocks.
func Registry(m *guest.Module, dir string) (*scenario.Registry, error) {
	path := filepath.Join(dir, SidecarName)
	spec, err := ReadSpec(path)
	if err != nil {
		return nil, err
	}
	var r scenario.Registry
	if err := r.AddSystem(spec.system(m)); err != nil {
		return nil, err
	}
	for _, s := range spec.scenarios() {
		if err := r.AddScenario(s); err != nil {
			return nil, err
		}
	}
	if hasPlanBlocks(path) {
		ps, err := r.ReadPlan(path)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if err := r.AddScenario(p.Scenario); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", p.File, p.Line, err)
			}
		}
	}
	return &r, nil
}

// system is the spec as a scenario.System whose nodes run m.
func (s Spec) system(m *guest.Module) scenario.System {
	var bugs []scenario.Bug
	for _, b := range s.Bugs {
		bugs = append(bugs, scenario.Bug{Name: b.Name, Claim: "turned on by " + strings.Join(b.Args, " ")})
	}
	return scenario.System{
		Name:         s.System,
		Summary:      "a Go main package run as wasip1 guests (module " + m.Hash[:12] + ")",
		Models:       s.Models,
		Faults:       s.Faults,
		Roles:        s.Roles,
		Bugs:         bugs,
		DefaultNodes: s.Nodes,
		Build:        func(b scenario.Build) (scenario.Cluster, error) { return s.build(m, b) },
	}
}

func (s Spec) build(m *guest.Module, b scenario.Build) (scenario.Cluster, error) {
	var names []string
	for i := 1; i <= b.Nodes; i++ {
		names = append(names, fmt.Sprintf("n%d", i))
	}
	all := strings.Join(names, ",")
	var nodes []sim.NodeSpec
	for _, name := range names {
		env := append([]string{NodesEnv + "=" + all}, s.Env...)
		f := m.Factory(guest.Config{Args: s.args(name, all, b.Bugs), Env: env, Clients: &guest.Clients{Port: s.Port, Wire: s.Wire}})
		nodes = append(nodes, sim.NodeSpec{Name: name, Factory: f})
	}
	return scenario.Cluster{Nodes: nodes, Targets: names}, nil
}

// args are node name's program arguments with bugs turned on, all being
// every node's name comma-separated.
func (s Spec) args(name, all string, bugs []string) []string {
	args := slices.Clone(s.Args)
	for _, bug := range bugs {
		for _, sw := range s.Bugs {
			if sw.Name == bug {
				args = append(args, sw.Args...)
			}
		}
	}
	for i, a := range args {
		args[i] = strings.ReplaceAll(strings.ReplaceAll(a, "{nodes}", all), "{node}", name)
	}
	return args
}

// scenarios are the default scenarios: with the kv model, linearizable
// reads and writes under the system's faults, and one variant per bug.
func (s Spec) scenarios() []scenario.Scenario {
	if !slices.Contains(s.Models, history.KV) {
		return nil
	}
	kinds := slices.DeleteFunc(slices.Clone(s.Faults), func(k nemesis.Kind) bool { return k != nemesis.Crash && k != nemesis.Partition })
	base := scenario.Scenario{
		Name:     s.System + "_linearizable",
		Claim:    scenario.Claim{IDs: []string{"L1"}, Text: "reads and writes are linearizable across crashes and partitions", Kind: "safety"},
		System:   s.System,
		Model:    history.KV,
		Checker:  "linearizable",
		Workload: workloads.Config{Clients: 3, OpsPerClient: 25, Keys: 2, Timeout: 500 * time.Millisecond},
		Net: netsim.Config{Default: netsim.LinkConfig{
			Mode:    netsim.Stream,
			Latency: netsim.Latency{Kind: netsim.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond},
		}},
		Disk:    disk.Config{Crash: disk.LoseUnsynced},
		SimTime: 4 * time.Second,
		Seeds:   100,
	}
	if len(kinds) == 0 {
		base.Nemesis.None = true
	} else {
		base.Nemesis.Budget = nemesis.Budget{Kinds: kinds, MaxDown: max(1, (s.Nodes-1)/2), MaxFaults: 3}
	}
	out := []scenario.Scenario{base}
	for _, b := range s.Bugs {
		v := base
		v.Name, v.Bugs = base.Name+"@"+b.Name, []string{b.Name}
		out = append(out, v)
	}
	return out
}

// hasPlanBlocks reports whether the file at path has a fenced faultline
// block (a scenario).
func hasPlanBlocks(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		for _, mark := range []string{"```", "~~~"} {
			if strings.HasPrefix(l, mark) && strings.TrimSpace(strings.TrimLeft(l, mark[:1])) == "faultline" {
				return true
			}
		}
	}
	return false
}
