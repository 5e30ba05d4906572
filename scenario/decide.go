package scenario

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/internal/blame"
	"github.com/faultline-dst/faultline/sim"
)

// FaultLanding is one scheduled fault and whether it provably landed: it
// started, the nemesis saw it act on the system, and a client operation
// was in flight during its window or its recovery (see landings). Detail
// names the window and what was missing.
type FaultLanding struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Landed bool   `json:"landed"`
	Detail string `json:"detail,omitempty"`
}

// Check is one of METHOD.md's automatic green-but-broken checks. A check
// that fails keeps the run from a PASS: Demote is the verdict it gets
// instead.
type Check struct {
	Name   string  `json:"name"`
	OK     bool    `json:"ok"`
	Detail string  `json:"detail,omitempty"`
	Demote Verdict `json:"demote,omitempty"`
	// Blame is who is at fault when the check demotes the run to an
	// INCONCLUSIVE verdict ("" means the harness: it did not exercise the
	// claim).
	Blame Blame `json:"blame,omitempty"`
}

// Rerun is the second run of a seed whose first run failed.
type Rerun struct {
	TraceHash uint64
	Anomaly   string // the anomaly signature of the rerun ("" if none)
}

// Divergence is the first trace record where a rerun differs from the
// first run, and whose code produced it.
type Divergence struct {
	Seq     uint64 `json:"seq"`
	First   string `json:"first"`   // the record in the first run
	Second  string `json:"second"`  // the record in the rerun
	Harness bool   `json:"harness"` // produced by faultline code, not the SUT
	// Producer is whose code made the differing records: "sut" (both
	// were what SUT nodes did through their Env), "harness" (neither:
	// the World, the nemesis or a workload client), or "mixed" (one
	// each: who parted first is not known).
	Producer string `json:"producer,omitempty"`
}

// Observation is everything one run of one seed established; Decide turns
// it into a verdict and a blame. Scenario runs fill it; tests may too.
type Observation struct {
	NotRun     string // why the scenario never started; "" if it ran
	EnvMissing string // a capability the SUT or host lacks, found before the run
	// RunErr is what stopped the run early: *sim.HarnessError,
	// *sim.PanicError, *sim.WatchdogError, a nemesis budget breach
	// (*BudgetError) or an SUT protocol error (*SUTError).
	RunErr error
	// CheckerErr is a checker that failed to judge the history
	// (*CheckerPanicError).
	CheckerErr error
	// ArtifactErr is a trace or artifact the host could not write (a
	// *sim.TraceWriteError, a failed write of --out's files): the run is
	// then no evidence, whatever else it shows.
	ArtifactErr error
	// EnvHazard says what outside the simulation touched the run while it
	// ran (another goroutine reading the world's crypto/rand stream), or
	// "".
	EnvHazard  string
	TraceHash  uint64
	Check      *checkers.Result // nil when no model-level checker ran
	CrossCheck *CrossCheck      // set when the checker found an anomaly: its re-judgement, or why there is none
	Faults     []FaultLanding   // every scheduled fault
	Checks     []Check          // green-but-broken checks
	Rerun      *Rerun           // set when the first run failed
	Divergence *Divergence      // set when the rerun's hash differs
}

// Decision is a verdict with its blame and the reason for both.
type Decision struct {
	Verdict Verdict `json:"verdict"`
	Blame   Blame   `json:"blame,omitempty"`
	Reason  string  `json:"reason"`
	// Anomaly is a stable signature of what failed (checker and anomaly
	// kind, panic, harness invariant), used to group findings and to
	// compare a rerun with the first run.
	Anomaly string `json:"anomaly,omitempty"`
}

// Decide applies METHOD.md's decision order to o.
//
// Two choices METHOD.md leaves open, made here: a breach of a harness
// invariant is a FAIL with harness blame (the run found a defect, in
// faultline), and a host-time watchdog expiry is INCONCLUSIVE-env with
// environment blame.
func Decide(o Observation) Decision {
	if o.NotRun != "" {
		return Decision{Verdict: NotRun, Reason: o.NotRun}
	}
	if o.EnvMissing != "" {
		return Decision{Verdict: InconclusiveEnv, Blame: BlameEnvironment, Reason: o.EnvMissing}
	}
	if o.ArtifactErr != nil {
		inner := o
		inner.ArtifactErr = nil
		d := Decide(inner)
		return Decision{Verdict: InconclusiveEnv, Blame: BlameEnvironment, Anomaly: "env:artifact-write",
			Reason: fmt.Sprintf("the host could not write the run's trace or artifacts (%v), so the run is no evidence; without that, it gave %s: %s", o.ArtifactErr, d.Verdict, d.Reason)}
	}
	if o.EnvHazard != "" {
		return Decision{Verdict: InconclusiveEnv, Blame: BlameEnvironment, Anomaly: "env:outside-the-simulation", Reason: o.EnvHazard}
	}
	var wd *sim.WatchdogError
	if errors.As(o.RunErr, &wd) {
		return Decision{Verdict: InconclusiveEnv, Blame: BlameEnvironment, Reason: wd.Error(), Anomaly: "watchdog"}
	}
	if sig, blame, reason := failure(o); sig != "" {
		d := Decision{Anomaly: sig, Blame: blame, Reason: reason}
		switch {
		case o.Rerun == nil:
			d.Verdict, d.Blame = FailNondeterministic, BlameUnknown
			d.Reason = "not re-run, so not shown reproducible: " + reason
		case o.Rerun.TraceHash == o.TraceHash && o.Rerun.Anomaly == sig:
			d.Verdict = FailReproducible
		case offGoroutine(o.RunErr):
			// A node that uses its Env from its own goroutines makes
			// its runs differ (goroutine scheduling): the misuse is
			// its bug whatever the rerun shows.
			d.Verdict = FailNondeterministic
			d.Reason = reason + "; the rerun differs, as a run whose node uses goroutines does"
		case isStuck(o.RunErr) && o.Rerun.Anomaly != sig:
			// A call that hung once, and not on the rerun: a host that
			// stalled the process (swapping, a debugger, an overloaded
			// machine) looks the same. METHOD: environment, unless the
			// runaway loop shows in the stack every time.
			rerun := "did not hang"
			if o.Rerun.Anomaly != "" {
				rerun = "failed otherwise (" + o.Rerun.Anomaly + ")"
			}
			d.Verdict, d.Blame = InconclusiveEnv, BlameEnvironment
			d.Reason = reason + "; the rerun of the seed " + rerun + ", so the hang is not shown to be the code's: a stalled or overloaded host looks the same"
		default:
			d.Verdict = FailNondeterministic
			d.Blame, d.Reason = divergenceBlame(o)
		}
		return d
	}
	var unlanded []string
	for _, f := range o.Faults {
		if !f.Landed {
			what := f.ID + " (" + f.Kind
			if f.Detail != "" {
				what += ", " + f.Detail
			}
			unlanded = append(unlanded, what+")")
		}
	}
	if len(unlanded) > 0 {
		return Decision{Verdict: InconclusiveFaultNotProven, Blame: BlameHarness,
			Reason: "no landing evidence for " + strings.Join(unlanded, "; ") + ": the nemesis did not exercise the claim"}
	}
	if o.Check == nil {
		return Decision{Verdict: PartialSurface, Reason: "no model-level checker ran; only invariants and panics were watched"}
	}
	c := o.Check
	if c.Outcome == checkers.Unknown {
		d := Decision{Verdict: InconclusiveOracleTooWeak, Reason: fmt.Sprintf("checker %s could not decide (%s): %s", c.Checker, c.Kind, c.Explanation)}
		switch c.Kind {
		case "too-weak", "malformed-history":
			d.Blame = BlameHarness
		case "work-limit", "time-limit":
			d.Blame = BlameChecker
		default:
			d.Blame = BlameUnknown
		}
		return d
	}
	if c.Checked < c.Recorded {
		return Decision{Verdict: PartialModel, Reason: fmt.Sprintf("checker %s decided %d of %d operations (%.1f%%)", c.Checker, c.Checked, c.Recorded, 100*float64(c.Checked)/float64(max(c.Recorded, 1)))}
	}
	worst, blame := PassHardening, BlameNone
	var why []string
	for _, ch := range o.Checks {
		if !ch.OK {
			v := ch.Demote
			if v == "" {
				v = PartialModel
			}
			if w := Worst(worst, v); w != worst {
				worst, blame = w, ch.Blame // the first check of the worst verdict decides the blame
			}
			why = append(why, ch.Name+": "+ch.Detail)
		}
	}
	if worst != PassHardening {
		d := Decision{Verdict: worst, Reason: "green-but-broken: " + strings.Join(why, "; ")}
		if strings.HasPrefix(string(worst), "INCONCLUSIVE") {
			d.Blame = cmp.Or(blame, BlameHarness)
		}
		return d
	}
	if len(o.Faults) == 0 {
		return Decision{Verdict: PassSmoke, Reason: fmt.Sprintf("no fault was active; checker %s consumed all %d operations, no anomaly", c.Checker, c.Recorded)}
	}
	return Decision{Verdict: PassHardening, Reason: fmt.Sprintf("%d faults landed; checker %s consumed all %d operations, no anomaly", len(o.Faults), c.Checker, c.Recorded)}
}

// failure returns the signature, blame and reason of what failed in o, or
// an empty signature when nothing did.
func failure(o Observation) (sig string, blame Blame, reason string) {
	var he *sim.HarnessError
	var pe *sim.PanicError
	var be *BudgetError
	var se *SUTError
	var ae *sim.AssertionError
	var me *sim.MisuseError
	var ce *CheckerPanicError
	var st *sim.StuckError
	switch {
	case errors.As(o.RunErr, &st):
		return stuckBlame(st)
	case errors.As(o.RunErr, &ae):
		return "assertion:" + ae.Node, BlameSUT, ae.Error()
	case errors.As(o.RunErr, &he):
		return "harness:" + he.Invariant, BlameHarness, he.Error()
	case errors.As(o.RunErr, &be):
		return "harness:fault-outside-budget", BlameHarness, be.Error()
	case errors.As(o.RunErr, &me):
		b := BlameSUT
		if me.Harness {
			b = BlameHarness
		}
		site := me.Site
		if site == "" {
			site = "node " + me.Node
		}
		return "misuse:" + me.Rule + ":" + site, b, fmt.Sprintf("%v (a bug in the code of node %s, which is %s, at %s)", me, me.Node, nodeOwner(me.Harness), site)
	case errors.As(o.RunErr, &pe):
		return panicBlame(pe)
	case errors.As(o.RunErr, &se):
		return "sut:" + se.Kind, BlameSUT, se.Error()
	case o.RunErr != nil:
		return "error", BlameUnknown, o.RunErr.Error()
	case errors.As(o.CheckerErr, &ce):
		return "checker-panic:" + ce.Checker, BlameChecker, ce.Error()
	}
	if o.Check != nil && o.Check.Outcome == checkers.Anomaly {
		sig = "anomaly:" + o.Check.Checker + ":" + o.Check.Kind
		reason = fmt.Sprintf("checker %s found %s", o.Check.Checker, o.Check.Kind)
		if o.Check.Explanation != "" {
			reason += ": " + o.Check.Explanation
		}
		if o.CrossCheck != nil && o.CrossCheck.Ran && !o.CrossCheck.Agrees {
			return sig, BlameChecker, fmt.Sprintf("%s; but %s finds no anomaly in the same history: %s", reason, o.CrossCheck.Name, o.CrossCheck.Detail)
		}
		return sig, BlameSUT, reason
	}
	return "", BlameNone, ""
}

func divergenceBlame(o Observation) (Blame, string) {
	if o.Divergence == nil {
		return BlameUnknown, "the rerun of the same seed differs, and the first differing event was not found"
	}
	d := o.Divergence
	who, blame := "SUT code (a determinism hazard: host time, global randomness, map order or goroutines)", BlameSUT
	switch {
	case d.Producer == "mixed":
		who, blame = "SUT code in one run and faultline code in the other, so who parted first is not known", BlameUnknown
	case d.Harness:
		who, blame = "faultline code", BlameHarness
	}
	return blame, fmt.Sprintf("the first run and its rerun diverged at trace record %d, produced by %s: first %q, rerun %q", d.Seq, who, d.First, d.Second)
}

// panicBlame blames a panic by the owner of its first frame that has one
// (internal/blame), and, when none has (only the runtime, the standard
// library or a main package panicked), by whose code was called.
func panicBlame(pe *sim.PanicError) (sig string, b Blame, reason string) {
	owner, why := frameOwner(pe.Frames, pe.Harness, "panicking")
	b = Blame(owner)
	switch {
	case b == BlameSUT:
		sig = PanicSignature(pe)
	default:
		sig = "panic:" + string(owner)
	}
	return sig, b, fmt.Sprintf("%v (%s)", pe, why)
}

// PanicSignature is an SUT panic's signature: "panic:" + its site (the
// first frame of the stack that has an owner, else the innermost) + ": "
// + its message with every run of digits written "N" and cut to 100
// bytes. It names the bug, not the node that happened to hit it or the
// numbers of the moment: one bug that panics on n1, n2 and n3, or with
// index 5 and index 7, is one finding, and the shrinker may move it to
// another node.
func PanicSignature(pe *sim.PanicError) string {
	site, _ := blame.First(pe.Frames)
	if site == "" && len(pe.Frames) > 0 {
		site = pe.Frames[0]
	}
	if site == "" {
		site = "unknown-site"
	}
	var msg strings.Builder
	digits := false
	for _, r := range fmt.Sprint(pe.Value) {
		switch {
		case r >= '0' && r <= '9':
			if !digits {
				msg.WriteByte('N')
			}
			digits = true
			continue
		case r == '\n' || r == '\t':
			r = ' '
		}
		digits = false
		msg.WriteRune(r)
	}
	m := msg.String()
	if len(m) > 100 {
		m = m[:100]
	}
	return "panic:" + site + ": " + m
}

// frameOwner says whose code a stack is by its first frame that has an
// owner (internal/blame) and, when none has, by whose code was called
// (harness), with the reason; what names the frame in it.
func frameOwner(frames []string, harness bool, what string) (blame.Owner, string) {
	fn, owner := blame.First(frames)
	if owner != blame.Unknown {
		return owner, what + " frame " + fn + " is " + blame.Whose(owner)
	}
	owner = blame.SUT
	if harness {
		owner = blame.Harness
	}
	return owner, "no frame of the stack has an owner; the code called was " + blame.Whose(owner)
}

// stuckBlame blames a call that never returned as a panic is blamed, by
// its stack (the owner of its first frame that has one). Its signature is
// "stuck:" + the outermost frame of that owner in the stack (for the SUT,
// where the node's code was entered, or left for a library's): where the
// stack was caught inside a loop varies from run to run (a loop with no
// call may show as its caller's line when it was inlined), where it was
// entered does not. The node is left out, as for a panic: one hang is
// one finding on whichever node meets it.
func stuckBlame(se *sim.StuckError) (sig string, b Blame, reason string) {
	owner, why := frameOwner(se.Frames, se.Harness, "stuck")
	site := ""
	for _, fn := range se.Frames {
		if blame.Of(fn) == owner {
			site = fn
		}
	}
	if site == "" && len(se.Frames) > 0 {
		site = se.Frames[len(se.Frames)-1]
	}
	if site == "" {
		site = "unknown-site"
	}
	return "stuck:" + site, Blame(owner), fmt.Sprintf("%v (%s): a loop that never ends or a block that never wakes", se, why)
}

// offGoroutine reports whether err is an Env used off the world's
// goroutine.
func offGoroutine(err error) bool {
	var me *sim.MisuseError
	return errors.As(err, &me) && me.Rule == sim.MisuseOffGoroutine
}

// isStuck reports whether err is a call that never returned.
func isStuck(err error) bool {
	var se *sim.StuckError
	return errors.As(err, &se)
}

func nodeOwner(harness bool) string {
	if harness {
		return "a harness node (a workload client)"
	}
	return "a node of the system under test"
}

// CheckerPanicError reports a checker (or the cross-check) that panicked
// judging a history: checker blame, whatever the stack.
type CheckerPanicError struct {
	Checker string
	Value   any
	Stack   string
}

func (e *CheckerPanicError) Error() string {
	return fmt.Sprintf("checker %s panicked: %v", e.Checker, e.Value)
}

// BudgetError reports a fault applied outside the scenario's declared
// budget: a harness defect.
type BudgetError struct{ Detail string }

func (e *BudgetError) Error() string { return "fault outside the declared budget: " + e.Detail }

// SUTError reports an SUT that broke the protocol with the harness (a reply
// the adapter could not decode, an operation completed twice).
type SUTError struct {
	Kind   string
	Detail string
}

func (e *SUTError) Error() string { return "SUT error (" + e.Kind + "): " + e.Detail }
