package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunJSON(t *testing.T) {
	code, out, errs := run(t, "run", "--seed", "7", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got runOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v: %q", err, out)
	}
	if got.Seed != 7 || len(got.TraceHash) != 16 || got.Events == 0 || got.SimNS != 1e9 {
		t.Errorf("unexpected output %+v", got)
	}
	_, out2, _ := run(t, "run", "--seed", "7", "--json")
	if out != out2 {
		t.Errorf("same seed, different output:\n%s\n%s", out, out2)
	}
	_, out3, _ := run(t, "run", "--seed", "8", "--json")
	if out == out3 {
		t.Error("seeds 7 and 8 print the same output")
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Commands:"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"; valid commands: run`},
		{[]string{"run", "--seed", "x"}, exitUsage, "invalid argument"},
		{[]string{"run", "--sed", "1"}, exitUsage, "unknown flag: --sed"},
		{[]string{"run", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"run", "--trace", "/nonexistent-dir/x"}, exitUsage, "--trace"},
		{[]string{"run", "--help"}, exitOK, "Examples:"},
		{[]string{"--help"}, exitOK, "Commands:"},
	}
	for _, tt := range tests {
		code, out, errs := run(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errs, tt.want) {
			t.Errorf("%q: exit %d, output %q; want exit %d and %q", tt.args, code, out+errs, tt.code, tt.want)
		}
	}
}

func TestTraceFileMatchesHash(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	run(t, "run", "--seed", "3", "--trace", a)
	run(t, "run", "--seed", "3", "--trace", b)
	ta, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := os.ReadFile(b)
	if len(ta) == 0 || !bytes.Equal(ta, tb) {
		t.Fatalf("traces of one seed differ or are empty (%d, %d bytes)", len(ta), len(tb))
	}
	for _, kind := range []string{"\tcrash\t", "\tstart\t", "\tfault\t", "\tdeliver\t"} {
		if !bytes.Contains(ta, []byte(kind)) {
			t.Errorf("trace has no %s record", strings.TrimSpace(kind))
		}
	}
}

// TestTwoProcesses builds the command and runs it twice as separate
// processes: the hashes must agree with each other and with this process.
func TestTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "faultline")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var outs []string
	for i := 0; i < 2; i++ {
		cmd := exec.Command(bin, "run", "--seed", "11", "--json")
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+[]string{"1", "2"}[i])
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		outs = append(outs, string(out))
	}
	_, here, _ := run(t, "run", "--seed", "11", "--json")
	if outs[0] != outs[1] || outs[0] != here {
		t.Errorf("outputs differ across processes:\n%s%s%s", outs[0], outs[1], here)
	}
}
