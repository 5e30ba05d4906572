// Package html draws pictures of a run as self-contained HTML pages: the
// history of operations with the checker's verdict and the nemesis's fault
// windows (WriteHistory), and a space-time diagram of the trace
// (WriteTrace). A page needs no network: its CSS, its JavaScript and its
// data are inline, so it opens from disk (file://) and can be kept as a CI
// artifact or attached to a finding.
//
// # What the pages show
//
// The history page has one lane per client (process); each operation is a
// bar from its invocation to its completion, styled by outcome (ok, fail,
// info: an info operation has no end and fades out). The fault windows of
// the schedule are drawn across the lanes with their landing evidence, and
// the operations named by the checker's violations are outlined. For a
// linearizability result the page also embeds porcupine's own visualizer,
// one key at a time, with the faults and the anomalous operations added as
// porcupine annotations.
//
// The trace page has one lane per node (and one for the harness); messages
// are arrows from the send to the delivery (or to the drop), and crashes,
// restarts, pauses, partitions and other faults, timers and log lines are
// marked. It zooms (wheel, buttons, or a window typed in), pans (drag),
// filters by node and by record kind, and searches the records' text. It
// draws on a canvas and lists only the rows in view, so traces of hundreds
// of thousands of records stay usable; the data is embedded as compact
// column arrays.
//
// # Safety
//
// Everything that comes from the system under test (node names, payloads,
// log lines, details, operation values) is data, never markup: it is
// embedded as JSON inside <script type="application/json"> (with <, > and &
// written as \u003c, \u003e and \u0026, so it cannot close the element) and
// shown with textContent. The one exception is porcupine's visualizer,
// which puts state descriptions into innerHTML; the model this package
// hands it escapes them first, and the visualizer runs in a sandboxed
// iframe.
//
// # Use
//
// After a run that wrote its artifacts (scenario.RunOptions.OutDir holds
// trace.txt and history.jsonl), one call writes both pages beside them:
//
//	files, err := html.WriteDir(dir, html.FromResult(res, h, traceFile))
//
// which writes HistoryFile (history.html) and TraceFile (trace.html),
// linked to each other, the trace page opening on the window of the
// anomaly's operations (AnomalyWindow). WriteHistory and WriteTrace write
// one page each to any io.Writer.
//
// # Tests
//
// The browser test (TestBrowser; .ci/browser-test.sh runs it) opens every
// page from a file:// URL in headless Chromium, driven through
// chromedriver's WebDriver protocol: it checks that the page rendered
// (#status data-state="ok", no console errors), that the expected elements
// are there, that search, filters and zoom work, that markup from the SUT
// stays text, and that a 100,000-record trace loads and draws in bounded
// time. Screenshots go to artifacts/screenshots/*.png at the repository's
// root (or $FAULTLINE_SCREENSHOTS). Without /usr/bin/chromium and
// /usr/bin/chromedriver the test is skipped, unless
// FAULTLINE_BROWSER_TEST=1 demands it.
//
// # Determinism
//
// The same inputs give the same bytes: nothing here reads the clock, the
// environment or map order.
package html
