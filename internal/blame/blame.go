// Package blame says whose code a stack frame is: the system under test's,
// faultline's harness, or faultline's checkers'. It is the one classifier
// for stacks, shared by the in-process path (sim records the frames of a
// panic at recover time, scenario.Decide blames from them) and by sweep
// workers that died (sweep parses the Go fatal trace they left on
// standard error, the only record a dead process leaves).
//
// It lives in internal/ and imports nothing of faultline, so that sim (at
// the bottom of the import graph) and scenario and sweep (above it) can
// all use it without an import cycle.
//
// The rules, for a function's fully qualified name:
//
//   - the Go runtime, the standard library and a binary's main package own
//     nothing: they are skipped, and the next frame out decides;
//   - faultline's examples/ are systems under test (SUT), and so are the
//     packages under a testdata/ directory of faultline (stand-ins for a
//     user's package in faultline's own tests);
//   - faultline's checkers/ and the checker library it uses (porcupine)
//     are the checker's;
//   - the rest of faultline is the harness;
//   - everything else (a user's package, etcd raft, ...) is the SUT's.
package blame

import (
	"runtime"
	"strings"
)

// Owner is whose code a frame is. Its values spell scenario.Blame's.
type Owner string

// The owners of code. Unknown is for a stack with no frame that decides.
const (
	Unknown Owner = ""
	SUT     Owner = "SUT"
	Harness Owner = "harness"
	Checker Owner = "checker"
)

// Module is the import path prefix of faultline's own code.
const Module = "github.com/faultline-dst/faultline/"

// Of says whose code the function fn is (a name as runtime.Frame.Function
// gives it or a Go trace prints it, without arguments), or Unknown when
// it is skipped (Skipped).
func Of(fn string) Owner {
	switch {
	case fn == "" || Skipped(fn):
		return Unknown
	case strings.HasPrefix(fn, Module+"examples/"), strings.HasPrefix(fn, Module) && strings.Contains(fn, "/testdata/"):
		return SUT
	case strings.HasPrefix(fn, Module+"checkers."), strings.HasPrefix(fn, Module+"checkers/"), strings.HasPrefix(fn, "github.com/anishathalye/porcupine"):
		return Checker
	case strings.HasPrefix(fn, Module):
		return Harness
	}
	return SUT
}

// Skipped reports whether fn belongs to the Go runtime, the standard
// library or a binary's main package: code that owns no failure, so the
// caller's frame decides.
func Skipped(fn string) bool {
	if strings.HasPrefix(fn, "main.") || strings.HasPrefix(fn, "panic(") {
		return true
	}
	first, _, _ := strings.Cut(pkgPath(fn), "/")
	if first == "runtime" || strings.HasPrefix(first, "runtime.") {
		return true
	}
	if strings.Contains(first, ".") {
		return false // a module path: github.com/..., example.com/...
	}
	return stdlib[first] || first == "internal" || first == "vendor"
}

// pkgPath returns the import path of function name fn.
func pkgPath(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	if dot := strings.IndexByte(fn[slash+1:], '.'); dot >= 0 {
		return fn[:slash+1+dot]
	}
	return fn
}

// stdlib holds the first element of every standard library import path
// (Go 1.26), so that a user's module whose path has no dot ("mysut/node")
// is not taken for the standard library.
var stdlib = map[string]bool{
	"archive": true, "bufio": true, "builtin": true, "bytes": true, "cmp": true,
	"compress": true, "container": true, "context": true, "crypto": true,
	"database": true, "debug": true, "embed": true, "encoding": true,
	"errors": true, "expvar": true, "flag": true, "fmt": true, "go": true,
	"hash": true, "html": true, "image": true, "index": true, "io": true,
	"iter": true, "log": true, "maps": true, "math": true, "mime": true,
	"net": true, "os": true, "path": true, "plugin": true, "reflect": true,
	"regexp": true, "runtime": true, "slices": true, "sort": true,
	"strconv": true, "strings": true, "structs": true, "sync": true,
	"syscall": true, "testing": true, "text": true, "time": true,
	"unicode": true, "unique": true, "unsafe": true, "weak": true,
}

// First returns the first frame of fns (innermost first) that is not
// Skipped, and its owner; "" and Unknown when there is none.
func First(fns []string) (string, Owner) {
	for _, fn := range fns {
		if o := Of(fn); o != Unknown {
			return fn, o
		}
	}
	return "", Unknown
}

// Panicking returns the function names of the calling goroutine's stack
// from the function that panicked outwards. Call it in a deferred function
// that recovers (before recover returns the stack is still the panicking
// one): the frames of the deferred call and of the runtime's panic
// machinery are left out. Without a panic in progress it returns the
// caller's stack.
func Panicking() []string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	for n == len(pcs) && len(pcs) < 1<<12 {
		pcs = make([]uintptr, 2*len(pcs))
		n = runtime.Callers(2, pcs)
	}
	frames := runtime.CallersFrames(pcs[:n])
	var all []string
	cut := 0
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" {
			cut = len(all) + 1
		}
		all = append(all, f.Function)
		if !more {
			break
		}
	}
	return all[cut:]
}

// Until returns fns up to, not including, the first frame whose name
// starts with one of the prefixes: the part of a stack above a boundary,
// such as the simulator's call into a node.
func Until(fns []string, prefixes ...string) []string {
	for i, fn := range fns {
		for _, p := range prefixes {
			if strings.HasPrefix(fn, p) {
				return fns[:i]
			}
		}
	}
	return fns
}

// ParseTrace splits a Go goroutine dump or fatal trace (as a crashing
// program or runtime.Stack prints it) into the function names of each
// goroutine's frames, innermost first, in the order printed.
func ParseTrace(lines []string) [][]string {
	var out [][]string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "goroutine ") && strings.HasSuffix(strings.TrimSpace(l), ":"):
			out = append(out, []string{})
		case len(out) == 0, l == "", strings.HasPrefix(l, "\t"), strings.HasPrefix(l, " "), strings.HasPrefix(l, "..."), strings.HasPrefix(l, "created by "):
		default:
			fn := l
			if i := strings.LastIndexByte(fn, '('); i > 0 && strings.HasSuffix(fn, ")") {
				fn = fn[:i]
			}
			out[len(out)-1] = append(out[len(out)-1], fn)
		}
	}
	return out
}

// Whose describes an owner in a sentence: "code of the system under
// test", "checker code", "faultline code".
func Whose(o Owner) string {
	switch o {
	case SUT:
		return "code of the system under test"
	case Checker:
		return "checker code"
	case Harness:
		return "faultline code"
	}
	return "code of no known owner"
}
