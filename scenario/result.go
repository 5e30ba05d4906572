package scenario

import (
	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/nemesis"
)

// Result is the outcome of one scenario on one seed: the verdict, its blame
// and the evidence behind both. Everything but HostNS and Artifacts is a
// pure function of the scenario, the seed and the code. Its JSON form is
// one line of a sweep's results file.
type Result struct {
	Scenario string   `json:"scenario"`
	Claims   []string `json:"claims,omitempty"`
	System   string   `json:"system"`
	Bugs     []string `json:"bugs,omitempty"`
	Seed     uint64   `json:"seed"`
	Verdict  Verdict  `json:"verdict"`
	Blame    Blame    `json:"blame"`
	Reason   string   `json:"reason"`
	// Anomaly is the failure's signature ("anomaly:linearizable:
	// not-linearizable", "panic:n2", "harness:time-backwards"); findings
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
	// Faults is the landing evidence of every scheduled fault, and
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
	Artifacts  Artifacts   `json:"artifacts,omitempty"`
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
