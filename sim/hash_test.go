package sim_test

import (
	cryptorand "crypto/rand"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

// A trace hash identifies the execution, payloads included: two runs that
// differ only in one byte of one message must not share a hash.
func TestTraceHashCoversMessagePayloads(t *testing.T) {
	hash := func(payload string) uint64 {
		on := func(p *probe, what string) {
			if what == "start" && p.env.Name() == "a" {
				p.env.Send("b", []byte(payload))
			}
		}
		w := newWorld(t, sim.Config{Seed: 1, Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}, {Name: "b", Factory: probes(new([]string), nil)}}, Net: fixedNet(netsim.Datagram)})
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		return res.TraceHash
	}
	if a, b := hash("value=1"), hash("value=2"); a == b {
		t.Errorf("payloads value=1 and value=2 give the same trace hash %016x", a)
	}
	if a, b := hash("value=1"), hash("value=1"); a != b {
		t.Errorf("the same payload gives two hashes %016x %016x", a, b)
	}
}

// Two runs that part at a send are blamed by who sent: a node of the SUT,
// or a harness node (a workload client), which is faultline's code.
func TestDivergenceIsLabelledByTheProducingNode(t *testing.T) {
	for _, harness := range []bool{false, true} {
		run := func(payload string) (sim.Result, string) {
			on := func(p *probe, what string) {
				if what == "start" && p.env.Name() == "a" {
					p.env.Send("b", []byte(payload))
				}
			}
			var trace strings.Builder
			w := newWorld(t, sim.Config{Seed: 1, Fingerprint: true, Trace: &trace, Net: fixedNet(netsim.Datagram),
				Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on), Harness: harness}, {Name: "b", Factory: probes(new([]string), nil)}}})
			res, err := w.Run()
			if err != nil {
				t.Fatal(err)
			}
			return res, trace.String()
		}
		r1, t1 := run("x")
		r2, t2 := run("y")
		want := "sut"
		if harness {
			want = "harness"
		}
		i := sim.FirstDifference(r1.Fingerprints, r2.Fingerprints)
		if i < 0 || r1.Fingerprints[i].Kind != sim.KindSend || r1.Fingerprints[i].SUT == harness || !strings.Contains(r1.Describe(i), "send\ta\tb") {
			t.Errorf("harness=%v: first difference %d: %s", harness, i, r1.Describe(i))
		}
		d, err := sim.DiffTraces(strings.NewReader(t1), strings.NewReader(t2))
		if err != nil || d == nil || d.Producer != want || !strings.Contains(d.A, "send") {
			t.Errorf("harness=%v: DiffTraces %+v, %v; want producer %s", harness, d, err, want)
		}
	}
}

// A read of crypto/rand.Reader from another goroutine while a world runs
// is counted and served from the host's reader: the world's own draws do
// not shift.
func TestCryptoRandReadsFromOtherGoroutinesAreCountedNotServed(t *testing.T) {
	run := func(neighbour bool) (sim.Result, []byte) {
		var drawn []byte
		on := func(p *probe, what string) {
			if what != "start" {
				return
			}
			if neighbour {
				done := make(chan struct{})
				go func() {
					defer close(done)
					var b [32]byte
					_, _ = io.ReadFull(cryptorand.Reader, b[:])
				}()
				<-done
			}
			b := make([]byte, 8)
			_, _ = io.ReadFull(cryptorand.Reader, b)
			drawn = b
		}
		w := newWorld(t, sim.Config{Seed: 3, Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}}})
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		return res, drawn
	}
	clean, want := run(false)
	spied, got := run(true)
	if clean.ForeignCryptoReads != 0 || spied.ForeignCryptoReads != 1 {
		t.Errorf("foreign reads %d and %d, want 0 and 1", clean.ForeignCryptoReads, spied.ForeignCryptoReads)
	}
	if string(got) != string(want) {
		t.Errorf("the node drew %x with a neighbour reading, %x without", got, want)
	}
}

// A reused FingerprintBuffer holds the new run's fingerprints, in its own
// storage when it has room, and nothing of the run it held before.
func TestFingerprintBufferIsReused(t *testing.T) {
	run := func(payload string, buf []sim.Fingerprint) sim.Result {
		on := func(p *probe, what string) {
			if what == "start" && p.env.Name() == "a" {
				p.env.Send("b", []byte(payload))
			}
		}
		w := newWorld(t, sim.Config{Seed: 1, Fingerprint: true, FingerprintBuffer: buf, Net: fixedNet(netsim.Datagram),
			Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}, {Name: "b", Factory: probes(new([]string), nil)}}})
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	fresh := run("y", nil)
	old := run("x", nil)
	buf := make([]sim.Fingerprint, len(old.Fingerprints), len(old.Fingerprints)+64)
	copy(buf, old.Fingerprints)
	reused := run("y", buf)
	if reused.TraceHash != fresh.TraceHash || !reflect.DeepEqual(reused.Fingerprints, fresh.Fingerprints) {
		t.Fatalf("a reused buffer changed the run: hash %016x, want %016x", reused.TraceHash, fresh.TraceHash)
	}
	if &reused.Fingerprints[0] != &buf[:1][0] {
		t.Fatal("the fingerprints are not in the buffer given")
	}
}

// A trace hash covers each record's text and its instant: two runs whose
// traces differ only in one log line's words, or only in when a message
// arrived (a link 10ms slower, nothing else changed), must not share a
// hash; the traces are checked to differ in nothing else.
func TestTraceHashCoversDetailAndInstant(t *testing.T) {
	run := func(note string, latency time.Duration) (uint64, string) {
		on := func(p *probe, what string) {
			if what == "start" && p.env.Name() == "a" {
				p.env.Logf("%s", note)
				p.env.Send("b", []byte("m"))
			}
		}
		net := netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Fixed, Min: latency, Max: latency}}}
		var trace strings.Builder
		w := newWorld(t, sim.Config{Seed: 1, Trace: &trace, Net: net, Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}, {Name: "b", Factory: probes(new([]string), nil)}}})
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		return res.TraceHash, trace.String()
	}
	h1, t1 := run("note one", 10*time.Millisecond)
	h2, t2 := run("note two", 10*time.Millisecond)
	h3, t3 := run("note one", 20*time.Millisecond)
	if strings.ReplaceAll(t2, "note two", "note one") != t1 {
		t.Fatalf("the traces differ in more than the note:\n%s\n%s", t1, t2)
	}
	if h1 == h2 {
		t.Errorf("log lines %q and %q give the same trace hash %016x", "note one", "note two", h1)
	}
	if h1 == h3 {
		t.Errorf("deliveries at 10ms and 20ms give the same trace hash %016x", h1)
	}
	if strip := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if f := strings.SplitN(l, "\t", 3); len(f) == 3 {
				l = f[0] + "\t" + f[2] // without the instant
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}; strip(t1) != strip(t3) {
		t.Fatalf("the traces differ in more than the instants:\n%s\n%s", t1, t3)
	}
}

// Env.Logf formats into the world's scratch and the trace keeps no copy:
// its records hash, and read, exactly as Env.Log of the same text, with
// and without a trace writer, however many lines follow one another.
func TestLogfHashesLikeLog(t *testing.T) {
	lines := []struct {
		format string
		args   []any
	}{
		{"x=%d %s %v", []any{12345, "y", []int{1, 2}}},
		{"%s", []any{""}}, // an empty line
		{"100%%", nil},
		{"no verbs", nil},
		{"%s and a longer line that will not fit where the short one was", []any{"z"}},
		{"%d", []any{7}},
	}
	run := func(viaLogf, writer bool) (uint64, string) {
		on := func(p *probe, what string) {
			if what != "start" || p.env.Name() != "a" {
				return
			}
			for _, l := range lines {
				if viaLogf {
					p.env.Logf(l.format, l.args...)
				} else {
					p.env.Log(fmt.Sprintf(l.format, l.args...))
				}
			}
		}
		var trace strings.Builder
		cfg := sim.Config{Seed: 1, Nodes: []sim.NodeSpec{{Name: "a", Factory: probes(new([]string), on)}}}
		if writer {
			cfg.Trace = &trace
		}
		res, err := newWorld(t, cfg).Run()
		if err != nil {
			t.Fatal(err)
		}
		return res.TraceHash, trace.String()
	}
	var hashes []uint64
	for _, writer := range []bool{false, true} {
		h1, t1 := run(true, writer)
		h2, t2 := run(false, writer)
		if h1 != h2 || t1 != t2 {
			t.Errorf("writer %v: Logf gives hash %016x, Log of the same text %016x; traces:\n%s\n%s", writer, h1, h2, t1, t2)
		}
		hashes = append(hashes, h1)
	}
	if hashes[0] != hashes[1] {
		t.Errorf("a trace writer changed the hash: %016x without, %016x with", hashes[0], hashes[1])
	}
}
