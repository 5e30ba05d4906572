package main

import (
	"io"

	"github.com/faultline-dst/faultline/guest"
	"github.com/faultline-dst/faultline/guest/mainpkg"
	"github.com/faultline-dst/faultline/scenario"

	"github.com/faultline-dst/faultline/sweep"
)

const workerHelp = `Serve runs to a sweep over standard input and output (JSON lines): the
worker processes 'faultline sweep' starts. Not meant to be run by hand.

Usage:
  faultline worker [--plan PLAN.md] [--guest MODULE.wasm --guest-dir DIR]

With --guest, the worker serves a main package built for wasip1 (what
'faultline sweep ./cmd/mysvc' starts): the system and scenarios its
faultline.md in DIR declares, or the defaults (package guest/mainpkg).
`

func cmdWorker(args []string, stdout, stderr io.Writer) int {
	fs := flags("worker", workerHelp, stderr)
	plan := fs.String("plan", "", "also serve the scenarios of `PLAN.md`")
	wasm := fs.String("guest", "", "serve the wasip1 module `MODULE.wasm` as guests")
	dir := fs.String("guest-dir", "", "the main package's directory `DIR`, where its faultline.md is (with --guest)")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if *wasm != "" {
		reg, err := guestRegistry(*wasm, *dir, *plan)
		if err != nil {
			return fail(stderr, "worker", err)
		}
		sweep.WorkerMain(reg, sweep.ServeOptions{}) // never returns
	}
	src, err := loadSource(*plan)
	if err != nil {
		return fail(stderr, "worker", err)
	}
	sweep.WorkerMain(src.reg, sweep.ServeOptions{}) // never returns
	return exitOK
}

// guestRegistry loads a guest module (compiled code comes from wazero's
// cache after the first process) and declares it as mainpkg says, with
// the blocks of plan when one is given.
func guestRegistry(wasm, dir, plan string) (*scenario.Registry, error) {
	m, err := guest.Load(wasm, guest.Compiler)
	if err != nil {
		return nil, err
	}
	reg, err := mainpkg.Registry(m, dir)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	if plan != "" {
		ps, err := reg.ReadPlan(plan)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		for _, p := range ps {
			if err := reg.AddScenario(p.Scenario); err != nil {
				return nil, usagef("%s:%d: %v", p.File, p.Line, err)
			}
		}
	}
	return reg, nil
}
