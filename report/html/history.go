package html

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
)

// HistoryFile is the history page's file name in a run's output directory.
const HistoryFile = "history.html"

// HistoryPage is what the history page is drawn from. Only History is
// required.
type HistoryPage struct {
	// Title heads the page, e.g. "reads_linearizable_under_partition seed 7".
	Title   string
	History history.History
	// Result is the checker's answer (nil: none ran). Its violations'
	// operations are highlighted. For the linearizable checker the page
	// embeds porcupine's visualizer of Result.Linearizations; when those
	// are missing (a Result read back from JSON does not carry them), they
	// are recomputed from History with default options.
	Result *checkers.Result
	// Schedule and Evidence are the nemesis's faults and their landing
	// evidence, drawn as windows over the operations.
	Schedule nemesis.Schedule
	Evidence []nemesis.Evidence
	// TraceLink is a relative URL of the trace page ("" for none); the
	// page links each violation to the trace around it.
	TraceLink string
}

// historyData is the history page's data island. Operations are parallel
// arrays in history order; text fields are indices into Strings.
type historyData struct {
	Title      string               `json:"title"`
	Checker    *checkerData         `json:"checker,omitempty"`
	Violations []checkers.Violation `json:"violations"`
	Partitions []partitionData      `json:"partitions"`
	Faults     []faultData          `json:"faults"`
	Clocks     []clockData          `json:"clocks"`
	Strings    []string             `json:"strings"`
	Ops        opColumns            `json:"ops"`
	Porcupine  []porcupineData      `json:"porcupine"`
	// PorcupineOmitted counts keys whose visualizer was left out;
	// PorcupineNote says why there is none, when there is none.
	PorcupineOmitted int     `json:"porcupineOmitted"`
	PorcupineNote    string  `json:"porcupineNote,omitempty"`
	TraceLink        string  `json:"traceLink,omitempty"`
	Anomaly          *Window `json:"anomaly,omitempty"`
}

type checkerData struct {
	Name        string `json:"name"`
	Outcome     string `json:"outcome"`
	Kind        string `json:"kind"`
	Explanation string `json:"explanation"`
	Checked     int    `json:"checked"`
	Recorded    int    `json:"recorded"`
	Omitted     int    `json:"omitted"`
}

type partitionData struct {
	Name    string `json:"name"`
	Outcome string `json:"outcome"`
	Ops     int    `json:"ops"`
	Reason  string `json:"reason,omitempty"`
}

// opColumns holds the operations column-wise. Type is 0 ok, 1 fail, 2
// info; Complete is -1 for info. Key, Fn, In, Out, Err, Node and Model are
// indices into Strings (0: none).
type opColumns struct {
	ID       []int64 `json:"id"`
	Process  []int   `json:"process"`
	Type     []int   `json:"type"`
	Invoke   []int64 `json:"invoke"`
	Complete []int64 `json:"complete"`
	Key      []int   `json:"key"`
	Fn       []int   `json:"fn"`
	In       []int   `json:"in"`
	Out      []int   `json:"out"`
	Err      []int   `json:"err"`
	Node     []int   `json:"node"`
	Model    []int   `json:"model"`
}

// strtab interns strings for a data island; "" is index 0.
type strtab struct {
	idx  map[string]int
	list []string
}

func newStrtab() *strtab { return &strtab{idx: map[string]int{"": 0}, list: []string{""}} }

func (t *strtab) add(s string) int {
	if len(s) > MaxDetailBytes {
		cut := MaxDetailBytes
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	if i, ok := t.idx[s]; ok {
		return i
	}
	i := len(t.list)
	t.idx[s] = i
	t.list = append(t.list, s)
	return i
}

// compactJSON renders a raw JSON value on one line ("" for none), keeping
// json.Marshal's HTML escapes out of the text shown (readableJSON).
func compactJSON(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return readableJSON(b.String())
}

// WriteHistory writes the history page.
func WriteHistory(w io.Writer, p HistoryPage) error {
	d := historyData{
		Title:      p.Title,
		Violations: []checkers.Violation{},
		Partitions: []partitionData{},
		Faults:     scheduleData(p.Schedule, p.Evidence),
		Clocks:     clockSpans(p.Schedule),
		Porcupine:  []porcupineData{},
		TraceLink:  p.TraceLink,
	}
	if d.Title == "" {
		d.Title = "history"
	}
	st := newStrtab()
	c := &d.Ops
	for _, o := range p.History.Ops {
		c.ID = append(c.ID, o.ID)
		c.Process = append(c.Process, o.Process)
		t, end := 0, o.CompleteTS
		switch o.Type {
		case history.Fail:
			t = 1
		case history.Info:
			t, end = 2, -1
		}
		c.Type = append(c.Type, t)
		c.Invoke = append(c.Invoke, o.InvokeTS)
		c.Complete = append(c.Complete, end)
		c.Key = append(c.Key, st.add(o.Key))
		c.Fn = append(c.Fn, st.add(o.OpType))
		c.In = append(c.In, st.add(compactJSON(o.Input)))
		c.Out = append(c.Out, st.add(compactJSON(o.Output)))
		c.Err = append(c.Err, st.add(o.Error))
		c.Node = append(c.Node, st.add(o.NodeSeen))
		c.Model = append(c.Model, st.add(string(o.Model)))
	}
	if c.ID == nil {
		*c = opColumns{ID: []int64{}, Process: []int{}, Type: []int{}, Invoke: []int64{}, Complete: []int64{},
			Key: []int{}, Fn: []int{}, In: []int{}, Out: []int{}, Err: []int{}, Node: []int{}, Model: []int{}}
	}
	if r := p.Result; r != nil {
		d.Checker = &checkerData{Name: r.Checker, Outcome: string(r.Outcome), Kind: r.Kind, Explanation: readableJSON(r.Explanation),
			Checked: r.Checked, Recorded: r.Recorded, Omitted: r.Omitted}
		for _, v := range r.Violations {
			if v.Ops == nil {
				v.Ops = []int64{}
			}
			// Explanations quote values as the checker's canonical JSON,
			// which writes < > & as \u003c \u003e \u0026; the page shows
			// them as text, so it shows them plainly.
			v.Explanation = readableJSON(v.Explanation)
			d.Violations = append(d.Violations, v)
		}
		for _, pt := range r.Partitions {
			d.Partitions = append(d.Partitions, partitionData{Name: pt.Name, Outcome: string(pt.Outcome), Ops: pt.Ops, Reason: pt.Reason})
		}
		if win, ok := AnomalyWindow(p.History, r); ok {
			d.Anomaly = &win
		}
		if r.Checker == "linearizable" {
			lins := r.Linearizations
			if len(lins) == 0 && r.Outcome != checkers.Unknown {
				lins = checkers.Linearizable(p.History, checkers.Options{Linearizations: true}).Linearizations
				if len(lins) > 0 {
					d.PorcupineNote = "porcupine's linearizations were recomputed for this picture (the result did not carry them)"
				}
			}
			docs, omitted, err := porcupineDocs(lins, r, p.History, d.Faults)
			if err != nil {
				return err
			}
			d.Porcupine = append(d.Porcupine, docs...)
			d.PorcupineOmitted = omitted
			if len(lins) == 0 {
				d.PorcupineNote = "no key was decided, so porcupine has nothing to draw"
			}
		}
	}
	d.Strings = st.list
	return page{
		title:  d.Title + " — history",
		body:   historyBody,
		data:   &d,
		script: asset("history.js"),
	}.write(w)
}

// AnomalyWindow returns the window of true time spanned by the operations
// of r's violations, from the earliest invocation to the latest known
// completion (an info operation counts from its invocation only). ok is
// false when no violation names an operation of h.
func AnomalyWindow(h history.History, r *checkers.Result) (w Window, ok bool) {
	if r == nil {
		return Window{}, false
	}
	want := map[int64]bool{}
	for _, v := range r.Violations {
		for _, id := range v.Ops {
			want[id] = true
		}
	}
	for _, o := range h.Ops {
		if !want[o.ID] {
			continue
		}
		end := o.CompleteTS
		if o.Type == history.Info || end < o.InvokeTS {
			end = o.InvokeTS
		}
		if !ok {
			w, ok = Window{From: o.InvokeTS, To: end}, true
			continue
		}
		w.From = min(w.From, o.InvokeTS)
		w.To = max(w.To, end)
	}
	return w, ok
}

const historyBody = `<header>
<h1 id="title"></h1>
<nav id="links"></nav>
<div id="verdict" class="verdict"></div>
</header>
<section id="violations-box" hidden><h2>Violations</h2><ol id="violations" class="violations"></ol></section>
<section id="timeline-box"><h2>Operations by client</h2>
<div class="controls"><div class="row">
<button id="zoom-in" title="zoom in">+</button>
<button id="zoom-out" title="zoom out">−</button>
<button id="fit">whole run</button>
<button id="focus" hidden>anomaly</button>
<label>key <select id="key"></select></label>
<label><input type="checkbox" id="t-ok" checked> ok</label>
<label><input type="checkbox" id="t-fail" checked> fail</label>
<label><input type="checkbox" id="t-info" checked> info</label>
<input id="search" type="search" placeholder="search ops (id, function, key, values, node)" size="36" spellcheck="false">
<span id="matches" class="muted"></span>
</div>
<div class="row legend"><span class="sw ok"></span>ok <span class="sw fail"></span>fail <span class="sw info"></span>info (outcome unknown) <span class="sw bad"></span>in a violation <span class="sw fault"></span>fault window</div>
</div>
<div id="canvas-box" class="canvas-box"><canvas id="canvas"></canvas><div id="tip" class="tip" hidden></div></div>
<div id="selected" class="selected muted">Click an operation to see it here.</div>
</section>
<section id="faults-box"><h2>Faults</h2><table id="faults-table" class="table"><thead><tr><th>id</th><th>kind</th><th>where it struck</th><th>window (ms)</th><th>landed</th><th>evidence</th></tr></thead><tbody id="faults-body"></tbody></table><p id="no-faults" class="muted" hidden>No faults were scheduled.</p>
<div id="clocks-box" hidden><h3>Clock rates</h3><table id="clocks-table" class="table"><thead><tr><th>node</th><th>window (ms)</th><th>clock against true time</th><th>fault</th></tr></thead><tbody id="clocks-body"></tbody></table></div></section>
<section id="porcupine-box" hidden><h2>Linearizability (porcupine)</h2>
<div class="row"><label>key <select id="porcupine-key"></select></label> <span id="porcupine-note" class="muted"></span></div>
<p class="muted">Porcupine's visualizer: hover an operation to see the model's state; the rows named "anomaly: op N" mark the operations the checker blames, the rows named "fault …" the fault windows. Its time axis is stretched: only the order of instants is kept.</p>
<iframe id="porcupine" sandbox="allow-scripts" title="porcupine visualization"></iframe>
</section>
<footer class="muted" id="footer"></footer>
`
