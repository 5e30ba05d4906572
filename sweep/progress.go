package sweep

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress reports a sweep's progress: on a terminal, one line redrawn in
// place with a carriage return (a bar, seeds done of total, failures,
// seeds per second, time left); elsewhere (CI logs, files), a plain line
// every Every of host time and one at the end. Host time is read only
// here; it never reaches a result.
type Progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	every    time.Duration
	now      func() time.Time

	total, done, failed int
	resumed             int // done before this run started
	start, last         time.Time
}

// NewProgress returns a reporter writing to w. isTerminal says whether w
// is a terminal (the caller decides, for example with golang.org/x/term);
// every is the interval of plain lines (0: 10s); now is the clock (nil:
// time.Now).
func NewProgress(w io.Writer, isTerminal bool, every time.Duration, now func() time.Time) *Progress {
	if every <= 0 {
		every = 10 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &Progress{w: w, terminal: isTerminal, every: every, now: now}
}

// redraw is the shortest interval between two redraws of the bar.
const redraw = 100 * time.Millisecond

// Start begins a sweep of total jobs of which resumed (failed of them)
// were done already.
func (p *Progress) Start(total, resumed, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.done, p.resumed, p.failed = total, resumed, resumed, failed
	p.start = p.now()
	p.last = p.start
	if p.terminal {
		p.print()
	}
}

// Done counts one finished job; failed says whether its verdict is a FAIL.
func (p *Progress) Done(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if failed {
		p.failed++
	}
	now := p.now()
	interval := p.every
	if p.terminal {
		interval = redraw
	}
	if now.Sub(p.last) >= interval || (p.terminal && p.done == p.total) {
		p.last = now
		p.print()
	}
}

// Finish ends the report: the bar's line is ended, a plain report gets its
// last line.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.print()
	if p.terminal {
		fmt.Fprintln(p.w)
	}
}

// Line is the current report, without bar or carriage return.
func (p *Progress) Line() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.line()
}

func (p *Progress) line() string {
	elapsed := p.now().Sub(p.start)
	ran := p.done - p.resumed
	rate := 0.0
	if elapsed > 0 {
		rate = float64(ran) / elapsed.Seconds()
	}
	eta := "?"
	switch {
	case p.done >= p.total:
		eta = "0s"
	case rate > 0:
		eta = (time.Duration(float64(p.total-p.done) / rate * float64(time.Second))).Round(time.Second).String()
	}
	s := fmt.Sprintf("%d/%d seeds, %d failed, %.1f seeds/s, ETA %s", p.done, p.total, p.failed, rate, eta)
	if p.resumed > 0 {
		s += fmt.Sprintf(" (%d resumed)", p.resumed)
	}
	return s
}

func (p *Progress) print() {
	if !p.terminal {
		fmt.Fprintf(p.w, "sweep: %s\n", p.line())
		return
	}
	const width = 30
	filled := width
	if p.total > 0 {
		filled = width * p.done / p.total
	}
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	text := fmt.Sprintf("\r[%s] %s", bar, p.line())
	// pad over what a longer previous line left behind
	fmt.Fprintf(p.w, "%-100s", text)
}
