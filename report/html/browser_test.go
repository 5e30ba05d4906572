package html

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/history"
)

// Load bounds for the browser test. They are generous (CI machines are
// slow and shared); the measured figures are logged.
const (
	maxLoad100k = 30 * time.Second
	maxDraw100k = 3 * time.Second
)

// TestBrowser opens every kind of page in headless Chromium from a file://
// URL, checks that it rendered without script errors and with the expected
// elements, exercises its controls, and takes screenshots (see
// screenshotDir). Run it with .ci/browser-test.sh.
func TestBrowser(t *testing.T) {
	needBrowser(t)
	b := startBrowser(t, 1400, 1000)
	dir := t.TempDir()

	t.Run("linearizable", func(t *testing.T) {
		b.t = t
		res, h, trace := pictureRun(t, history.KV, "linearizable", memstore.BugDropWrites)
		files, err := WriteDir(dir, FromResult(res, h, bytes.NewReader(trace)))
		if err != nil {
			t.Fatal(err)
		}
		b.open(files.History)
		st := b.status(20*time.Second, "porcupine")
		if st["state"] != "ok" || st["porcupine"] != "ok" {
			t.Fatalf("history page: status %v", st)
		}
		if n, _ := strconv.Atoi(st["porcupine-rects"]); n == 0 {
			t.Errorf("porcupine drew no operations: %v", st)
		}
		if n, _ := strconv.Atoi(st["porcupine-annotations"]); n < len(res.Schedule) {
			t.Errorf("porcupine drew %d annotations, want at least one per fault (%d): %v", n, len(res.Schedule), st)
		}
		var got struct {
			Violations, FaultRows, Bad, Matches int
			CanvasW, CanvasH                    float64
		}
		b.eval(&got, `return {
			Violations: document.querySelectorAll('#violations li[data-violation]').length,
			FaultRows: document.querySelectorAll('#faults-body tr').length,
			Bad: window.faultlineHistory.bad(),
			Matches: window.faultlineHistory.search('write'),
			CanvasW: document.getElementById('canvas').width, CanvasH: document.getElementById('canvas').height};`)
		if got.Violations != len(res.Checker.Violations) || got.FaultRows != len(res.Schedule) || got.Bad == 0 || got.Matches == 0 || got.CanvasW < 100 || got.CanvasH < 50 {
			t.Errorf("history page elements: %+v; want %d violations, %d faults", got, len(res.Checker.Violations), len(res.Schedule))
		}
		b.eval(nil, `window.faultlineHistory.search(''); return null;`)
		if logs := b.severeLogs(); len(logs) > 0 {
			t.Errorf("console errors: %q", logs)
		}
		b.screenshot("history-linearizable.png")
		b.eval(nil, `document.getElementById('porcupine-box').scrollIntoView(); return null;`)
		b.screenshot("history-porcupine.png")

		b.open(files.Trace)
		st = b.status(20*time.Second, "")
		if st["state"] != "ok" {
			t.Fatalf("trace page: status %v", st)
		}
		var tr struct {
			Lanes, Kinds, Faults, Matches int
			Stats                         map[string]any
			Selected                      string
		}
		b.eval(&tr, `var n = window.faultlineTrace.search('invoke'); window.faultlineTrace.step(1);
			return {Lanes: document.querySelectorAll('#node-filters .chip').length,
			Kinds: document.querySelectorAll('#kind-filters .chip').length,
			Faults: document.querySelectorAll('#faults .fault-chip').length,
			Matches: n, Stats: window.faultlineTrace.stats(),
			Selected: document.getElementById('selected').textContent};`)
		if tr.Lanes < 4 || tr.Kinds < 5 || tr.Faults != len(res.Schedule) || tr.Matches == 0 || tr.Selected == "" || tr.Stats["arrows"].(float64) == 0 {
			t.Errorf("trace page elements: %+v", tr)
		}
		if logs := b.severeLogs(); len(logs) > 0 {
			t.Errorf("console errors: %q", logs)
		}
		b.screenshot("trace.png")
	})

	t.Run("queue", func(t *testing.T) {
		b.t = t
		res, h, trace := pictureRun(t, history.Queue, "queue", memstore.BugLoseEnqueue)
		if res.Checker == nil || res.Checker.Outcome != "anomaly" {
			t.Fatalf("want a queue anomaly to draw, got %+v", res.Checker)
		}
		qdir := filepath.Join(dir, "queue")
		os.MkdirAll(qdir, 0o755)
		files, err := WriteDir(qdir, FromResult(res, h, bytes.NewReader(trace)))
		if err != nil {
			t.Fatal(err)
		}
		b.open(files.History)
		st := b.status(20*time.Second, "")
		if st["state"] != "ok" || st["porcupine"] != "none" {
			t.Fatalf("queue history page: status %v", st)
		}
		var bad int
		b.eval(&bad, `return window.faultlineHistory.bad();`)
		if bad == 0 {
			t.Errorf("no operation of the queue anomaly is highlighted")
		}
		b.screenshot("history-queue.png")
	})

	t.Run("escaping", func(t *testing.T) {
		b.t = t
		h, res := hostileHistory()
		edir := filepath.Join(dir, "escape")
		os.MkdirAll(edir, 0o755)
		files, err := WriteDir(edir, Run{Title: xssBold + " " + xssScript, History: h, Result: res, Schedule: hostileSchedule(), Trace: bytes.NewReader(hostileTrace())})
		if err != nil {
			t.Fatal(err)
		}
		for _, page := range []struct{ path, also, shot string }{{files.History, "porcupine", "escape-history.png"}, {files.Trace, "", "escape-trace.png"}} {
			b.open(page.path)
			st := b.status(20*time.Second, page.also)
			if st["state"] != "ok" {
				t.Fatalf("%s: status %v", page.path, st)
			}
			var got struct {
				Injected int
				XSS      any
				Text     string
				Title    string
			}
			b.eval(&got, `return {Injected: document.querySelectorAll('b, img, iframe:not(#porcupine), object, embed').length + (document.scripts.length - 3),
				XSS: window.__xss === undefined ? null : window.__xss, Text: document.body.innerText, Title: document.title};`)
			if got.Injected != 0 || got.XSS != nil {
				t.Errorf("%s: markup from the SUT became elements (%d) or ran (%v)", page.path, got.Injected, got.XSS)
			}
			if !bytes.Contains([]byte(got.Title), []byte(xssBold)) {
				t.Errorf("%s: title %q does not show the markup as text", page.path, got.Title)
			}
			if !bytes.Contains([]byte(got.Text), []byte(xssBold)) {
				t.Errorf("%s: the page's text does not show %q as text", page.path, xssBold)
			}
			if page.also == "porcupine" {
				if !bytes.Contains([]byte(got.Text), []byte(xssScript)) {
					t.Errorf("%s: the page's text does not show %q as text", page.path, xssScript)
				}
				if st["porcupine"] != "ok" {
					t.Errorf("porcupine did not render the hostile history: %v", st)
				}
			} else {
				var rows string
				b.eval(&rows, `window.faultlineTrace.view.fit(); window.faultlineTrace.search('script');
					return new Promise(function (ok) { setTimeout(function () { ok(document.getElementById('list').innerText); }, 300); });`)
				if !bytes.Contains([]byte(rows), []byte(xssScript)) || !bytes.Contains([]byte(rows), []byte(xssImg)) {
					t.Errorf("trace list does not show the log lines as text: %q", rows)
				}
			}
			if logs := b.severeLogs(); len(logs) > 0 {
				t.Errorf("%s: console errors: %q", page.path, logs)
			}
			b.screenshot(page.shot)
		}
	})

	t.Run("empty", func(t *testing.T) {
		b.t = t
		edir := filepath.Join(dir, "empty")
		os.MkdirAll(edir, 0o755)
		files, err := WriteDir(edir, Run{Trace: bytes.NewReader(nil)})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{files.History, files.Trace} {
			b.open(p)
			if st := b.status(20*time.Second, ""); st["state"] != "ok" {
				t.Errorf("%s: status %v", p, st)
			}
			if logs := b.severeLogs(); len(logs) > 0 {
				t.Errorf("%s: console errors: %q", p, logs)
			}
		}
	})

	t.Run("where", func(t *testing.T) {
		b.t = t
		trace, _ := syntheticTrace(2000)
		wdir := filepath.Join(dir, "where")
		os.MkdirAll(wdir, 0o755)
		files, err := WriteDir(wdir, Run{Title: "where faults struck", Schedule: whereSchedule(2000 * time.Millisecond / 8), Trace: bytes.NewReader(trace)})
		if err != nil {
			t.Fatal(err)
		}
		for _, page := range []struct{ path, rows, shot string }{
			{files.History, "#faults-body tr, #clocks-body tr", "where-history.png"},
			{files.Trace, "#faults .fault-chip, #clocks .fault-chip", "where-trace.png"},
		} {
			b.open(page.path)
			if st := b.status(20*time.Second, ""); st["state"] != "ok" {
				t.Fatalf("%s: status %v", page.path, st)
			}
			var text string
			b.eval(&text, `var s = ''; document.querySelectorAll('`+page.rows+`').forEach(function (e) { s += e.innerText + '\n'; }); return s;`)
			for _, want := range []string{"{n1} | {n2,n3,n4,n5}", "leader → n2", "leader → n3; {n1,n2,n4} | {n3,n5}", "×0.1 (10x slow)", "+2s"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s does not show %q; its fault and clock rows:\n%s", page.path, want, text)
				}
			}
			if logs := b.severeLogs(); len(logs) > 0 {
				t.Errorf("%s: console errors: %q", page.path, logs)
			}
			if page.shot == "where-history.png" {
				b.eval(nil, `document.getElementById('faults-box').scrollIntoView(); return null;`)
			}
			b.screenshot(page.shot)
		}
	})

	t.Run("trace100k", func(t *testing.T) {
		b.t = t
		trace, sched := syntheticTrace(100_000)
		path := filepath.Join(dir, "trace-100k.html")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		focus := Window{From: int64(sched[2].Start) - 5e6, To: int64(sched[2].Start) + 20e6}
		if err := WriteTrace(f, bytes.NewReader(trace), TracePage{Title: "synthetic 100k", Schedule: sched, Focus: focus}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		fi, _ := os.Stat(path)
		start := time.Now()
		nav := b.open(path)
		st := b.status(maxLoad100k, "")
		load := time.Since(start)
		if st["state"] != "ok" || st["events"] != "100000" {
			t.Fatalf("100k trace page: status %v", st)
		}
		t.Logf("100k-record trace page: %d bytes (trace %d bytes); navigation %v, rendered after %v (page's own load %s ms, first draw %s ms)",
			fi.Size(), len(trace), nav.Round(time.Millisecond), load.Round(time.Millisecond), st["load-ms"], st["draw-ms"])
		if load > maxLoad100k {
			t.Errorf("100k trace page took %v to render, want under %v", load, maxLoad100k)
		}
		b.screenshot("trace-100k-focus.png")
		var whole map[string]any
		b.eval(&whole, `var tr = window.faultlineTrace; tr.view.fit(); tr.view.drawNow(); return tr.stats();`)
		drawMs := whole["drawMs"].(float64)
		t.Logf("whole run in view: %v records, %v arrows, %v markers, drawn in %.0f ms", whole["inView"], whole["arrows"], whole["markers"], drawMs)
		if time.Duration(drawMs*float64(time.Millisecond)) > maxDraw100k {
			t.Errorf("drawing the whole 100k trace took %.0f ms, want under %v", drawMs, maxDraw100k)
		}
		if whole["inView"].(float64) < 99_000 {
			t.Errorf("fit does not show the whole trace: %v", whole)
		}
		b.screenshot("trace-100k-whole.png")
		var found map[string]any
		b.eval(&found, `var tr = window.faultlineTrace; var t0 = performance.now(); var n = tr.search('crash'); var ms = performance.now() - t0;
			tr.step(1); tr.view.drawNow(); var s = tr.stats(); s.matches = n; s.searchMs = ms; return s;`)
		if found["matches"].(float64) == 0 {
			t.Errorf("search found no crash: %v", found)
		}
		t.Logf("search over 100k records: %v matches in %.0f ms; then %v records in view", found["matches"], found["searchMs"].(float64), found["inView"])
		if logs := b.severeLogs(); len(logs) > 0 {
			t.Errorf("console errors: %q", logs)
		}
	})
}
