package guest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/sim"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"
)

// Config declares how a module runs as a node.
type Config struct {
	// Args are the program's arguments after its name (os.Args[1:]); the
	// program's name (os.Args[0]) is the node's name.
	Args []string
	// Env is the program's environment, as "KEY=value" strings.
	Env []string
	// StepBudget bounds the host calls (clock reads, random draws, writes,
	// polls that do not block) a guest may make between two blocking
	// polls. A guest over budget is stopped and the run fails with SUT
	// blame: a guest that spins on the clock never lets time advance.
	// Deterministic. Default 1,000,000 (about 2s of host time).
	StepBudget int64
	// Clients, when set, lets faultline's workload clients reach the
	// service (see Clients).
	Clients *Clients
	// ConnectTimeout is how long, on the node's clock, a dial waits for
	// its peer to answer before failing with ETIMEDOUT (a peer behind a
	// partition never answers). Default 2s.
	ConnectTimeout time.Duration
	// SendBuffer is how many bytes a connection's writer may have sent
	// that the peer's program has not read yet; past it a write blocks
	// (EAGAIN to the netpoller) until the peer reads and its window
	// update arrives, as TCP's flow control makes a writer wait for a
	// slow reader. Default 256 KiB.
	SendBuffer int
	// Runaway is a host-time backstop for one resumption, for a guest
	// that computes without any host call (a tight loop): it is stopped
	// and the run fails with SUT blame. It is not deterministic and only
	// meant for loops that would never end; default 60s.
	Runaway time.Duration
}

// DefaultSendBuffer is Config.SendBuffer's default.
const DefaultSendBuffer = 256 << 10

const (
	defaultStepBudget = 1_000_000
	defaultRunaway    = 60 * time.Second
	// killCode is the exit code the host uses to drop an instance.
	killCode = 0xdead
	// budgetCode is the exit code of an instance stopped by StepBudget.
	budgetCode = 0xb0d9e7
	// monoBase is added to the node's monotonic clock: the Go runtime
	// refuses a nanotime of 0.
	monoBase = int64(time.Second)
)

// WallEpoch is what a guest's wall clock reads at simulated instant 0 (plus
// the node's clock offset): 2026-01-01T00:00:00Z, so guests see a plausible
// date rather than 1970.
var WallEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Factory returns a sim.Factory that runs module m as a node: each boot
// and restart instantiates m afresh (memory starts empty; state that
// should survive a crash must be on the node's disk).
func (m *Module) Factory(cfg Config) sim.Factory {
	if cfg.StepBudget <= 0 {
		cfg.StepBudget = defaultStepBudget
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	if cfg.Runaway <= 0 {
		cfg.Runaway = defaultRunaway
	}
	if cfg.SendBuffer <= 0 {
		cfg.SendBuffer = DefaultSendBuffer
	}
	return func(env *sim.Env) sim.Node {
		return &node{env: env, mod: m, cfg: cfg}
	}
}

// node is a guest as a sim.Node. The world calls it from its goroutine;
// the instance runs on its own goroutine, but the two strictly alternate
// (the world waits while the guest runs and the other way round), so the
// instance's host calls may use env as if the world called them.
type node struct {
	env   *sim.Env
	mod   *Module
	cfg   Config
	inst  *instance
	net   *netState
	files *fileState
	timer sim.TimerID
	armed bool
}

// instance is one module instance and the goroutine it runs on.
type instance struct {
	n      *node
	wake   chan bool    // world -> guest: false resumes, true kills
	yield  chan yielded // guest -> world, buffered
	cancel func()       // cancels the instance's context (backstop)
	calls  int64        // host calls since the last resumption
	poll   *pollState   // the blocking poll in progress, nil when running
	stdout lineWriter
	stderr lineWriter
	over   bool // stopped by StepBudget
}

// yielded is what the guest tells the world when it stops running: it
// blocked in poll_oneoff (exited false) or its program ended.
type yielded struct {
	exited bool
	err    error
}

type ctxKey struct{}

func (n *node) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{
		n:      n,
		wake:   make(chan bool),
		yield:  make(chan yielded, 1),
		cancel: cancel,
	}
	in.stdout = lineWriter{n: n, stream: "stdout"}
	in.stderr = lineWriter{n: n, stream: "stderr"}
	n.inst = in
	n.net = newNetState(n.env.Incarnation(), n.cfg.SendBuffer)
	n.files = newFileState()
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(append([]string{n.env.Name()}, n.cfg.Args...)...).
		WithStdout(&in.stdout).
		WithStderr(&in.stderr).
		WithRandSource(randReader{in}).
		WithWalltime(in.walltime, 1).
		WithNanotime(in.nanotime, 1).
		WithNanosleep(func(int64) {}).
		WithOsyield(func() {})
	for _, kv := range n.cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		cfg = cfg.WithEnv(k, v)
	}
	go func() {
		mod, err := n.mod.rt.rt.InstantiateModule(context.WithValue(ctx, ctxKey{}, in), n.mod.compiled, cfg)
		if mod != nil {
			_ = mod.Close(ctx)
		}
		in.yield <- yielded{exited: true, err: err}
	}()
	n.await()
}

// Timer resumes the guest: its poll's clock deadline was reached.
func (n *node) Timer(id sim.TimerID, tag string) {
	if n.connectTimeout(id) {
		return
	}
	if !n.armed || id != n.timer {
		return
	}
	n.armed = false
	n.resume()
}

// Drop kills the instance (crash, or end of run) and waits for its
// goroutine to finish.
func (n *node) Drop() {
	in := n.inst
	if in == nil {
		return
	}
	n.inst = nil
	if in.poll == nil {
		return // exited already
	}
	in.wake <- true
	<-in.yield
	in.cancel()
}

// resume lets the blocked guest run until it blocks again or exits.
func (n *node) resume() {
	in := n.inst
	if in == nil || in.poll == nil {
		return
	}
	if n.armed {
		n.env.CancelTimer(n.timer)
		n.armed = false
	}
	in.calls = 0
	in.wake <- false
	n.await()
}

// await waits until the running guest blocks or exits, and acts on it.
func (n *node) await() {
	in := n.inst
	backstop := time.NewTimer(n.cfg.Runaway) // host time: only for a guest that never yields
	var y yielded
	runaway := false
	select {
	case y = <-in.yield:
	case <-backstop.C:
		runaway = true
		in.cancel()
		y = <-in.yield
	}
	backstop.Stop()
	if !y.exited {
		if d, ok := in.poll.timeout(); ok {
			n.timer = n.env.SetTimer(d, "guest-wake")
			n.armed = true
		}
		return
	}
	in.poll = nil
	n.exited(y.err, runaway)
}

// exited reports the end of the guest's program: exit 0 is logged, any
// other end fails the run with SUT blame and the tail of stderr.
func (n *node) exited(err error, runaway bool) {
	in := n.inst
	in.stdout.flush()
	in.stderr.flush()
	in.cancel()
	var ee *sys.ExitError
	code := uint32(0)
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		code = 1
	}
	switch {
	case runaway:
		n.env.Fail("guest %s ran for %v of host time without blocking (a loop with no host call); stopped", n.env.Name(), n.cfg.Runaway)
	case in.over:
		n.env.Fail("guest %s made %d host calls (clock reads, random draws, writes, non-blocking polls) without blocking; over its step budget, stopped: a guest that waits for time to pass must sleep or block, not spin%s", n.env.Name(), n.cfg.StepBudget, in.stderr.tailText())
	case code == 0 && err == nil:
		n.env.Logf("guest exited 0")
	case ee != nil:
		n.env.Fail("guest %s exited with code %d%s", n.env.Name(), code, in.stderr.tailText())
	default:
		n.env.Fail("guest %s stopped: %v%s", n.env.Name(), err, in.stderr.tailText())
	}
}

// step counts one host call against the step budget; over budget it
// stops the instance (unwinding the guest's stack through wazero).
func (in *instance) step() {
	in.calls++
	if in.calls > in.n.cfg.StepBudget {
		in.over = true
		panic(sys.NewExitError(budgetCode))
	}
}

func (in *instance) nanotime() int64 {
	in.step()
	return int64(in.n.env.Mono()) + monoBase
}

func (in *instance) walltime() (int64, int32) {
	in.step()
	t := WallEpoch.Add(time.Duration(in.n.env.Now()))
	return t.Unix(), int32(t.Nanosecond())
}

// randReader serves random_get from the node's random stream.
type randReader struct{ in *instance }

func (r randReader) Read(p []byte) (int, error) {
	r.in.step()
	return r.in.n.env.Rand().Read(p)
}

// lineWriter turns a guest's output stream into trace lines.
type lineWriter struct {
	n      *node
	stream string
	buf    []byte
	tail   []string // last lines, for failure messages
}

const tailLines = 40

func (w *lineWriter) Write(p []byte) (int, error) {
	if in := w.n.inst; in != nil {
		in.step()
	}
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			break
		}
		w.line(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *lineWriter) line(s string) {
	w.n.env.Logf("%s: %s", w.stream, s)
	w.tail = append(w.tail, s)
	if len(w.tail) > tailLines {
		w.tail = w.tail[1:]
	}
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.line(string(w.buf))
		w.buf = nil
	}
}

func (w *lineWriter) tailText() string {
	if len(w.tail) == 0 {
		return ""
	}
	return fmt.Sprintf("; last %s lines:\n%s", w.stream, strings.Join(w.tail, "\n"))
}
