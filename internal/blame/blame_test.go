package blame

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	tests := []struct {
		fn   string
		want Owner
	}{
		{"github.com/faultline-dst/faultline/examples/raftkv.newNode", SUT},
		{"github.com/faultline-dst/faultline/examples/memstore.(*store).Receive.func1", SUT},
		{"github.com/faultline-dst/faultline/checkers.linearizable", Checker},
		{"github.com/faultline-dst/faultline/checkers/internal/x.f", Checker},
		{"github.com/anishathalye/porcupine.checkSingle", Checker},
		{"github.com/faultline-dst/faultline/sim.(*World).call", Harness},
		{"github.com/faultline-dst/faultline/nemesis.(*Nemesis).start", Harness},
		{"github.com/faultline-dst/faultline/sweep_test.recurse", Harness},
		{"github.com/faultline-dst/faultline/cmd/faultline/testdata/lostwrite.(*Register).Receive", SUT},
		{"github.com/faultline-dst/faultline/scenario/testdata/hangnode.Spin", SUT},
		{"github.com/faultline-dst/faultline/scenario.testdataHelper", Harness},
		{"go.etcd.io/raft/v3.(*raft).Step", SUT},
		{"example.com/sut.(*node).loop", SUT},
		{"mysut/node.(*N).Receive", SUT}, // a module path without a dot
		{"strings.Repeat", Unknown},
		{"go/ast.Walk", Unknown},
		{"runtime.gopanic", Unknown},
		{"runtime/debug.Stack", Unknown},
		{"internal/runtime/maps.fatal", Unknown},
		{"sync.fatal", Unknown},
		{"main.main", Unknown},
		{"panic({0x1, 0x2})", Unknown},
		{"", Unknown},
	}
	for _, tt := range tests {
		if got := Of(tt.fn); got != tt.want {
			t.Errorf("Of(%q) = %q, want %q", tt.fn, got, tt.want)
		}
	}
}

func TestFirstSkipsTheRuntimeAndTheStandardLibrary(t *testing.T) {
	fn, o := First([]string{"runtime.panicmem", "strings.Repeat", "main.helper", "example.com/sut.render", "github.com/faultline-dst/faultline/sim.(*World).call"})
	if fn != "example.com/sut.render" || o != SUT {
		t.Errorf("got %q %q", fn, o)
	}
	if fn, o := First([]string{"runtime.throw", "fmt.Sprintf"}); fn != "" || o != Unknown {
		t.Errorf("got %q %q", fn, o)
	}
}

func panics() { panic(errors.New("boom")) }

func TestPanickingStartsAtThePanickingFunction(t *testing.T) {
	var frames []string
	func() {
		defer func() {
			frames = Panicking()
			_ = recover()
		}()
		panics()
	}()
	if len(frames) == 0 || !strings.HasSuffix(frames[0], "blame.panics") {
		t.Fatalf("frames %q: want blame.panics first", frames)
	}
	if i := slices.IndexFunc(frames, func(f string) bool { return strings.HasSuffix(f, "TestPanickingStartsAtThePanickingFunction") }); i < 0 {
		t.Errorf("the test function is not in %q", frames)
	}
	// A runtime error: the runtime's frames come first, First skips them.
	func() {
		defer func() {
			frames = Panicking()
			_ = recover()
		}()
		xs := frames[:0]
		_ = xs[len(frames)]
	}()
	if fn, o := First(frames); !strings.Contains(fn, "TestPanickingStartsAtThePanickingFunction") || o != Harness {
		t.Errorf("index out of range: first %q %q in %q", fn, o, frames)
	}
}

func TestUntilCutsAtTheBoundary(t *testing.T) {
	got := Until([]string{"a.f", "b.g", Module + "sim.(*World).call", "c.h"}, Module+"sim.(*World).call")
	if !slices.Equal(got, []string{"a.f", "b.g"}) {
		t.Errorf("got %q", got)
	}
}

func TestParseTrace(t *testing.T) {
	trace := `panic: boom

goroutine 7 [running]:
example.com/sut.(*node).loop(0xc000010000)
	/src/sut/node.go:42 +0x25
created by example.com/sut.Start in goroutine 1
	/src/sut/node.go:30 +0x65

goroutine 1 [chan receive]:
main.main()
	/src/main.go:3
`
	got := ParseTrace(strings.Split(trace, "\n"))
	if len(got) != 2 || !slices.Equal(got[0], []string{"example.com/sut.(*node).loop"}) || !slices.Equal(got[1], []string{"main.main"}) {
		t.Errorf("got %q", got)
	}
}
