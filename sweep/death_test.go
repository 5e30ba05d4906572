package sweep

import (
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/scenario"
)

func TestClassifyBlamesByTheFatalFrames(t *testing.T) {
	tests := []struct {
		name    string
		e       exit
		blame   scenario.Blame
		anomaly string
		what    string
	}{
		{"panic in an SUT goroutine", exit{code: 2, tail: `some log line
panic: boom

goroutine 7 [running]:
example.com/sut.(*node).loop(0xc000010000)
	/src/sut/node.go:42 +0x25
created by example.com/sut.Start in goroutine 1
	/src/sut/node.go:30 +0x65
`}, scenario.BlameSUT, "fatal:panic:example.com/sut.(*node).loop", "code of the system under test"},
		{"concurrent map writes in faultline code", exit{code: 2, tail: `fatal error: concurrent map writes

goroutine 6 [running]:
internal/runtime/maps.fatal({0x4b1c2a?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1058 +0x18
github.com/faultline-dst/faultline/sim.(*World).step(0xc0000a2000)
	/src/sim/world.go:300 +0x44
`}, scenario.BlameHarness, "fatal:fatal-error:concurrent map writes:github.com/faultline-dst/faultline/sim.(*World).step", "faultline code"},
		{"stack overflow in a reference SUT", exit{code: 2, tail: `runtime: goroutine stack exceeds 1000000000-byte limit
runtime: sp=0xc020160398 stack=[0xc020160000, 0xc040160000]
fatal error: stack overflow

runtime stack:
runtime.throw({0x5e4b1b?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1101 +0x48

goroutine 1 gp=0xc000002380 m=0 mp=0x7a3a40 [running]:
github.com/faultline-dst/faultline/examples/raftkv.(*node).apply(...)
	/src/examples/raftkv/node.go:10
...additional frames elided...
`}, scenario.BlameSUT, "fatal:stack-overflow:github.com/faultline-dst/faultline/examples/raftkv.(*node).apply", "fatal error: stack overflow in"},
		{"panic in the checker library, below faultline's checker", exit{code: 2, tail: `panic: runtime error: index out of range [3] with length 3

goroutine 1 [running]:
github.com/anishathalye/porcupine.checkSingle(...)
	/mod/porcupine/checker.go:200 +0x1
github.com/faultline-dst/faultline/checkers.linearizable(...)
	/src/checkers/lin.go:10
`}, scenario.BlameChecker, "fatal:panic:github.com/anishathalye/porcupine.checkSingle", "checker code"},
		{"a standard library frame on top is skipped", exit{code: 2, tail: `panic: strings: negative Repeat count

goroutine 9 [running]:
strings.Repeat({0x0, 0x0}, -1)
	/go/src/strings/strings.go:600
example.com/sut.render(...)
	/src/sut/r.go:5
main.main()
	/src/main.go:3
`}, scenario.BlameSUT, "fatal:panic:example.com/sut.render", "code of the system under test"},
		{"timeout in SUT code", exit{code: 2, timedOut: true, tail: `SIGQUIT: quit
PC=0x46d4e1 m=0 sigcode=0

goroutine 5 [chan receive]:
example.com/sut.idle()
	/src/sut/idle.go:1

goroutine 1 gp=0xc000002380 m=0 mp=0x7a3a40 [running]:
example.com/sut.(*node).Receive(0xc0001)
	/src/sut/node.go:88 +0x1
github.com/faultline-dst/faultline/sim.(*World).deliver(0xc0002)
	/src/sim/world.go:400 +0x2
github.com/faultline-dst/faultline/sweep.Serve({0x1, 0x2}, {0x3, 0x4}, 0xc0003, {0x0})
	/src/sweep/serve.go:90 +0x3
main.main()
`}, scenario.BlameEnvironment, "fatal:timeout", "in example.com/sut.(*node).Receive, code of the system under test"},
		{"timeout in faultline code", exit{code: 2, timedOut: true, tail: `SIGQUIT: quit

goroutine 1 [running]:
github.com/faultline-dst/faultline/checkers.linearizable(0xc0001)
	/src/checkers/lin.go:10
github.com/faultline-dst/faultline/sweep.Serve({0x1, 0x2}, {0x3, 0x4}, 0xc0003, {0x0})
	/src/sweep/serve.go:90 +0x3
`}, scenario.BlameEnvironment, "fatal:timeout", "checkers.linearizable, checker code"},
		{"only runtime frames", exit{code: 2, tail: "fatal error: out of memory\n\nruntime stack:\nruntime.throw({0x1, 0x2})\n\t/x.go:1\n"},
			scenario.BlameUnknown, "fatal:fatal-error:out of memory", "no frame outside the Go runtime"},
		{"the worker loop failed", exit{code: 3, tail: WorkerErrorPrefix + "malformed job line\n"}, scenario.BlameHarness, "fatal:worker-error", "worker loop failed"},
		{"killed from outside", exit{code: -1, signal: "killed", tail: "a log line\n"}, scenario.BlameEnvironment, "fatal:signal:killed", "from outside"},
		{"os.Exit in the SUT", exit{code: 1, tail: "2026/01/01 00:00:00 replica diverged\n"}, scenario.BlameSUT, "fatal:exit-1", "last words: 2026/01/01 00:00:00 replica diverged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := classify(tt.e)
			if d.blame != tt.blame || d.anomaly != tt.anomaly || !strings.Contains(d.what, tt.what) {
				t.Errorf("got %s %q: %s\nwant %s %q with %q", d.blame, d.anomaly, d.what, tt.blame, tt.anomaly, tt.what)
			}
			if d.trace == "" {
				t.Error("no trace kept")
			}
		})
	}
}

func TestRunawayLoopNeedsTheSameSUTStackTwice(t *testing.T) {
	dump := func(frames ...string) exit {
		tail := "SIGQUIT: quit\n\ngoroutine 1 [running]:\n"
		for _, f := range append(frames, "github.com/faultline-dst/faultline/sweep.Serve", "main.main") {
			tail += f + "(0x1)\n\t/src/x.go:1 +0x1\n"
		}
		return exit{code: 2, timedOut: true, tail: tail}
	}
	loop := dump("example.com/sut.(*node).spin", "example.com/sut.(*node).Receive", "github.com/faultline-dst/faultline/sim.(*World).call")
	other := dump("example.com/sut.(*node).apply", "example.com/sut.(*node).Receive", "github.com/faultline-dst/faultline/sim.(*World).call")
	harness := dump("github.com/faultline-dst/faultline/checkers.linearizable")
	tests := []struct {
		name string
		a, b exit
		want bool
	}{
		{"the same SUT stack twice", loop, loop, true},
		{"SUT code, in two places", loop, other, false},
		{"the same harness stack twice", harness, harness, false},
		{"a timeout and a kill", loop, exit{code: -1, signal: "killed"}, false},
	}
	for _, tt := range tests {
		frame, ok := runawayLoop(classify(tt.a), classify(tt.b))
		if ok != tt.want || (ok && frame != "example.com/sut.(*node).spin") {
			t.Errorf("%s: got %q %v, want %v", tt.name, frame, ok, tt.want)
		}
	}
}
