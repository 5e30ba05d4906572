package html

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/faultline-dst/faultline/examples/memstore"
	"github.com/faultline-dst/faultline/history"
)

// island returns the JSON data island of a page.
func island(t *testing.T, page []byte) []byte {
	t.Helper()
	const open = `<script type="application/json" id="data">`
	i := bytes.Index(page, []byte(open))
	if i < 0 {
		t.Fatal("page has no data island")
	}
	rest := page[i+len(open):]
	j := bytes.Index(rest, []byte("</script>"))
	if j < 0 {
		t.Fatal("data island is not closed")
	}
	return rest[:j]
}

func TestSameInputsSameBytes(t *testing.T) {
	res, h, trace := pictureRun(t, history.KV, "linearizable", memstore.BugDropWrites)
	res2, h2, trace2 := pictureRun(t, history.KV, "linearizable", memstore.BugDropWrites)
	render := func(r Run) (hist, tr []byte) {
		var a, b bytes.Buffer
		if err := WriteHistory(&a, HistoryPage{Title: r.Title, History: r.History, Result: r.Result, Schedule: r.Schedule, Evidence: r.Evidence, TraceLink: TraceFile}); err != nil {
			t.Fatal(err)
		}
		w, _ := AnomalyWindow(r.History, r.Result)
		if err := WriteTrace(&b, r.Trace, TracePage{Title: r.Title, Focus: w, Schedule: r.Schedule, Evidence: r.Evidence, HistoryLink: HistoryFile}); err != nil {
			t.Fatal(err)
		}
		return a.Bytes(), b.Bytes()
	}
	h1, t1 := render(FromResult(res, h, bytes.NewReader(trace)))
	hAgain, tAgain := render(FromResult(res, h, bytes.NewReader(trace)))
	if !bytes.Equal(h1, hAgain) || !bytes.Equal(t1, tAgain) {
		t.Fatal("the same inputs gave different pages")
	}
	// A second run of the same seed (a fresh checker result, porcupine's
	// search included) gives the same pages too.
	h2b, t2b := render(FromResult(res2, h2, bytes.NewReader(trace2)))
	if !bytes.Equal(h1, h2b) || !bytes.Equal(t1, t2b) {
		t.Fatal("two runs of the same seed gave different pages")
	}
}

func TestSUTTextIsEscaped(t *testing.T) {
	h, res := hostileHistory()
	if res.Outcome != "anomaly" || len(res.Linearizations) == 0 {
		t.Fatalf("hostile history: want a linearizability anomaly with linearizations, got %s %s", res.Outcome, res.Explanation)
	}
	var hp, tp bytes.Buffer
	if err := WriteHistory(&hp, HistoryPage{Title: xssBold, History: h, Result: res, Schedule: hostileSchedule()}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTrace(&tp, bytes.NewReader(hostileTrace()), TracePage{Title: xssScript, Schedule: hostileSchedule()}); err != nil {
		t.Fatal(err)
	}
	for name, page := range map[string][]byte{"history": hp.Bytes(), "trace": tp.Bytes()} {
		for _, bad := range []string{xssScript, xssBold, "<img", "window.__xss=2</script>"} {
			if bytes.Contains(page, []byte(bad)) {
				t.Errorf("%s page holds %q raw", name, bad)
			}
		}
		if bytes.Contains(page, []byte("\u2028")) {
			t.Errorf("%s page holds a raw U+2028", name)
		}
		// The island decodes back to the very strings.
		var d struct {
			Title   string   `json:"title"`
			Strings []string `json:"strings"`
			Nodes   []string `json:"nodes"`
		}
		if err := json.Unmarshal(island(t, page), &d); err != nil {
			t.Fatalf("%s: data island: %v", name, err)
		}
		all := strings.Join(append(append([]string{d.Title}, d.Strings...), d.Nodes...), "\n")
		for _, want := range []string{xssBold} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: data island lost %q", name, want)
			}
		}
	}
	// Porcupine's visualizer puts state descriptions into innerHTML: the
	// picture model escapes them, and leaves operation descriptions
	// (shown as text) readable.
	// The state is the checker's own, after op 1 wrote xssScript (whose
	// canonical JSON writes < and > as \u003c and \u003e).
	m := pictureModel()
	var write *porcupine.Operation
	for _, part := range res.Linearizations[0].Info.PartialLinearizationsOperations() {
		for _, seq := range part {
			for i, o := range seq {
				if o.Metadata == int64(1) {
					write = &seq[i]
				}
			}
		}
	}
	if write == nil {
		t.Fatal("op 1 is in no partial linearization")
	}
	ok, st := m.Step(m.Init(), write.Input, write.Output)
	if !ok {
		t.Fatal("the write of op 1 is illegal from the initial state")
	}
	if got, want := m.DescribeState(st), `&#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;`; got != want {
		t.Errorf("DescribeState of the state after op 1 = %q, want %q", got, want)
	}
	if got, want := m.DescribeOperation(write.Input, write.Output), `op 1 write("<script>alert(1)</script>")`; got != want {
		t.Errorf("DescribeOperation of op 1 = %q, want %q (readable text)", got, want)
	}
}

func TestReadableJSON(t *testing.T) {
	for in, want := range map[string]string{
		`"\u003cb\u003e"`:    `"<b>"`,
		`"a \u0026 b"`:       `"a & b"`,
		`"\\u003c"`:          `"\\u003c"`, // an escaped backslash, then text
		`"\\\u003c"`:         `"\\<"`,
		`"\u00e9 \n"`:        `"\u00e9 \n"`,
		`{"value":"\u003e"}`: `{"value":">"}`,
		`plain`:              `plain`,
		`"trailing \`:        `"trailing \`,
		`"short \u00`:        `"short \u00`,
	} {
		if got := readableJSON(in); got != want {
			t.Errorf("readableJSON(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestTracePairing(t *testing.T) {
	lines := strings.Join([]string{
		"# faultline trace v1",
		"1\t0\tsend\ta\tb\t3\t00000000000000aa\t\"\"",
		"2\t0\tsend\ta\tb\t3\t00000000000000aa\t\"\"", // the same payload again
		"3\t5\tsend\tb\ta\t4\t00000000000000bb\t\"\"",
		"4\t5\tdrop\tb\ta\t4\t00000000000000bb\t\"partition f1\"",
		"5\t10\tdeliver\tb\ta\t3\t00000000000000aa\t\"\"",
		"6\t11\tdeliver\tb\ta\t3\t00000000000000aa\t\"\"",
		"7\t12\tdeliver\tb\ta\t3\t00000000000000aa\t\"\"", // a duplicate
		"8\t13\tdeliver\tb\ta\t9\t00000000000000cc\t\"\"", // no send in the trace
		"9\t14\tsettimer\ta\t-\t0\t0000000000989680\t\"tick\"",
		"10\t20\tfault\t-\t-\t0\t-\t\"install f1 cut {a} | {b}\"",
		"11\t30\tfault\t-\t-\t0\t-\t\"remove f1\"",
	}, "\n") + "\n"
	b := newTraceBuilder(TracePage{})
	for i, l := range strings.Split(strings.TrimSuffix(lines, "\n"), "\n") {
		if err := b.add(l, i+1); err != nil {
			t.Fatal(err)
		}
	}
	wantM := []int{0, 0, 0, 1, 4, 4, 5, 0, 0, 0, 0}
	if len(b.d.M) != len(wantM) {
		t.Fatalf("M = %v", b.d.M)
	}
	for i := range wantM {
		if b.d.M[i] != wantM[i] {
			t.Errorf("record %d: pairs back %d, want %d (M = %v)", i+1, b.d.M[i], wantM[i], b.d.M)
		}
	}
	if b.d.L[8] != 10_000_000 {
		t.Errorf("settimer duration = %d, want 10ms", b.d.L[8])
	}
	if len(b.d.Faults) != 1 || b.d.Faults[0].ID != "f1" || b.d.Faults[0].Start != 20 || b.d.Faults[0].End != 30 || b.d.Faults[0].Kind != "cut" {
		t.Errorf("faults from the trace: %+v", b.d.Faults)
	}
	if b.d.Seqs != nil || b.d.Seq != 1 {
		t.Errorf("seq: first %d, list %v; want consecutive from 1", b.d.Seq, b.d.Seqs)
	}
}

func TestTraceErrors(t *testing.T) {
	for _, bad := range []string{
		"1\t0\tsend\ta\tb\t3\n",
		"x\t0\tsend\ta\tb\t3\t-\t\"\"\n",
		"1\t0\tlog\ta\t-\t0\t-\tnot quoted\n",
		"1\t0\tsettimer\ta\t-\t0\tzz\t\"t\"\n",
	} {
		var out bytes.Buffer
		err := WriteTrace(&out, strings.NewReader("# header\n"+bad), TracePage{})
		if err == nil || !strings.Contains(err.Error(), "trace line 2") {
			t.Errorf("%q: error %v, want one naming line 2", bad, err)
		}
		if out.Len() != 0 {
			t.Errorf("%q: wrote %d bytes despite the error", bad, out.Len())
		}
	}
}

func TestTraceLimits(t *testing.T) {
	trace, _ := syntheticTrace(1000)
	var out bytes.Buffer
	if err := WriteTrace(&out, bytes.NewReader(trace), TracePage{MaxEvents: 100}); err != nil {
		t.Fatal(err)
	}
	var d traceData
	if err := json.Unmarshal(island(t, out.Bytes()), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.K) != 100 || d.Omitted != 900 {
		t.Errorf("limit 100: kept %d, omitted %d", len(d.K), d.Omitted)
	}
	long := "1\t0\tlog\ta\t-\t0\t-\t\"" + strings.Repeat("é", MaxDetailBytes) + "\"\n"
	out.Reset()
	if err := WriteTrace(&out, strings.NewReader(long), TracePage{}); err != nil {
		t.Fatal(err)
	}
	d = traceData{}
	if err := json.Unmarshal(island(t, out.Bytes()), &d); err != nil {
		t.Fatal(err)
	}
	if d.Truncated != 1 || len(d.Strings[1]) > MaxDetailBytes+40 || !strings.Contains(d.Strings[1], "more bytes") {
		t.Errorf("long detail: truncated %d, %d bytes", d.Truncated, len(d.Strings[1]))
	}
}

func TestAnomalyWindow(t *testing.T) {
	h, res := hostileHistory()
	w, ok := AnomalyWindow(h, res)
	if !ok || w.From <= 0 || w.To < w.From {
		t.Fatalf("AnomalyWindow = %+v, %v", w, ok)
	}
	if _, ok := AnomalyWindow(h, nil); ok {
		t.Error("AnomalyWindow of no result: ok")
	}
}

func TestRecomputesMissingLinearizations(t *testing.T) {
	h, res := hostileHistory()
	r := *res
	r.Linearizations = nil // as read back from JSON
	var out bytes.Buffer
	if err := WriteHistory(&out, HistoryPage{History: h, Result: &r}); err != nil {
		t.Fatal(err)
	}
	var d historyData
	if err := json.Unmarshal(island(t, out.Bytes()), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Porcupine) != 1 || d.PorcupineNote == "" {
		t.Errorf("porcupine docs %d, note %q; want the key recomputed", len(d.Porcupine), d.PorcupineNote)
	}
}

func TestWriteDirErrors(t *testing.T) {
	_, err := WriteDir("/nonexistent/dir", Run{})
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WriteDir into a missing directory: %v", err)
	}
}
