//go:build unix

package sweep

import (
	"os"
	"os/exec"
	"syscall"
)

// isolate puts the worker in its own process group, so that a terminal's
// interrupt reaches the coordinator, which cancels the sweep and stops
// its workers itself, rather than killing in-flight workers and so
// charging their seeds to the environment.
func isolate(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// signalOf names the signal that killed a process, or "".
func signalOf(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal().String()
	}
	return ""
}

// quit asks a Go process for a dump of its goroutines on stderr, after
// which it exits.
func quit(p *os.Process) { _ = p.Signal(syscall.SIGQUIT) }
