package guest

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// streamNet is a stream-mode network with a 1-3ms uniform latency.
var streamNet = netsim.Config{Default: netsim.LinkConfig{
	Mode:    netsim.Stream,
	Latency: netsim.Latency{Kind: netsim.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond},
}}

func httpWorld(t *testing.T, m *Module, seed uint64, clientMode string, maxTime time.Duration, actions func(w *sim.World)) (sim.Result, string, error) {
	t.Helper()
	var tr bytes.Buffer
	w, err := sim.New(sim.Config{
		Seed: seed,
		Nodes: []sim.NodeSpec{
			{Name: "server", Factory: m.Factory(Config{Args: []string{"httpserver"}})},
			{Name: "client", Factory: m.Factory(Config{Args: []string{clientMode, "server:8080"}})},
		},
		Net:     streamNet,
		MaxTime: maxTime,
		Trace:   &tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if actions != nil {
		actions(w)
	}
	res, err := w.Run()
	return res, tr.String(), err
}

// TestHTTPBetweenGuests: an http.Client with four goroutines and an
// http.Server, both ordinary net/http over guest/net, exchange 12
// requests; the same seed replays, another seed interleaves differently.
func TestHTTPBetweenGuests(t *testing.T) {
	m := testModule(t, Compiler)
	res, trace, err := httpWorld(t, m, 1, "httpclient", 10*time.Second, nil)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, trace)
	}
	out := stdout(trace)
	if !strings.Contains(out, "12 responses:") {
		t.Fatalf("client did not get 12 responses:\n%s", trace)
	}
	for _, want := range []string{"c0.0", "c3.2", "serving on :8080"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	res2, _, _ := httpWorld(t, m, 1, "httpclient", 10*time.Second, nil)
	if res2.TraceHash != res.TraceHash {
		t.Fatalf("seed 1 twice: hashes %x and %x", res.TraceHash, res2.TraceHash)
	}
	if res3, _, _ := httpWorld(t, testModule(t, Interpreter), 1, "httpclient", 10*time.Second, nil); res3.TraceHash != res.TraceHash {
		t.Fatalf("seed 1, interpreter vs compiler: hashes %x and %x", res3.TraceHash, res.TraceHash)
	}
	_, trace3, _ := httpWorld(t, m, 2, "httpclient", 10*time.Second, nil)
	if stdout(trace3) == out {
		t.Errorf("seeds 1 and 2 gave the same client output; the interleaving does not follow the seed:\n%s", out)
	}
}

// TestHTTPCrashAndPartition: requests fail while the server is down or
// partitioned away and succeed again after restart and heal; a restarted
// server starts its counter from scratch (memory lost).
func TestHTTPCrashAndPartition(t *testing.T) {
	m := testModule(t, Compiler)
	at := func(d time.Duration) clock.Time { return clock.Time(d) }
	res, trace, err := httpWorld(t, m, 5, "httppoll", 6*time.Second, func(w *sim.World) {
		w.At(at(time.Second), "crash server", func(w *sim.World) { _ = w.Crash("server") })
		w.At(at(2*time.Second), "restart server", func(w *sim.World) { _ = w.Restart("server") })
		w.At(at(3500*time.Millisecond), "partition", func(w *sim.World) {
			_ = w.InstallNetFault("p1", netsim.Fault{Kind: netsim.Cut, Links: []netsim.Link{{From: 0, To: 1}, {From: 1, To: 0}}})
		})
		w.At(at(4500*time.Millisecond), "heal", func(w *sim.World) { _ = w.RemoveNetFault("p1") })
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, trace)
	}
	if p := os.Getenv("GUEST_TRACE"); p != "" {
		_ = os.WriteFile(p, []byte(trace), 0o644)
	}
	out := stdout(trace)
	phase := func(from, to time.Duration) (ok, bad int) {
		for _, l := range strings.Split(trace, "\n") {
			f := strings.Split(l, "\t")
			if len(f) < 8 || f[3] != "client" || !strings.Contains(f[7], "stdout: ") {
				continue
			}
			var ns int64
			for _, ch := range f[1] {
				ns = ns*10 + int64(ch-'0')
			}
			if time.Duration(ns) < from || time.Duration(ns) >= to {
				continue
			}
			if strings.Contains(f[7], " ok ") {
				ok++
			} else if strings.Contains(f[7], " error") {
				bad++
			}
		}
		return
	}
	for _, p := range []struct {
		name         string
		from, to     time.Duration
		wantOK, fail bool
	}{
		// A request outstanding when the server goes away ends with the
		// client's 1s timeout, so its error is printed up to 1.1s later.
		{"before the crash", 0, time.Second, true, false},
		{"server down", time.Second, 2100 * time.Millisecond, false, true},
		{"after restart", 2100 * time.Millisecond, 3500 * time.Millisecond, true, false},
		{"partitioned", 3500 * time.Millisecond, 4600 * time.Millisecond, false, true},
		{"healed", 4600 * time.Millisecond, 6 * time.Second, true, false},
	} {
		ok, bad := phase(p.from, p.to)
		if p.wantOK && (ok == 0 || bad > 0) || p.fail && (ok > 0 || bad == 0) {
			t.Errorf("%s (%v-%v): %d ok, %d errors\n%s", p.name, p.from, p.to, ok, bad, out)
		}
	}
	if !strings.Contains(out, "ok 1 ") {
		t.Errorf("the restarted server did not count from 1 again:\n%s", out)
	}
	res2, _, _ := httpWorld(t, m, 5, "httppoll", 6*time.Second, func(w *sim.World) {
		w.At(at(time.Second), "crash server", func(w *sim.World) { _ = w.Crash("server") })
		w.At(at(2*time.Second), "restart server", func(w *sim.World) { _ = w.Restart("server") })
		w.At(at(3500*time.Millisecond), "partition", func(w *sim.World) {
			_ = w.InstallNetFault("p1", netsim.Fault{Kind: netsim.Cut, Links: []netsim.Link{{From: 0, To: 1}, {From: 1, To: 0}}})
		})
		w.At(at(4500*time.Millisecond), "heal", func(w *sim.World) { _ = w.RemoveNetFault("p1") })
	})
	if res2.TraceHash != res.TraceHash {
		t.Fatalf("seed 5 twice: hashes %x and %x", res.TraceHash, res2.TraceHash)
	}
}

func rpcWorld(t *testing.T, m *Module, seed uint64, clientMode string, maxTime time.Duration, actions func(w *sim.World)) (sim.Result, string) {
	t.Helper()
	var tr bytes.Buffer
	w, err := sim.New(sim.Config{
		Seed: seed,
		Nodes: []sim.NodeSpec{
			{Name: "server", Factory: m.Factory(Config{Args: []string{"rpcserver"}})},
			{Name: "client", Factory: m.Factory(Config{Args: []string{clientMode, "server:9000"}})},
		},
		Net:     streamNet,
		MaxTime: maxTime,
		Trace:   &tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if actions != nil {
		actions(w)
	}
	res, err := w.Run()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, tr.String())
	}
	return res, tr.String()
}

// TestRPCBetweenGuests: net/rpc, unmodified, between two guests: 12 calls
// from 4 goroutines multiplexed over one connection, an asynchronous
// call, and an error the server returns; the same seed replays.
func TestRPCBetweenGuests(t *testing.T) {
	m := testModule(t, Compiler)
	res, trace := rpcWorld(t, m, 1, "rpcclient", 10*time.Second, nil)
	out := stdout(trace)
	t.Log(out)
	for _, want := range []string{"rpc serving on :9000", "12 replies:", "c0.0", "c3.2", "async: 22 async <nil>", "bad call: negative delta -1", "guest exited 0"} {
		if !strings.Contains(out+trace, want) {
			t.Errorf("the run lacks %q:\n%s", want, out)
		}
	}
	for n := 1; n <= 12; n++ {
		if !strings.Contains(out, " "+itoa(n)+" c") && !strings.Contains(out, ": "+itoa(n)+" c") {
			t.Errorf("no reply numbered %d:\n%s", n, out)
		}
	}
	if res2, _ := rpcWorld(t, m, 1, "rpcclient", 10*time.Second, nil); res2.TraceHash != res.TraceHash {
		t.Fatalf("seed 1 twice: hashes %x and %x", res.TraceHash, res2.TraceHash)
	}
}

// TestRPCCrash: calls fail while the net/rpc server is down (the crash
// resets the client's connection) and succeed after its restart, over a
// new connection, with the counter started afresh.
func TestRPCCrash(t *testing.T) {
	m := testModule(t, Compiler)
	_, trace := rpcWorld(t, m, 3, "rpcpoll", 4*time.Second, func(w *sim.World) {
		w.At(clock.Time(time.Second), "crash server", func(w *sim.World) { _ = w.Crash("server") })
		w.At(clock.Time(2*time.Second), "restart server", func(w *sim.World) { _ = w.Restart("server") })
	})
	out := stdout(trace)
	t.Log(out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var phases []string // ok, error, ok: the order outcomes change in
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 || (f[1] != "ok" && f[1] != "error") {
			continue
		}
		if len(phases) == 0 || phases[len(phases)-1] != f[1] {
			phases = append(phases, f[1])
		}
	}
	if strings.Join(phases, ",") != "ok,error,ok" {
		t.Fatalf("outcomes went %v; want ok, then errors while the server is down, then ok:\n%s", phases, out)
	}
	if !strings.Contains(out, "connection reset") && !strings.Contains(out, "shut down") && !strings.Contains(out, "EOF") {
		t.Errorf("no call failed with the reset connection:\n%s", out)
	}
	if !strings.Contains(out, " ok 1\n") || strings.Count(out, " ok 1\n") != 2 {
		t.Errorf("the restarted server did not count from 1 again:\n%s", out)
	}
}

func itoa(n int) string {
	return strconv.Itoa(n)
}

// TestDialContext: a dial to a peer that never answers (cut off) ends
// when its context's deadline passes or it is cancelled, with the
// context's error, as with net.Dialer; without a deadline it ends at the
// node's connect timeout.
func TestDialContext(t *testing.T) {
	m := testModule(t, Compiler)
	var tr bytes.Buffer
	w, err := sim.New(sim.Config{
		Seed: 1,
		Nodes: []sim.NodeSpec{
			{Name: "server", Factory: m.Factory(Config{Args: []string{"rpcserver"}})},
			{Name: "client", Factory: m.Factory(Config{Args: []string{"dialctx", "server:9000"}, ConnectTimeout: 700 * time.Millisecond})},
		},
		Net:     streamNet,
		MaxTime: 3 * time.Second,
		Trace:   &tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.InstallNetFault("cut", netsim.Fault{Kind: netsim.Cut, Links: []netsim.Link{{From: 0, To: 1}, {From: 1, To: 0}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(); err != nil {
		t.Fatalf("run: %v\n%s", err, tr.String())
	}
	out := stdout(tr.String())
	t.Log(out)
	for _, want := range []string{"timeout: true 100ms ", "cancel: true 50ms ", "background: true 700ms "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// floodWorld runs a guest writing 1 MiB to one reading 4 KiB every 10ms,
// with the given send buffer, and returns the trace.
func floodWorld(t *testing.T, m *Module, seed uint64, sendBuffer int) (sim.Result, string) {
	t.Helper()
	var tr bytes.Buffer
	w, err := sim.New(sim.Config{
		Seed: seed,
		Nodes: []sim.NodeSpec{
			{Name: "sink", Factory: m.Factory(Config{Args: []string{"slowsink"}, SendBuffer: sendBuffer})},
			{Name: "flood", Factory: m.Factory(Config{Args: []string{"flood", "sink:9000"}, SendBuffer: sendBuffer})},
		},
		Net:     streamNet,
		MaxTime: 5 * time.Second,
		Trace:   &tr,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Run()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, tr.String())
	}
	return res, tr.String()
}

// TestBackPressure: a writer whose peer reads slowly blocks once it is a
// send buffer ahead of what the peer's program read, and goes on as the
// peer reads; it never runs further ahead.
func TestBackPressure(t *testing.T) {
	m := testModule(t, Compiler)
	const buf = 64 << 10
	res, trace := floodWorld(t, m, 1, buf)
	type mark struct {
		at    int64
		total int
	}
	var wrote, read []mark
	for _, l := range strings.Split(trace, "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 8 || f[2] != "log" {
			continue
		}
		d, err := strconv.Unquote(f[7])
		if err != nil {
			continue
		}
		at, _ := strconv.ParseInt(f[1], 10, 64)
		var n int
		if _, err := fmt.Sscanf(d, "stdout: wrote %d", &n); err == nil {
			wrote = append(wrote, mark{at, n})
		} else if _, err := fmt.Sscanf(d, "stdout: read %d", &n); err == nil {
			read = append(read, mark{at, n})
		}
	}
	if len(wrote) == 0 || wrote[len(wrote)-1].total != 1<<20 {
		t.Fatalf("the writer did not write 1 MiB: %v\n%s", wrote, stdout(trace))
	}
	readBy := func(at int64) int {
		n := 0
		for _, r := range read {
			if r.at <= at {
				n = r.total
			}
		}
		return n
	}
	ahead := 0
	for _, w := range wrote {
		ahead = max(ahead, w.total-readBy(w.at))
	}
	if ahead > buf {
		t.Errorf("the writer ran %d bytes ahead of the reader; the send buffer is %d", ahead, buf)
	}
	if ahead < buf/2 {
		t.Errorf("the writer was at most %d bytes ahead; it should fill most of the %d-byte buffer", ahead, buf)
	}
	// The reader takes 10ms per 4 KiB: the writer is done only when the
	// reader has read all but a buffer of it.
	done := wrote[len(wrote)-1].at
	if got, want := readBy(done), 1<<20-buf; got < want {
		t.Errorf("the writer finished at %v when the reader had read %d; want at least %d", time.Duration(done), got, want)
	}
	if !strings.Contains(stdout(trace), "flood done") {
		t.Errorf("no flood done:\n%s", stdout(trace))
	}
	res2, _ := floodWorld(t, m, 1, buf)
	if res2.TraceHash != res.TraceHash {
		t.Errorf("seed 1 twice: hashes %x and %x", res.TraceHash, res2.TraceHash)
	}
}
