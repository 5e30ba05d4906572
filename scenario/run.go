package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// RunOptions control how one seed is run; none of them changes the run.
type RunOptions struct {
	// Trace receives the full trace of the first run.
	Trace io.Writer
	// OutDir, when set, receives the artifacts: trace.txt and
	// history.jsonl.
	OutDir string
	// Watchdog is a host-time limit per run (0: none).
	Watchdog time.Duration
	// StuckAfter is the host-time limit for one call into a node (a
	// callback, a factory) or a harness action: code that never returns
	// is abandoned after it, and the run blamed from the stuck
	// goroutine's stack (sim.StuckError). 0 means DefaultStuckAfter; a
	// negative value switches it off. The stuck goroutine cannot be
	// stopped: it leaks, spinning or blocked, until the process ends.
	StuckAfter time.Duration
	// NoRerun skips the second run of a failing seed (the shrinker's
	// inner runs); the verdict then cannot be FAIL-reproducible.
	NoRerun bool
	// Entropy, when set, is served to the nemesis before its seeded
	// stream: a fuzzer's input then chooses the fault schedule (see
	// rng.Stream.WithEntropy). It changes the run; reruns use it too.
	Entropy []byte
}

// Defaults applied to a scenario that leaves them out.
const (
	DefaultSimTime   = 20 * time.Second
	DefaultMaxEvents = 20_000_000
)

// DefaultStuckAfter is RunOptions.StuckAfter's default: far beyond what
// any call into a node takes (microseconds), even on a loaded host.
const DefaultStuckAfter = 30 * time.Second

// stuckAfter is the sim.Config.StuckAfter of opts.
func (o RunOptions) stuckAfter() time.Duration {
	switch {
	case o.StuckAfter == 0:
		return DefaultStuckAfter
	case o.StuckAfter < 0:
		return 0
	}
	return o.StuckAfter
}

// attempt is one execution of a scenario on a seed.
type attempt struct {
	sim       sim.Result
	runErr    error
	hist      history.History
	stats     workloads.Stats
	check     *checkers.Result
	evidence  []nemesis.Evidence
	landings  []FaultLanding // evidence judged with the client operations
	schedule  nemesis.Schedule
	wcfg      workloads.Config // the workload as it ran, defaults applied
	failovers *int             // set for a failover scenario
	lastHeal  clock.Time
	healed    bool // every fault healed or was refused by the end of the run
	checks    []Check
	obs       Observation
	// artifactErr is the trace the host could not write.
	artifactErr error
}

// Run runs scenario s on seed and decides its verdict. A failing seed is
// run a second time before it is called reproducible. The error is for a
// scenario that cannot be run at all as written (unknown system or
// checker, invalid workload): a usage error, not a verdict.
func (r *Registry) Run(s Scenario, seed uint64, opts RunOptions) (Result, error) {
	s = withDefaults(s)
	sys, err := r.System(s.System)
	if err != nil {
		return Result{}, err
	}
	if s.Checker != NoChecker {
		if _, err := r.Checker(s.Checker); err != nil {
			return Result{}, err
		}
	}
	res := Result{Scenario: s.Name, Claims: s.Claim.IDs, System: s.System, Bugs: s.Bugs, Seed: seed}
	if missing := capabilityGap(sys, s); missing != "" {
		return decorate(res, Decide(Observation{EnvMissing: missing}), nil), nil
	}
	var trace bytes.Buffer
	traceTo := opts.Trace
	if opts.OutDir != "" {
		if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
			return Result{}, fmt.Errorf("--out: %w", err)
		}
		traceTo = teeWriter(traceTo, &trace)
	}
	// Every record of the first run is fingerprinted, so that when the
	// rerun differs, the first two runs themselves are compared (a third
	// and fourth run would miss rare nondeterminism).
	a, err := r.attempt(s, sys, seed, traceTo, opts, !opts.NoRerun)
	if err != nil {
		return Result{}, err
	}
	obs := a.obs
	if sig, _, _ := failure(obs); sig != "" && !opts.NoRerun {
		b, err := r.attempt(s, sys, seed, nil, opts, true)
		if err != nil {
			return Result{}, err
		}
		bsig, _, _ := failure(b.obs)
		obs.Rerun = &Rerun{TraceHash: b.sim.TraceHash, Anomaly: bsig}
		res.Rerun = sim.FormatHash(b.sim.TraceHash)
		if b.sim.TraceHash != a.sim.TraceHash {
			obs.Divergence = divergence(a.sim, b.sim)
			res.Divergence = obs.Divergence
		}
		recycleFingerprints(&b.sim)
	}
	recycleFingerprints(&a.sim)
	res = decorate(res, Decide(obs), &a)
	if opts.OutDir != "" {
		if err := writeArtifacts(opts.OutDir, &res, trace.Bytes(), a.hist); err != nil {
			obs.ArtifactErr = err
			res = decorate(res, Decide(obs), &a)
		}
	}
	return res, nil
}

// decorate fills a Result from a decision and, when it ran, an attempt.
func decorate(res Result, d Decision, a *attempt) Result {
	res.Verdict, res.Blame, res.Reason, res.Anomaly = d.Verdict, d.Blame, d.Reason, d.Anomaly
	if a == nil {
		return res
	}
	res.TraceHash = sim.FormatHash(a.sim.TraceHash)
	res.Events = a.sim.Events
	res.Messages = a.sim.Sent
	res.SimNS = int64(a.sim.SimTime)
	res.HostNS = int64(a.sim.HostTime)
	res.Stop = string(a.sim.Stop)
	res.Operations = len(a.hist.Ops)
	for _, o := range a.hist.Ops {
		switch o.Type {
		case history.OK:
			res.OpsOK++
		case history.Fail:
			res.OpsFail++
		default:
			res.OpsInfo++
		}
	}
	res.Checker = a.check
	res.CrossCheck = a.obs.CrossCheck
	res.Faults = a.evidence
	res.Schedule = a.schedule
	res.Checks = a.checks
	res.Failovers = a.failovers
	if a.runErr != nil {
		res.Error = a.runErr.Error()
	}
	if a.artifactErr != nil && res.Error == "" {
		res.Error = a.artifactErr.Error()
	}
	var pe *sim.PanicError
	if errors.As(a.runErr, &pe) {
		res.Panic = panicInfo(pe)
	}
	var se *sim.StuckError
	if errors.As(a.runErr, &se) {
		res.Panic = stuckInfo(se)
	}
	var ce *CheckerPanicError
	if errors.As(a.obs.CheckerErr, &ce) && res.Error == "" {
		res.Error = ce.Error() + "\n" + ce.Stack
	}
	return res
}

// capabilityGap names what the system lacks to run s, or "".
func capabilityGap(sys System, s Scenario) string {
	if !containsModel(sys.Models, s.Model) {
		return fmt.Sprintf("system %s does not implement model %s (it implements %v)", sys.Name, s.Model, sys.Models)
	}
	var kinds []nemesis.Kind
	kinds = append(kinds, s.Nemesis.Budget.Kinds...)
	for _, f := range s.Nemesis.Schedule {
		kinds = append(kinds, f.Kind)
	}
	for _, k := range kinds {
		ok := false
		for _, have := range sys.Faults {
			ok = ok || have == k
		}
		if !ok {
			return fmt.Sprintf("system %s cannot be tested under fault %s (it supports %v)", sys.Name, k, sys.Faults)
		}
	}
	return ""
}

func withDefaults(s Scenario) Scenario {
	if s.SimTime == 0 {
		s.SimTime = DefaultSimTime
	}
	if s.MaxEvents == 0 {
		s.MaxEvents = DefaultMaxEvents
	}
	if s.History == 0 {
		s.History = history.AllFields
	}
	return s
}

// attempt runs s once on seed. Its error is a usage error.
// With fingerprint, every trace record is fingerprinted
// (sim.Config.Fingerprint).
func (r *Registry) attempt(s Scenario, sys System, seed uint64, trace io.Writer, opts RunOptions, fingerprint bool) (attempt, error) {
	var a attempt
	p, err := prepare(s, sys, seed, trace, opts, fingerprint)
	if err != nil {
		return a, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	cl, wl, w, nem, budget := p.cl, p.wl, p.w, p.nem, p.budget
	a.wcfg, a.schedule = wl.Config(), p.sched
	// The epoch hook reads this run's nemesis, which holds the world:
	// kept, it would keep every node's state alive through the check.
	a.wcfg.Epoch = nil
	a.sim, a.runErr = w.Run()
	var stuck *sim.StuckError
	if errors.As(a.runErr, &stuck) {
		// The run was abandoned in the middle of a call that is still
		// running on its goroutine: what the nemesis, the clients and
		// the history hold may still change under it. The stack alone
		// decides.
		a.healed = true
		a.obs = Observation{RunErr: a.runErr, TraceHash: a.sim.TraceHash}
		return a, nil
	}
	var twe *sim.TraceWriteError
	if errors.As(a.runErr, &twe) {
		a.runErr, a.artifactErr = nil, twe
	}
	if nem != nil {
		// Record where each role-aimed fault struck; the role stays the
		// fault's target (a shrunk list keeps it).
		for i, f := range nem.Schedule() {
			if i < len(a.schedule) && a.schedule[i].ID == f.ID {
				a.schedule[i].Resolved, a.schedule[i].ResolvedAt = f.Resolved, f.ResolvedAt
				if f.Role != "" && f.Kind == nemesis.Partition {
					a.schedule[i].Components = f.Components // its sides, output like Resolved
				}
			}
		}
		if err := nem.Err(); err != nil && a.runErr == nil {
			a.runErr = err
		}
		a.evidence = nem.Evidence()
		a.lastHeal = nem.LastHeal()
		a.healed = nem.Healed()
	} else {
		a.healed = true
	}
	if bad := wl.BadReplies(); len(bad) > 0 && a.runErr == nil {
		a.runErr = &SUTError{Kind: "bad-reply", Detail: fmt.Sprintf("%d replies the adapter could not use; first from %s to %s at %v: %v", len(bad), bad[0].From, bad[0].Client, bad[0].At, bad[0].Err)}
	}
	a.hist = strip(wl.Final(), s.History) // the run is over: its records, not a copy
	a.stats = wl.Stats()
	copts := s.Options
	if cl.Tune != nil {
		cl.Tune(&copts)
	}
	if copts.HealAt == 0 {
		copts.HealAt = int64(a.lastHeal)
	}
	if copts.DriftBound == 0 && budget.MaxDriftPPM > 0 {
		copts.DriftBound = float64(budget.MaxDriftPPM) / 1e6
	}
	var checkErr error
	if s.Checker != NoChecker {
		c, _ := r.Checker(s.Checker)
		var cr checkers.Result
		if checkErr = guardChecker(c.Name, func() { cr = c.Check(a.hist, copts) }); checkErr == nil {
			a.check = &cr
		}
	}
	a.landings, a.evidence = landings(&a)
	a.checks = greenButBroken(s, a)
	if s.Failover {
		n := Failovers(a.hist)
		a.failovers = &n
	}
	a.obs = Observation{
		RunErr:      a.runErr,
		CheckerErr:  checkErr,
		ArtifactErr: a.artifactErr,
		EnvHazard:   cryptoHazard(a.sim.ForeignCryptoReads),
		TraceHash:   a.sim.TraceHash,
		Check:       a.check,
		Checks:      a.checks,
		Faults:      a.landings,
	}
	if err := guardChecker("cross-check", func() { a.obs.CrossCheck = crossCheck(a.hist, s.Model, a.check) }); err != nil {
		a.obs.CheckerErr = err
	}
	return a, nil
}

// Runnable reports whether s can run as written: it sets up the run of
// seed 1 as Run would, without starting it, and returns the error Run
// would refuse s with (the system's Build, node names, the run time
// against the workload and the system's start delay, the workload, the
// network and disk configuration, the fault schedule), or nil.
func (r *Registry) Runnable(s Scenario) error {
	s = withDefaults(s)
	sys, err := r.System(s.System)
	if err != nil {
		return err
	}
	if s.Checker != NoChecker {
		if _, err := r.Checker(s.Checker); err != nil {
			return err
		}
	}
	if capabilityGap(sys, s) != "" {
		return nil // a verdict (INCONCLUSIVE-env), not a refusal
	}
	_, err = prepare(s, sys, 1, nil, RunOptions{}, false)
	return err
}

// prepared is a run set up and not started: the built system, its
// workload, the world and the faults applied to it.
type prepared struct {
	cl     Cluster
	wl     *workloads.Workload
	w      *sim.World
	nem    *nemesis.Nemesis // nil without faults
	budget nemesis.Budget
	sched  nemesis.Schedule
}

// fieldError is an error setting a run up, with the plan field it comes
// from ("" when none fits), so that a plan check can point at its line.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// buildsFewer says whether sys builds fewer nodes for fewer than cur's
// topology: a system whose Build ignores Build.Nodes (it always builds the
// same cluster) must not be reported shrunk to a topology it never ran.
func buildsFewer(sys System, fewer, cur Scenario) bool {
	count := func(s Scenario) int {
		n := s.Nodes
		if n == 0 {
			n = sys.DefaultNodes
		}
		cl, err := sys.Build(Build{Nodes: n, Model: s.Model, Bugs: s.Bugs, Options: s.SystemOptions})
		if err != nil {
			return -1
		}
		return len(nemesis.SUTNodes(cl.Nodes))
	}
	f := count(fewer)
	return f >= 0 && f < count(cur)
}

// prepare sets up one run of s on seed: everything a run does before it
// starts, and everything that can refuse the scenario as written (the
// system's Build, its clocks, the run time against the workload and the
// system's start delay, the workload, the world's configuration, the
// fault schedule). Its errors are fieldErrors.
func prepare(s Scenario, sys System, seed uint64, trace io.Writer, opts RunOptions, fingerprint bool) (*prepared, error) {
	nodes := s.Nodes
	if nodes == 0 {
		nodes = sys.DefaultNodes
	}
	cl, err := sys.Build(Build{Nodes: nodes, Model: s.Model, Bugs: s.Bugs, Options: s.SystemOptions})
	if err != nil {
		return nil, &fieldError{"system", fmt.Errorf("system %s: %w", sys.Name, err)}
	}
	if cl.Nodes, err = withClocks(cl.Nodes, s.Clocks); err != nil {
		return nil, &fieldError{"clocks", err}
	}
	if cl.Nodes, err = withDisks(cl.Nodes, s.Disk, s.Disks); err != nil {
		return nil, &fieldError{"disks", err}
	}
	targets := nemesis.SUTNodes(cl.Nodes)
	faultTargets := targets
	if len(cl.FaultTargets) > 0 {
		faultTargets = cl.FaultTargets
	}
	var nem *nemesis.Nemesis
	wcfg := s.Workload
	wcfg.Model = s.Model
	wcfg.Targets = targets
	if len(cl.Targets) > 0 {
		wcfg.Targets = cl.Targets
	}
	if cl.Adapter.EncodeRequest != nil {
		wcfg.Adapter = cl.Adapter
	}
	wcfg.StartAfter = max(wcfg.StartAfter, cl.StartAfter)
	wcfg.Epoch = func() []string {
		if nem == nil {
			return nil
		}
		return nem.Epoch()
	}
	if wcfg.ThinkTime == 0 {
		wcfg.ThinkTime = pace(s, wcfg)
	}
	budget := s.budget(faultTargets, wcfg)
	if !s.Nemesis.NoRoles && len(budget.Roles) == 0 && len(s.Nemesis.Budget.Targets) == 0 {
		// The system's roles, on its own fault targets; a scenario that
		// names other targets (clients) names their roles too.
		budget.Roles = sys.Roles
	}
	if s.Nemesis.NoRoles {
		budget.Roles = nil
	}
	if wcfg.Until == 0 {
		var err error
		if wcfg.Until, err = workloadUntil(s.SimTime, wcfg); err != nil {
			return nil, &fieldError{"run", err}
		}
	}
	wl, err := workloads.New(wcfg)
	if err != nil {
		return nil, &fieldError{"workload", fmt.Errorf("workload: %w", err)}
	}
	w, err := sim.New(sim.Config{
		Seed:        seed,
		Nodes:       append(append([]sim.NodeSpec(nil), cl.Nodes...), wl.Nodes()...),
		Net:         s.Net,
		Disk:        s.Disk,
		MaxTime:     s.SimTime,
		MaxEvents:   s.MaxEvents,
		Watchdog:    opts.Watchdog,
		StuckAfter:  opts.stuckAfter(),
		Trace:       trace,
		Fingerprint: fingerprint,
		// A run's fingerprints outlive it only until its seed's verdict,
		// so their storage goes round from run to run.
		FingerprintBuffer: fingerprintBuffer(fingerprint),
		BreakInvariant:    s.SelfTest,
		// End the run once nothing it is for remains: the final reads are
		// done and every fault has healed. After that no client issues an
		// operation and no fault changes anything, so the history is the
		// one the run would have recorded idling on to SimTime.
		Done: func() bool {
			st := wl.Stats()
			return st.FinalsDone && st.Pending == 0 && (s.Nemesis.None || (nem != nil && nem.Healed()))
		},
	})
	if err != nil {
		return nil, &fieldError{"", err}
	}
	var sched nemesis.Schedule
	if !s.Nemesis.None {
		if sched, err = s.schedule(w, budget, opts); err != nil {
			return nil, &fieldError{"nemesis", err}
		}
		if nem, err = nemesis.Apply(w, sched, nemesis.Options{Budget: budget, Factories: cl.Factories}); err != nil {
			return nil, &fieldError{"nemesis", err}
		}
	}
	return &prepared{cl: cl, wl: wl, w: w, nem: nem, budget: budget, sched: sched}, nil
}

// schedule is the fault schedule of one run: the explicit one (jittered
// when the scenario says so, extended with generated faults when it
// says so) or a generated one.
func (s Scenario) schedule(w *sim.World, b nemesis.Budget, opts RunOptions) (nemesis.Schedule, error) {
	spec := s.Nemesis
	r := w.Stream("nemesis").WithEntropy(opts.Entropy)
	if spec.Schedule == nil {
		if spec.Swarm {
			return nemesis.Swarm(r, w.Names(), b)
		}
		return nemesis.Generate(r, w.Names(), b)
	}
	sched, err := nemesis.Jitter(w.Stream("nemesis/jitter"), w.Names(), b, spec.Schedule, spec.Jitter)
	if err != nil || !spec.Extend {
		return sched, err
	}
	return nemesis.Extend(r, w.Names(), b, sched, spec.Swarm)
}

// cryptoHazard explains reads of crypto/rand.Reader that came from
// outside the running world, or returns "" when there were none.
func cryptoHazard(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d read(s) of crypto/rand.Reader came from a goroutine other than the world's while it ran: another test or goroutine in this process (TLS, UUIDs, a parallel test) or one the system under test started. They were served from the host's reader, so the world's streams did not shift, but something outside the simulation ran alongside it; run worlds alone in their process (faultline's sweeps do)", n)
}

// guardChecker runs fn, a checker judging a history, and turns a panic in
// it into a *CheckerPanicError: a checker's defect must not end the
// process, and is the checker's to blame.
func guardChecker(name string, fn func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &CheckerPanicError{Checker: name, Value: v, Stack: string(debug.Stack())}
		}
	}()
	fn()
	return nil
}

// pace returns the mean think time that spreads each client's operations
// from its start to 60% of the run (to a little past the last heal when
// the budget fixes it earlier), leaving time for timeouts, the quiet
// period and the final reads. The fault window is then placed inside
// that span (see budget), so that the workload runs throughout the fault
// window and after it, as the green-but-broken checks require.
func pace(s Scenario, w workloads.Config) time.Duration {
	ops := w.OpsPerClient
	if ops == 0 {
		ops = 50 // workloads' default
	}
	end := s.SimTime * 6 / 10
	if hb := time.Duration(s.Nemesis.Budget.HealBy); !s.Nemesis.None && hb > 0 && hb+s.SimTime/10 < end {
		end = hb + s.SimTime/10
	}
	span := end - w.StartAfter
	if span <= 0 {
		return time.Millisecond
	}
	return max(span/time.Duration(ops), time.Millisecond)
}

// opsSpan returns when the workload's plan has client operations in
// flight: from the clients' start to when the last regular operation is
// planned (each client's operations at its mean think time, cut at
// Until), which is early, never late: a slow SUT only stretches it.
func opsSpan(w workloads.Config) (from, to time.Duration) {
	ops := w.OpsPerClient
	if ops == 0 {
		ops = 50 // workloads' default
	}
	think := w.ThinkTime
	if think == 0 {
		think = 10 * time.Millisecond // workloads' default
	}
	to = w.StartAfter + time.Duration(ops)*think
	if w.Until > 0 {
		to = min(to, w.Until)
	}
	return w.StartAfter, to
}

// budget fills in a scenario's fault budget for one run. A budget that
// does not fix its window gets one from the workload's plan: faults start
// once a tenth of the planned operations have run and heal before the
// last fifth, so that every fault window has client operations in flight
// and operations follow the last heal; a generated fault lasts at least
// two mean think times.
func (s Scenario) budget(targets []string, w workloads.Config) nemesis.Budget {
	b := s.Nemesis.Budget
	def := nemesis.DefaultBudget(targets, s.SimTime)
	if len(b.Targets) == 0 {
		b.Targets = def.Targets
	}
	if b.MaxDown == 0 {
		b.MaxDown = def.MaxDown
	}
	if b.WarmUp == 0 && b.HealBy == 0 {
		from, to := opsSpan(w)
		span := to - from
		b.WarmUp, b.HealBy = clock.Time(from+span/10), clock.Time(from+span*8/10)
		if b.HealBy <= b.WarmUp {
			b.WarmUp, b.HealBy = clock.Time(s.SimTime/10), clock.Time(s.SimTime/2)
		}
		if b.MinDuration == 0 && b.MaxDuration == 0 {
			// Long enough that each client probably issues an operation
			// inside a fault (two mean think times), so that the fault
			// meets the workload.
			window := time.Duration(b.HealBy - b.WarmUp)
			b.MinDuration = min(max(window/20, 2*w.ThinkTime), window/4)
			// A partition shorter than a client's timeout meets only
			// operations already waiting (on an earlier fault) and drops
			// nothing they send: cuts last a timeout and two think times.
			if b.MinCut == 0 {
				timeout := w.Timeout
				if timeout == 0 {
					timeout = workloads.DefaultTimeout
				}
				b.MinCut = min(timeout+2*w.ThinkTime, window/2)
			}
		}
		// An explicit fault list says where its faults go: the window
		// covers it (a shrunk list replayed with fewer operations too).
		for _, f := range s.Nemesis.Schedule {
			b.WarmUp = min(b.WarmUp, f.Start)
			b.HealBy = min(max(b.HealBy, f.End), clock.Time(s.SimTime))
		}

	}
	if b.MaxFaults == 0 {
		b.MaxFaults = def.MaxFaults
	}
	if b.MaxDriftPPM == 0 {
		b.MaxDriftPPM = def.MaxDriftPPM
	}
	if b.MaxOffset == 0 {
		b.MaxOffset = def.MaxOffset
	}
	if b.MaxJump == 0 {
		b.MaxJump = def.MaxJump
	}
	if b.MaxDelay == 0 {
		b.MaxDelay = def.MaxDelay
	}
	if b.MaxNetP == 0 {
		b.MaxNetP = def.MaxNetP
	}
	if b.MaxDiskP == 0 {
		b.MaxDiskP = def.MaxDiskP
	}
	return b
}

// strip removes from h every field not in keep, marking it absent, as a
// history recorded without those fields would be.
func strip(h history.History, keep history.FieldSet) history.History {
	drop := history.AllFields.Minus(keep).Minus(history.CoreFields)
	if drop == 0 {
		return h
	}
	out := history.History{Ops: make([]history.Op, len(h.Ops))}
	for i, o := range h.Ops {
		for _, f := range drop.List() {
			switch f {
			case history.FieldNodeSeen:
				o.NodeSeen = ""
			case history.FieldKey:
				o.Key = ""
			case history.FieldInput:
				o.Input = nil
			case history.FieldOutput:
				o.Output = nil
			case history.FieldError:
				o.Error = ""
			case history.FieldFaultEpoch:
				o.FaultEpoch = nil
			case history.FieldTimeoutMarker:
				o.TimeoutMarker = false
			case history.FieldProcess:
				o.Process = 0
			}
		}
		o.Absent = o.Absent.Union(drop)
		out.Ops[i] = o
	}
	return out
}

// fingerprintFree holds fingerprint storage between runs, a few slices
// of length 0 (a sync.Pool would be emptied by the collections that
// happen during every run).
var fingerprintFree struct {
	sync.Mutex
	bufs [][]sim.Fingerprint
}

// fingerprintBuffer returns storage for a run's fingerprints, when it
// keeps them.
func fingerprintBuffer(keep bool) []sim.Fingerprint {
	if !keep {
		return nil
	}
	f := &fingerprintFree
	f.Lock()
	defer f.Unlock()
	n := len(f.bufs)
	if n == 0 {
		return nil
	}
	buf := f.bufs[n-1]
	f.bufs[n-1] = nil
	f.bufs = f.bufs[:n-1]
	return buf
}

// recycleFingerprints takes r's fingerprints, which nothing may use
// afterwards, back for another run (keeping at most four, one per run
// that may be in flight on a host's cores and its rerun).
func recycleFingerprints(r *sim.Result) {
	if cap(r.Fingerprints) > 0 {
		f := &fingerprintFree
		f.Lock()
		if len(f.bufs) < 4 {
			f.bufs = append(f.bufs, r.Fingerprints[:0])
		}
		f.Unlock()
	}
	r.Fingerprints = nil
}

// divergence finds the first record where two runs of a seed part, from
// their fingerprints, and says whose code made it: the SUT when both
// records are what SUT nodes did, the harness when neither is, nobody
// known when they disagree. Nil when the runs do not differ.
func divergence(a, b sim.Result) *Divergence {
	i := sim.FirstDifference(a.Fingerprints, b.Fingerprints)
	if i < 0 {
		return nil
	}
	d := &Divergence{Seq: uint64(i + 1), First: a.Describe(i), Second: b.Describe(i)}
	var producers []bool
	for _, r := range []sim.Result{a, b} {
		if i < len(r.Fingerprints) {
			producers = append(producers, r.Fingerprints[i].SUT)
		}
	}
	switch {
	case len(producers) == 2 && producers[0] != producers[1]:
		d.Producer = "mixed"
	case producers[0]:
		d.Producer = "sut"
	default:
		d.Producer, d.Harness = "harness", true
	}
	return d
}

func writeArtifacts(dir string, res *Result, trace []byte, h history.History) error {
	res.Artifacts.Trace = filepath.Join(dir, "trace.txt")
	if err := os.WriteFile(res.Artifacts.Trace, trace, 0o644); err != nil {
		return err
	}
	res.Artifacts.History = filepath.Join(dir, "history.jsonl")
	return history.WriteFile(res.Artifacts.History, h)
}

func teeWriter(a io.Writer, b io.Writer) io.Writer {
	if a == nil {
		return b
	}
	return io.MultiWriter(a, b)
}

// workloadUntil is when regular operations stop: with at least 30% of the
// run left, and room for a timeout, the quiet period and the final reads.
// It is an error when that leaves no time after the workload's start.
func workloadUntil(simTime time.Duration, wcfg workloads.Config) (time.Duration, error) {
	timeout := wcfg.Timeout
	if timeout == 0 {
		timeout = time.Second // workloads' default
	}
	quiet := wcfg.Quiet
	if quiet == 0 {
		quiet = timeout
	}
	until := min(simTime*7/10, simTime-quiet-2*timeout)
	if until <= wcfg.StartAfter {
		return 0, fmt.Errorf("run time %v is too short for the workload: it needs its start (%v), a quiet period (%v) and two timeouts (%v) for the final reads", simTime, wcfg.StartAfter, quiet, timeout)
	}
	return until, nil
}

// withClocks returns nodes with the scenario's clocks set; a clock for a
// node the system did not build is an error.
func withClocks(nodes []sim.NodeSpec, clocks []NodeClock) ([]sim.NodeSpec, error) {
	if len(clocks) == 0 {
		return nodes, nil
	}
	out := append([]sim.NodeSpec(nil), nodes...)
	for _, c := range clocks {
		i := slices.IndexFunc(out, func(n sim.NodeSpec) bool { return n.Name == c.Node && !n.Harness })
		if i < 0 {
			return nil, fmt.Errorf("clock for node %q: the system has no such node; its nodes: %s", c.Node, strings.Join(nemesis.SUTNodes(nodes), ", "))
		}
		out[i].ClockOffset, out[i].DriftPPM = c.Offset, c.DriftPPM
	}
	return out, nil
}

// withDisks returns nodes with the scenario's per-node disk latencies
// set: each listed node gets its own disk configuration, the one its
// system gave it (else the scenario's) with the latencies the NodeDisk
// sets. A node the system did not build, one listed twice or a latency
// out of bounds is an error.
func withDisks(nodes []sim.NodeSpec, def disk.Config, disks []NodeDisk) ([]sim.NodeSpec, error) {
	if len(disks) == 0 {
		return nodes, nil
	}
	out := append([]sim.NodeSpec(nil), nodes...)
	seen := map[string]bool{}
	for _, d := range disks {
		i := slices.IndexFunc(out, func(n sim.NodeSpec) bool { return n.Name == d.Node && !n.Harness })
		if i < 0 {
			return nil, fmt.Errorf("disk for node %q: the system has no such node; its nodes: %s", d.Node, strings.Join(nemesis.SUTNodes(nodes), ", "))
		}
		if seen[d.Node] {
			return nil, fmt.Errorf("disk for node %q given twice", d.Node)
		}
		seen[d.Node] = true
		cfg := def
		if out[i].Disk != nil {
			cfg = *out[i].Disk
		}
		for _, l := range []struct {
			name string
			set  *disk.Latency
			to   *disk.Latency
		}{{"SyncLatency", d.SyncLatency, &cfg.SyncLatency}, {"WriteLatency", d.WriteLatency, &cfg.WriteLatency}, {"ReadLatency", d.ReadLatency, &cfg.ReadLatency}} {
			if l.set == nil {
				continue
			}
			if err := l.set.Validate(); err != nil {
				return nil, fmt.Errorf("disk for node %q: %s: %w", d.Node, l.name, err)
			}
			*l.to = *l.set
		}
		out[i].Disk = &cfg
	}
	return out, nil
}
