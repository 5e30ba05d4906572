package scenario

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/internal/inputfile"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/workloads"
)

// A plan block declares one scenario inside a Markdown test plan:
//
//	```faultline
//	scenario: acked_writes_survive_crash_with_fsync_loss
//	falsifies: C2
//	claim: an acknowledged write survives crashes with fsync loss
//	kind: durability
//	system: raftkv
//	bugs: ack-before-sync
//	model: kv
//	checker: linearizable
//	delivery: exactly-once (queue and log checkers: or at-least-once)
//	history: op_id, process, model, op_type, key, input, output, type, invoke_ts, complete_ts, node_seen
//	nemesis:
//	  kinds: crash
//	  max_down: 3
//	  evidence: required
//	workload:
//	  clients: 5
//	  operations: 100
//	  keys: 5
//	  mix: read=5, write=4, cas=1
//	topology:
//	  nodes: 3
//	run:
//	  time: 15s
//	  events: 20000000
//	seeds: 1000
//	failover: true
//	```
//
// A block may instead name a registered scenario as its base ("base:
// kv_linearizable_under_partitions_and_crashes") and give only what it
// changes; only "scenario" is then required. Shrinking writes its output
// this way.
//
// planFields lists every field with whether it is required; a section's
// fields are listed under it.
var planFields = map[string]bool{
	"scenario": true, "falsifies": true, "system": true, "model": true, "checker": true,
	"base": false, "claim": false, "kind": false, "bugs": false, "history": false, "nemesis": false, "delivery": false,
	"workload": false, "topology": false, "run": false, "seeds": false, "failover": false,
	"network": false, "disk": false, "disks": false, "clocks": false, "checker_options": false, "system_options": false,
}

var sectionFields = map[string][]string{
	"nemesis": {"kinds", "max_down", "max_faults", "swarm", "evidence", "schedule",
		"targets", "window", "min_duration", "max_duration", "max_drift_ppm", "max_offset", "max_jump", "max_delay", "max_net_p", "shapes",
		"roles", "jitter", "generate", "drift", "disk_kinds", "max_disk_p"},
	"workload":       {"clients", "operations", "keys", "key_dist", "mix", "timeout", "think_time", "retries", "targeting"},
	"topology":       {"nodes"},
	"run":            {"time", "events"},
	"network":        {"latency", "loss", "duplicate", "reorder", "mode"},
	"disk":           {"crash", "sector_size", "capacity", "sync_latency", "write_latency", "read_latency"},
	"disks":          nil, // one line per node: "n2: sync_latency=50ms, write_latency=1ms"
	"clocks":         nil, // one line per node: "n1: offset=50ms, drift_ppm=100"
	"system_options": nil, // the system's own options (System.Options)
	"checker_options": {"fifo", "drift_bound", "recovery", "floor", "counter_initial", "real_time_order",
		"max_partition_ops", "max_steps"},
}

// PlanScenario is one scenario declared by a plan, with where it was.
type PlanScenario struct {
	Scenario Scenario
	File     string
	Line     int
	// block is the block as written, for FormatShrunk.
	block rawBlock
}

// ParsePlan reads a Markdown test plan and returns the scenarios its
// ```faultline blocks declare, checked against the registry: unknown or
// missing fields, unknown systems, models, checkers, fault kinds and bad
// values are errors with the file and line, listing the valid choices.
// Every error in the plan is reported, joined.
func (r *Registry) ParsePlan(rd io.Reader, file string) ([]PlanScenario, error) {
	blocks, err := parseBlocks(rd, file)
	if err != nil {
		return nil, err
	}
	if len(blocks) == 0 {
		return nil, &PlanError{file, 1, "no ```faultline block found; a plan declares each scenario in one"}
	}
	var out []PlanScenario
	var errs planErrors
	seen := map[string]int{}
	for _, b := range blocks {
		p := blockParser{file: file, reg: r, errs: &errs}
		s := p.scenario(b)
		if s.Name != "" {
			if line, dup := seen[s.Name]; dup {
				errs.add(file, b.line, fmt.Sprintf("scenario %q declared twice (also line %d)", s.Name, line))
			}
			seen[s.Name] = b.line
		}
		out = append(out, PlanScenario{Scenario: s, File: file, Line: b.line, block: b})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// maxScheduleBytes bounds a fault list file a plan names.
const maxScheduleBytes = 16 << 20

// ReadPlan is ParsePlan on a file.
func (r *Registry) ReadPlan(path string) ([]PlanScenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return r.ParsePlan(f, path)
}

// planErrors is every error found in a plan.
type planErrors []*PlanError

func (e *planErrors) add(file string, line int, msg string) {
	*e = append(*e, &PlanError{file, line, msg})
}

func (e planErrors) Error() string {
	var b strings.Builder
	for i, pe := range e {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(pe.Error())
	}
	return b.String()
}

type blockParser struct {
	file string
	reg  *Registry
	errs *planErrors
	// Where node names were given, to check them against the system.
	targetsLine int
	clockLines  map[string]int
	diskLines   map[string]int
	windowLine  int
	optionLines map[string]int
	// diskKindsLine is where nemesis.disk_kinds was given.
	diskKindsLine int
}

func (p *blockParser) fail(line int, format string, args ...any) {
	p.errs.add(p.file, line, fmt.Sprintf(format, args...))
}

func (p *blockParser) scenario(b rawBlock) Scenario {
	before := len(*p.errs)
	var s Scenario
	s.Claim.Kind = "safety"
	based := false
	for _, f := range b.fields {
		if f.key == "base" {
			base, err := p.reg.Scenario(f.value)
			if err != nil {
				p.fail(f.line, "base: %v", err)
				break
			}
			s, based = base, true
			s.Nemesis.Schedule = s.Nemesis.Schedule.Clone()
		}
	}
	have := map[string]rawField{}
	for _, f := range b.fields {
		if _, known := planFields[f.key]; !known {
			p.fail(f.line, "unknown field %q; valid: %s", f.key, strings.Join(sortedKeys(planFields), ", "))
			continue
		}
		if prev, dup := have[f.key]; dup {
			p.fail(f.line, "field %q given twice (also line %d)", f.key, prev.line)
			continue
		}
		have[f.key] = f
		_, isSection := sectionFields[f.key]
		if isSection && f.value != "" {
			fields := strings.Join(sectionFields[f.key], ", ")
			switch f.key {
			case "clocks":
				fields = "NODE: offset=DURATION, drift_ppm=N"
			case "disks":
				fields = "NODE: sync_latency=L, write_latency=L, read_latency=L"
			}
			p.fail(f.line, "%s is a section: put its fields on the indented lines below it (%s)", f.key, fields)
			continue
		}
		if !isSection && f.value == "" {
			p.fail(f.line, "field %q has no value", f.key)
			continue
		}
		switch {
		case isSection && f.key == "clocks":
			p.clocks(&s, f)
		case isSection && f.key == "disks":
			p.disks(&s, f)
		case isSection && f.key == "system_options":
			p.systemOptions(&s, f)
		case isSection:
			p.section(&s, f)
		}
	}
	for _, k := range sortedKeys(planFields) {
		if _, ok := have[k]; !ok && planFields[k] && (!based || k == "scenario") {
			p.fail(b.line, "scenario block lacks required field %q", k)
		}
	}
	get := func(k string) (string, int) { return have[k].value, have[k].line }
	if v, _ := get("scenario"); v != "" {
		s.Name = v
	}
	if v, _ := get("falsifies"); v != "" {
		s.Claim.IDs = splitList(v)
	}
	if v, _ := get("claim"); v != "" {
		s.Claim.Text = v
	}
	if v, line := get("kind"); v != "" {
		kinds := []string{"durability", "idempotency", "isolation", "liveness", "membership", "ordering", "performance", "safety"}
		if !contains(kinds, v) {
			p.fail(line, "kind %q is not a claim kind; valid: %s", v, strings.Join(kinds, ", "))
		}
		s.Claim.Kind = v
	}
	var sys System
	if based {
		sys, _ = p.reg.System(s.System)
	}
	if v, line := get("system"); v != "" {
		var err error
		if sys, err = p.reg.System(v); err != nil {
			p.fail(line, "%v", err)
		}
		s.System = v
	}
	if v, line := get("bugs"); v != "" {
		s.Bugs = splitList(v)
		for _, bug := range s.Bugs {
			if sys.Name != "" && !sys.hasBug(bug) {
				p.fail(line, "system %s has no bug %q; valid: %s", sys.Name, bug, strings.Join(sys.bugNames(), ", "))
			}
		}
	}
	if v, line := get("model"); v != "" {
		s.Model = history.Model(v)
		if !containsModel(history.Models(), s.Model) {
			p.fail(line, "unknown model %q; valid: %v", v, history.Models())
		} else if sys.Name != "" && !containsModel(sys.Models, s.Model) {
			p.fail(line, "system %s does not implement model %s; it implements %v", sys.Name, v, sys.Models)
		}
	}
	if v, line := get("checker"); v != "" {
		s.Checker = v
		if v != NoChecker {
			c, err := p.reg.Checker(v)
			switch {
			case err != nil:
				p.fail(line, "%v (or %q for none)", err, NoChecker)
			case s.Model != "" && len(c.Models) > 0 && !containsModel(c.Models, s.Model):
				p.fail(line, "checker %s does not judge model %s; it judges %v", v, s.Model, c.Models)
			}
		}
	}
	if v, line := get("delivery"); v != "" {
		d, err := checkers.ParseDelivery(v)
		if err != nil {
			p.fail(line, "delivery: %v", err)
		}
		s.Options.Delivery = d
		if s.Checker != "" && !checkers.NeedsDelivery(s.Checker) {
			p.fail(line, "delivery: checker %s judges no delivery claim (only queue and log do)", s.Checker)
		}
	}
	if s.Checker != "" && checkers.NeedsDelivery(s.Checker) && s.Options.Delivery == "" {
		line := have["checker"].line
		if line == 0 {
			line = b.line
		}
		p.fail(line, "checker %s judges a delivery claim: state it with \"delivery: %s\" or \"delivery: %s\"", s.Checker, checkers.ExactlyOnce, checkers.AtLeastOnce)
	}
	if v, line := get("history"); v != "" {
		var set history.FieldSet
		for _, name := range splitList(v) {
			f, err := history.ParseField(name)
			if err != nil {
				p.fail(line, "history: %v", err)
				continue
			}
			set = set.Union(history.Fields(f))
		}
		s.History = set.Union(history.CoreFields)
	}
	if v, line := get("seeds"); v != "" {
		s.Seeds = p.positive(line, "seeds", v)
	}
	if v, line := get("failover"); v != "" {
		s.Failover = p.boolean(line, "failover", v)
		switch {
		case !s.Failover:
		case s.Nemesis.None:
			p.fail(line, "failover: true, but nemesis kinds: none: a failover scenario needs faults that can move the primary")
		case s.History != 0 && !s.History.Has(history.FieldNodeSeen):
			p.fail(line, "failover: true needs the history field node_seen (failovers are counted from the node that served each write); add it to history")
		}
	}
	if s.Nemesis.Schedule == nil && !s.Nemesis.None && s.Nemesis.Budget.Allows(nemesis.Disk) && len(s.Nemesis.Budget.DiskKinds) == 0 {
		line := have["nemesis"].line
		if line == 0 {
			line = b.line
		}
		p.fail(line, "nemesis.kinds allows disk, but no disk fault is named: add disk_kinds (one or more of %s)", diskKindNames())
	}
	if p.diskKindsLine > 0 && !s.Nemesis.Budget.Allows(nemesis.Disk) && s.Nemesis.Schedule == nil {
		p.fail(p.diskKindsLine, "nemesis.disk_kinds: kinds does not allow disk; add disk to kinds, or drop disk_kinds")
	}
	if sys.Name != "" && s.Nemesis.Schedule == nil {
		for _, k := range s.Nemesis.Budget.Kinds {
			if !containsKind(sys.Faults, k) {
				p.fail(have["nemesis"].line, "system %s cannot be tested under fault %s; it supports %v", sys.Name, k, sys.Faults)
			}
		}
	}
	if s.Workload.Until == 0 && (have["run"].line > 0 || have["workload"].line > 0) {
		simTime := s.SimTime
		if simTime == 0 {
			simTime = DefaultSimTime
		}
		// The system's own start delay (Cluster.StartAfter) is known only
		// once it is built: runnable below checks it.
		if _, err := workloadUntil(simTime, s.Workload); err != nil {
			line := have["run"].line
			if line == 0 {
				line = have["workload"].line
			}
			p.fail(line, "%v; give run.time more, or workload.timeout less", err)
		}
	}
	p.checkSystemOptions(s, sys)
	p.nodeNames(s, sys)
	p.window(s)
	if wf, ok := have["workload"]; ok && s.Model != "" && containsModel(history.Models(), s.Model) {
		cfg := s.Workload
		cfg.Model, cfg.Targets = s.Model, []string{"n1"}
		if _, err := workloads.New(cfg); err != nil {
			p.fail(wf.line, "workload: %v", err)
		}
	}
	if len(*p.errs) == before {
		p.runnable(s, have, b.line)
	}
	return s
}

// runnable reports, at the line of the field it comes from, what a run
// would refuse in a block that has no error of its own: what only the
// built system knows (its start delay, its nodes), the workload with its
// defaults, the network and disk, the fault schedule.
func (p *blockParser) runnable(s Scenario, have map[string]rawField, blockLine int) {
	err := p.reg.Runnable(s)
	if err == nil {
		return
	}
	line, hint := blockLine, ""
	var fe *fieldError
	if errors.As(err, &fe) {
		switch fe.field {
		case "run":
			hint = "; give run.time more, or workload.timeout less"
			if have["run"].line == 0 {
				hint = "; give it more with a run section (time: ...), or workload.timeout less"
			}
		case "system":
			// What the system was given to build: its options, else
			// its topology, else the system itself.
			switch {
			case have["system_options"].line > 0:
				fe.field = "system_options"
			case have["topology"].line > 0:
				fe.field = "topology"
			}
		case "nemesis":
			if errors.Is(err, nemesis.ErrNoFaults) {
				kinds := kindNames()
				if sys, err := p.reg.System(s.System); err == nil && len(sys.Faults) > 0 {
					var ks []string
					for _, k := range sys.Faults {
						ks = append(ks, string(k))
					}
					kinds = strings.Join(ks, ", ")
				}
				hint = fmt.Sprintf("; name them in the nemesis section (kinds: one or more of %s), or kinds: none", kinds)
			}
		}
		fields := []string{fe.field}
		if fe.field == "run" {
			fields = append(fields, "workload") // the timeout that needs the time
		}
		for _, f := range fields {
			if l := have[f].line; l > 0 {
				line = l
				break
			}
		}
	}
	p.fail(line, "a run would refuse this scenario: %v%s", err, hint)
}

func (p *blockParser) section(s *Scenario, f rawField) {
	valid := sectionFields[f.key]
	seen := map[string]int{}
	for _, sf := range f.sub {
		if !contains(valid, sf.key) {
			p.fail(sf.line, "unknown %s field %q; valid: %s", f.key, sf.key, strings.Join(valid, ", "))
			continue
		}
		if prev, dup := seen[sf.key]; dup {
			p.fail(sf.line, "%s.%s given twice (also line %d)", f.key, sf.key, prev)
			continue
		}
		seen[sf.key] = sf.line
		if sf.value == "" {
			p.fail(sf.line, "%s.%s has no value", f.key, sf.key)
			continue
		}
		p.set(s, f.key+"."+sf.key, sf.value, sf.line)
	}
	if len(f.sub) == 0 {
		p.fail(f.line, "section %s is empty; its fields: %s", f.key, strings.Join(valid, ", "))
	}
}

func (p *blockParser) set(s *Scenario, key, v string, line int) {
	if p.setMore(s, key, v, line) {
		return
	}
	switch key {
	case "nemesis.kinds":
		s.Nemesis.Budget.Kinds, s.Nemesis.None = nil, false
		if v == "none" {
			s.Nemesis.None = true
			return
		}
		for _, name := range splitList(v) {
			k, err := nemesis.ParseKind(name)
			if err != nil {
				var valid []string
				for _, k := range nemesis.Kinds() {
					valid = append(valid, string(k))
				}
				p.fail(line, "nemesis.kinds: unknown fault kind %q; valid: %s, or none", name, strings.Join(valid, ", "))
				continue
			}
			s.Nemesis.Budget.Kinds = append(s.Nemesis.Budget.Kinds, k)
		}
	case "nemesis.max_down":
		s.Nemesis.Budget.MaxDown = p.positive(line, key, v)
	case "nemesis.max_faults":
		s.Nemesis.Budget.MaxFaults = p.atMost(line, key, v, maxPlanFaults)
	case "nemesis.swarm":
		b, err := strconv.ParseBool(v)
		if err != nil {
			p.fail(line, "nemesis.swarm: %q is not true or false", v)
		}
		s.Nemesis.Swarm = b
	case "nemesis.roles":
		s.Nemesis.Budget.Roles, s.Nemesis.NoRoles = nil, false
		if v == "none" {
			s.Nemesis.NoRoles = true
			return
		}
		for _, r := range splitList(v) {
			if r == nemesis.AnyRole || strings.HasPrefix(r, nemesis.NotPrefix) {
				p.fail(line, "nemesis.roles: %q is a selector, not a role; list the roles the nodes declare (leader, primary, ...), or none", r)
				continue
			}
			s.Nemesis.Budget.Roles = append(s.Nemesis.Budget.Roles, r)
		}
	case "nemesis.jitter":
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			p.fail(line, "nemesis.jitter: %q is not a duration of 0 or more (e.g. 0s, 200ms)", v)
		}
		s.Nemesis.Jitter = d
	case "nemesis.generate":
		b, err := strconv.ParseBool(v)
		if err != nil {
			p.fail(line, "nemesis.generate: %q is not true or false", v)
		}
		s.Nemesis.Extend = b
	case "nemesis.drift":
		d := nemesis.DriftDirection(v)
		if d != nemesis.DriftBoth && d != nemesis.DriftFast && d != nemesis.DriftSlow {
			p.fail(line, "nemesis.drift: %q; valid: fast, slow, both", v)
		}
		s.Nemesis.Budget.DriftDirection = d
	case "nemesis.evidence":
		if v != "required" {
			p.fail(line, "nemesis.evidence: %q; valid: required (a fault without landing evidence never passes)", v)
		}
	case "nemesis.schedule":
		path := v
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(p.file), path)
		}
		data, err := inputfile.ReadAll(path, maxScheduleBytes)
		if err != nil {
			p.fail(line, "nemesis.schedule: %v", err)
			return
		}
		sched, err := nemesis.ParseSchedule(data)
		if err != nil {
			p.fail(line, "nemesis.schedule %s: %v", v, err)
			return
		}
		s.Nemesis.Schedule = sched
		for _, f := range sched {
			if !containsKind(s.Nemesis.Budget.Kinds, f.Kind) {
				s.Nemesis.Budget.Kinds = append(s.Nemesis.Budget.Kinds, f.Kind)
			}
		}
	case "workload.clients":
		s.Workload.Clients = p.positive(line, key, v)
	case "workload.operations":
		s.Workload.OpsPerClient = p.positive(line, key, v)
	case "workload.keys":
		s.Workload.Keys = p.positive(line, key, v)
	case "workload.retries":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			p.fail(line, "workload.retries: %q is not a count (0 or more)", v)
		}
		s.Workload.Retries = n
	case "workload.key_dist":
		s.Workload.KeyDist = workloads.KeyDist(v)
		if v != string(workloads.KeysUniform) && v != string(workloads.KeysZipf) {
			p.fail(line, "workload.key_dist: %q; valid: %s, %s", v, workloads.KeysUniform, workloads.KeysZipf)
		}
	case "workload.targeting":
		s.Workload.Targeting = workloads.Targeting(v)
		valid := []string{string(workloads.TargetRandom), string(workloads.TargetRoundRobin), string(workloads.TargetSticky)}
		if !contains(valid, v) {
			p.fail(line, "workload.targeting: %q; valid: %s", v, strings.Join(valid, ", "))
		}
	case "workload.timeout":
		s.Workload.Timeout = p.duration(line, key, v)
	case "workload.think_time":
		s.Workload.ThinkTime = p.duration(line, key, v)
	case "workload.mix":
		mix := map[string]int{}
		for _, part := range splitList(v) {
			op, w, ok := strings.Cut(part, "=")
			n, err := strconv.Atoi(strings.TrimSpace(w))
			if !ok || err != nil || n < 0 {
				p.fail(line, "workload.mix: %q is not op=weight (e.g. read=5, write=4)", part)
				continue
			}
			mix[strings.TrimSpace(op)] = n
		}
		s.Workload.Mix = mix
	case "topology.nodes":
		s.Nodes = p.atMost(line, key, v, maxPlanNodes)
	case "run.time":
		s.SimTime = p.duration(line, key, v)
	case "run.events":
		s.MaxEvents = int64(p.positive(line, key, v))
	}
}

func (p *blockParser) positive(line int, key, v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		p.fail(line, "%s: %q is not a positive whole number", key, v)
		return 0
	}
	return n
}

// The bounds of a plan's sizes: checking a plan builds its system and
// draws its faults, which must not exhaust the host.
const (
	maxPlanNodes  = 1000
	maxPlanFaults = 10_000
)

// atMost is positive with an upper bound.
func (p *blockParser) atMost(line int, key, v string, limit int) int {
	n := p.positive(line, key, v)
	if n > limit {
		p.fail(line, "%s: %d is more than %d", key, n, limit)
		return 0
	}
	return n
}

func (p *blockParser) duration(line int, key, v string) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(line, "%s: %q is not a positive duration (e.g. 500ms, 15s)", key, v)
		return 0
	}
	return d
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kindNames lists the fault kinds for a message.
func kindNames() string {
	var out []string
	for _, k := range nemesis.Kinds() {
		out = append(out, string(k))
	}
	return strings.Join(out, ", ")
}

func containsKind(ks []nemesis.Kind, k nemesis.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
