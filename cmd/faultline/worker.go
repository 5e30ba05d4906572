package main

import (
	"io"

	"github.com/faultline-dst/faultline/sweep"
)

const workerHelp = `Serve runs to a sweep over standard input and output (JSON lines): the
worker processes 'faultline sweep' starts. Not meant to be run by hand.

Usage:
  faultline worker [--plan PLAN.md]
`

func cmdWorker(args []string, stdout, stderr io.Writer) int {
	fs := flags("worker", workerHelp, stderr)
	plan := fs.String("plan", "", "also serve the scenarios of `PLAN.md`")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	src, err := loadSource(*plan)
	if err != nil {
		return fail(stderr, "worker", err)
	}
	sweep.WorkerMain(src.reg, sweep.ServeOptions{}) // never returns
	return exitOK
}
