// Package guestkv is faultline's example of an ordinary Go service under
// test: service/ is a replicated key-value store written with goroutines,
// a mutex, a ticker, net/http between three nodes and a write-ahead log
// with fsync, built with GOOS=wasip1 and run as guest nodes (package
// guest). Registry declares it as the system "guestkv" with two realistic
// bugs and the scenarios that find them.
package guestkv

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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

// The system's bugs (-bug flags of the service).
const (
	// BugAckBeforeFsync: the primary acknowledges a write before it is
	// durable anywhere; a crash of the primary loses acknowledged writes.
	BugAckBeforeFsync = "ack-before-fsync"
	// BugFollowerRead: backups answer reads from their lagging state.
	BugFollowerRead = "follower-read"
)

var (
	buildOnce sync.Once
	module    *guest.Module
	buildErr  error
)

// Module builds service/ with GOOS=wasip1 (go on PATH) and compiles it,
// once per process; compiled code is cached on disk (guest.CacheDir).
func Module() (*guest.Module, error) {
	buildOnce.Do(func() {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			buildErr = fmt.Errorf("guestkv: cannot find the service's source")
			return
		}
		module, buildErr = guest.Build(filepath.Dir(file), "./service", guest.Compiler)
	})
	return module, buildErr
}

// Registry declares the system and its scenarios.
func Registry() *scenario.Registry {
	var r scenario.Registry
	must(r.AddSystem(scenario.System{
		Name:   "guestkv",
		Models: []history.Model{history.KV},
		Faults: []nemesis.Kind{nemesis.Crash, nemesis.Partition},
		// The primary declares itself (guest/role): partitions are placed
		// around it and half the crashes aim at it or away from it.
		Roles: []string{"primary"},
		Bugs: []scenario.Bug{
			{Name: BugAckBeforeFsync, Claim: "an acknowledged write survives a crash of the primary", Fault: "crash of the primary losing unsynced writes"},
			{Name: BugFollowerRead, Claim: "reads see the latest acknowledged write", Fault: "none needed: backups lag"},
		},
		DefaultNodes: 3,
		Build:        build,
	}))
	s := scenario.Scenario{
		Name:     "guestkv_linearizable",
		Claim:    scenario.Claim{IDs: []string{"G1"}, Text: "reads and writes are linearizable across crashes and partitions", Kind: "safety"},
		System:   "guestkv",
		Model:    history.KV,
		Checker:  "linearizable",
		Workload: workloads.Config{Clients: 3, OpsPerClient: 25, Keys: 2, Timeout: 500 * time.Millisecond},
		Nemesis: scenario.NemesisSpec{Budget: nemesis.Budget{
			Kinds: []nemesis.Kind{nemesis.Crash, nemesis.Partition}, MaxDown: 1, MaxFaults: 3,
		}},
		Net: netsim.Config{Default: netsim.LinkConfig{
			Mode:    netsim.Stream,
			Latency: netsim.Latency{Kind: netsim.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond},
		}},
		Disk:    disk.Config{Crash: disk.LoseUnsynced},
		SimTime: 4 * time.Second,
		Seeds:   200,
	}
	must(r.AddScenario(s))
	for _, bug := range []string{BugAckBeforeFsync, BugFollowerRead} {
		b := s
		b.Name, b.Bugs = s.Name+"@"+bug, []string{bug}
		must(r.AddScenario(b))
	}
	return &r
}

func build(b scenario.Build) (scenario.Cluster, error) {
	m, err := Module()
	if err != nil {
		return scenario.Cluster{}, err
	}
	var names []string
	for i := 1; i <= b.Nodes; i++ {
		names = append(names, fmt.Sprintf("n%d", i))
	}
	args := []string{"-peers=" + strings.Join(names, ",")}
	for _, bug := range b.Bugs {
		args = append(args, "-bug="+bug)
	}
	f := m.Factory(guest.Config{Args: args, Clients: &guest.Clients{Port: 8080, Wire: guest.HTTP}})
	var nodes []sim.NodeSpec
	for _, n := range names {
		nodes = append(nodes, sim.NodeSpec{Name: n, Factory: f})
	}
	return scenario.Cluster{Nodes: nodes, Targets: names}, nil
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
