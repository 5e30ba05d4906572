package guest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Engine selects how wazero runs a module: compiled to machine code ahead
// of the run, or interpreted. Both give the same trace for the same seed;
// the compiler is faster, the interpreter needs no compilation step.
type Engine int

const (
	// Compiler compiles the module to machine code (amd64, arm64); on other
	// platforms wazero falls back to the interpreter.
	Compiler Engine = iota
	// Interpreter interprets the module.
	Interpreter
)

func (e Engine) String() string {
	if e == Interpreter {
		return "interpreter"
	}
	return "compiler"
}

// Module is a compiled wasip1 program, ready to be instantiated as any
// number of nodes. It is safe to share between worlds and goroutines.
type Module struct {
	// Hash is the hex SHA-256 of the module's bytes.
	Hash     string
	engine   Engine
	rt       *hostRuntime
	compiled wazero.CompiledModule
}

// hostRuntime is one wazero runtime per engine per process, with the WASI
// host module instantiated once; host functions find the calling node
// through the context, so every guest of every world shares it.
type hostRuntime struct {
	rt wazero.Runtime
}

var (
	runtimesMu sync.Mutex
	runtimes   = map[Engine]*hostRuntime{}
	modules    = map[string]*Module{} // engine + ":" + hash
)

// CacheDir returns the directory where wazero keeps compiled modules
// between processes: $FAULTLINE_WASM_CACHE if set, else
// faultline/wazero under the user cache dir. It returns "" (no on-disk
// cache) when neither can be found.
func CacheDir() string {
	if d := os.Getenv("FAULTLINE_WASM_CACHE"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "faultline", "wazero")
}

func runtimeFor(e Engine) (*hostRuntime, error) {
	if r, ok := runtimes[e]; ok {
		return r, nil
	}
	ctx := context.Background()
	var cfg wazero.RuntimeConfig
	if e == Interpreter {
		cfg = wazero.NewRuntimeConfigInterpreter()
	} else {
		cfg = wazero.NewRuntimeConfigCompiler()
	}
	// Closing on context cancellation is how a guest that never yields is
	// stopped (the host-time backstop); the deterministic budget counts
	// host calls instead.
	cfg = cfg.WithCloseOnContextDone(true)
	if dir := CacheDir(); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err == nil {
			if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
				cfg = cfg.WithCompilationCache(cache)
			}
		}
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if err := loadDefaults(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("guest: %w", err)
	}
	b := rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	exportOverrides(b)
	if _, err := b.Instantiate(ctx); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("guest: instantiating the WASI host module: %w", err)
	}
	fb := rt.NewHostModuleBuilder("faultline")
	exportFaultline(fb)
	if _, err := fb.Instantiate(ctx); err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("guest: instantiating the faultline host module: %w", err)
	}
	r := &hostRuntime{rt: rt}
	runtimes[e] = r
	return r, nil
}

// Compile compiles a wasip1 module (the output of GOOS=wasip1 GOARCH=wasm
// go build) for engine e. Modules are cached in memory by content hash, and
// compiled machine code on disk under CacheDir, so a second Compile of the
// same bytes in this process is free and in another process only loads.
func Compile(wasm []byte, e Engine) (*Module, error) {
	sum := sha256.Sum256(wasm)
	hash := hex.EncodeToString(sum[:])
	runtimesMu.Lock()
	defer runtimesMu.Unlock()
	key := e.String() + ":" + hash
	if m, ok := modules[key]; ok {
		return m, nil
	}
	r, err := runtimeFor(e)
	if err != nil {
		return nil, err
	}
	c, err := r.rt.CompileModule(context.Background(), wasm)
	if err != nil {
		return nil, fmt.Errorf("guest: compiling module %s: %w", hash[:12], err)
	}
	m := &Module{Hash: hash, engine: e, rt: r, compiled: c}
	modules[key] = m
	return m, nil
}

// Load reads a wasip1 module from path and compiles it (see Compile).
func Load(path string, e Engine) (*Module, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("guest: %w", err)
	}
	m, err := Compile(b, e)
	if err != nil {
		return nil, fmt.Errorf("guest: %s: %w", path, err)
	}
	return m, nil
}
