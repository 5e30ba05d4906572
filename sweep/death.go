package sweep

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline-dst/faultline/internal/blame"
	"github.com/faultline-dst/faultline/scenario"
)

// exit is how a worker process ended while it ran a job.
type exit struct {
	code   int    // exit status; -1 when killed by a signal
	signal string // the signal's name when killed by one ("killed")
	// timedOut says the coordinator stopped the worker with SIGQUIT
	// because its job ran past Options.JobTimeout.
	timedOut bool
	tail     string // the end of its standard error during the job
}

// death is what a worker's death says about the job it ran.
type death struct {
	anomaly string // "fatal:<kind>[:<frame>]": compared with the rerun's
	blame   scenario.Blame
	what    string // one line: what happened and why this blame
	trace   string // the fatal trace, or the end of stderr
	// external says the death is an environment event, not the job's
	// doing as far as one death shows: the host-time limit expired
	// (timedOut) or a signal came from outside. Such a seed is re-run in
	// a fresh worker, and the rerun decides.
	external bool
	timedOut bool
	// stack is the job's goroutine at a timeout, innermost first, down to
	// the worker loop: two timeouts are the same runaway loop only when
	// their stacks are equal and the SUT's.
	stack []string
}

// traceSize bounds the stderr kept in a result's Error.
const traceSize = 8 << 10

// classify decides, from how the worker ended and the end of its standard
// error, what killed the job and whom to blame (METHOD.md, "Blame"):
//
//   - a Go fatal trace (panic, fatal error, stack overflow): the owner of
//     the failing goroutine's first frame outside the runtime, the
//     standard library and main (owner), unknown when there is none;
//   - a job past the host-time limit: classifyTimeout;
//   - WorkerErrorPrefix on stderr: the worker loop itself failed, harness;
//   - a signal with no fatal trace: killed from outside (out of memory,
//     an operator), environment;
//   - an exit without a trace (os.Exit, log.Fatal): the SUT, because
//     faultline's packages never call os.Exit while a job runs.
func classify(e exit) death {
	d := classifyTail(e)
	if d.trace == "" {
		d.trace = e.tail
		if len(d.trace) > traceSize {
			d.trace = "..." + d.trace[len(d.trace)-traceSize:]
		}
	}
	return d
}

func classifyTail(e exit) death {
	lines := strings.Split(e.tail, "\n")
	if e.timedOut {
		return classifyTimeout(lines)
	}
	if i, header := fatalHeader(lines); i >= 0 {
		kind := "panic"
		switch {
		case strings.HasPrefix(header, "fatal error: stack overflow"), strings.HasPrefix(header, "runtime: goroutine stack exceeds"):
			kind = "stack-overflow"
		case strings.HasPrefix(header, "fatal error: "):
			kind = "fatal-error:" + strings.TrimPrefix(header, "fatal error: ")
		case strings.HasPrefix(header, "panic: "):
			kind = "panic"
		default:
			kind = "signal:" + strings.Fields(header)[0]
		}
		frame := ""
		if gs := goroutines(lines[i:]); len(gs) > 0 {
			frame = firstFrame(gs[0])
		}
		d := death{anomaly: "fatal:" + kind, trace: truncate(strings.Join(lines[i:], "\n"), traceSize)}
		if frame == "" {
			d.blame = scenario.BlameUnknown
			d.what = fmt.Sprintf("%s, with no frame outside the Go runtime and standard library in its trace", header)
			return d
		}
		d.anomaly += ":" + frame
		d.blame = owner(frame)
		d.what = fmt.Sprintf("%s in %s, %s", header, frame, whose(d.blame))
		if strings.Contains(header, "broke the Env contract") {
			// sim's typed misuse panic, raised off the world's
			// goroutine (one the node started): the node's bug.
			d.blame = scenario.BlameSUT
			d.what = fmt.Sprintf("%s: a node broke the Env contract from a goroutine of its own", header)
		}
		return d
	}
	for _, l := range lines {
		if strings.HasPrefix(l, WorkerErrorPrefix) {
			return death{anomaly: "fatal:worker-error", blame: scenario.BlameHarness,
				what: "the worker loop failed: " + strings.TrimPrefix(l, WorkerErrorPrefix)}
		}
	}
	if e.signal != "" {
		return death{anomaly: "fatal:signal:" + e.signal, blame: scenario.BlameEnvironment, external: true,
			what: fmt.Sprintf("the worker was killed by signal %q from outside, with no fatal trace (out of memory, an operator, a host limit)", e.signal)}
	}
	last := lastNonEmpty(lines)
	what := fmt.Sprintf("the worker exited with status %d before answering, with no fatal trace: os.Exit or log.Fatal in the system under test (faultline's packages never exit while a job runs)", e.code)
	if last != "" {
		what += "; its last words: " + truncate(last, 300)
	}
	return death{anomaly: fmt.Sprintf("fatal:exit-%d", e.code), blame: scenario.BlameSUT, what: what}
}

// classifyTimeout describes a job that ran past the host-time limit by
// where its goroutine was in the dump the worker wrote on SIGQUIT. One
// timeout is an environment event whatever the dump shows (a slow or
// overloaded host stops a job anywhere, often in code of the system under
// test); only a rerun that times out in the same SUT code makes it the
// SUT's (runawayLoop), as METHOD.md has it: environment for a host-time
// watchdog with no runaway SUT loop in the stack.
func classifyTimeout(lines []string) death {
	// The job is the world's goroutine (sim runs a world on a goroutine
	// of its own under its watchdog on callbacks), else the worker
	// loop's, down to where each starts.
	var frames []string
	found := false
	for _, bottom := range []string{blame.Module + "sim.(*World).runWatched.func", blame.Module + "sweep.Serve"} {
		for _, g := range goroutines(lines) {
			for i, fn := range g {
				if !found && strings.HasPrefix(fn, bottom) {
					frames, found = g[:i], true
				}
			}
		}
	}
	trace := ""
	if i := strings.Index(strings.Join(lines, "\n"), "SIGQUIT"); i >= 0 {
		trace = truncate(strings.Join(lines, "\n")[i:], traceSize)
	}
	d := death{anomaly: "fatal:timeout", blame: scenario.BlameEnvironment, trace: trace, external: true, timedOut: true, stack: frames}
	frame := firstFrame(frames)
	where := "not found in the goroutine dump"
	if frame != "" {
		where = "in " + frame + ", " + whose(owner(frame))
	}
	d.what = fmt.Sprintf("no answer within the host-time limit; the job was %s", where)
	return d
}

// runawayLoop reports whether two timeouts of one seed stopped the job in
// the same code of the system under test (the same stack, down to the
// worker loop): a runaway loop or a block there, not a slow host; and
// names its first frame.
func runawayLoop(a, b death) (string, bool) {
	if !a.timedOut || !b.timedOut || !slices.Equal(a.stack, b.stack) {
		return "", false
	}
	frame := firstFrame(a.stack)
	return frame, frame != "" && owner(frame) == scenario.BlameSUT
}

// fatalHeader finds the first line of a Go fatal trace.
func fatalHeader(lines []string) (int, string) {
	for i, l := range lines {
		for _, p := range []string{"panic: ", "fatal error: ", "runtime: goroutine stack exceeds", "SIGSEGV: ", "SIGBUS: ", "SIGILL: ", "SIGFPE: ", "SIGABRT: ", "SIGTRAP: "} {
			if strings.HasPrefix(l, p) {
				if p == "runtime: goroutine stack exceeds" {
					// the "fatal error: stack overflow" line follows
					for _, m := range lines[i+1:] {
						if strings.HasPrefix(m, "fatal error: ") {
							return i, strings.TrimSpace(m)
						}
					}
				}
				return i, strings.TrimSpace(l)
			}
		}
	}
	return -1, ""
}

// goroutines splits a Go trace into the function names of each
// goroutine's frames, in the order printed (the failing goroutine first).
func goroutines(lines []string) [][]string { return blame.ParseTrace(lines) }

// firstFrame returns the first function of frames that has an owner
// (outside the Go runtime, the standard library and the binary's main
// package), or "".
func firstFrame(frames []string) string {
	fn, _ := blame.First(frames)
	return fn
}

// owner says whose code fn is, by internal/blame's rules (the ones
// scenario.Decide applies to an in-process panic).
func owner(fn string) scenario.Blame { return scenario.Blame(blame.Of(fn)) }

func whose(b scenario.Blame) string { return blame.Whose(blame.Owner(b)) }

func lastNonEmpty(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		if s := strings.TrimSpace(lines[i]); s != "" {
			return s
		}
	}
	return ""
}
