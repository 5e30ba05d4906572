package workloads_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/workloads"
)

func TestConfigErrors(t *testing.T) {
	base := func(edit func(*workloads.Config)) workloads.Config {
		c := workloads.Config{Model: history.KV, Targets: []string{"n1"}}
		edit(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  workloads.Config
		want []string
	}{
		{"unknown model", base(func(c *workloads.Config) { c.Model = "kvs" }),
			[]string{`Model = "kvs"`, "valid: counter, kv, ledger, lease, lock, log, queue, register, set"}},
		{"unknown op_type", base(func(c *workloads.Config) { c.Mix = map[string]int{"put": 1, "read": 1} }),
			[]string{`Mix["put"] = 1`, `"put" is not an operation of model kv; valid: cas, read, write`}},
		{"lock acquire in mix", base(func(c *workloads.Config) { c.Model, c.Mix = history.Lock, map[string]int{"acquire": 1, "use": 1} }),
			[]string{`Mix["acquire"]`, "acquires whenever it holds nothing", "valid: release, use"}},
		{"zero mix", base(func(c *workloads.Config) { c.Mix = map[string]int{"read": 0} }),
			[]string{"no op_type has a positive weight", "valid op_types: cas, read, write"}},
		{"negative weight", base(func(c *workloads.Config) { c.Mix = map[string]int{"read": -1, "write": 1} }),
			[]string{`Mix["read"] = -1: negative weight`}},
		{"key dist", base(func(c *workloads.Config) { c.KeyDist = "pareto" }),
			[]string{`KeyDist = "pareto"`, "valid: uniform, zipf"}},
		{"ledger keys", base(func(c *workloads.Config) { c.Model, c.Keys = history.Ledger, 1 }),
			[]string{"Keys = 1", "want 2 to 10000 for model ledger"}},
		{"too many ops", base(func(c *workloads.Config) { c.OpsPerClient = workloads.MaxOpsPerClient + 1 }),
			[]string{"OpsPerClient = 1000000", "want 1 to 999999"}},
		{"no targets", base(func(c *workloads.Config) { c.Targets = nil }),
			[]string{"Targets = []", "name at least one SUT node"}},
		{"duplicate target", base(func(c *workloads.Config) { c.Targets = []string{"n1", "n1"} }),
			[]string{`Targets[1] = "n1": named twice`}},
		{"target is a client", base(func(c *workloads.Config) { c.Targets = []string{"client2"} }),
			[]string{`Targets[0] = "client2": is one of this workload's clients`}},
		{"targeting", base(func(c *workloads.Config) { c.Targeting = "leader" }),
			[]string{`Targeting = "leader"`, "valid: random, round-robin, sticky"}},
		{"timeout", base(func(c *workloads.Config) { c.Timeout = -time.Second }),
			[]string{"Timeout = -1s: want 0 to 24h0m0s"}},
		{"half an adapter", base(func(c *workloads.Config) {
			c.Adapter = workloads.Adapter{Name: "x", EncodeRequest: workloads.EncodeRequest}
		}),
			[]string{`Adapter = "x"`, "both required"}},
		{"several at once", base(func(c *workloads.Config) { c.Clients, c.Retries = -1, 1000 }),
			[]string{"Clients = -1", "Retries = 1000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := workloads.New(tt.cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	w, err := workloads.New(workloads.Config{Model: history.Ledger, Targets: []string{"n1"}})
	if err != nil {
		t.Fatal(err)
	}
	c := w.Config()
	if c.Clients != 3 || c.OpsPerClient != 50 || c.Keys != 3 || c.Timeout != time.Second || c.Quiet != time.Second ||
		c.Targeting != workloads.TargetRandom || c.Adapter.Name != "json" || c.MaxRedirects != 3 || c.Mix["transfer"] != 4 {
		t.Fatalf("defaults: %+v", c)
	}
	if got := strings.Join(w.Clients(), ","); got != "client0,client1,client2" {
		t.Fatalf("Clients = %s", got)
	}
	if got := strings.Join(w.Keys(), ","); got != "acct0,acct1,acct2" {
		t.Fatalf("Keys = %s", got)
	}
	nodes := w.Nodes()
	if len(nodes) != 3 || !nodes[0].Harness || nodes[2].Name != "client2" {
		t.Fatalf("Nodes = %+v", nodes)
	}
}
