package guest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildWasm builds the Go main package pkg (an import path or a path that
// go build accepts, resolved in directory dir) with GOOS=wasip1
// GOARCH=wasm and writes the module to out. It needs the go command on
// PATH; its error carries go build's output.
func BuildWasm(dir, pkg, out string) error {
	_, err := goCmd(dir, "build", "-o", out, pkg)
	return err
}

// goCmd runs the go command for GOOS=wasip1 GOARCH=wasm in dir and
// returns its standard output; its error carries the command's output.
func goCmd(dir string, args ...string) ([]byte, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("guest: the go command is not on PATH: %w", err)
	}
	cmd := exec.Command(gobin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("guest: GOOS=wasip1 GOARCH=wasm go %s (in %s): %v\n%s%s", strings.Join(args, " "), dir, err, stdout.String(), stderr.String())
	}
	return stdout.Bytes(), nil
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

// Package is a Go package as go list sees it for GOOS=wasip1
// GOARCH=wasm.
type Package struct {
	// Name is the package's name ("main" for a command).
	Name string
	// ImportPath and Dir say which package it is and where.
	ImportPath, Dir string
}

// ListPackage lists pkg (resolved in dir) for GOOS=wasip1 GOARCH=wasm.
func ListPackage(dir, pkg string) (Package, error) {
	out, err := goCmd(dir, "list", "-f", "{{.Name}}\t{{.ImportPath}}\t{{.Dir}}", pkg)
	if err != nil {
		return Package{}, err
	}
	f := strings.Split(strings.TrimSpace(string(out)), "\t")
	if len(f) != 3 {
		return Package{}, fmt.Errorf("guest: go list %s printed %q", pkg, out)
	}
	return Package{Name: f[0], ImportPath: f[1], Dir: f[2]}, nil
}

// BuildCached builds the main package pkg (resolved in dir) like
// BuildWasm, into BuildCacheDir, and returns the module's path. The file
// is named by a key of the package and everything its build depends on:
// its import path and directory, the build ID go list -export gives its
// compiled package (which covers its sources, its dependencies' and the
// toolchain) and GOFLAGS. A second call with nothing changed only lists
// the package (the go command's own cache answers) and links nothing, so
// every worker and every later command reuses one build.
func BuildCached(dir, pkg string) (string, error) {
	out, err := goCmd(dir, "list", "-export", "-f", "{{.Name}}\t{{.ImportPath}}\t{{.Dir}}\t{{.BuildID}}", pkg)
	if err != nil {
		return "", err
	}
	f := strings.Split(strings.TrimSpace(string(out)), "\t")
	if len(f) != 4 || f[3] == "" {
		return "", fmt.Errorf("guest: go list -export %s printed %q", pkg, out)
	}
	if f[0] != "main" {
		return "", fmt.Errorf("guest: %s is package %s, not a main package: only a command can run as a guest", f[1], f[0])
	}
	flags, err := goCmd(dir, "env", "GOFLAGS")
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{"faultline guest build 1", f[1], f[2], f[3], strings.TrimSpace(string(flags))}, "\x00")))
	cache := BuildCacheDir()
	if cache == "" {
		return "", fmt.Errorf("guest: no cache directory for builds (set FAULTLINE_WASM_CACHE)")
	}
	path := filepath.Join(cache, hex.EncodeToString(sum[:16])+".wasm")
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("guest: %w", err)
	}
	tmp, err := os.CreateTemp(cache, "build-*.tmp")
	if err != nil {
		return "", fmt.Errorf("guest: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := BuildWasm(dir, pkg, tmp.Name()); err != nil {
		return "", err
	}
	// Renamed into place whole: a concurrent build of the same key writes
	// the same bytes, and a reader never sees half a module.
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("guest: %w", err)
	}
	return path, nil
}

// BuildCacheDir is where BuildCached keeps built modules: "builds" under
// CacheDir ("" when there is none).
func BuildCacheDir() string {
	d := CacheDir()
	if d == "" {
		return ""
	}
	return filepath.Join(d, "builds")
}
