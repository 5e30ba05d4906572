//go:build !unix

package sweep

import (
	"os"
	"os/exec"
)

func isolate(*exec.Cmd) {}

// signalOf reports no signal where processes have none.
func signalOf(*os.ProcessState) string { return "" }

// quit kills the process: there is no signal to ask for a dump.
func quit(p *os.Process) { _ = p.Kill() }
