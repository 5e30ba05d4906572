// Package report writes METHOD.md's findings report: Markdown for the
// reviewer and JSON for machines, both rendered from one Report value.
//
// Build is a pure function of its inputs: the sweep's results (one
// scenario.Result per scenario and seed), optional shrunk reproducers and
// claim texts, and a Meta the caller fills in (plan, versions, tier, the
// date as a string). It never reads the host clock, the environment or
// the file system, and it sorts everything it shows, so equal inputs give
// byte-identical Markdown and JSON on every host.
//
// A Report holds, in order:
//
//   - the header: plan, SUT and faultline versions, tier, seeds swept, date;
//   - the summary: the headline (findings, or all scenarios passed with
//     their coverage) and the session status (FAIL, INCONCLUSIVE, BLOCKED,
//     DONE_WITH_CONCERNS or DONE) with the reason for it;
//   - one row per scenario: its verdict (the worst over its seeds, with
//     counts per verdict), the checker and its evidence, the landing
//     evidence per fault kind, the replay command and artifacts;
//   - one section per finding (scenario.Group), with its blame, the
//     evidence for it, the shrunk reproducer when there is one, and the
//     exact replay command;
//   - coverage: per claim, the scenarios that exercised it, under which
//     landed faults, with which verdicts, and what was not exercised;
//   - the green-but-broken checks, aggregated per scenario;
//   - the confidence delta, in conservative words: a passing claim is "not
//     observed to fail under the tested faults", never "proven".
//
// Report.ExitCode maps the report to METHOD.md's exit codes: 1 when a
// finding is blamed on the SUT, 3 when the session is inconclusive or a
// failure is blamed on the harness, the checker or the environment, 0
// otherwise.
//
// ReadResults reads a sweep's results file (JSON Lines, one Result a
// line); Merge and ReadFiles join the results files of several shards,
// keeping one result per scenario and seed and refusing two that disagree.
package report
