package scenario

import "fmt"

// Verdict is one of METHOD.md's ten verdicts for a run (and, worst over
// its seeds, for a scenario).
type Verdict string

// The ten verdicts, in METHOD.md's decision order: the first that applies
// wins.
const (
	NotRun                     Verdict = "NOT-RUN"
	InconclusiveEnv            Verdict = "INCONCLUSIVE-env"
	FailReproducible           Verdict = "FAIL-reproducible"
	FailNondeterministic       Verdict = "FAIL-nondeterministic"
	InconclusiveFaultNotProven Verdict = "INCONCLUSIVE-fault-not-proven"
	PartialSurface             Verdict = "PARTIAL-surface"
	InconclusiveOracleTooWeak  Verdict = "INCONCLUSIVE-oracle-too-weak"
	PartialModel               Verdict = "PARTIAL-model"
	PassSmoke                  Verdict = "PASS-smoke"
	PassHardening              Verdict = "PASS-hardening"
)

// Verdicts returns the ten verdicts in decision order.
func Verdicts() []Verdict {
	return []Verdict{NotRun, InconclusiveEnv, FailReproducible, FailNondeterministic,
		InconclusiveFaultNotProven, PartialSurface, InconclusiveOracleTooWeak,
		PartialModel, PassSmoke, PassHardening}
}

// ParseVerdict returns the verdict called s.
func ParseVerdict(s string) (Verdict, error) {
	for _, v := range Verdicts() {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown verdict %q; valid: %v", s, Verdicts())
}

// severity orders verdicts for aggregation over a sweep: lower is worse.
// METHOD.md: FAIL-reproducible, FAIL-nondeterministic, INCONCLUSIVE-*,
// PARTIAL-*, PASS-smoke, PASS-hardening. NOT-RUN sorts with the
// inconclusive ones: a seed that never ran supports nothing.
func (v Verdict) severity() int {
	switch v {
	case FailReproducible:
		return 0
	case FailNondeterministic:
		return 1
	case InconclusiveEnv, InconclusiveFaultNotProven, InconclusiveOracleTooWeak, NotRun:
		return 2
	case PartialSurface, PartialModel:
		return 3
	case PassSmoke:
		return 4
	case PassHardening:
		return 5
	}
	return -1
}

// IsFail reports whether v is a FAIL verdict.
func (v Verdict) IsFail() bool { return v == FailReproducible || v == FailNondeterministic }

// IsPass reports whether v is a PASS verdict.
func (v Verdict) IsPass() bool { return v == PassSmoke || v == PassHardening }

// Worst returns the worst of the verdicts, by METHOD.md's sweep order;
// NotRun for none.
func Worst(vs ...Verdict) Verdict {
	if len(vs) == 0 {
		return NotRun
	}
	w := vs[0]
	for _, v := range vs[1:] {
		if v.severity() < w.severity() {
			w = v
		}
	}
	return w
}

// Blame names who is at fault for a FAIL or an INCONCLUSIVE verdict.
type Blame string

// The blame values of METHOD.md. None is for verdicts that blame nobody
// (PASS, PARTIAL, NOT-RUN).
const (
	BlameNone        Blame = ""
	BlameSUT         Blame = "SUT"
	BlameHarness     Blame = "harness"
	BlameChecker     Blame = "checker"
	BlameEnvironment Blame = "environment"
	BlameUnknown     Blame = "unknown"
)
