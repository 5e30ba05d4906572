package html

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/sim"
)

// TraceFile is the trace page's file name in a run's output directory.
const TraceFile = "trace.html"

// Limits of the trace page. A limit reached is said on the page.
const (
	// DefaultMaxEvents bounds the records a trace page embeds; later
	// records are left out and the page says how many.
	DefaultMaxEvents = 1_000_000
	// MaxDetailBytes bounds one record's detail text on the page.
	MaxDetailBytes = 1024
	// maxLineBytes bounds one trace line.
	maxLineBytes = 16 << 20
)

// A Window is an interval of true simulated time, in nanoseconds since the
// run's start. The zero Window is no window.
type Window struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// IsZero reports whether w is the zero Window.
func (w Window) IsZero() bool { return w == Window{} }

// TracePage says what to draw besides the trace itself. Every field is
// optional.
type TracePage struct {
	// Title heads the page, e.g. "reads_linearizable_under_partition seed 7".
	Title string
	// Focus is the window the page opens on (the anomaly's, usually from
	// AnomalyWindow); it is marked on the diagram, and a button returns to
	// it. Zero: the page opens on the whole run.
	Focus Window
	// Schedule names the faults: their kinds, nodes and windows are drawn
	// from it. Without it the page draws the network faults it finds in the
	// trace (install/remove records).
	Schedule nemesis.Schedule
	// Evidence is the landing evidence of the scheduled faults, shown with
	// them (optional).
	Evidence []nemesis.Evidence
	// HistoryLink is a relative URL of the history page ("" for none).
	HistoryLink string
	// MaxEvents bounds the records embedded (0: DefaultMaxEvents).
	MaxEvents int
}

// traceData is the trace page's data island. Per-record columns are
// parallel arrays, one entry per record, in trace order:
//
//	t: t_ns minus the previous record's t_ns (the first: minus 0)
//	k: index into Kinds
//	n, p: node and peer, as indices into Nodes; -1 for none
//	l: payload length; for settimer, the timer's duration in ns
//	d: index into Strings of the detail ("" is index 0)
//	m: for deliver and drop, the distance back to the matching send
//	   (i - send index); 0 when no send matches
//
// Seq is the first record's sequence number; records are numbered
// consecutively unless Seqs is present (then it holds every seq).
type traceData struct {
	Title       string      `json:"title"`
	Nodes       []string    `json:"nodes"`
	Kinds       []string    `json:"kinds"`
	Strings     []string    `json:"strings"`
	Seq         uint64      `json:"seq"`
	Seqs        []uint64    `json:"seqs,omitempty"`
	T           []int64     `json:"t"`
	K           []int       `json:"k"`
	N           []int       `json:"n"`
	P           []int       `json:"p"`
	L           []int64     `json:"l"`
	D           []int       `json:"d"`
	M           []int       `json:"m"`
	Faults      []faultData `json:"faults"`
	Clocks      []clockData `json:"clocks"`
	Focus       *Window     `json:"focus,omitempty"`
	HistoryLink string      `json:"historyLink,omitempty"`
	Omitted     int         `json:"omitted"`
	Truncated   int         `json:"truncated"`
	Hash        string      `json:"hash,omitempty"`
}

// faultData is one fault window as the pages draw it.
type faultData struct {
	ID     string   `json:"id"`
	Kind   string   `json:"kind"`
	Start  int64    `json:"start"`
	End    int64    `json:"end"` // -1: not healed within the run
	Nodes  []string `json:"nodes"`
	Text   string   `json:"text"`
	Landed *bool    `json:"landed,omitempty"`
	State  string   `json:"state,omitempty"`
	Counts string   `json:"counts,omitempty"`
	Detail string   `json:"detail,omitempty"`
	// Where says where it struck: a partition's sides, a role-aimed
	// fault's holder (nemesis.Fault.Where).
	Where string `json:"where,omitempty"`
}

// clockData is one clock change of a node, as the pages list it
// (nemesis.ClockSpan): Rate for a drift, Step for a step of the wall
// clock.
type clockData struct {
	Node  string `json:"node"`
	Fault string `json:"fault"`
	From  int64  `json:"from"`
	To    int64  `json:"to"`
	Rate  string `json:"rate,omitempty"`
	Step  string `json:"step,omitempty"`
	Text  string `json:"text"`
}

// clockSpans converts a schedule's clock changes for the pages.
func clockSpans(s nemesis.Schedule) []clockData {
	out := []clockData{}
	for _, c := range nemesis.ClockSpans(s) {
		d := clockData{Node: c.Node, Fault: c.Fault, From: int64(c.From), To: int64(c.To), Text: c.String()}
		if c.Step != 0 {
			d.Step = c.Step.String()
			if c.Step > 0 {
				d.Step = "+" + d.Step
			}
		} else {
			d.Rate = nemesis.Rate(c.PPM)
		}
		out = append(out, d)
	}
	return out
}

// scheduleData converts a schedule (and the evidence, when known) to the
// pages' fault windows, in schedule order.
func scheduleData(s nemesis.Schedule, ev []nemesis.Evidence) []faultData {
	byID := make(map[string]nemesis.Evidence, len(ev))
	for _, e := range ev {
		byID[e.ID] = e
	}
	out := make([]faultData, 0, len(s))
	for _, f := range s {
		fd := faultData{ID: f.ID, Kind: string(f.Kind), Start: int64(f.Start), End: int64(f.End), Nodes: faultNodes(f), Text: f.String(), Where: f.Where()}
		if e, ok := byID[f.ID]; ok {
			landed := e.Landed
			fd.Landed = &landed
			fd.State = fmt.Sprint(e.State)
			var cs []string
			for _, c := range e.Counters {
				cs = append(cs, c.Name+"="+strconv.FormatInt(c.Value, 10))
			}
			fd.Counts = strings.Join(cs, " ")
			fd.Detail = e.Detail
		}
		out = append(out, fd)
	}
	return out
}

// faultNodes lists the nodes a fault touches: its targets (a role-aimed
// fault's resolved holder), or the ends of its links, in first-seen order.
func faultNodes(f nemesis.Fault) []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, n := range f.Nodes {
		add(n)
	}
	for _, n := range f.Resolved { // a role-aimed fault's holder
		add(n)
	}
	for _, l := range f.Links {
		add(l.From)
		add(l.To)
	}
	for _, c := range f.Components {
		for _, n := range c {
			add(n)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// msgKey identifies a message for pairing a send with its delivery or
// drop: sender, receiver, digest, length.
type msgKey struct {
	from, to int
	digest   string
	n        int64
}

// traceBuilder turns trace lines into the page's columns.
type traceBuilder struct {
	d        traceData
	max      int
	nodeIdx  map[string]int
	kindIdx  map[string]int
	strIdx   map[string]int
	lastT    int64
	lastSeq  uint64
	pending  map[msgKey][]int // unmatched sends, oldest first
	lastSent map[msgKey]int   // the last matched send, for duplicates
	times    []int64
	faultAt  map[string]int // fault id -> index in d.Faults (trace-derived)
	derive   bool           // derive fault windows from fault records
}

func newTraceBuilder(p TracePage) *traceBuilder {
	b := &traceBuilder{
		max:      p.MaxEvents,
		nodeIdx:  map[string]int{},
		kindIdx:  map[string]int{},
		strIdx:   map[string]int{"": 0},
		pending:  map[msgKey][]int{},
		lastSent: map[msgKey]int{},
		faultAt:  map[string]int{},
	}
	if b.max <= 0 {
		b.max = DefaultMaxEvents
	}
	b.d.Title = p.Title
	b.d.Strings = []string{""}
	b.d.HistoryLink = p.HistoryLink
	// The kinds the simulator knows, in its order, so that the legend and
	// the filters are the same on every page.
	for k := sim.Kind(1); ; k++ {
		name := k.String()
		if strings.HasPrefix(name, "kind") {
			break
		}
		b.kind(name)
	}
	if !p.Focus.IsZero() {
		f := p.Focus
		b.d.Focus = &f
	}
	b.d.Clocks = clockSpans(p.Schedule)
	if len(p.Schedule) > 0 {
		b.d.Faults = scheduleData(p.Schedule, p.Evidence)
	} else {
		b.derive = true
		b.d.Faults = []faultData{}
	}
	return b
}

func (b *traceBuilder) kind(name string) int {
	if i, ok := b.kindIdx[name]; ok {
		return i
	}
	i := len(b.d.Kinds)
	b.kindIdx[name] = i
	b.d.Kinds = append(b.d.Kinds, name)
	return i
}

func (b *traceBuilder) node(name string) int {
	if name == "-" {
		return -1
	}
	if i, ok := b.nodeIdx[name]; ok {
		return i
	}
	i := len(b.d.Nodes)
	b.nodeIdx[name] = i
	b.d.Nodes = append(b.d.Nodes, name)
	return i
}

func (b *traceBuilder) str(s string) int {
	if len(s) > MaxDetailBytes {
		cut := MaxDetailBytes
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…(" + strconv.Itoa(len(s)-cut) + " more bytes)"
		b.d.Truncated++
	}
	if i, ok := b.strIdx[s]; ok {
		return i
	}
	i := len(b.d.Strings)
	b.strIdx[s] = i
	b.d.Strings = append(b.d.Strings, s)
	return i
}

func utf8Start(c byte) bool { return c&0xC0 != 0x80 }

// add parses one trace line (without its newline).
func (b *traceBuilder) add(line string, lineNo int) error {
	if line == "" || line[0] == '#' {
		return nil
	}
	if len(b.d.K) >= b.max {
		b.d.Omitted++
		return nil
	}
	f := strings.SplitN(line, "\t", 8)
	if len(f) != 8 {
		return fmt.Errorf("trace line %d: %d tab-separated fields, want 8", lineNo, len(f))
	}
	seq, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return fmt.Errorf("trace line %d: seq %q: %w", lineNo, f[0], err)
	}
	at, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return fmt.Errorf("trace line %d: t_ns %q: %w", lineNo, f[1], err)
	}
	n, err := strconv.ParseInt(f[5], 10, 64)
	if err != nil {
		return fmt.Errorf("trace line %d: len %q: %w", lineNo, f[5], err)
	}
	detail, err := strconv.Unquote(f[7])
	if err != nil {
		return fmt.Errorf("trace line %d: detail %s: not a quoted string", lineNo, f[7])
	}
	kindName := f[2]
	i := len(b.d.K)
	if i == 0 {
		b.d.Seq = seq
	} else if seq != b.lastSeq+1 && b.d.Seqs == nil {
		// Not consecutive: keep every seq from here on.
		b.d.Seqs = make([]uint64, i, i+1)
		for j := range b.d.Seqs {
			b.d.Seqs[j] = b.d.Seq + uint64(j)
		}
	}
	if b.d.Seqs != nil {
		b.d.Seqs = append(b.d.Seqs, seq)
	}
	b.lastSeq = seq
	node, peer := b.node(f[3]), b.node(f[4])
	b.d.T = append(b.d.T, at-b.lastT)
	b.lastT = at
	b.times = append(b.times, at)
	b.d.K = append(b.d.K, b.kind(kindName))
	b.d.N = append(b.d.N, node)
	b.d.P = append(b.d.P, peer)
	if kindName == "settimer" && f[6] != "-" {
		// The digest of a settimer record is the timer's duration.
		dur, err := strconv.ParseUint(f[6], 16, 64)
		if err != nil {
			return fmt.Errorf("trace line %d: settimer duration %q: %w", lineNo, f[6], err)
		}
		n = int64(dur)
	}
	b.d.L = append(b.d.L, n)
	b.d.D = append(b.d.D, b.str(detail))
	m := 0
	switch kindName {
	case "send":
		k := msgKey{node, peer, f[6], n}
		b.pending[k] = append(b.pending[k], i)
	case "deliver", "drop":
		k := msgKey{peer, node, f[6], n}
		if kindName == "drop" {
			k = msgKey{node, peer, f[6], n}
		}
		if s, ok := b.match(k, at, kindName == "drop"); ok {
			m = i - s
		}
	case "fault":
		if b.derive {
			b.deriveFault(detail, at)
		}
	}
	b.d.M = append(b.d.M, m)
	return nil
}

// match pairs a delivery or drop with its send: the oldest unmatched send
// with the same sender, receiver, digest and length (a drop at the instant
// of its send takes that send). A second delivery of a message already
// delivered (a duplicate) pairs with the last matched send.
func (b *traceBuilder) match(k msgKey, at int64, drop bool) (int, bool) {
	q := b.pending[k]
	if len(q) == 0 {
		s, ok := b.lastSent[k]
		return s, ok
	}
	j := 0
	if drop && b.times[q[len(q)-1]] == at {
		j = len(q) - 1
	}
	s := q[j]
	q = append(q[:j], q[j+1:]...)
	if len(q) == 0 {
		delete(b.pending, k)
	} else {
		b.pending[k] = q
	}
	b.lastSent[k] = s
	return s, true
}

// deriveFault opens or closes a fault window from a fault record's detail:
// "install <id> <description>" or "remove <id>".
func (b *traceBuilder) deriveFault(detail string, at int64) {
	verb, rest, _ := strings.Cut(detail, " ")
	id, desc, _ := strings.Cut(rest, " ")
	if id == "" {
		return
	}
	switch verb {
	case "install":
		kind, _, _ := strings.Cut(desc, " ")
		b.faultAt[id] = len(b.d.Faults)
		b.d.Faults = append(b.d.Faults, faultData{ID: id, Kind: kind, Start: at, End: -1, Nodes: []string{}, Text: id + " " + desc})
	case "remove":
		if i, ok := b.faultAt[id]; ok && b.d.Faults[i].End < 0 {
			b.d.Faults[i].End = at
		}
	}
}

// WriteTrace writes the trace page: a space-time diagram of the trace
// read from trace (the text form sim writes: "seq\tt_ns\tkind\tnode\tpeer\t
// len\tdigest\tdetail" lines, '#' lines ignored). A malformed line is an
// error naming it; nothing is written then.
func WriteTrace(w io.Writer, trace io.Reader, p TracePage) error {
	b := newTraceBuilder(p)
	br := bufio.NewReaderSize(trace, 1<<20)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A long line: gather it.
			buf := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				if len(buf) > maxLineBytes {
					return fmt.Errorf("trace line %d: longer than %d bytes", lineNo, maxLineBytes)
				}
				line, err = br.ReadSlice('\n')
				buf = append(buf, line...)
			}
			line = buf
		}
		if len(line) > 0 {
			s := strings.TrimSuffix(string(line), "\n")
			if perr := b.add(strings.TrimSuffix(s, "\r"), lineNo); perr != nil {
				return perr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading trace: %w", err)
		}
	}
	if b.d.Nodes == nil {
		b.d.Nodes = []string{}
	}
	if b.d.K == nil { // an empty trace: columns are [], never null
		b.d.T, b.d.K, b.d.N, b.d.P, b.d.L, b.d.D, b.d.M = []int64{}, []int{}, []int{}, []int{}, []int64{}, []int{}, []int{}
	}
	title := p.Title
	if title == "" {
		title = "trace"
	}
	return page{
		title:  title + " — trace",
		body:   traceBody,
		data:   &b.d,
		script: asset("trace.js"),
	}.write(w)
}

// FocusAround returns a window of width span centred on instant at (the
// window starts no earlier than 0).
func FocusAround(at time.Duration, span time.Duration) Window {
	from := max(int64(at-span/2), 0)
	return Window{From: from, To: from + int64(span)}
}

const traceBody = `<header>
<h1 id="title"></h1>
<nav id="links"></nav>
<div id="summary" class="muted"></div>
</header>
<section id="controls" class="controls">
<div class="row">
<button id="zoom-in" title="zoom in (+)">+</button>
<button id="zoom-out" title="zoom out (−)">−</button>
<button id="fit" title="the whole run">whole run</button>
<button id="focus" title="the window around the anomaly" hidden>anomaly</button>
<label>from <input id="from" size="12" spellcheck="false"></label>
<label>to <input id="to" size="12" spellcheck="false"></label>
<span class="unit">(ms)</span>
<button id="apply">go</button>
<span class="sep"></span>
<input id="search" type="search" placeholder="search details, nodes, kinds, seq" size="32" spellcheck="false">
<button id="prev" title="previous match">◀</button>
<button id="next" title="next match">▶</button>
<span id="matches" class="muted"></span>
<label><input id="only-matches" type="checkbox"> list only matches</label>
</div>
<div class="row"><span class="muted">nodes</span> <span id="node-filters"></span></div>
<div class="row"><span class="muted">kinds</span> <span id="kind-filters"></span></div>
</section>
<div id="faults" class="faults"></div>
<div id="clocks" class="faults" hidden><span class="muted">clocks</span> </div>
<div id="canvas-box" class="canvas-box"><canvas id="canvas"></canvas><div id="tip" class="tip" hidden></div></div>
<div id="selected" class="selected muted">Click a record (on the diagram or in the list) to see it here.</div>
<div id="list-head" class="list-row list-head"><span>seq</span><span>t (ms)</span><span>kind</span><span>node</span><span>peer</span><span>len</span><span>detail</span></div>
<div id="list" class="list"><div id="list-spacer"></div></div>
<footer class="muted" id="footer"></footer>
`
