package sweep_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/rng"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/scenario/testdata/hangnode"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/sweep"
	"github.com/faultline-dst/faultline/workloads"
)

// The test binary is its own worker: with sweep.WorkerEnv set it serves
// testRegistry on its standard input and output, and with
// coordinatorEnv set it runs a sweep (to be killed by a test).
//
// Environment variables that steer the "die" scenario's node n1, read in
// the worker:
//
//	SWEEP_TEST_DIE    mode@seed,...: on that seed, exit (os.Exit(3)),
//	                  overflow (a stack overflow), kill (SIGKILL itself)
//	                  hang (sleep an hour), spin (loop forever
//	                  without a call), block (wait forever on a
//	                  channel), flaky (os.Exit(4) the
//	                  first time only) or killonce (SIGKILL itself the
//	                  first time only, as a kill -9 from outside would)
//	SWEEP_TEST_MARKER the file that makes flaky and killonce die only once
//	SWEEP_TEST_SLOW   a host-time pause per seed, so a sweep lasts
const (
	dieEnv         = "SWEEP_TEST_DIE"
	markerEnv      = "SWEEP_TEST_MARKER"
	slowEnv        = "SWEEP_TEST_SLOW"
	coordinatorEnv = "SWEEP_TEST_COORDINATOR" // results file of a child sweep
)

func TestMain(m *testing.M) {
	if os.Getenv(sweep.WorkerEnv) == "1" {
		debug.SetMaxStack(16 << 20) // a stack overflow in a second, not a gigabyte
		sweep.WorkerMain(testRegistry(), sweep.ServeOptions{})
	}
	if path := os.Getenv(coordinatorEnv); path != "" {
		os.Exit(childSweep(path))
	}
	os.Exit(m.Run())
}

// Scenario names of the test registry, besides reference's.
const (
	memKV    = "memstore_kv_linearizable_under_pauses"
	memDrop  = "memstore_kv_linearizable_under_pauses@drop-writes"
	memQueue = "memstore_queue_delivers_under_pauses"
	dieScen  = "die"
	// failScen is "die" declared a failover scenario: memstore never
	// fails over, so every sweep of it fails the sweep-level check.
	failScen = "die-failover"
)

// testRegistry is reference's registry plus "die": a small memstore kv
// scenario whose serving node dies as SWEEP_TEST_DIE says.
func testRegistry() *scenario.Registry {
	r := reference.Registry()
	err := r.AddSystem(scenario.System{
		Name:         "dying-memstore",
		Models:       []history.Model{history.KV},
		Faults:       []nemesis.Kind{nemesis.Pause},
		DefaultNodes: 1,
		Build: func(scenario.Build) (scenario.Cluster, error) {
			inner := memstore.New(memstore.Config{Leader: "n1"})
			f := func(env *sim.Env) sim.Node {
				dieIfAsked(env)
				return inner(env)
			}
			return scenario.Cluster{Nodes: []sim.NodeSpec{{Name: "n1", Factory: f}}, Targets: []string{"n1"}}, nil
		},
	})
	if err == nil {
		s := scenario.Scenario{
			Name: dieScen, Claim: scenario.Claim{IDs: []string{"T1"}, Text: "the store survives its own code", Kind: "safety"},
			System: "dying-memstore", Model: history.KV, Checker: "linearizable",
			Workload: workloads.Config{Clients: 2, OpsPerClient: 10, Keys: 2, Timeout: 100 * time.Millisecond},
			Nemesis:  scenario.NemesisSpec{None: true}, SimTime: time.Second,
		}
		err = r.AddScenario(s)
		s.Name, s.Failover = failScen, true
		if err == nil {
			err = r.AddScenario(s)
		}
	}
	if err != nil {
		panic(err)
	}
	return r
}

// dieIfAsked kills the worker process the way SWEEP_TEST_DIE asks for
// this run's seed, recognised by node n1's random stream.
func dieIfAsked(env *sim.Env) {
	if d, err := time.ParseDuration(os.Getenv(slowEnv)); err == nil {
		time.Sleep(d)
	}
	for _, item := range strings.Split(os.Getenv(dieEnv), ",") {
		mode, seed, ok := strings.Cut(item, "@")
		n, err := strconv.ParseUint(seed, 10, 64)
		if !ok || err != nil || env.Rand().Seed() != rng.New(n, "node/"+env.Name()).Seed() {
			continue
		}
		switch mode {
		case "exit":
			os.Exit(3)
		case "overflow":
			fmt.Fprintln(os.Stderr, recurse(1))
		case "hang":
			time.Sleep(time.Hour)
		case "spin":
			hangnode.Spin()
		case "block":
			hangnode.Block()
		case "kill":
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		case "flaky", "killonce":
			marker := os.Getenv(markerEnv)
			if _, err := os.Stat(marker); err != nil {
				_ = os.WriteFile(marker, nil, 0o644)
				if mode == "killonce" {
					_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
					time.Sleep(time.Minute)
				}
				os.Exit(4)
			}
		}
	}
}

// recurse overflows the stack (n never comes back to zero).
func recurse(n int) int {
	if n == 0 {
		return 0
	}
	return recurse(n+1) + 1
}

// workerCommand starts this test binary as a worker with extra
// environment variables.
func workerCommand(env ...string) func() *exec.Cmd {
	return func() *exec.Cmd {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(append(os.Environ(), sweep.WorkerEnv+"=1"), env...)
		return cmd
	}
}

// childSweep is the child process of the kill-and-resume test: a slow
// sweep of "die" over 1..SWEEP_TEST_SEEDS into path.
func childSweep(path string) int {
	seeds, err := sweep.ParseSeeds(os.Getenv("SWEEP_TEST_SEEDS"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	_, err = sweep.Run(context.Background(), sweep.Plan{Scenarios: []string{dieScen}, Seeds: seeds},
		sweep.Options{Command: workerCommand(), Workers: 2, Results: path, Resume: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
