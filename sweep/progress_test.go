package sweep_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/sweep"
)

// fakeClock is a host clock a test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestProgressOnATerminalRedrawsOneLine(t *testing.T) {
	var out bytes.Buffer
	clk := &fakeClock{t: time.Unix(1000, 0)}
	p := sweep.NewProgress(&out, true, 0, clk.now)
	p.Start(10, 2, 1)
	for i := range 4 {
		clk.t = clk.t.Add(time.Second)
		p.Done(i == 0)
	}
	// 4 seeds in 4s: 1/s, 4 left: ETA 4s.
	if got := p.Line(); got != "6/10 seeds, 2 failed, 1.0 seeds/s, ETA 4s (2 resumed)" {
		t.Errorf("line %q", got)
	}
	s := out.String()
	if strings.Contains(s, "\n") || strings.Count(s, "\r[") != 5 || !strings.Contains(s, "\r[==================            ] 6/10 seeds") {
		t.Errorf("terminal output %q", s)
	}
	p.Finish()
	if !strings.HasSuffix(out.String(), "\n") {
		t.Error("Finish does not end the bar's line")
	}
}

func TestProgressElsewherePrintsPeriodicLines(t *testing.T) {
	var out bytes.Buffer
	clk := &fakeClock{t: time.Unix(1000, 0)}
	p := sweep.NewProgress(&out, false, 10*time.Second, clk.now)
	p.Start(100, 0, 0)
	for range 30 {
		clk.t = clk.t.Add(time.Second)
		p.Done(false)
	}
	p.Finish()
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		"sweep: 10/100 seeds, 0 failed, 1.0 seeds/s, ETA 1m30s",
		"sweep: 20/100 seeds, 0 failed, 1.0 seeds/s, ETA 1m20s",
		"sweep: 30/100 seeds, 0 failed, 1.0 seeds/s, ETA 1m10s",
		"sweep: 30/100 seeds, 0 failed, 1.0 seeds/s, ETA 1m10s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || strings.Contains(out.String(), "\r") {
		t.Errorf("got\n%s\nwant\n%s", out.String(), strings.Join(want, "\n"))
	}
}
