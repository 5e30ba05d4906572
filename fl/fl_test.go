package fl_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/fl"
	"github.com/faultline-dst/faultline/sweep"
)

// store is a one-node key-value store written as a request handler; with
// lossy it acknowledges every third write without keeping it.
type store struct {
	values map[string]json.RawMessage
	lossy  bool
	writes int
}

func (s *store) Handle(env *fl.Env, req fl.Request) fl.Reply {
	cur, ok := s.values[req.Key]
	if !ok {
		cur = json.RawMessage("null")
	}
	switch req.Op {
	case "read":
		return fl.OK(map[string]json.RawMessage{"value": cur})
	case "write":
		var in struct{ Value json.RawMessage }
		if err := req.Decode(&in); err != nil {
			return fl.Fail(err.Error())
		}
		if s.writes++; !s.lossy || s.writes%3 != 0 {
			s.values[req.Key] = in.Value
		}
		return fl.OK(nil)
	case "cas":
		var in struct{ From, To json.RawMessage }
		if err := req.Decode(&in); err != nil {
			return fl.Fail(err.Error())
		}
		swapped := string(cur) == string(in.From)
		if swapped {
			s.values[req.Key] = in.To
		}
		return fl.OK(map[string]bool{"ok": swapped})
	}
	return fl.Fail("unknown op " + req.Op)
}

// storeRegistry declares the store and two scenarios: correct, and with
// its bug switched on.
func storeRegistry() *fl.Registry {
	sys := fl.System{
		Name: "store", Models: []fl.Model{fl.KV}, Faults: []fl.Fault{fl.Pause}, DefaultNodes: 1,
		Bugs: []fl.Bug{{Name: "lossy", Claim: "acknowledged writes are visible", Fault: "none needed"}},
		Build: func(b fl.Build) (fl.Cluster, error) {
			lossy := len(b.Bugs) > 0
			f := fl.Serve(func() fl.Service { return &store{values: map[string]json.RawMessage{}, lossy: lossy} })
			return fl.Cluster{Nodes: []fl.NodeSpec{{Name: "s1", Factory: f}}}, nil
		},
	}
	correct := fl.Scenario{
		Name:     "store_linearizable_under_pauses",
		Claim:    fl.Claim{IDs: []string{"S1"}, Text: "reads see the latest acknowledged write"},
		Model:    fl.KV,
		Checker:  "linearizable",
		Workload: fl.Workload{Clients: 3, OpsPerClient: 30, Keys: 2, Timeout: 200 * time.Millisecond},
		Nemesis:  fl.Faults(fl.Pause),
		SimTime:  3 * time.Second,
	}
	buggy := correct
	buggy.Name, buggy.Bugs = correct.Name+"@lossy", []string{"lossy"}
	return fl.MustDeclare(sys, correct, buggy)
}

// TestMain serves as a worker when a test starts this binary as one
// (TestServeWorker).
func TestMain(m *testing.M) {
	fl.ServeWorker(storeRegistry())
	os.Exit(m.Run())
}

func TestTestPassesACorrectSystem(t *testing.T) {
	rs := fl.Test(t, storeRegistry(), "store_linearizable_under_pauses")
	if len(rs) == 0 {
		t.Fatal("no seed ran")
	}
	for _, r := range rs {
		if !r.Verdict.IsPass() || r.Scenario != "store_linearizable_under_pauses" {
			t.Errorf("seed %d: %s %s", r.Seed, r.Scenario, r.Verdict)
		}
	}
}

func TestExpectBugFindsTheBug(t *testing.T) {
	rs := fl.ExpectBug(t, storeRegistry(), "store_linearizable_under_pauses@lossy", fl.ExpectedBug{Anomaly: "not-linearizable", Seeds: 3, MinFound: 3})
	if len(rs) != 3 {
		t.Fatalf("%d seeds ran, want 3", len(rs))
	}
}

// TestMustDeclare: the scenarios take the system's name when they name
// none; a declaration error is a panic naming it.
func TestMustDeclare(t *testing.T) {
	build := func(fl.Build) (fl.Cluster, error) { return fl.Cluster{}, nil }
	sys := fl.System{Name: "sys", Models: []fl.Model{fl.KV, fl.Queue}, Build: build}
	kv := fl.Scenario{Name: "a", Model: fl.KV, Checker: "linearizable"}
	tests := []struct {
		name      string
		sys       fl.System
		scenarios []fl.Scenario
		panics    string // "" when it must not
	}{
		{"one scenario", sys, []fl.Scenario{kv}, ""},
		{"a system alone", sys, nil, ""},
		{"a queue states its delivery claim", sys, []fl.Scenario{{Name: "q", Model: fl.Queue, Checker: "queue", Options: fl.CheckerOptions{Delivery: fl.AtLeastOnce}}}, ""},
		{"a queue without its delivery claim", sys, []fl.Scenario{{Name: "q", Model: fl.Queue, Checker: "queue"}}, "delivery claim"},
		{"a system without Build", fl.System{Name: "sys"}, nil, "needs a name and a Build function"},
		{"a scenario twice", sys, []fl.Scenario{kv, kv}, `scenario "a" registered twice`},
		{"an unknown checker", sys, []fl.Scenario{{Name: "b", Model: fl.KV, Checker: "linearisable"}}, `unknown checker "linearisable"`},
		{"another system", sys, []fl.Scenario{{Name: "c", System: "other", Model: fl.KV, Checker: "linearizable"}}, `unknown system "other"`},
		{"a bug the system lacks", sys, []fl.Scenario{{Name: "d", Model: fl.KV, Checker: "linearizable", Bugs: []string{"x"}}}, `has no bug "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				got := ""
				if r != nil {
					got = r.(error).Error()
				}
				if (tt.panics == "") != (r == nil) || !strings.Contains(got, tt.panics) {
					t.Errorf("panic %q, want one containing %q", got, tt.panics)
				}
			}()
			reg := fl.MustDeclare(tt.sys, tt.scenarios...)
			for _, s := range tt.scenarios {
				got, err := reg.Scenario(s.Name)
				if err != nil || got.System != tt.sys.Name {
					t.Errorf("scenario %s: system %q, %v", s.Name, got.System, err)
				}
			}
		})
	}
}

// TestFaultsEveryKind: Faults takes any of the kinds fl names, with one
// node down at a time.
func TestFaultsEveryKind(t *testing.T) {
	kinds := []fl.Fault{fl.Pause, fl.Crash, fl.Partition, fl.Clog, fl.Loss, fl.Duplicate, fl.Reorder,
		fl.ClockOffset, fl.ClockDrift, fl.ClockJump, fl.Disk, fl.Upgrade}
	n := fl.Faults(kinds...)
	if len(n.Budget.Kinds) != len(kinds) || n.Budget.MaxDown != 1 || n.None {
		t.Errorf("Faults: %+v", n)
	}
	if none := fl.Faults(); len(none.Budget.Kinds) != 0 {
		t.Errorf("Faults(): %+v", none)
	}
}

// relay is a two-node replicated register: n1 leads and acknowledges a
// write once n2 has it (Later, then Answer); n2 redirects clients to n1.
// It says what it saw on calls, to show every part of a Service is
// reached: Start, Timer, Receive (Peer) and Handle.
type relay struct {
	calls   *[]string
	values  map[string]json.RawMessage
	pending map[uint64]pendingWrite
	next    uint64
}

type pendingWrite struct {
	req   fl.Request
	value json.RawMessage
}

// peerMsg is what n1 and n2 tell each other: a write to copy, or its
// acknowledgement.
type peerMsg struct {
	Seq   uint64          `json:"seq"`
	Key   string          `json:"key,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
	Ack   bool            `json:"ack,omitempty"`
}

func (r *relay) Start(env *fl.Env) {
	*r.calls = append(*r.calls, "start "+env.Name())
	env.SetTimer(time.Millisecond, "hello")
}

func (r *relay) Timer(env *fl.Env, _ fl.TimerID, tag string) {
	*r.calls = append(*r.calls, "timer "+tag)
}

func (r *relay) Handle(env *fl.Env, req fl.Request) fl.Reply {
	if env.Name() != "n1" {
		return fl.Redirect("n1")
	}
	cur, ok := r.values[req.Key]
	if !ok {
		cur = json.RawMessage("null")
	}
	switch req.Op {
	case "read":
		return fl.OK(map[string]json.RawMessage{"value": cur})
	case "write":
		var in struct{ Value json.RawMessage }
		if err := req.Decode(&in); err != nil {
			return fl.Fail(err.Error())
		}
		r.next++
		r.pending[r.next] = pendingWrite{req, in.Value}
		msg, _ := json.Marshal(peerMsg{Seq: r.next, Key: req.Key, Value: in.Value})
		env.Send("n2", msg)
		return fl.Later()
	}
	return fl.Fail("unsupported op " + req.Op)
}

func (r *relay) Receive(env *fl.Env, from string, b []byte) {
	var m peerMsg
	if err := json.Unmarshal(b, &m); err != nil {
		env.Fail("peer message %q: %v", b, err)
		return
	}
	*r.calls = append(*r.calls, "peer "+from)
	if !m.Ack { // n2: keep it, acknowledge it
		r.values[m.Key] = m.Value
		ack, _ := json.Marshal(peerMsg{Seq: m.Seq, Ack: true})
		env.Send(from, ack)
		return
	}
	p, ok := r.pending[m.Seq]
	if !ok {
		return
	}
	delete(r.pending, m.Seq)
	r.values[p.req.Key] = p.value
	fl.Answer(env, p.req, fl.OK(nil))
}

// TestServeRoutesEveryPart: with no faults, every operation of the relay
// completes: writes answered after replication, clients sent from n2 to
// n1; and Start, Timer and Receive were each called.
func TestServeRoutesEveryPart(t *testing.T) {
	var calls []string
	reg := fl.MustDeclare(fl.System{
		Name: "relay", Models: []fl.Model{fl.Register}, DefaultNodes: 2, FixedTopology: true,
		Build: func(fl.Build) (fl.Cluster, error) {
			f := fl.Serve(func() fl.Service {
				return &relay{calls: &calls, values: map[string]json.RawMessage{}, pending: map[uint64]pendingWrite{}}
			})
			return fl.Cluster{Nodes: []fl.NodeSpec{{Name: "n1", Factory: f}, {Name: "n2", Factory: f}}}, nil
		},
	}, fl.Scenario{
		Name: "relay_register", Model: fl.Register, Checker: "linearizable",
		Workload: fl.Workload{Clients: 2, OpsPerClient: 20, Keys: 1, Mix: map[string]int{"read": 1, "write": 1}, Timeout: 200 * time.Millisecond},
		Nemesis:  fl.Nemesis{None: true},
		SimTime:  2 * time.Second,
	})
	s, err := reg.Scenario("relay_register")
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.Run(s, 1, fl.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict.IsFail() || res.Operations == 0 || res.OpsOK != res.Operations {
		t.Errorf("%s: %d operations, %d ok, %d fail, %d info: %s", res.Verdict, res.Operations, res.OpsOK, res.OpsFail, res.OpsInfo, res.Reason)
	}
	all := strings.Join(calls, "\n")
	for _, want := range []string{"start n1", "start n2", "timer hello", "peer n1", "peer n2"} {
		if !strings.Contains(all, want+"\n") && !strings.HasSuffix(all, want) {
			t.Errorf("no %q among the calls", want)
		}
	}
}

// TestServeWorker: a test binary whose TestMain calls ServeWorker is a
// faultline worker when faultline starts it as one: it announces its
// scenarios.
func TestServeWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts this test binary as a worker")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), sweep.WorkerEnv+"=1")
	cmd.Stdin = strings.NewReader(`{"scenario":"store_linearizable_under_pauses@lossy","seed":1}` + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("worker: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 64<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	var hello sweep.Hello
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &hello) != nil || len(hello.Scenarios) != 2 {
		t.Fatalf("worker said:\n%s", out)
	}
	var res fl.Result
	if err := json.Unmarshal([]byte(lines[1]), &res); err != nil || !res.Verdict.IsFail() {
		t.Errorf("the worker's result: %s %v", res.Verdict, err)
	}
}
