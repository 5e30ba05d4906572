// Package scenario turns the kernel, the workloads and the checkers into
// verdicts: a Scenario binds a claim to a system, a workload, a nemesis and
// a checker; running it on a seed gives a Result with one of METHOD.md's
// ten verdicts, its blame and the evidence behind both.
//
// Decide is METHOD.md's decision order as a pure function of an
// Observation, so every verdict and blame rule is testable on its own and
// on real runs.
package scenario
