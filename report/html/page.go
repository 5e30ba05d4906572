package html

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	stdhtml "html"
	"io"
)

//go:embed assets/common.css assets/common.js assets/history.js assets/trace.js
var assets embed.FS

func asset(name string) string {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic(err) // embedded at build time; a missing file is a build bug
	}
	return string(b)
}

// page is one self-contained HTML document: static markup around a data
// island read by the page's script.
type page struct {
	title  string
	body   string // static markup, no SUT text
	data   any    // embedded as JSON in <script type="application/json" id="data">
	script string // the page's own script, after common.js
}

// dataJSON encodes v for a <script type="application/json"> element.
// json.Marshal writes <, > and & as \u003c, \u003e and \u0026 (and U+2028,
// U+2029 escaped), so no SUT string can close the element or open markup.
func dataJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	// Belt and braces: json.Marshal's HTML escaping is the contract we
	// rely on; make sure no '<' ever reaches the document raw.
	if bytes.IndexByte(b, '<') >= 0 {
		b = bytes.ReplaceAll(b, []byte("<"), []byte(`\u003c`))
	}
	return b, nil
}

func (p page) write(w io.Writer) error {
	data, err := dataJSON(p.data)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	bw.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	bw.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-src 'self' about: data:\">\n")
	bw.WriteString("<title>")
	bw.WriteString(stdhtml.EscapeString(p.title))
	bw.WriteString("</title>\n<style>\n")
	bw.WriteString(asset("common.css"))
	bw.WriteString("</style>\n</head>\n<body>\n")
	// The error trap comes first so that it sees errors of every later
	// script; the browser test reads #status.
	bw.WriteString(statusScript)
	bw.WriteString(p.body)
	bw.WriteString("\n<script type=\"application/json\" id=\"data\">")
	bw.Write(data)
	bw.WriteString("</script>\n<script>\n")
	bw.WriteString(asset("common.js"))
	bw.WriteString(p.script)
	bw.WriteString("</script>\n</body>\n</html>\n")
	return bw.Flush()
}

// statusScript records script errors into #status, which the page sets to
// data-state="ok" once it has rendered. Browser tests (and curious people)
// read it.
const statusScript = `<div id="status" data-state="loading" hidden></div>
<script>
(function () {
  var st = document.getElementById('status');
  function fail(msg) {
    var errs = st.getAttribute('data-errors');
    st.setAttribute('data-errors', (errs ? errs + '\n' : '') + msg);
    st.setAttribute('data-state', 'error');
  }
  window.addEventListener('error', function (e) { fail(String(e.message || e.type) + ' at ' + (e.filename || '') + ':' + (e.lineno || 0)); });
  window.addEventListener('unhandledrejection', function (e) { fail('unhandled rejection: ' + String(e.reason)); });
})();
</script>
`
