package sweep

import (
	"maps"
	"strings"

	"github.com/faultline-dst/faultline/scenario"
)

// The exit codes a sweep decides (METHOD.md, "Exit codes"); 2, a usage or
// input error, is the command line's.
const (
	ExitOK           = 0 // no finding against the SUT, nothing inconclusive
	ExitFinding      = 1 // at least one FAIL blamed on the SUT
	ExitInconclusive = 3 // inconclusive or not run, or a FAIL blamed on harness, checker, environment or nobody known
)

// Summary is the outcome of a sweep.
type Summary struct {
	// Jobs counts the plan's jobs (of this shard); Recorded those with a
	// result in the results file, Resumed those already there when the
	// sweep started, Ran those run by this sweep.
	Jobs     int `json:"jobs"`
	Recorded int `json:"recorded"`
	Resumed  int `json:"resumed"`
	Ran      int `json:"ran"`
	// WorkerDeaths counts worker processes that died running a job
	// (reruns included).
	WorkerDeaths int `json:"worker_deaths"`
	// Redone counts the jobs a resumed sweep ran again because they were
	// recorded INCONCLUSIVE-env after their worker died from outside
	// (Redoable).
	Redone int `json:"redone"`
	// Verdicts counts the recorded results per verdict.
	Verdicts map[scenario.Verdict]int `json:"verdicts"`
	// Findings groups the failures (scenario.Group).
	Findings []scenario.Finding `json:"findings"`
	// SweepChecks are the sweep-level checks (scenario.SweepChecks: a
	// failover scenario saw more than one failover), the ones the report
	// applies; Demoted are the scenarios a failed one keeps from a PASS,
	// with the verdict they get instead, which counts in ExitCode.
	SweepChecks []scenario.SweepCheck       `json:"sweep_checks,omitempty"`
	Demoted     map[string]scenario.Verdict `json:"demoted,omitempty"`
	// ExitCode is METHOD.md's: 1 for a FAIL blamed on the SUT, else 3 for
	// any other FAIL or an INCONCLUSIVE-* or NOT-RUN result (or no result
	// at all, or a scenario a sweep-level check demoted), else 0.
	ExitCode int `json:"exit_code"`
}

// Summarize counts results per verdict, groups the failures into
// findings and decides the exit code. Run uses it on the plan's results;
// a caller uses it on Merge's.
func Summarize(results []scenario.Result) Summary {
	s := Summary{Recorded: len(results), Verdicts: map[scenario.Verdict]int{}}
	var fails []scenario.Result
	for _, r := range results {
		s.Verdicts[r.Verdict]++
		if r.Verdict.IsFail() {
			fails = append(fails, r)
		}
	}
	s.Findings = scenario.Group(fails)
	s.SweepChecks = scenario.SweepChecks(results)
	verdicts := s.Verdicts
	if len(s.SweepChecks) > 0 {
		worst := map[string]scenario.Verdict{}
		for _, r := range results {
			if w, ok := worst[r.Scenario]; ok {
				worst[r.Scenario] = scenario.Worst(w, r.Verdict)
			} else {
				worst[r.Scenario] = r.Verdict
			}
		}
		verdicts = maps.Clone(s.Verdicts)
		for _, c := range s.SweepChecks {
			if v, why := scenario.DemoteBySweep(worst[c.Scenario], []scenario.SweepCheck{c}); why != "" {
				if s.Demoted == nil {
					s.Demoted = map[string]scenario.Verdict{}
				}
				s.Demoted[c.Scenario] = v
				verdicts[v]++
			}
		}
	}
	s.ExitCode = exitCode(verdicts, s.Findings)
	return s
}

func exitCode(verdicts map[scenario.Verdict]int, findings []scenario.Finding) int {
	for _, f := range findings {
		if f.Blame == scenario.BlameSUT {
			return ExitFinding
		}
	}
	total := 0
	for v, n := range verdicts {
		total += n
		if v.IsFail() || v == scenario.NotRun || strings.HasPrefix(string(v), "INCONCLUSIVE") {
			return ExitInconclusive
		}
	}
	if total == 0 {
		return ExitInconclusive // nothing ran: blocked
	}
	return ExitOK
}
