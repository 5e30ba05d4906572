package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGuestMainPackage is a plain Go main package (testdata/guestsvc: a
// key-value service over net/http with a write-ahead log, and its
// faultline.md) swept with no harness code: faultline builds it with
// GOOS=wasip1 once, its workers reuse the module, the correct service
// never fails, the bug the sidecar declares is found with SUT blame, and
// the printed replay reproduces it without building again.
func TestGuestMainPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasip1 module and runs the binary end to end")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	pkg, err := filepath.Abs("testdata/guestsvc")
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	t.Setenv("FAULTLINE_WASM_CACHE", cache) // a cold cache: this test builds and compiles
	dir := t.TempDir()
	// The sidecar's system, its default scenarios and its own block.
	code, out := exe(t, dir, "list", pkg)
	for _, want := range []string{"guestsvc_linearizable ", "guestsvc_linearizable@nosync", "[known bug: nosync]", "guestsvc_quick"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("list: exit %d, want %q in\n%s", code, want, out)
		}
	}
	built := modules(t, cache)
	if len(built) != 1 {
		t.Fatalf("list built %d modules in %s; want 1", len(built), cache)
	}
	st, err := os.Stat(built[0])
	if err != nil {
		t.Fatal(err)
	}
	mtime := st.ModTime()
	time.Sleep(10 * time.Millisecond)
	// The sweep: the correct service and its bug, two workers.
	const bug = "guestsvc_linearizable@nosync"
	code, out = exe(t, dir, "sweep", pkg, "--scenario", "guestsvc_linearizable", "--scenario", bug, "--seeds", "6", "--workers", "2", "--results", "r.jsonl")
	if code != exitFinding || !strings.Contains(out, "finding     F1 "+bug) || !strings.Contains(out, "blame SUT") || strings.Contains(out, "F2") {
		t.Fatalf("sweep: exit %d\n%s", code, out)
	}
	pass := 0
	for _, l := range rawLines(t, filepath.Join(dir, "r.jsonl")) {
		var r struct{ Scenario, Verdict, Blame string }
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		switch {
		case r.Scenario == bug && strings.HasPrefix(r.Verdict, "FAIL") && (r.Verdict != "FAIL-reproducible" || r.Blame != "SUT"):
			t.Errorf("the bug failed as %s blamed on %s; want FAIL-reproducible on the SUT", r.Verdict, r.Blame)
		case r.Scenario != bug && strings.HasPrefix(r.Verdict, "FAIL"):
			t.Errorf("the correct service failed: %s", l)
		case r.Scenario != bug && r.Verdict == "PASS-hardening":
			pass++
		}
	}
	if pass == 0 {
		t.Errorf("the correct service earned no PASS in 6 seeds")
	}
	// The replay faultline printed reproduces the finding.
	code, out = paste(t, dir, printed(t, out, "or: ", "faultline replay --result r.jsonl:"))
	if code != exitFinding || !strings.Contains(out, "reproduced  yes") || !strings.Contains(out, "FAIL-reproducible") {
		t.Fatalf("replay --result: exit %d\n%s", code, out)
	}
	// Nothing was built again: one module, untouched.
	if again := modules(t, cache); len(again) != 1 || again[0] != built[0] {
		t.Fatalf("modules after the sweep and replay: %v; want only %s", again, built[0])
	}
	if st, err := os.Stat(built[0]); err != nil || !st.ModTime().Equal(mtime) {
		t.Errorf("the module was written again: %v", err)
	}
}

// modules lists the built modules in a guest build cache.
func modules(t *testing.T, cache string) []string {
	t.Helper()
	ms, err := filepath.Glob(filepath.Join(cache, "builds", "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}
