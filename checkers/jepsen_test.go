package checkers

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/history"
)

// jepsenLine matches the lines of a Jepsen etcd log that porcupine's own
// parser reads: process, type, function, and value.
var jepsenLine = regexp.MustCompile(`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$`)

// fromJepsenEtcd converts a Jepsen etcd register log into our history
// format, the way porcupine's test parser reads it: each line is one
// instant (its line number); a read of nil returns null; ":fail :cas" is a
// cas that executed and found another value (ok with {"ok": false});
// ":info" and operations still pending at the end have unknown outcomes;
// a ":fail :read :timed-out" read is unknown too. Jepsen binds process p to
// node p mod 5, which gives node_seen.
func fromJepsenEtcd(path string) (history.History, error) {
	f, err := os.Open(path)
	if err != nil {
		return history.History{}, err
	}
	defer f.Close()
	var h history.History
	pending := map[int]int{} // process -> index in h.Ops
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := jepsenLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		proc, _ := strconv.Atoi(m[1])
		typ, fn, arg := m[2], m[3], m[4]
		ts := int64(n)
		if typ == "invoke" {
			if _, busy := pending[proc]; busy {
				return h, fmt.Errorf("%s:%d: process %d invokes while busy", path, n, proc)
			}
			o := history.Op{ID: int64(len(h.Ops)), Process: proc, Model: history.Register, OpType: fn, Key: "etcd",
				InvokeTS: ts, Type: history.Info, TimeoutMarker: true}
			switch fn {
			case "write":
				v, err := strconv.Atoi(arg)
				if err != nil {
					return h, fmt.Errorf("%s:%d: %v", path, n, err)
				}
				o.Input = history.MustJSON(obj{"value": v})
			case "cas":
				var from, to int
				if _, err := fmt.Sscanf(arg, "[%d %d]", &from, &to); err != nil {
					return h, fmt.Errorf("%s:%d: %v", path, n, err)
				}
				o.Input = history.MustJSON(obj{"from": from, "to": to})
			}
			pending[proc] = len(h.Ops)
			h.Ops = append(h.Ops, o)
			continue
		}
		i, busy := pending[proc]
		if !busy {
			return h, fmt.Errorf("%s:%d: completion for idle process %d", path, n, proc)
		}
		delete(pending, proc)
		o := &h.Ops[i]
		if typ == "info" || (typ == "fail" && fn == "read") {
			continue // unknown outcome: stays info
		}
		o.Type, o.TimeoutMarker, o.CompleteTS, o.NodeSeen = history.OK, false, ts, fmt.Sprintf("n%d", proc%5+1)
		switch fn {
		case "read":
			var v any
			if arg != "nil" {
				x, err := strconv.Atoi(arg)
				if err != nil {
					return h, fmt.Errorf("%s:%d: %v", path, n, err)
				}
				v = x
			}
			o.Output = history.MustJSON(obj{"value": v})
		case "cas":
			o.Output = history.MustJSON(obj{"ok": typ == "ok"})
		}
	}
	return h, sc.Err()
}

// porcupineAnswers are the answers porcupine's tests state for the logs
// copied into testdata/jepsen.
var porcupineAnswers = map[string]bool{
	"etcd_000.log": false, "etcd_001.log": false, "etcd_002.log": true, "etcd_003.log": false,
	"etcd_004.log": false, "etcd_005.log": true, "etcd_006.log": false, "etcd_007.log": true,
	"etcd_018.log": true, "etcd_025.log": true,
}

func checkJepsenLog(t *testing.T, path string, linearizable bool) {
	t.Helper()
	h, err := fromJepsenEtcd(path)
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() == 0 {
		t.Fatalf("%s: no operations", path)
	}
	res := Linearizable(h, Options{})
	want := Anomaly
	if linearizable {
		want = OK
	}
	if res.Outcome != want {
		t.Fatalf("%s: got %s (%s), porcupine's tests say linearizable=%t", path, res.Outcome, res.Explanation, linearizable)
	}
	if res.Outcome == Anomaly && (res.Kind != "not-linearizable" || len(res.Violations[0].Ops) == 0) {
		t.Fatalf("%s: anomaly without culprits: %+v", path, res.Violations)
	}
	if res.Checked != h.Len() {
		t.Fatalf("%s: checked %d of %d", path, res.Checked, h.Len())
	}
}

func TestJepsenEtcdTestdata(t *testing.T) {
	for name, lin := range porcupineAnswers {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "jepsen", name)
			checkJepsenLog(t, path, lin)
			// Through our JSON Lines form and back gives the same answer.
			h, err := fromJepsenEtcd(path)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "h.jsonl")
			if err := history.WriteFile(file, h); err != nil {
				t.Fatal(err)
			}
			back, err := history.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := digest(t, Linearizable(h, Options{})), digest(t, Linearizable(back, Options{})); a != b {
				t.Fatal("result differs after a JSON Lines round trip")
			}
		})
	}
}

// TestJepsenEtcdAll checks every log porcupine ships against the answers
// its porcupine_test.go states, reading both from the module cache.
func TestJepsenEtcdAll(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the module cache")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/anishathalye/porcupine").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("porcupine module not found: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "porcupine_test.go"))
	if err != nil {
		t.Skip(err)
	}
	cases := regexp.MustCompile(`checkJepsen\(t, (\d+), (true|false)\)`).FindAllStringSubmatch(string(src), -1)
	if len(cases) < 100 {
		t.Fatalf("found only %d cases in porcupine_test.go", len(cases))
	}
	lin := 0
	for _, c := range cases {
		n, _ := strconv.Atoi(c[1])
		name := fmt.Sprintf("etcd_%03d.log", n)
		t.Run(name, func(t *testing.T) {
			checkJepsenLog(t, filepath.Join(dir, "test_data", "jepsen", name), c[2] == "true")
		})
		if c[2] == "true" {
			lin++
		}
	}
	t.Logf("%d logs, %d linearizable", len(cases), lin)
}
