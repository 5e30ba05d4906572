package guest

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/sim"
	"github.com/tetratelabs/wazero"
)

// pingNode is a native node that sends "ping" to its peer n times, one
// at a time; echoNode answers each message.
type pingNode struct {
	env  *sim.Env
	left int
}

func (p *pingNode) Start() { p.env.Send("server", []byte("ping\n")) }
func (p *pingNode) Receive(from string, msg []byte) {
	if p.left--; p.left > 0 {
		p.env.Send(from, []byte("ping\n"))
	}
}
func (p *pingNode) Timer(sim.TimerID, string) {}

type echoNode struct{ env *sim.Env }

func (e *echoNode) Start()                          {}
func (e *echoNode) Receive(from string, msg []byte) { e.env.Send(from, msg) }
func (e *echoNode) Timer(sim.TimerID, string)       {}

// BenchmarkRoundTrip compares one request/response over the simulated
// network between two guests (a net.Conn each, Go's netpoller, the host's
// socket calls, two resumptions per trip) with the same exchange between
// two native nodes. ns/op is per round trip: b.N trips in one world (run
// with -benchtime 2000x or more so the guests' start-up is amortised).
func BenchmarkRoundTrip(b *testing.B) {
	b.Run("guest", func(b *testing.B) {
		m := testModule(b, Compiler)
		w, err := sim.New(sim.Config{Seed: 1, Net: streamNet, Nodes: []sim.NodeSpec{
			{Name: "server", Factory: m.Factory(Config{Args: []string{"echo"}})},
			{Name: "client", Factory: m.Factory(Config{Args: []string{"ping", strconv.Itoa(b.N), "server:9000"}})},
		}, MaxTime: 1000 * time.Hour, MaxEvents: 1 << 40})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		if _, err := w.Run(); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("native", func(b *testing.B) {
		w, err := sim.New(sim.Config{Seed: 1, Net: streamNet, Nodes: []sim.NodeSpec{
			{Name: "server", Factory: func(env *sim.Env) sim.Node { return &echoNode{env} }},
			{Name: "client", Factory: func(env *sim.Env) sim.Node { return &pingNode{env: env, left: b.N} }},
		}, MaxTime: 1000 * time.Hour, MaxEvents: 1 << 40})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		if _, err := w.Run(); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkHTTPSeed is the per-seed cost of TestHTTPBetweenGuests's world:
// two guests (net/http server, client with four goroutines), 12 requests.
func BenchmarkHTTPSeed(b *testing.B) {
	m := testModule(b, Compiler)
	for i := 0; i < b.N; i++ {
		w, err := sim.New(sim.Config{Seed: uint64(i), Net: streamNet, Nodes: []sim.NodeSpec{
			{Name: "server", Factory: m.Factory(Config{Args: []string{"httpserver"}})},
			{Name: "client", Factory: m.Factory(Config{Args: []string{"httpclient", "server:8080"}})},
		}, MaxTime: 10 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCompileCost prints what compiling the test guest costs without and
// with wazero's on-disk cache (set GUEST_COMPILE_COST=1 to run it).
func TestCompileCost(t *testing.T) {
	if os.Getenv("GUEST_COMPILE_COST") == "" {
		t.Skip("set GUEST_COMPILE_COST=1 to measure compile costs")
	}
	testModule(t, Compiler) // builds the wasm
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	for _, phase := range []string{"cold (empty cache)", "warm (on-disk cache)"} {
		cache, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(true).WithCompilationCache(cache))
		start := time.Now()
		if _, err := rt.CompileModule(ctx, wasm); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %.2f MB module compiled in %v", phase, float64(len(wasm))/1e6, time.Since(start).Round(time.Millisecond))
		_ = rt.Close(ctx)
	}
}
