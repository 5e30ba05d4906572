package report

import (
	"bytes"
	"encoding/json"
)

// JSON renders the report for machines: the Report's fields, plus the
// session's exit code, indented by two spaces, ending in a newline. Every
// list in a Report is sorted and it holds no maps, so equal reports give
// equal bytes.
func (r Report) JSON() ([]byte, error) {
	doc := struct {
		Report
		ExitCode int `json:"exit_code"`
	}{r, r.ExitCode()}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	// Explanations quote values; keep them readable rather than \u003c.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
