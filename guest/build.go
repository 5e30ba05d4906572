package guest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildWasm builds the Go main package pkg (an import path or a path that
// go build accepts, resolved in directory dir) with GOOS=wasip1
// GOARCH=wasm and writes the module to out. It needs the go command on
// PATH; its error carries go build's output.
func BuildWasm(dir, pkg, out string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("guest: building %s: the go command is not on PATH: %w", pkg, err)
	}
	cmd := exec.Command(gobin, "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("guest: GOOS=wasip1 GOARCH=wasm go build %s (in %s): %v\n%s", pkg, dir, err, stderr.String())
	}
	return nil
}

// Build builds pkg with BuildWasm and compiles the result for engine e.
func Build(dir, pkg string, e Engine) (*Module, error) {
	tmp, err := os.MkdirTemp("", "faultline-guest-")
	if err != nil {
		return nil, fmt.Errorf("guest: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "guest.wasm")
	if err := BuildWasm(dir, pkg, out); err != nil {
		return nil, err
	}
	return Load(out, e)
}
