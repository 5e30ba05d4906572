package guest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/sim"
)

var (
	buildOnce sync.Once
	wasmPath  string
	buildErr  error
)

// testModule builds testdata/guest once per test binary and compiles it
// for engine e (compiled code is cached on disk across runs).
func testModule(t testing.TB, e Engine) *Module {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: cannot build the wasip1 test guest")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "guest-test-")
		if err != nil {
			buildErr = err
			return
		}
		wasmPath = filepath.Join(dir, "guest.wasm")
		buildErr = BuildWasm(".", "./testdata/guest", wasmPath)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	m, err := Load(wasmPath, e)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type runOut struct {
	res   sim.Result
	err   error
	trace string
}

func runGuest(t testing.TB, m *Module, seed uint64, cfg Config, maxTime time.Duration) runOut {
	t.Helper()
	var tr bytes.Buffer
	w, err := sim.New(sim.Config{
		Seed:    seed,
		Nodes:   []sim.NodeSpec{{Name: "g1", Factory: m.Factory(cfg)}},
		MaxTime: maxTime,
		Trace:   &tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Run()
	return runOut{res, err, tr.String()}
}

func stdout(trace string) string {
	var b strings.Builder
	for _, l := range strings.Split(trace, "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 8 || f[2] != "log" {
			continue
		}
		d, err := strconv.Unquote(f[7])
		if err != nil {
			continue
		}
		if s, ok := strings.CutPrefix(d, "stdout: "); ok {
			b.WriteString(s)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestRaceDeterministic runs the racing guest (8 goroutines, a mutex,
// select, sleeps, map iteration): the same seed gives the same trace hash
// twice in this process and under the interpreter engine; different seeds
// give different interleavings.
func TestRaceDeterministic(t *testing.T) {
	m := testModule(t, Compiler)
	cfg := Config{Args: []string{"race"}}
	first := runGuest(t, m, 1, cfg, time.Minute)
	if first.err != nil {
		t.Fatalf("run: %v\n%s", first.err, first.trace)
	}
	if !strings.Contains(first.trace, "guest exited 0") || !strings.Contains(first.trace, "stdout: keys") {
		t.Fatalf("the guest did not run to its end:\n%s", first.trace)
	}
	again := runGuest(t, m, 1, cfg, time.Minute)
	if again.res.TraceHash != first.res.TraceHash {
		t.Fatalf("seed 1 twice: trace hashes %x and %x", first.res.TraceHash, again.res.TraceHash)
	}
	interp := runGuest(t, testModule(t, Interpreter), 1, cfg, time.Minute)
	if interp.res.TraceHash != first.res.TraceHash {
		t.Fatalf("seed 1, interpreter vs compiler: trace hashes %x and %x\n%s\n%s", interp.res.TraceHash, first.res.TraceHash, interp.trace, first.trace)
	}
	outs := map[string]bool{stdout(first.trace): true}
	for seed := uint64(2); seed <= 4; seed++ {
		r := runGuest(t, m, seed, cfg, time.Minute)
		if r.err != nil {
			t.Fatalf("seed %d: %v", seed, r.err)
		}
		outs[stdout(r.trace)] = true
	}
	if len(outs) < 3 {
		t.Fatalf("4 seeds gave only %d distinct interleavings; the guest's scheduling does not follow the seed", len(outs))
	}
}

// TestRaceTwoProcesses runs seed 7 of the racing guest, the flow-control
// guests and the directory guest's crash in two child processes, under
// GOMAXPROCS 1 and 2, and in this one: one trace hash each.
func TestRaceTwoProcesses(t *testing.T) {
	if os.Getenv("GUEST_TEST_CHILD") != "" {
		return
	}
	m := testModule(t, Compiler)
	want := hashes(t, m)
	for _, procs := range []string{"1", "2"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildHash$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GUEST_TEST_CHILD="+wasmPath, "GOMAXPROCS="+procs)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child (GOMAXPROCS=%s): %v\n%s", procs, err, out)
		}
		var got []string
		for _, l := range strings.Split(string(out), "\n") {
			if h, ok := strings.CutPrefix(l, "HASH "); ok {
				got = append(got, h)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("GOMAXPROCS=%s child process: hashes %q, this process %q\n%s", procs, got, want, out)
		}
	}
}

// hashes runs the worlds TestRaceTwoProcesses compares and names their
// trace hashes.
func hashes(t *testing.T, m *Module) []string {
	race := runGuest(t, m, 7, Config{Args: []string{"race"}}, time.Minute).res.TraceHash
	flood, _ := floodWorld(t, m, 7, 64<<10)
	dirs, _ := crashWorld(t, m, []string{"dirs", "nodirsync"}, 100*time.Millisecond, 150*time.Millisecond, 200*time.Millisecond)
	return []string{fmt.Sprintf("race=%x", race), fmt.Sprintf("flood=%x", flood.TraceHash), fmt.Sprintf("dirs=%x", dirs.TraceHash)}
}

// TestChildHash is the child half of TestRaceTwoProcesses.
func TestChildHash(t *testing.T) {
	path := os.Getenv("GUEST_TEST_CHILD")
	if path == "" {
		t.Skip("only run as TestRaceTwoProcesses's child")
	}
	m, err := Load(path, Compiler)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hashes(t, m) {
		fmt.Printf("HASH %s\n", h)
	}
}

// TestOutcomes runs one guest per behaviour and checks how the run ends.
func TestOutcomes(t *testing.T) {
	m := testModule(t, Compiler)
	for _, tc := range []struct {
		mode    string
		args    []string
		cfg     Config
		wantErr string // substring of the AssertionError; "" for a clean run
		want    []string
	}{
		{mode: "sleep", want: []string{"stdout: tick 0 2026-01-01T00:00:00.01Z", "stdout: tick 2 2026-01-01T00:00:00.03Z", "guest exited 0"}},
		{mode: "dialrefused", args: []string{"g1:9"}, want: []string{"stdout: dial: dial tcp g1:9: Connection refused"}},
		{mode: "dialrefused", args: []string{"nowhere:9"}, want: []string{"stdout: dial: dial tcp nowhere:9: Host is unreachable"}},
		{mode: "udp", want: []string{
			"stdout: listenpacket: listen udp :9000: faultline: UDP is not supported for guest nodes (no net.PacketConn",
			"guests talk over simulated TCP streams: use guest/net.Listen and Dial",
			`stdout: dial udp: dial udp peer:9000: faultline: UDP is not supported for guest nodes`,
		}},
		{mode: "panic", wantErr: "exited with code 2", want: []string{"stderr: panic: assignment to entry in nil map"}},
		{mode: "exit3", wantErr: "exited with code 3; last stderr lines:\ngiving up"},
		{mode: "clockspin", cfg: Config{StepBudget: 50_000}, wantErr: "over its step budget"},
		{mode: "spin", cfg: Config{Runaway: 300 * time.Millisecond}, wantErr: "without blocking (a loop with no host call)"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Args = append([]string{tc.mode}, tc.args...)
			r := runGuest(t, m, 1, cfg, time.Minute)
			if tc.wantErr == "" {
				if r.err != nil {
					t.Fatalf("run: %v\n%s", r.err, r.trace)
				}
			} else {
				var ae *sim.AssertionError
				if !errors.As(r.err, &ae) || !strings.Contains(ae.Message, tc.wantErr) {
					t.Fatalf("run ended with %v; want an AssertionError (SUT blame) containing %q\n%s", r.err, tc.wantErr, r.trace)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(r.trace, w) {
					t.Errorf("trace lacks %q:\n%s", w, r.trace)
				}
			}
		})
	}
}

// TestClockDriftAndOffset: a guest's sleeps run on its node's drifting
// monotonic clock and its wall clock carries the node's offset.
func TestClockDriftAndOffset(t *testing.T) {
	m := testModule(t, Compiler)
	var tr bytes.Buffer
	w, err := sim.New(sim.Config{
		Seed:  1,
		Nodes: []sim.NodeSpec{{Name: "g1", Factory: m.Factory(Config{Args: []string{"sleep"}}), ClockOffset: time.Hour, DriftPPM: 100_000}},
		Trace: &tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Run()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, tr.String())
	}
	// 30ms on a clock 10% fast is about 27.3ms of true time.
	if time.Duration(res.SimTime) < 27*time.Millisecond || time.Duration(res.SimTime) > 28*time.Millisecond {
		t.Errorf("three 10ms sleeps on a +10%% clock ended at true %v; want about 27.3ms", res.SimTime)
	}
	if !strings.Contains(tr.String(), "stdout: tick 2 2026-01-01T01:00:00.03") {
		t.Errorf("wall clock lacks the one-hour offset:\n%s", tr.String())
	}
}

// TestCrashRestart: a crash drops the instance (its output stops), a
// restart runs a fresh instance from the start, and the run replays.
func TestCrashRestart(t *testing.T) {
	m := testModule(t, Compiler)
	run := func() (sim.Result, string) {
		var tr bytes.Buffer
		w, err := sim.New(sim.Config{
			Seed:    3,
			Nodes:   []sim.NodeSpec{{Name: "g1", Factory: m.Factory(Config{Args: []string{"forever"}})}},
			MaxTime: time.Second,
			Trace:   &tr,
		})
		if err != nil {
			t.Fatal(err)
		}
		w.At(clock.Time(350*time.Millisecond), "crash g1", func(w *sim.World) { _ = w.Crash("g1") })
		w.At(clock.Time(600*time.Millisecond), "restart g1", func(w *sim.World) { _ = w.Restart("g1") })
		res, err := w.Run()
		if err != nil {
			t.Fatalf("run: %v\n%s", err, tr.String())
		}
		return res, tr.String()
	}
	res, trace := run()
	out := stdout(trace)
	// alive 0..2 before the crash (100, 200, 300ms), nothing between 350
	// and 600ms, and a fresh count from 0 at 700ms to 3 at 1s.
	want := "alive 0\nalive 1\nalive 2\nalive 0\nalive 1\nalive 2\nalive 3\n"
	if out != want {
		t.Fatalf("stdout %q, want %q\n%s", out, want, trace)
	}
	if res2, _ := run(); res2.TraceHash != res.TraceHash {
		t.Fatalf("crash and restart run twice: hashes %x and %x", res.TraceHash, res2.TraceHash)
	}
}

// TestRole: a guest's role.Set reaches the world as the node's role (a
// trace record per change), so that faults can be aimed at it.
func TestRole(t *testing.T) {
	m := testModule(t, Compiler)
	out := runGuest(t, m, 1, Config{Args: []string{"role"}}, time.Minute)
	if out.err != nil {
		t.Fatalf("run: %v\n%s", out.err, out.trace)
	}
	var roles []string
	for _, l := range strings.Split(out.trace, "\n") {
		f := strings.Split(l, "\t")
		if len(f) >= 3 && f[2] == "role" {
			roles = append(roles, f[len(f)-1])
		}
	}
	if len(roles) != 2 || !strings.Contains(roles[0], "primary") || strings.Contains(roles[1], "primary") {
		t.Fatalf("role records %q; want primary, then none\n%s", roles, out.trace)
	}
	if !strings.Contains(out.trace, "stdout: stepped down") {
		t.Fatalf("the guest did not run to its end:\n%s", out.trace)
	}
}
