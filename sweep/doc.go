// Package sweep runs scenarios over many seeds in worker processes: on
// every core, streaming each result to disk as its seed ends, resumable
// after a kill, shardable across machines, and robust to a system under
// test that kills its own process. The faultline command's sweep, worker
// and merge subcommands are thin layers over it.
//
// # Jobs, plans and shards
//
// A Job is one scenario on one seed. A Plan names scenarios and seeds;
// Plan.Jobs lists its jobs in a canonical order (scenarios by name, seeds
// ascending) that depends only on the sets, so that every machine of a
// sharded sweep computes the same one. Shard i/n keeps the jobs whose
// index in that order is i modulo n; the shards partition the plan, and
// the union of their results is the unsplit sweep's (Merge). ParseSeeds
// and ParseShard read the command line's --seeds and --shard, the latter
// taking the index from a batch engine (JOB_COMPLETION_INDEX of a
// Kubernetes Indexed Job, ...) when given only the count.
//
// # Why processes
//
// Worlds in one process run one at a time (package sim: crypto/rand is
// process-wide), and a fatal error of the system under test (os.Exit, a
// runtime fatal error such as concurrent map writes, a stack overflow)
// ends its process, which no recover catches. So Run starts
// Options.Workers worker processes and gives each one job at a time; a
// death costs one seed, not the sweep.
//
// # The worker protocol
//
// A worker is any binary that calls Serve (or WorkerMain) on its standard
// input and output; Options.Command starts one. The protocol is JSON
// lines:
//
//	worker → {"faultline_worker":2,"scenarios":[{"name":...,"system":...,"claims":[...],"bugs":[...],"seeds":N},...]}
//	coordinator → {"scenario":"kv_linearizable_under_partitions_and_crashes","seed":7}
//	worker → the seed's scenario.Result, one line as scenario.WriteResult writes it
//	   or → {"scenario":...,"seed":7,"usage_error":"unknown scenario ..."}
//
// A job line is a Request: besides the scenario and seed it may name the
// package and plan the scenario comes from ({"package":...,"plan":...}:
// the worker reads the plan's blocks with its own registry, once, and
// stamps both on the result line), and the faultline command asks more of
// a package's worker through it: a run's artifacts ("out", "trace"), a
// shrink ("op":"shrink", answered by a ShrinkReply with the reproducer
// plan's text) and a plan's blocks ("op":"plan", answered by a PlanReply).
//
// The first line (Hello) carries the protocol version and the worker's
// scenarios, which the coordinator checks the plan against (with a plan's
// blocks, which it asks the first worker for); then one job is in flight
// per worker. The coordinator closes the worker's input to
// end it; Serve returns at end of input. Lines on the worker's output
// that answer no job (an SUT printing to file descriptor 1) are kept as
// noise; ServeStdio points os.Stdout at standard error so that Go code
// printing there cannot interfere. Everything a worker writes on standard
// error goes to Options.WorkerStderr, and the end of it is kept per job.
//
// # A worker that dies
//
// When a worker's process ends before it answers, the coordinator decides
// from how it ended and from the end of its standard error (METHOD.md,
// "Blame"), by internal/blame's rules, the ones scenario.Decide applies to
// an in-process panic. A Go fatal trace (panic, fatal error, stack
// overflow) is charged to whoever owns the first frame of the failing
// goroutine outside the Go runtime, the standard library and the main
// package: faultline's checkers and porcupine are the checker's, the rest
// of faultline is the harness's, and everything else, faultline's examples/
// included, is the system under test's; with no such frame, nobody known
// (unknown). A line starting with WorkerErrorPrefix (the worker loop itself
// failed) is the harness's; a plain exit with no trace the system under
// test's, because faultline's packages never call os.Exit while a job runs
// (os.Exit and log.Fatal in the system under test are what exit that way).
//
// The seed is then run once more in a fresh worker. For a death the job
// caused, dying the same way (same anomaly and blame) makes it
// FAIL-reproducible, anything else FAIL-nondeterministic (with the rerun's
// verdict and trace hash in Reason and rerun_hash); the result keeps the
// blame decided from the first death, the anomaly "fatal:<kind>[:<frame>]"
// (findings group by it), stop "worker-died", and the fatal trace (at most
// 8 KiB) in Error.
//
// A death from outside is an environment event, not a finding: a signal
// with no trace (the out-of-memory killer, an operator's kill -9) or a job
// past Options.JobTimeout (stopped with SIGQUIT, whose goroutine dump shows
// where the job was). The rerun, given twice the time limit, decides: its
// answer is recorded as the seed's result (its Reason says the first
// worker died); a second death from outside is INCONCLUSIVE-env, blamed on
// the environment, unless both timeouts stopped the job with the same
// stack in code of the system under test, a runaway loop there
// (FAIL-reproducible, SUT). Such an INCONCLUSIVE-env seed is not final:
// a resumed sweep (Options.Resume) runs it again, its old line removed
// from the results file (Redoable).
// The sweep goes on with a fresh worker. A run abandoned by the
// in-process watchdog on callbacks (Options.StuckAfter, stop "stuck") is
// not a death: the worker answers it, blamed from the stuck stack, and
// then ends, since the stuck goroutine cannot be stopped; the next job
// gets a fresh worker. Workers sit in their own
// process group, so a terminal's interrupt reaches only the coordinator,
// which stops them itself and records nothing for the jobs they were
// running.
//
// # The results file
//
// Results are appended to a JSON Lines file, one scenario.Result per
// line, in the order jobs complete, which differs between runs with more
// than one worker: sort by scenario and seed (SortResults, Merge) to
// compare. Each line is written with a single write on a file opened with
// O_APPEND and synced before its job counts as done, so a kill of the
// coordinator or a crash of the host loses at most the jobs in flight,
// and a torn write can only be the file's last line. Options.Resume
// reads the file, cuts off a torn last line (a malformed line elsewhere
// is an error naming it), skips every job already recorded and runs the
// rest: nothing is lost or run twice. Without Resume, a file that already
// holds results is refused (ErrResultsExist).
//
// Every result line is a pure function of (scenario, seed, code) except
// host_ns: the same plan gives the same sorted lines, host_ns aside, with
// any number of workers, in any order of completion, and in one process
// (scenario.Registry.Sweep). A result of a dead worker is the exception:
// its Error holds a stack trace with addresses.
//
// # Merging shards
//
// Merge reads the shards' results files and returns their union sorted
// by scenario and seed. The same job recorded twice with the same
// verdict, blame and trace hash is kept once; with different ones, Merge
// fails naming both files and lines.
//
// # Summary and exit code
//
// Run returns a Summary of every result of the plan's jobs in the file
// (resumed ones included): counts per verdict, findings
// (scenario.Group), worker deaths, and METHOD.md's exit code: 1 when a
// FAIL is blamed on the system under test, else 3 when any result is a
// FAIL blamed elsewhere, INCONCLUSIVE-* or NOT-RUN (or there is none),
// else 0. Summarize does the same for merged results.
//
// # Progress
//
// Progress reports as jobs finish: on a terminal a one-line bar redrawn
// with a carriage return (seeds done of total, failures, seeds per
// second, time left), elsewhere a plain line every interval of host time.
// Whether the output is a terminal, and the clock, are the caller's.
//
// # Cancellation
//
// When Run's context ends, it kills the workers, records nothing for the
// jobs they were running, and returns the context's error: the file holds
// only whole, synced lines and resumes cleanly.
package sweep
