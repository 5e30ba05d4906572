package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/sim"
)

// Result is the outcome of one scenario on one seed: the verdict, its blame
// and the evidence behind both. Everything but HostNS and Artifacts is a
// pure function of the scenario, the seed and the code. Its JSON form is
// one line of a sweep's results file.
type Result struct {
	Scenario string `json:"scenario"`
	// Source says where the scenario came from (a Go package, a plan), so
	// that the result line alone names what replays it.
	Source
	Claims  []string `json:"claims,omitempty"`
	System  string   `json:"system"`
	Bugs    []string `json:"bugs,omitempty"`
	Seed    uint64   `json:"seed"`
	Verdict Verdict  `json:"verdict"`
	Blame   Blame    `json:"blame"`
	Reason  string   `json:"reason"`
	// Anomaly is the failure's signature ("anomaly:linearizable:
	// not-linearizable", "panic:SITE: MESSAGE" (see PanicSignature),
	// "harness:time-backwards"); findings
	// group by it.
	Anomaly   string `json:"anomaly,omitempty"`
	TraceHash string `json:"trace_hash"`
	Events    int64  `json:"events"`
	Messages  int64  `json:"messages"`
	// Operations counts history records; OpsOK, OpsFail and OpsInfo split
	// them by outcome.
	Operations int    `json:"operations"`
	OpsOK      int    `json:"ops_ok"`
	OpsFail    int    `json:"ops_fail"`
	OpsInfo    int    `json:"ops_info"`
	SimNS      int64  `json:"sim_ns"`
	HostNS     int64  `json:"host_ns"`
	Stop       string `json:"stop"`
	// Checker is the checker's full answer (nil when none ran).
	Checker *checkers.Result `json:"checker,omitempty"`
	// CrossCheck is the independent re-judgement of the checker's anomaly
	// (nil when there was none): whether it ran, agrees, and why.
	CrossCheck *CrossCheck `json:"cross_check,omitempty"`
	// Faults is the landing evidence of every scheduled fault (Landed and
	// Detail as the verdict judged them: with a client operation in
	// flight in the fault's window or recovery), and
	// Schedule the schedule itself (an explicit fault list that replays).
	Faults   []nemesis.Evidence `json:"faults"`
	Schedule nemesis.Schedule   `json:"schedule"`
	// Failovers counts the failovers the history shows (see Failovers), set
	// only for a scenario that declares itself a failover scenario: a sweep
	// must see more than one over its seeds.
	Failovers *int `json:"failovers,omitempty"`
	// Checks are METHOD.md's green-but-broken checks.
	Checks     []Check     `json:"checks"`
	Rerun      string      `json:"rerun_hash,omitempty"` // the rerun's trace hash, when failed
	Divergence *Divergence `json:"divergence,omitempty"`
	Error      string      `json:"error,omitempty"`
	// Panic is the panic that stopped the run, when one did.
	Panic     *PanicInfo `json:"panic,omitempty"`
	Artifacts Artifacts  `json:"artifacts,omitempty"`
}

// Artifacts are files a run wrote, when asked to.
type Artifacts struct {
	Trace   string `json:"trace,omitempty"`
	History string `json:"history,omitempty"`
	// HistoryPage and TracePage are the run's pictures (self-contained
	// HTML), written by the command line's --out.
	HistoryPage string `json:"history_page,omitempty"`
	TracePage   string `json:"trace_page,omitempty"`
}

// Source is where a scenario came from, beyond the built-in reference
// scenarios: the Go package whose test binary registers it, and the plan
// file that declares it. Both are empty for a built-in scenario.
type Source struct {
	// Package is the package as faultline's commands take it: its import
	// path when it belongs to the module faultline ran in, else its
	// absolute directory.
	Package string `json:"package,omitempty"`
	// Plan is the plan file as it was named on the command line.
	Plan string `json:"plan,omitempty"`
}

// Compare orders sources: by package, then plan (the built-in source,
// empty, first).
func (s Source) Compare(o Source) int {
	if c := strings.Compare(s.Package, o.Package); c != 0 {
		return c
	}
	return strings.Compare(s.Plan, o.Plan)
}

// String names the source for a reader: "package P, plan F", "plan F",
// or "built in".
func (s Source) String() string {
	var parts []string
	if s.Package != "" {
		parts = append(parts, "package "+s.Package)
	}
	if s.Plan != "" {
		parts = append(parts, "plan "+s.Plan)
	}
	if len(parts) == 0 {
		return "built in"
	}
	return strings.Join(parts, ", ")
}

// Command is the faultline command line verb (run, replay, sweep, ...)
// with the source's package and plan: "faultline replay PKG --plan P".
// Extra arguments go between the package and the plan. Arguments are
// quoted for a POSIX shell where they need it.
func (s Source) Command(verb string, args ...string) string {
	parts := []string{"faultline", verb}
	if s.Package != "" {
		parts = append(parts, s.Package)
	}
	parts = append(parts, args...)
	if s.Plan != "" {
		parts = append(parts, "--plan", s.Plan)
	}
	for i, p := range parts {
		parts[i] = shellQuote(p)
	}
	return strings.Join(parts, " ")
}

// ReplayCommand is the command line that replays this result: its
// scenario and seed, from its package and plan.
func (r Result) ReplayCommand() string {
	return r.Source.Command("replay", "--scenario", r.Scenario, "--seed", strconv.FormatUint(r.Seed, 10))
}

// shellQuote quotes s for a POSIX shell unless it is made only of
// characters no shell treats specially.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./@:=,+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// PanicInfo is what a reader of a finding needs of a panic, or of a call
// into a node that never returned (stuck): where, its message and the
// first frames of its stack.
type PanicInfo struct {
	Node    string `json:"node,omitempty"` // "" for a harness action
	Event   string `json:"event"`          // what the node was doing: "receive from c1", "timer tick", ...
	Message string `json:"message"`
	// Frames are the innermost frames of the panicking stack (at most
	// maxPanicFrames), "function (file:line)" when the stack names the
	// line.
	Frames []string `json:"frames"`
}

// maxPanicFrames bounds PanicInfo.Frames.
const maxPanicFrames = 6

// panicInfo summarises pe for a Result.
func panicInfo(pe *sim.PanicError) *PanicInfo {
	return stackInfo(&PanicInfo{Node: pe.Node, Event: pe.Event, Message: fmt.Sprint(pe.Value)}, pe.Frames, pe.Stack)
}

// stuckInfo summarises a call that never returned for a Result, as a
// panic is: where it was stuck is what a reader needs.
func stuckInfo(se *sim.StuckError) *PanicInfo {
	return stackInfo(&PanicInfo{Node: se.Node, Event: se.Event, Message: fmt.Sprintf("did not return within %v of host time (stuck)", se.Limit)}, se.Frames, se.Stack)
}

// stackInfo fills p's frames from a stack's function names and its text.
func stackInfo(p *PanicInfo, frames []string, stack string) *PanicInfo {
	lines := strings.Split(stack, "\n")
	for _, fn := range frames {
		if len(p.Frames) == maxPanicFrames {
			break
		}
		frame := fn
		for i, l := range lines {
			if strings.HasPrefix(l, fn+"(") && i+1 < len(lines) {
				loc := strings.TrimSpace(lines[i+1])
				if j := strings.LastIndex(loc, " +0x"); j >= 0 {
					loc = loc[:j]
				}
				frame += " (" + loc + ")"
				break
			}
		}
		p.Frames = append(p.Frames, frame)
	}
	return p
}
