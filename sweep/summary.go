package sweep

import (
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
	// Verdicts counts the recorded results per verdict.
	Verdicts map[scenario.Verdict]int `json:"verdicts"`
	// Findings groups the failures (scenario.Group).
	Findings []scenario.Finding `json:"findings"`
	// ExitCode is METHOD.md's: 1 for a FAIL blamed on the SUT, else 3 for
	// any other FAIL or an INCONCLUSIVE-* or NOT-RUN result (or no result
	// at all), else 0.
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
	s.ExitCode = exitCode(s.Verdicts, s.Findings)
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
