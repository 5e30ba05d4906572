package html

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file drives headless Chromium through chromedriver's WebDriver
// protocol (plain HTTP and JSON), for the browser tests.

const (
	chromiumPath     = "/usr/bin/chromium"
	chromedriverPath = "/usr/bin/chromedriver"
	// browserEnv set to 1 demands the browser tests: a missing Chromium
	// then fails them instead of skipping them.
	browserEnv = "FAULTLINE_BROWSER_TEST"
	// screenshotsEnv overrides where screenshots go (default:
	// artifacts/screenshots at the repository's root).
	screenshotsEnv = "FAULTLINE_SCREENSHOTS"
)

// needBrowser skips t when Chromium or chromedriver is missing, unless
// FAULTLINE_BROWSER_TEST=1 demands the test; then it fails.
func needBrowser(t *testing.T) {
	t.Helper()
	var missing []string
	for _, p := range []string{chromiumPath, chromedriverPath} {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	demanded := os.Getenv(browserEnv) == "1"
	switch {
	case len(missing) > 0 && demanded:
		t.Fatalf("%s=1 demands the browser test, but %s is missing: run .ci/browser-test.sh (it installs Debian's chromium and chromium-driver)", browserEnv, strings.Join(missing, " and "))
	case len(missing) > 0:
		t.Skipf("browser test skipped: %s not installed (apt-get install chromium chromium-driver, or run .ci/browser-test.sh; %s=1 makes this a failure)", strings.Join(missing, " and "), browserEnv)
	case testing.Short() && !demanded:
		t.Skip("browser test skipped in -short mode")
	}
}

// browser is one chromedriver process with one Chromium session.
type browser struct {
	t    *testing.T
	base string
	sid  string
	cmd  *exec.Cmd
	http *http.Client
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startBrowser starts chromedriver and a headless Chromium session with
// the flags this machine needs (no sandbox as root, no GPU, no background
// networking: the network is closed) and a fresh profile.
func startBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	// The profile directory is made first so that it is removed last,
	// after Chromium has quit (cleanups run last-in, first-out).
	profile := t.TempDir()
	port := freePort(t)
	cmd := exec.Command(chromedriverPath, "--port="+strconv.Itoa(port))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromedriver: %v", err)
	}
	b := &browser{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, http: &http.Client{Timeout: 120 * time.Second}}
	t.Cleanup(func() {
		if b.sid != "" {
			b.call("DELETE", "/session/"+b.sid, nil, nil)
		}
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := b.call("GET", "/status", nil, &st); err == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver did not become ready: %s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	binary := chromiumPath
	if _, err := os.Stat("/usr/lib/chromium/chromium"); err == nil {
		binary = "/usr/lib/chromium/chromium" // the real binary behind Debian's wrapper script
	}
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--user-data-dir=" + profile, fmt.Sprintf("--window-size=%d,%d", width, height)}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":        "chrome",
		"goog:chromeOptions": map[string]any{"binary": binary, "args": args},
		"goog:loggingPrefs":  map[string]string{"browser": "ALL"},
	}}}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call("POST", "/session", caps, &sess); err != nil {
		t.Fatalf("new Chromium session: %v\nchromedriver: %s", err, logs.String())
	}
	b.sid = sess.SessionID
	return b
}

// call sends one WebDriver command and decodes its "value".
func (b *browser) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s %s: %d: %s", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d: %s", method, path, resp.StatusCode, env.Value)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

func (b *browser) session(method, path string, body, out any) {
	b.t.Helper()
	if err := b.call(method, "/session/"+b.sid+path, body, out); err != nil {
		b.t.Fatal(err)
	}
}

// open loads a file into the window and returns how long the navigation
// took (until the page's load event).
func (b *browser) open(path string) time.Duration {
	b.t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		b.t.Fatal(err)
	}
	start := time.Now()
	b.session("POST", "/url", map[string]string{"url": "file://" + abs}, nil)
	return time.Since(start)
}

// eval runs a script (a function body; arguments in `arguments`) and
// decodes what it returns into out.
func (b *browser) eval(out any, script string, args ...any) {
	b.t.Helper()
	if args == nil {
		args = []any{}
	}
	b.session("POST", "/execute/sync", map[string]any{"script": script, "args": args}, out)
}

// status waits until the page's #status leaves "loading" (and the
// attribute named by also, if any, leaves "pending") and returns its
// data attributes.
func (b *browser) status(timeout time.Duration, also string) map[string]string {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var st map[string]string
		b.eval(&st, `var s = document.getElementById('status'); var o = {}; for (var a of s.attributes) if (a.name.startsWith('data-')) o[a.name.slice(5)] = a.value; return o;`)
		done := st["state"] != "loading" && st["state"] != ""
		if also != "" && (st[also] == "pending" || st[also] == "") && st["state"] != "error" {
			done = false
		}
		if done {
			return st
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("page did not render within %v: status %v", timeout, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// severeLogs returns the browser console's errors since the last call
// (nil if chromedriver does not offer the log).
func (b *browser) severeLogs() []string {
	var entries []struct {
		Level   string `json:"level"`
		Message string `json:"message"`
	}
	if err := b.call("POST", "/session/"+b.sid+"/se/log", map[string]string{"type": "browser"}, &entries); err != nil {
		b.t.Logf("browser log not available: %v", err)
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.Level == "SEVERE" {
			out = append(out, e.Message)
		}
	}
	return out
}

// screenshot saves the window as PNG under the screenshots directory and
// returns the path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	var data string
	b.session("GET", "/screenshot", nil, &data)
	png, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		b.t.Fatal(err)
	}
	dir := screenshotDir(b.t)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s (%d bytes)", path, len(png))
	return path
}

// screenshotDir is $FAULTLINE_SCREENSHOTS, or artifacts/screenshots at the
// repository's root (the directory holding go.mod).
func screenshotDir(t *testing.T) string {
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		root := wd
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				root = wd
				break
			}
			root = parent
		}
		dir = filepath.Join(root, "artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
