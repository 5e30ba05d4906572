package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/examples/reference"
	"github.com/faultline-dst/faultline/guest"
	"github.com/faultline-dst/faultline/scenario"
	"github.com/faultline-dst/faultline/sweep"
)

// source says where a command's scenarios come from: the built-in
// reference registry in this process, or a Go package's test binary
// serving as a worker; either one plus a plan's blocks (--plan). Every
// command reaches scenarios through it, so that each works the same on a
// package as on the built-in scenarios.
type source struct {
	// at is what results record and printed commands name.
	at scenario.Source

	// In this process: the reference registry and the plan's blocks.
	reg  *scenario.Registry
	plan []scenario.PlanScenario

	// A package: its test binary, one worker kept for the command, and
	// the scenarios it announced (the plan's blocks when a plan is given).
	bin     string
	cleanup func()
	w       *pkgWorker
	infos   []sweep.ScenarioInfo
	fromPln bool      // infos are a plan's blocks
	stderr  io.Writer // the worker's standard error goes here

	// A main package run as guests: its module, built once (cached), and
	// its directory (where its faultline.md is); this executable serves
	// as its workers.
	guest *guestBuild
}

// guestBuild is a main package built for wasip1.
type guestBuild struct {
	wasm, dir string
}

// guestMain says whether pkg is a main package (for GOOS=wasip1) and, if
// so, builds it with guest.BuildCached: faultline runs it as guests with
// the system its faultline.md declares (package guest/mainpkg). It
// returns nil for any other package (a test binary then serves it).
func guestMain(pkg string) (*guestBuild, error) {
	dir, arg := "", pkg
	if st, err := os.Stat(pkg); err == nil && st.IsDir() {
		dir, arg = pkg, "."
	}
	p, err := guest.ListPackage(dir, arg)
	if err != nil || p.Name != "main" {
		return nil, nil // not a command: let the test build say what it is
	}
	wasm, err := guest.BuildCached(dir, arg)
	if err != nil {
		return nil, usagef("building %s as a wasip1 guest: %v", pkg, err)
	}
	return &guestBuild{wasm: wasm, dir: p.Dir}, nil
}

// openSource opens the source a command names: pkg (a package argument,
// or "") and plan (a --plan file, or "").
func openSource(pkg, plan string, stderr io.Writer) (*source, error) {
	if pkg == "" {
		return loadSource(plan)
	}
	record, err := packageName(pkg)
	if err != nil {
		return nil, err
	}
	s := &source{at: scenario.Source{Package: record, Plan: plan}, stderr: stderr}
	if s.guest, err = guestMain(pkg); err != nil {
		return nil, err
	}
	if s.guest == nil {
		if s.bin, s.cleanup, err = buildTestBinary(pkg, stderr); err != nil {
			return nil, err
		}
	}
	if s.w, err = startPkgWorker(s.workerCmd(), pkg, s.guest != nil, stderr); err != nil {
		s.close()
		return nil, err
	}
	s.infos = s.w.hello.Scenarios
	if plan != "" {
		entries, err := s.w.plan(plan)
		if err != nil {
			s.close()
			return nil, err
		}
		s.infos, s.fromPln = nil, true
		for _, e := range entries {
			s.infos = append(s.infos, e.ScenarioInfo)
		}
	}
	return s, nil
}

// loadSource is the in-process source: the reference registry and, with
// planPath, the plan's blocks.
func loadSource(planPath string) (*source, error) {
	src := &source{reg: reference.Registry(), at: scenario.Source{Plan: planPath}}
	if planPath == "" {
		return src, nil
	}
	ps, err := readPlan(src.reg, planPath)
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "unknown scenario") || strings.Contains(msg, "unknown system") {
			msg += "\n(a plan whose blocks name a Go package's systems or scenarios is read with the package: faultline COMMAND PKG --plan " + planPath + ")"
		}
		return nil, usageError{msg} // a plan that cannot be read or parsed is bad input
	}
	for _, p := range ps {
		if err := src.reg.AddScenario(p.Scenario); err != nil {
			return nil, usagef("%s:%d: %v", p.File, p.Line, err)
		}
	}
	src.plan = ps
	return src, nil
}

// sourceArg opens the source of a command whose positional arguments are
// at most one package.
func sourceArg(args []string, plan string, stderr io.Writer) (*source, error) {
	if len(args) > 1 {
		return nil, usagef("want at most one package, got %q", args)
	}
	pkg := ""
	if len(args) == 1 {
		pkg = args[0]
	}
	return openSource(pkg, plan, stderr)
}

// close ends the package's worker and removes its test binary.
func (s *source) close() {
	if s.w != nil {
		s.w.close()
		s.w = nil
	}
	if s.cleanup != nil {
		s.cleanup()
		s.cleanup = nil
	}
}

// workerCmd returns a new command for one worker of the package.
func (s *source) workerCmd() func() *exec.Cmd {
	if g := s.guest; g != nil {
		self, err := os.Executable()
		if err != nil {
			self = os.Args[0]
		}
		return func() *exec.Cmd {
			return exec.Command(self, "worker", "--guest", g.wasm, "--guest-dir", g.dir)
		}
	}
	return func() *exec.Cmd {
		c := exec.Command(s.bin, "-test.run=^$")
		c.Env = append(os.Environ(), sweep.WorkerEnv+"=1")
		return c
	}
}

// entries lists the source's scenarios: the plan's when a plan is given,
// else all.
func (s *source) entries() []listEntry {
	var out []listEntry
	if s.reg != nil {
		scs := s.reg.Scenarios()
		if len(s.plan) > 0 {
			scs = nil
			for _, p := range s.plan {
				scs = append(scs, p.Scenario)
			}
		}
		for _, sc := range scs {
			out = append(out, listEntry{Name: sc.Name, System: sc.System, Model: string(sc.Model), Checker: sc.Checker,
				Claims: sc.Claim.IDs, Bugs: sc.Bugs, KnownBug: len(sc.Bugs) > 0, Seeds: sc.Seeds})
		}
		return out
	}
	for _, in := range s.infos {
		out = append(out, listEntry{Name: in.Name, System: in.System, Model: in.Model, Checker: in.Checker,
			Claims: in.Claims, Bugs: in.Bugs, KnownBug: len(in.Bugs) > 0, Seeds: in.Seeds})
	}
	return out
}

// pick returns the name of the scenario a single-seed command runs: name
// if given, else the plan's or package's only scenario, else the built-in
// default.
func (s *source) pick(name string) (string, error) {
	if name != "" {
		return name, s.known(name)
	}
	if s.reg != nil && len(s.plan) == 0 {
		return reference.Default, nil
	}
	es := s.entries()
	if len(es) == 1 {
		return es[0].Name, nil
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name)
	}
	what := "the plan declares"
	if s.reg == nil && !s.fromPln {
		what = s.at.Package + " registers"
	}
	return "", usagef("%s %d scenarios; name one with --scenario: %s", what, len(names), strings.Join(names, ", "))
}

// selected returns the scenarios a sweep runs: the named ones, else the
// plan's or the package's, else the built-in default.
func (s *source) selected(names []string) ([]string, error) {
	if len(names) == 0 {
		if s.reg != nil && len(s.plan) == 0 {
			return []string{reference.Default}, nil
		}
		for _, e := range s.entries() {
			names = append(names, e.Name)
		}
		return names, nil
	}
	for _, n := range names {
		if err := s.known(n); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// known checks that the source has a scenario called name.
func (s *source) known(name string) error {
	if s.reg != nil {
		if _, err := s.reg.Scenario(name); err != nil {
			return usageError{err.Error()}
		}
		return nil
	}
	var names []string
	for _, in := range s.w.hello.Scenarios {
		if in.Name == name {
			return nil
		}
		names = append(names, in.Name)
	}
	for _, in := range s.infos {
		if in.Name == name {
			return nil
		}
	}
	return usagef("%s registers no scenario %q; valid: %s", s.at.Package, name, strings.Join(names, ", "))
}

// runOptions are what a single run writes besides its result.
type runOptions struct {
	trace, out string
	noRerun    bool
	// stuckAfter is scenario.RunOptions.StuckAfter (0: its default).
	stuckAfter time.Duration
}

// run runs one seed of the scenario called name, writing the trace and
// the artifacts (with their pages) when asked; the result records the
// source.
func (s *source) run(name string, seed uint64, o runOptions) (scenario.Result, error) {
	var res scenario.Result
	var err error
	if o.out != "" {
		if err := outputDir("--out", o.out); err != nil {
			return res, err
		}
	}
	if o.trace != "" && s.reg == nil {
		// Checked here, where the mistake is the user's, before the worker
		// creates the file.
		f, err := createOutput("--trace", o.trace)
		if err != nil {
			return res, err
		}
		f.Close()
	}
	if s.reg != nil {
		res, err = s.runHere(name, seed, o)
	} else {
		res, err = s.w.run(sweep.Request{Job: sweep.Job{Scenario: name, Seed: seed}, Source: s.at, Out: o.out, Trace: o.trace, NoRerun: o.noRerun, StuckAfter: o.stuckAfter})
		if errors.Is(err, errDied) {
			res, err = s.died(name, seed)
		}
		if err == nil && res.Stop == sweep.StopStuck {
			// The worker ends after answering a run that hung (its stuck
			// goroutine cannot be stopped): the next request needs
			// another.
			s.w.close()
			if s.w, err = startPkgWorker(s.workerCmd(), s.at.Package, s.guest != nil, s.stderr); err != nil {
				return res, err
			}
		}
	}
	if err != nil {
		return res, err
	}
	res.Source = s.at
	if o.out != "" {
		if err := writeResultDir(o.out, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (s *source) runHere(name string, seed uint64, o runOptions) (scenario.Result, error) {
	sc, err := s.reg.Scenario(name)
	if err != nil {
		return scenario.Result{}, usageError{err.Error()}
	}
	opts := scenario.RunOptions{OutDir: o.out, NoRerun: o.noRerun, StuckAfter: o.stuckAfter}
	var tf *os.File
	if o.trace != "" {
		f, err := createOutput("--trace", o.trace)
		if err != nil {
			return scenario.Result{}, err
		}
		tf = f
		opts.Trace = f
	}
	res, err := s.reg.Run(sc, seed, opts)
	if err != nil {
		err = usageError{err.Error()} // Run fails only for a scenario that cannot run as written
	}
	if tf != nil {
		serr := tf.Sync()
		if cerr := tf.Close(); serr == nil {
			serr = cerr
		}
		if err == nil && serr != nil {
			err = fmt.Errorf("--trace: %w", serr)
		}
	}
	return res, err
}

// died answers for a seed whose worker process died (os.Exit, a fatal
// error, a stack overflow in the system under test): the seed runs again
// in a one-worker sweep, which blames the death from how the process
// ended and reruns it in a fresh worker, as every sweep does; then a new
// worker takes the source's next requests.
func (s *source) died(name string, seed uint64) (scenario.Result, error) {
	s.w.close()
	s.w = nil
	dir, err := os.MkdirTemp("", "faultline-death-")
	if err != nil {
		return scenario.Result{}, err
	}
	defer os.RemoveAll(dir)
	results := filepath.Join(dir, "results.jsonl")
	_, err = sweep.Run(context.Background(), sweep.Plan{Scenarios: []string{name}, Seeds: []uint64{seed}},
		sweep.Options{Command: s.workerCmd(), Workers: 1, Results: results, Source: s.at})
	if err != nil {
		return scenario.Result{}, fmt.Errorf("%w running %s seed %d, and so did its rerun: %v", errDied, name, seed, err)
	}
	rs, err := sweep.ReadResults(results)
	if err != nil || len(rs) != 1 {
		return scenario.Result{}, fmt.Errorf("%w running %s seed %d; its rerun left %d results (%v)", errDied, name, seed, len(rs), err)
	}
	if s.w, err = startPkgWorker(s.workerCmd(), s.at.Package, s.guest != nil, s.stderr); err != nil {
		return rs[0], err
	}
	return rs[0], nil
}

// shrink shrinks a failing seed and returns the outcome and the text of
// the plan that reproduces it, to be written at planPath (its replay line
// names it).
func (s *source) shrink(name string, seed uint64, maxRuns int, planPath string) (scenario.Shrunk, string, error) {
	replay := scenario.Source{Package: s.at.Package}.Command("run", "--plan", planPath, "--seed", fmt.Sprint(seed))
	if s.reg != nil {
		sc, err := s.reg.Scenario(name)
		if err != nil {
			return scenario.Shrunk{}, "", usageError{err.Error()}
		}
		sh, _, err := s.reg.Shrink(sc, seed, scenario.ShrinkOptions{MaxRuns: maxRuns})
		if err != nil {
			return sh, "", err
		}
		for _, p := range s.plan {
			if p.Scenario.Name == name {
				// A plan's block is written out whole: the shrunk plan
				// must not need the original one.
				return sh, p.FormatShrunk(sh, "faults.json", replay), nil
			}
		}
		return sh, scenario.FormatShrunkPlan(sc, sh, "faults.json", replay), nil
	}
	rep, err := s.w.shrink(sweep.Request{Job: sweep.Job{Scenario: name, Seed: seed}, Source: s.at, Op: sweep.OpShrink, MaxRuns: maxRuns, ShrunkPlan: planPath})
	if err != nil {
		return scenario.Shrunk{}, "", err
	}
	return *rep.Shrunk, rep.PlanText, nil
}

// packageName is how results and printed commands name a package
// argument: its import path when it belongs to the module faultline runs
// in (so that the name works from anywhere in the module), else its
// absolute directory.
func packageName(pkg string) (string, error) {
	st, err := os.Stat(pkg)
	if err != nil || !st.IsDir() {
		return pkg, nil // an import path: it names itself
	}
	abs, err := filepath.Abs(pkg)
	if err != nil {
		return "", err
	}
	list := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{with .Module}}{{.Dir}}{{end}}", ".")
	list.Dir = pkg
	out, err := list.Output()
	if err != nil {
		return abs, nil // not a package go can list: let the build say why
	}
	ip, modDir, _ := strings.Cut(strings.TrimSpace(string(out)), "\t")
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || modDir == "" {
		return abs, nil
	}
	if here := strings.TrimSpace(string(gomod)); here != "" && here != os.DevNull && sameDir(filepath.Dir(here), modDir) {
		return ip, nil
	}
	return abs, nil
}

func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// buildTestBinary builds the test binary of a Go package once, like go
// test -fuzz does, so that it can serve as the command's workers.
func buildTestBinary(pkg string, stderr io.Writer) (string, func(), error) {
	dir, err := os.MkdirTemp("", "faultline-pkg-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	bin := filepath.Join(dir, "pkg.test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, pkg)
	if st, err := os.Stat(pkg); err == nil && st.IsDir() {
		// A directory: build it from inside, so that its own module is used
		// wherever faultline runs from.
		cmd = exec.Command("go", "test", "-c", "-o", bin, ".")
		cmd.Dir = pkg
	}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, usagef("building the test binary of %s: %v", pkg, err)
	}
	if _, err := os.Stat(bin); err != nil {
		cleanup()
		return "", nil, usagef("%s has no test files to build a worker from", pkg)
	}
	return bin, cleanup, nil
}

// writeResultDir writes the pages and result.json of a run with --out.
func writeResultDir(out string, res *scenario.Result) error {
	if err := writePages(out, res); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "result.json"), append(b, '\n'), 0o644)
}
