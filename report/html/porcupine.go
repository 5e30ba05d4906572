package html

import (
	"bytes"
	"fmt"
	stdhtml "html"
	"math"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
)

// MaxPorcupineKeys bounds the keys whose porcupine visualizer a history
// page embeds (anomalous keys first); the page says how many were left out.
const MaxPorcupineKeys = 16

// MaxPorcupineOps bounds the operations of one key drawn with porcupine's
// visualizer (an SVG element per operation and per partial
// linearization); a larger key is left out, and the page says so.
const MaxPorcupineOps = 2000

// maxAnomalyAnnotations bounds the operations of one key marked as
// anomalous in porcupine's visualizer (one annotation row each).
const maxAnomalyAnnotations = 8

// porcupineData is one key's porcupine visualizer, a whole HTML document
// shown in a sandboxed iframe.
type porcupineData struct {
	Key     string `json:"key"`
	Outcome string `json:"outcome"`
	Doc     string `json:"doc"`
}

// faultColors are the background colours of fault windows, by kind; the
// pages' scripts use the same ones.
var faultColors = map[nemesis.Kind]string{
	nemesis.Partition:   "#bbdefb",
	nemesis.Crash:       "#ffccbc",
	nemesis.Pause:       "#fff59d",
	nemesis.ClockOffset: "#e1bee7",
	nemesis.ClockDrift:  "#e1bee7",
	nemesis.ClockJump:   "#e1bee7",
	nemesis.Disk:        "#d7ccc8",
	nemesis.Clog:        "#c8e6c9",
	nemesis.Loss:        "#c8e6c9",
	nemesis.Duplicate:   "#c8e6c9",
	nemesis.Reorder:     "#c8e6c9",
	nemesis.Upgrade:     "#b2dfdb",
}

// pictureModel is checkers.RegisterModel made safe for porcupine's
// visualizer: the visualizer puts state descriptions and metadata into
// innerHTML, so they are escaped here; operation descriptions go into
// textContent, so they are only made readable (the checker's canonical
// JSON writes < > & as \u003c \u003e \u0026).
func pictureModel() porcupine.Model {
	m := checkers.RegisterModel()
	describeOp, describeState := m.DescribeOperation, m.DescribeState
	m.DescribeOperation = func(in, out any) string { return readableJSON(describeOp(in, out)) }
	m.DescribeState = func(s any) string { return stdhtml.EscapeString(readableJSON(describeState(s))) }
	m.DescribeOperationMetadata = func(md any) string {
		if md == nil {
			return ""
		}
		return stdhtml.EscapeString(fmt.Sprintf("op_id %v", md))
	}
	return m
}

// readableJSON undoes json.Marshal's HTML escapes (\u003c, \u003e, \u0026)
// in JSON text, leaving every other escape alone. A backslash always
// starts a two-character escape in JSON, so scanning escape by escape
// never mistakes an escaped backslash followed by "u003c" for one.
func readableJSON(s string) string {
	if !strings.Contains(s, `\u00`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if s[i+1] == 'u' && i+6 <= len(s) {
			switch s[i+2 : i+6] {
			case "003c":
				b.WriteByte('<')
				i += 5
				continue
			case "003e":
				b.WriteByte('>')
				i += 5
				continue
			case "0026":
				b.WriteByte('&')
				i += 5
				continue
			}
		}
		b.WriteByte(c)
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

// porcupineReporter is appended to porcupine's document: it tells the
// embedding page whether the visualizer rendered (for the browser test)
// and how tall it is.
const porcupineReporter = `<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  function report() {
    var h = document.documentElement.scrollHeight;
    parent.postMessage({faultlinePorcupine: true, errors: errors, rects: document.querySelectorAll('rect.history-rect').length, annotations: document.querySelectorAll('rect.client-annotation-rect').length, height: h}, '*');
  }
  if (document.readyState === 'complete') report(); else window.addEventListener('load', report);
})();
</script>
`

// porcupineDocs renders porcupine's visualizer for each key of lins,
// anomalous keys first, with the faults and the anomalous operations as
// annotations. It returns the documents and how many keys were left out
// (beyond MaxPorcupineKeys, or with more than MaxPorcupineOps operations).
func porcupineDocs(lins []checkers.KeyLinearization, res *checkers.Result, h history.History, faults []faultData) ([]porcupineData, int, error) {
	outcome := map[string]string{}
	for _, p := range res.Partitions {
		outcome[p.Name] = string(p.Outcome)
	}
	// Anomalous keys first, in violation order; then the others in key
	// order (Linearizations are sorted by key).
	var order []int
	used := make([]bool, len(lins))
	for _, v := range res.Violations {
		for i, l := range lins {
			if !used[i] && l.Key == v.Key {
				used[i] = true
				order = append(order, i)
			}
		}
	}
	for i := range lins {
		if !used[i] {
			order = append(order, i)
		}
	}
	ops := map[int64]history.Op{}
	perKey := map[string]int{}
	for _, o := range h.Ops {
		ops[o.ID] = o
		perKey[o.Key]++
	}
	omitted := 0
	kept := order[:0]
	for _, i := range order {
		if perKey[lins[i].Key] > MaxPorcupineOps {
			omitted++
			continue
		}
		kept = append(kept, i)
	}
	order = kept
	if len(order) > MaxPorcupineKeys {
		omitted += len(order) - MaxPorcupineKeys
		order = order[:MaxPorcupineKeys]
	}
	model := pictureModel()
	var out []porcupineData
	for _, i := range order {
		kl := lins[i]
		info := kl.Info // a copy: annotations are added to it only
		info.AddAnnotations(annotations(kl.Key, res, ops, faults))
		var buf bytes.Buffer
		if err := porcupine.Visualize(model, info, &buf); err != nil {
			return nil, 0, fmt.Errorf("porcupine visualization of key %q: %w", kl.Key, err)
		}
		doc := buf.String()
		if j := strings.LastIndex(doc, "</body>"); j >= 0 {
			doc = doc[:j] + porcupineReporter + doc[j:]
		}
		oc := outcome[kl.Key]
		if oc == "" {
			oc = "ok"
		}
		out = append(out, porcupineData{Key: kl.Key, Outcome: oc, Doc: doc})
	}
	return out, omitted, nil
}

// annotations are the porcupine annotations of one key: a row per fault
// window and a row per anomalous operation of the key.
func annotations(key string, res *checkers.Result, ops map[int64]history.Op, faults []faultData) []porcupine.Annotation {
	var out []porcupine.Annotation
	for _, f := range faults {
		end := f.End
		if end < f.Start {
			end = f.Start
		}
		details := f.Text
		if f.Landed != nil {
			details += fmt.Sprintf("\nlanded: %v (%s)", *f.Landed, f.Counts)
			if f.Detail != "" {
				details += "\n" + f.Detail
			}
		}
		out = append(out, porcupine.Annotation{
			Tag:             "fault " + f.ID + " " + f.Kind,
			Start:           f.Start,
			End:             end,
			Description:     faultLabel(f),
			Details:         details,
			BackgroundColor: faultColors[nemesis.Kind(f.Kind)],
		})
	}
	n := 0
	for _, v := range res.Violations {
		if v.Key != key {
			continue
		}
		for _, id := range v.Ops {
			o, ok := ops[id]
			if !ok || n == maxAnomalyAnnotations {
				continue
			}
			n++
			end := o.CompleteTS
			if o.Type == history.Info {
				end = math.MaxInt64 // as the checker gives porcupine an info op
			}
			out = append(out, porcupine.Annotation{
				Tag:             fmt.Sprintf("anomaly: op %d", id),
				Start:           o.InvokeTS,
				End:             end,
				Description:     fmt.Sprintf("%s: op %d (client %d)", v.Kind, id, o.Process),
				Details:         v.Explanation,
				TextColor:       "#b71c1c",
				BackgroundColor: "#ffcdd2",
			})
		}
	}
	return out
}

// faultLabel is a fault's short label: its kind's particulars and nodes.
func faultLabel(f faultData) string {
	s := f.Kind
	if len(f.Nodes) > 0 {
		s += " " + strings.Join(f.Nodes, ",")
	}
	return s
}
