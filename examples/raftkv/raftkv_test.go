package raftkv

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// value returns the kv value of key on a replica, as canonical JSON.
func (n *node) value(key string) string {
	v := n.sm.models["kv"].(*kv).values[key]
	if v == nil {
		return "null"
	}
	return string(v)
}

func wantOK(t *testing.T, o outcome, output string) {
	t.Helper()
	if o.status != workloads.StatusOK {
		t.Errorf("%v: want ok", o)
		return
	}
	if output != "" && canon(t, o.output) != output {
		t.Errorf("%v: want output %s", o, output)
	}
}

func TestElectReplicateReadBack(t *testing.T) {
	c := newCluster(t, 1, Config{}, disk.Config{}, clientSpec{name: "c1", gen: script(
		opWrite("x", 1),
		opRead("x"),
		opCAS("x", 1, 2),
		opCAS("x", 1, 3),
		opRead("x"),
		opRead("never"),
	)})
	c.run(5 * time.Second)
	outs := *c.logs["c1"]
	if len(outs) != 6 {
		t.Fatalf("got %d outcomes, want 6: %v", len(outs), outs)
	}
	wantOK(t, outs[0], "")
	wantOK(t, outs[1], `{"value":1}`)
	wantOK(t, outs[2], `{"ok":true}`)
	wantOK(t, outs[3], `{"ok":false}`)
	wantOK(t, outs[4], `{"value":2}`)
	wantOK(t, outs[5], `{"value":null}`)
	leaders := 0
	var applied []uint64
	c.settle(200 * ms)
	for _, name := range sortedKeys(c.nodes) {
		n := c.nodes[name]
		if n.leader {
			leaders++
		}
		if got := n.value("x"); got != "2" {
			t.Errorf("%s: x = %s, want 2 (replicated)", name, got)
		}
		applied = append(applied, n.applied)
	}
	if leaders != 1 {
		t.Errorf("%d leaders, want 1", leaders)
	}
	if applied[0] != applied[1] || applied[1] != applied[2] {
		t.Errorf("applied indices differ: %v", applied)
	}
	if !checkKV(t, outs) {
		t.Error("history not linearizable")
	}
}

// writes returns a script of n writes of distinct values to key, each
// followed by a read.
func writes(key string, n int) func(int) (step, bool) {
	return func(i int) (step, bool) {
		if i >= 2*n {
			return step{}, false
		}
		if i%2 == 1 {
			return opRead(key), true
		}
		return opWrite(key, i/2+1), true
	}
}

// lastAcked returns the value of the last acknowledged write to key, as
// canonical JSON, and the values of writes whose fate is unknown.
func lastAcked(t *testing.T, outs []outcome, key string) (string, map[string]bool) {
	last, unknown := "null", map[string]bool{}
	for _, o := range outs {
		if o.op != "write" || o.key != key {
			continue
		}
		var v struct{ Value json.RawMessage }
		mustUnmarshal(t, o.input, &v)
		switch {
		case o.status == workloads.StatusOK:
			last = canon(t, v.Value)
		case o.unknown():
			unknown[canon(t, v.Value)] = true
		}
	}
	return last, unknown
}

// TestCrashRecovery crashes a follower and then the leader, with fsync
// loss, while a client writes; both rebuild their state from disk, the
// cluster recovers, and no acknowledged write is lost (the history is
// linearizable and the final read sees the last acknowledged write).
func TestCrashRecovery(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		crash disk.CrashMode
	}{
		{"wal-only", Config{SnapshotEntries: -1}, disk.LoseUnsynced},
		{"snapshots", Config{SnapshotEntries: 20}, disk.LoseUnsynced},
		{"torn-writes", Config{SnapshotEntries: 20}, disk.Tear},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 5; seed++ {
				crashRecovery(t, seed, tc.cfg, tc.crash)
			}
		})
	}
}

func crashRecovery(t *testing.T, seed uint64, cfg Config, mode disk.CrashMode) {
	c := newCluster(t, seed, cfg, disk.Config{Crash: mode, SectorSize: 64},
		clientSpec{name: "c1", gen: writes("x", 60), think: 5 * ms},
		clientSpec{name: "c2", gen: writes("y", 60), think: 7 * ms})
	var crashed []string
	rebuilt := map[string]uint64{} // applied index right after restart
	crashRestart := func(at clock.Time, pick func() string) {
		c.w.At(at, "crash", func(w *sim.World) {
			name := pick()
			if name == "" {
				t.Errorf("seed %d: no node to crash at %v", seed, time.Duration(at))
				return
			}
			crashed = append(crashed, name)
			c.must(w.Crash(name))
			w.At(w.Now()+clock.Time(150*ms), "restart "+name, func(w *sim.World) {
				c.must(w.Restart(name))
				// Runs after the node's start event, before any delivery.
				w.At(w.Now(), "inspect "+name, func(*sim.World) {
					n := c.nodes[name]
					if n.halted != nil {
						t.Errorf("seed %d: %s halted on restart: %v", seed, name, n.halted)
						return
					}
					rebuilt[name] = n.applied
				})
			})
		})
	}
	follower := func() string {
		l := c.leader()
		for _, name := range []string{"n1", "n2", "n3"} {
			if name != l && c.w.IsUp(name) {
				return name
			}
		}
		return ""
	}
	crashRestart(clock.Time(500*ms), follower)
	crashRestart(clock.Time(1200*ms), c.leader)
	c.run(20 * time.Second)
	c.settle(300 * ms)
	outs := c.all()
	if len(crashed) != 2 {
		t.Fatalf("seed %d: crashed %v, want a follower and the leader", seed, crashed)
	}
	for _, name := range crashed {
		if rebuilt[name] <= 1 {
			t.Errorf("seed %d: %s applied %d entries from its disk at restart, want its log back", seed, name, rebuilt[name])
		}
	}
	if !checkKV(t, outs) {
		for _, o := range outs {
			t.Log(o)
		}
		t.Fatalf("seed %d: history not linearizable", seed)
	}
	acked := 0
	for _, o := range outs {
		if o.status == workloads.StatusOK && o.op == "write" {
			acked++
		}
	}
	t.Logf("seed %d: crashed %v, rebuilt applied %v, %d writes acknowledged, %d outcomes", seed, crashed, rebuilt, acked, len(outs))
	if acked < 60 {
		t.Errorf("seed %d: only %d of 120 writes acknowledged; the cluster did not recover", seed, acked)
	}
	for _, key := range []string{"x", "y"} {
		want, unknown := lastAcked(t, outs, key)
		for _, name := range sortedKeys(c.nodes) {
			got := c.nodes[name].value(key)
			if got != want && !unknown[got] {
				t.Errorf("seed %d: %s: %s = %s, want the last acknowledged write %s (or an unknown one)", seed, name, key, got, want)
			}
		}
	}
}

// TestLedgerAndLockThroughRaft drives the ledger and lock models through a
// cluster: exactly-once transfers, floors, reads through ReadIndex, and
// fencing tokens that are raft indices and increase.
func TestLedgerAndLockThroughRaft(t *testing.T) {
	in := func(s string) json.RawMessage { return json.RawMessage(s) }
	c := newCluster(t, 2, Config{Ledger: LedgerConfig{Opening: map[string]int64{"a": 100}}}, disk.Config{},
		clientSpec{name: "c1", gen: script(
			step{model: "ledger", op: "transfer", input: in(`{"from":"a","to":"b","amount":60,"idem":"t1"}`)},
			step{model: "ledger", op: "transfer", input: in(`{"from":"a","to":"b","amount":60,"idem":"t1"}`)},
			step{model: "ledger", op: "transfer", input: in(`{"from":"a","to":"b","amount":60,"idem":"t2"}`)},
			step{model: "ledger", op: "balance", key: "b"},
			step{model: "ledger", op: "balances"},
			step{model: "lock", op: "acquire", key: "L"},
			step{model: "lock", op: "acquire", key: "L"},
		)})
	c.run(5 * time.Second)
	outs := *c.logs["c1"]
	wantOK(t, outs[0], `{"applied":true}`)
	wantOK(t, outs[1], `{"applied":false}`)
	if outs[2].status != workloads.StatusFail {
		t.Errorf("%v: want fail (below the floor)", outs[2])
	}
	wantOK(t, outs[3], `{"balance":60}`)
	wantOK(t, outs[4], `{"balances":{"a":40,"b":60}}`)
	wantOK(t, outs[5], "")
	var tok struct{ Token uint64 }
	mustUnmarshal(t, outs[5].output, &tok)
	leader := c.nodes[c.leader()]
	if tok.Token < 2 || tok.Token > leader.applied {
		t.Errorf("token %d is not a raft index of the log (applied %d)", tok.Token, leader.applied)
	}
	if outs[6].status != workloads.StatusFail {
		t.Errorf("%v: second acquire of a held lock: want fail", outs[6])
	}
}

// TestLaggingFollowerGetsSnapshot keeps a follower down while the others
// compact their logs past it: it catches up from a snapshot sent by the
// leader, persists it, and recovers from it after another crash.
func TestLaggingFollowerGetsSnapshot(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		c := newCluster(t, seed, Config{SnapshotEntries: 20}, disk.Config{Crash: disk.LoseUnsynced},
			clientSpec{name: "c1", gen: writes("x", 80), think: 2 * ms, start: 300 * ms})
		var victim string
		c.w.At(clock.Time(290*ms), "crash follower", func(w *sim.World) {
			for _, n := range []string{"n1", "n2", "n3"} {
				if n != c.leader() {
					victim = n
					break
				}
			}
			c.must(w.Crash(victim))
		})
		c.run(20 * time.Second)
		c.must(c.w.Restart(victim))
		c.settle(300 * ms)
		n := c.nodes[victim]
		if n.halted != nil || n.value("x") != "80" || n.snapIndex < 40 {
			t.Fatalf("seed %d: %s after catching up: halted %v, x = %s, snapshot at %d; want x = 80 from a snapshot", seed, victim, n.halted, n.value("x"), n.snapIndex)
		}
		received := n.snapIndex
		c.must(c.w.Crash(victim))
		c.must(c.w.Restart(victim))
		c.settle(10 * ms)
		n = c.nodes[victim]
		if n.halted != nil || n.snapIndex != received || n.value("x") != "80" {
			t.Fatalf("seed %d: %s after a second restart: halted %v, snapshot %d (received %d), x = %s", seed, victim, n.halted, n.snapIndex, received, n.value("x"))
		}
	}
}
