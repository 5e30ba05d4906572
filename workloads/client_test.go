package workloads_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/google/go-cmp/cmp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

const ms = clock.Time(time.Millisecond)

// answer is what a scripted SUT node does with one request: send raw
// (when set) or reply, after delay.
type answer struct {
	reply workloads.Reply
	raw   []byte
	delay time.Duration
}

// scripted is an SUT node whose answers come from a script, given the
// node's name, the request, and how many requests the node has seen.
type scripted struct {
	env    *sim.Env
	script func(node string, n int, req workloads.Request) answer
	n      int
	later  [][]byte
	to     []string
}

func scriptedNode(script func(node string, n int, req workloads.Request) answer) sim.Factory {
	return func(env *sim.Env) sim.Node { return &scripted{env: env, script: script} }
}

func (s *scripted) Start() {}

func (s *scripted) Receive(from string, msg []byte) {
	req, err := workloads.DecodeRequest(msg)
	if err != nil {
		panic(err)
	}
	s.n++
	a := s.script(s.env.Name(), s.n, req)
	b := a.raw
	if b == nil {
		a.reply.ID = req.ID
		b = workloads.EncodeReply(a.reply)
	}
	if a.delay == 0 {
		s.env.Send(from, b)
		return
	}
	s.later, s.to = append(s.later, b), append(s.to, from)
	s.env.SetTimer(a.delay, strconv.Itoa(len(s.later)-1))
}

func (s *scripted) Timer(_ sim.TimerID, tag string) {
	i, _ := strconv.Atoi(tag)
	s.env.Send(s.to[i], s.later[i])
}

func ok(output any) answer {
	a := answer{reply: workloads.Reply{Status: workloads.StatusOK}}
	if output != nil {
		a.reply.Output = history.MustJSON(output)
	}
	return a
}

// world builds and runs a world of the given SUT nodes and workload;
// setup may schedule actions. It returns the workload's history.
func world(t *testing.T, seed uint64, sut []sim.NodeSpec, cfg workloads.Config, setup func(*sim.World)) (*workloads.Workload, history.History, sim.Result) {
	t.Helper()
	var wld *sim.World
	if cfg.Epoch == nil {
		cfg.Epoch = func() []string { return wld.Network().FaultIDs() }
	}
	w, err := workloads.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wld, err = sim.New(sim.Config{Seed: seed, Nodes: append(sut, w.Nodes()...), MaxTime: 30 * time.Second,
		Net: netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: time.Millisecond}}}})
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(wld)
	}
	res, err := wld.Run()
	if err != nil {
		t.Fatal(err)
	}
	h := w.History()
	if err := history.WellFormed(h); err != nil {
		t.Fatal(err)
	}
	// Final hands over the same history without the copy.
	if d := cmp.Diff(h, w.Final()); d != "" {
		t.Fatalf("Final differs from History (-History +Final):\n%s", d)
	}
	for i, o := range h.Ops {
		if o.ID != int64(i+1) || (i > 0 && o.InvokeTS < h.Ops[i-1].InvokeTS) {
			t.Fatalf("op %d at index %d invoked at %d: op_ids are not in invocation order", o.ID, i, o.InvokeTS)
		}
	}
	return w, h, res
}

func memNode(name string) sim.NodeSpec {
	return sim.NodeSpec{Name: name, Factory: memstore.New(memstore.Config{})}
}

func jsonl(t *testing.T, o history.Op) string {
	t.Helper()
	b, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkInfo asserts the record of an operation whose outcome is unknown.
func checkInfo(t *testing.T, o history.Op) {
	t.Helper()
	line := jsonl(t, o)
	if o.Type != history.Info || !o.TimeoutMarker || o.Output != nil || o.FaultEpoch == nil || o.FaultEpoch.Complete != nil ||
		!strings.Contains(line, `"complete_ts":null`) || !strings.Contains(line, `"output":null`) {
		t.Fatalf("not an info record: %s", line)
	}
}

func TestTimeoutWhenSUTCrashes(t *testing.T) {
	cfg := workloads.Config{Model: history.KV, Clients: 2, OpsPerClient: 20, Targets: []string{"n1"}, Timeout: 50 * time.Millisecond}
	crashed := false
	cfg.Epoch = func() []string {
		if crashed {
			return []string{"crash-n1"}
		}
		return nil
	}
	w, h, _ := world(t, 1, []sim.NodeSpec{memNode("n1")}, cfg, func(wld *sim.World) {
		wld.At(60*ms, "crash n1", func(wld *sim.World) { crashed = true; must(t, wld.Crash("n1")) })
	})
	var before, after int
	for _, o := range h.Ops {
		switch {
		case clock.Time(o.InvokeTS) >= 60*ms:
			after++
			checkInfo(t, o)
			if strings.Join(o.FaultEpoch.Invoke, ",") != "crash-n1" {
				t.Fatalf("op %d invoked after the crash has epoch %v", o.ID, o.FaultEpoch.Invoke)
			}
		case o.Type == history.OK:
			before++
			if o.NodeSeen != "n1" || len(o.FaultEpoch.Invoke) != 0 || o.FaultEpoch.Complete == nil {
				t.Fatalf("op before the crash: %s", jsonl(t, o))
			}
		}
	}
	st := w.Stats()
	if before == 0 || after < 10 || st.Timeouts != st.Info || st.Info < after || st.Invoked != len(h.Ops) {
		t.Fatalf("%d ok before, %d info after the crash; stats %+v", before, after, st)
	}
}

func TestTimeoutWhilePartitioned(t *testing.T) {
	cfg := workloads.Config{Model: history.Counter, Clients: 2, OpsPerClient: 40, Targets: []string{"n1"}, Timeout: 30 * time.Millisecond}
	w, h, _ := world(t, 2, []sim.NodeSpec{memNode("n1")}, cfg, func(wld *sim.World) {
		wld.At(50*ms, "partition", func(wld *sim.World) {
			must(t, wld.InstallNetFault("p1", netsim.Fault{Kind: netsim.Cut, Links: netsim.Isolate(3, 0)}))
		})
		wld.At(200*ms, "heal", func(wld *sim.World) { must(t, wld.RemoveNetFault("p1")) })
	})
	var inside, healed int
	for _, o := range h.Ops {
		inv := clock.Time(o.InvokeTS)
		if inv >= 50*ms && inv < 170*ms { // the reply cannot come back before the heal
			inside++
			checkInfo(t, o)
			if strings.Join(o.FaultEpoch.Invoke, ",") != "p1" {
				t.Fatalf("op %d: epoch %v, want p1", o.ID, o.FaultEpoch.Invoke)
			}
		}
		if inv >= 200*ms && o.Type == history.OK {
			healed++
			if len(o.FaultEpoch.Invoke) != 0 || len(o.FaultEpoch.Complete) != 0 {
				t.Fatalf("op %d after the heal: epoch %+v", o.ID, o.FaultEpoch)
			}
		}
	}
	if inside < 4 || healed == 0 || !w.Stats().FinalsDone {
		t.Fatalf("%d ops inside the partition, %d ok after the heal; stats %+v", inside, healed, w.Stats())
	}
}

// TestLateRepliesIgnored delays the answer to the first request beyond
// the timeout: the first op is info, the late reply completes nothing,
// and every op's output comes from the reply to its own request.
func TestLateRepliesIgnored(t *testing.T) {
	sut := scriptedNode(func(_ string, n int, req workloads.Request) answer {
		a := ok(map[string]any{"value": "req-" + strconv.FormatUint(req.ID, 10)})
		if n == 1 {
			a.delay = 80 * time.Millisecond
		}
		return a
	})
	cfg := workloads.Config{Model: history.KV, Clients: 1, OpsPerClient: 30, Targets: []string{"n1"}, Timeout: 20 * time.Millisecond,
		ThinkTime: time.Millisecond, Mix: map[string]int{"read": 1}}
	w, h, _ := world(t, 3, []sim.NodeSpec{{Name: "n1", Factory: sut}}, cfg, nil)
	checkInfo(t, h.Ops[0])
	if st := w.Stats(); st.LateReplies != 1 || st.Info != 1 || st.OK != len(h.Ops)-1 {
		t.Fatalf("stats %+v", st)
	}
	for i, o := range h.Ops[1:] {
		// One request per op: op i+2 sent request i+2.
		if want := `{"value":"req-` + strconv.Itoa(i+2) + `"}`; string(o.Output) != want {
			t.Fatalf("op %d output %s, want %s (a late reply completed the wrong op?)", o.ID, o.Output, want)
		}
	}
}

func TestRedirects(t *testing.T) {
	read := map[string]int{"read": 1}
	t.Run("to the leader hint", func(t *testing.T) {
		sut := scriptedNode(func(node string, _ int, _ workloads.Request) answer {
			if node == "n1" {
				return answer{reply: workloads.Reply{Status: workloads.StatusRedirect, Leader: "n2"}}
			}
			return ok(map[string]any{"value": nil})
		})
		cfg := workloads.Config{Model: history.KV, Clients: 2, OpsPerClient: 10, Targets: []string{"n1"}, Mix: read}
		w, h, _ := world(t, 4, []sim.NodeSpec{{Name: "n1", Factory: sut}, {Name: "n2", Factory: sut}}, cfg, nil)
		for _, o := range h.Ops {
			if o.Type != history.OK || o.NodeSeen != "n2" {
				t.Fatalf("op %d: %s", o.ID, jsonl(t, o))
			}
		}
		if st := w.Stats(); st.Redirects != len(h.Ops) || st.Invoked != len(h.Ops) {
			t.Fatalf("a redirected op must stay one history op: stats %+v for %d ops", st, len(h.Ops))
		}
	})
	t.Run("without a hint to the next target", func(t *testing.T) {
		sut := scriptedNode(func(node string, _ int, _ workloads.Request) answer {
			if node != "n3" {
				return answer{reply: workloads.Reply{Status: workloads.StatusRedirect}}
			}
			return ok(map[string]any{"value": nil})
		})
		cfg := workloads.Config{Model: history.KV, Clients: 1, OpsPerClient: 10, Targets: []string{"n1", "n2", "n3"}, Mix: read, Targeting: workloads.TargetSticky}
		w, h, _ := world(t, 5, []sim.NodeSpec{{Name: "n1", Factory: sut}, {Name: "n2", Factory: sut}, {Name: "n3", Factory: sut}}, cfg, nil)
		for _, o := range h.Ops {
			if o.Type != history.OK || o.NodeSeen != "n3" {
				t.Fatalf("op %d: %s", o.ID, jsonl(t, o))
			}
		}
		if st := w.Stats(); st.Redirects != 2 { // n1 -> n2 -> n3 once; sticky afterwards
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("capped", func(t *testing.T) {
		sent := 0
		sut := scriptedNode(func(node string, _ int, _ workloads.Request) answer {
			sent++
			other := map[string]string{"n1": "n2", "n2": "n1"}[node]
			return answer{reply: workloads.Reply{Status: workloads.StatusRedirect, Leader: other}}
		})
		cfg := workloads.Config{Model: history.KV, Clients: 1, OpsPerClient: 5, Targets: []string{"n1", "n2"}, Mix: read, MaxRedirects: 2}
		w, h, _ := world(t, 6, []sim.NodeSpec{{Name: "n1", Factory: sut}, {Name: "n2", Factory: sut}}, cfg, nil)
		for _, o := range h.Ops {
			if o.Type != history.Fail || !strings.Contains(o.Error, "gave up after 3 redirects") {
				t.Fatalf("op %d: %s", o.ID, jsonl(t, o))
			}
		}
		if st := w.Stats(); st.GaveUp != len(h.Ops) || sent != 3*len(h.Ops) {
			t.Fatalf("stats %+v, %d requests for %d ops", st, sent, len(h.Ops))
		}
	})
	t.Run("to no such node", func(t *testing.T) {
		sut := scriptedNode(func(node string, _ int, _ workloads.Request) answer {
			if node == "n1" {
				return answer{reply: workloads.Reply{Status: workloads.StatusRedirect, Leader: "n9"}}
			}
			return ok(map[string]any{"value": nil})
		})
		cfg := workloads.Config{Model: history.KV, Clients: 1, OpsPerClient: 3, Targets: []string{"n1", "n2"}, Mix: read, Targeting: workloads.TargetRoundRobin}
		w, h, _ := world(t, 7, []sim.NodeSpec{{Name: "n1", Factory: sut}, {Name: "n2", Factory: sut}}, cfg, nil)
		bad := w.BadReplies()
		if len(bad) == 0 || !strings.Contains(bad[0].Err, `leader "n9", which is no node`) || h.Ops[0].NodeSeen != "n2" {
			t.Fatalf("bad replies %v; first op %s", bad, jsonl(t, h.Ops[0]))
		}
	})
}

// TestUnknownIsRetriedWithTheSameInput answers unknown to every first
// attempt: each transfer is recorded as an info op and then again, as a
// new op with the same input (the same idempotency key), which succeeds.
func TestUnknownIsRetriedWithTheSameInput(t *testing.T) {
	seen := map[string]bool{}
	sut := scriptedNode(func(_ string, _ int, req workloads.Request) answer {
		k := req.Op + string(req.Input)
		if req.Op == "transfer" && !seen[k] {
			seen[k] = true
			return answer{reply: workloads.Reply{Status: workloads.StatusUnknown, Error: "lost leadership"}}
		}
		switch req.Op {
		case "balances":
			return ok(map[string]any{"balances": map[string]int{}})
		case "balance":
			return ok(map[string]any{"balance": 0})
		}
		return ok(map[string]any{"applied": true})
	})
	cfg := workloads.Config{Model: history.Ledger, Clients: 2, OpsPerClient: 20, Targets: []string{"n1"}, Retries: 2}
	w, h, _ := world(t, 8, []sim.NodeSpec{{Name: "n1", Factory: sut}}, cfg, nil)
	transfers := 0
	for i, o := range h.Ops {
		if o.OpType != "transfer" || o.Type != history.Info {
			continue
		}
		transfers++
		checkInfo(t, o)
		var retry *history.Op
		for j := i + 1; j < len(h.Ops); j++ {
			if h.Ops[j].Process == o.Process {
				retry = &h.Ops[j]
				break
			}
		}
		if retry == nil || retry.Type != history.OK || !bytes.Equal(retry.Input, o.Input) || retry.ID == o.ID || retry.NodeSeen != "n1" {
			t.Fatalf("op %d (%s) is not followed by its retry: %+v", o.ID, o.Input, retry)
		}
	}
	if st := w.Stats(); transfers == 0 || st.Retries != transfers || st.Timeouts != 0 {
		t.Fatalf("%d info transfers; stats %+v", transfers, st)
	}
}

func TestBadRepliesAreRecorded(t *testing.T) {
	sut := scriptedNode(func(_ string, n int, _ workloads.Request) answer {
		switch n {
		case 1:
			return answer{raw: []byte("not json")}
		case 2:
			return ok(nil) // a read answered ok without its output
		}
		return ok(map[string]any{"value": 1})
	})
	cfg := workloads.Config{Model: history.KV, Clients: 1, OpsPerClient: 4, Targets: []string{"n1"}, Mix: map[string]int{"read": 1}, Timeout: 10 * time.Millisecond}
	w, h, _ := world(t, 9, []sim.NodeSpec{{Name: "n1", Factory: sut}}, cfg, nil)
	bad := w.BadReplies()
	if len(bad) != 2 || !strings.Contains(bad[0].Err, "undecodable reply") || !strings.Contains(bad[1].Err, "ok without the output model kv requires") ||
		bad[0].From != "n1" || bad[0].Client != "client0" {
		t.Fatalf("bad replies: %v", bad)
	}
	checkInfo(t, h.Ops[0])
	checkInfo(t, h.Ops[1])
	if h.Ops[2].Type != history.OK {
		t.Fatalf("op 3: %s", jsonl(t, h.Ops[2]))
	}
}

// TestPendingOpsEndAsInfo stops the world while an operation is in flight:
// History records it as info.
func TestPendingOpsEndAsInfo(t *testing.T) {
	sut := scriptedNode(func(string, int, workloads.Request) answer {
		return answer{reply: workloads.Reply{Status: workloads.StatusOK, Output: json.RawMessage(`{"value":1}`)}, delay: time.Hour}
	})
	cfg := workloads.Config{Model: history.KV, Clients: 1, OpsPerClient: 1, Targets: []string{"n1"}, Timeout: time.Hour, Mix: map[string]int{"read": 1}}
	w, err := workloads.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wld, err := sim.New(sim.Config{Seed: 1, Nodes: append([]sim.NodeSpec{{Name: "n1", Factory: sut}}, w.Nodes()...), MaxTime: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wld.Run(); err != nil {
		t.Fatal(err)
	}
	h := w.History()
	if len(h.Ops) != 1 || w.Stats().Pending != 1 {
		t.Fatalf("%d ops, stats %+v", len(h.Ops), w.Stats())
	}
	checkInfo(t, h.Ops[0])
	if len(h.Ops[0].FaultEpoch.Invoke) != 0 || h.Ops[0].FaultEpoch.Invoke == nil {
		t.Fatalf("no Epoch hook must record an empty epoch: %s", jsonl(t, h.Ops[0]))
	}
	f := w.Final()
	if d := cmp.Diff(h, f); d != "" {
		t.Fatalf("Final differs from History (-History +Final):\n%s", d)
	}
	checkInfo(t, f.Ops[0])
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Error(err)
	}
}

func TestUnknownTargetIsAHarnessPanic(t *testing.T) {
	w, err := workloads.New(workloads.Config{Model: history.KV, Targets: []string{"n9"}})
	if err != nil {
		t.Fatal(err)
	}
	wld, err := sim.New(sim.Config{Seed: 1, Nodes: append([]sim.NodeSpec{memNode("n1")}, w.Nodes()...)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wld.Run()
	var p *sim.PanicError
	if !errors.As(err, &p) || p.Node != "client0" || !strings.Contains(fmt.Sprint(p.Value), `Targets[0] = "n9" is not a node of the world`) {
		t.Fatalf("got %v", err)
	}
}

func TestUntilStopsRegularOperationsButNotFinals(t *testing.T) {
	w, err := workloads.New(workloads.Config{Model: history.KV, Clients: 2, OpsPerClient: 1000, ThinkTime: 10 * time.Millisecond, Until: 200 * time.Millisecond, Targets: []string{"n1"}})
	if err != nil {
		t.Fatal(err)
	}
	world, err := sim.New(sim.Config{Seed: 1, Nodes: append([]sim.NodeSpec{{Name: "n1", Factory: memstore.New(memstore.Config{})}}, w.Nodes()...), MaxTime: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := world.Run(); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if !st.FinalsDone || st.Invoked >= 2000 || st.Invoked < 10 {
		t.Fatalf("stats %+v: want the clients stopped early and the final reads done", st)
	}
	late := 0
	for _, o := range w.History().Ops {
		if o.InvokeTS > int64(200*time.Millisecond) {
			late++
			if o.OpType != "read" {
				t.Fatalf("op %d (%s) invoked at %d after Until", o.ID, o.OpType, o.InvokeTS)
			}
		}
	}
	if late > 3 {
		t.Errorf("%d operations after Until; only the 3 final reads may be", late)
	}
}
