package clock

import (
	"fmt"
	"math/bits"
	"time"
)

// The bounds on a node clock's drift, in parts per million: the clock runs
// at 1+ppm/1e6 times true rate, so from 100 times slower (MinDriftPPM) to
// 100 times faster (MaxDriftPPM) than true time. Real machines reach 10x
// both ways (a VM starved of CPU, a throttled or mis-calibrated TSC, a
// guest clock catching up after a migration); the bounds leave room past
// that. They stop there because the rate must stay positive (a stopped
// clock is a pause, its own fault), because a 100x clock already turns a
// 10ms tick into 100µs of true time (a faster one only multiplies the
// events of a run without exposing anything new), and because monotonic
// readings must stay far from int64 overflow: 100x over 24 hours of true
// time is under 2^53 nanoseconds.
const (
	MinDriftPPM = -990_000
	MaxDriftPPM = 99_000_000
)

// Clock is one node's view of time. Its monotonic reading runs at
// 1+ppm/1e6 times true rate; its wall reading adds an offset and any jumps
// whose instant has passed. The zero value is a perfect clock.
//
// Clock is a plain value: the simulator owns one per node and passes true
// time in; nothing here is global.
type Clock struct {
	segTrue Time  // true instant the current drift segment began
	segMono Time  // monotonic reading at segTrue
	ppm     int64 // drift of the current segment
	offset  time.Duration
	jumps   []jump // scheduled wall-clock steps, sorted by instant
}

type jump struct {
	at Time
	d  time.Duration
}

// DriftPPM returns the drift rate in force.
func (c *Clock) DriftPPM() int64 { return c.ppm }

// Offset returns the constant wall-clock offset.
func (c *Clock) Offset() time.Duration { return c.offset }

// SetOffset sets the constant wall-clock offset from true time.
func (c *Clock) SetOffset(d time.Duration) { c.offset = d }

// SetDrift changes the drift rate from true instant now on. now must not be
// before the previous change, and ppm must be within [MinDriftPPM,
// MaxDriftPPM].
func (c *Clock) SetDrift(now Time, ppm int64) error {
	if ppm > MaxDriftPPM || ppm < MinDriftPPM {
		return fmt.Errorf("clock: drift %d ppm out of range [%d, %d] (100x slow to 100x fast)", ppm, MinDriftPPM, MaxDriftPPM)
	}
	if now < c.segTrue {
		return fmt.Errorf("clock: drift change at %v is before the previous change at %v", now, c.segTrue)
	}
	c.segMono = c.Mono(now)
	c.segTrue = now
	c.ppm = ppm
	return nil
}

// ScheduleJump steps the wall clock by d (forward if positive, backward if
// negative) from true instant at on. Monotonic readings and timers are not
// affected.
func (c *Clock) ScheduleJump(at Time, d time.Duration) {
	i := len(c.jumps)
	for i > 0 && c.jumps[i-1].at > at {
		i--
	}
	c.jumps = append(c.jumps, jump{})
	copy(c.jumps[i+1:], c.jumps[i:])
	c.jumps[i] = jump{at: at, d: d}
}

// Mono returns the node's monotonic reading at true instant t (t at or
// after the last drift change).
func (c *Clock) Mono(t Time) Time {
	e := int64(t - c.segTrue)
	return c.segMono + Time(e+scalePPM(e, c.ppm))
}

// Now returns the node's wall-clock reading at true instant t.
func (c *Clock) Now(t Time) Time {
	w := c.Mono(t) + Time(c.offset)
	for _, j := range c.jumps {
		if j.at > t {
			break
		}
		w += Time(j.d)
	}
	return w
}

// TrueAtMono returns the earliest true instant, not before now, at which the
// monotonic reading reaches mono, assuming the current drift holds. A timer
// of duration d set at now fires at TrueAtMono(now, Mono(now)+d).
func (c *Clock) TrueAtMono(now Time, mono Time) Time {
	if c.Mono(now) >= mono {
		return now
	}
	target := int64(mono - c.segMono)
	// Estimate e = target*1e6/(1e6+ppm) in 128-bit, then settle exactly.
	hi, lo := bits.Mul64(uint64(target), 1_000_000)
	den := uint64(1_000_000 + c.ppm)
	var e int64
	if hi >= den {
		return Never
	}
	q, _ := bits.Div64(hi, lo, den)
	e = int64(q)
	for e+scalePPM(e, c.ppm) < target {
		e++
	}
	for e > 0 && (e-1)+scalePPM(e-1, c.ppm) >= target {
		e--
	}
	t := c.segTrue + Time(e)
	if t < now {
		t = now
	}
	return t
}

// scalePPM returns e*ppm/1e6 without overflow for e < 2^62, rounding
// toward zero. e + scalePPM(e, ppm) is non-decreasing in e for ppm > -1e6.
func scalePPM(e, ppm int64) int64 {
	q, r := e/1_000_000, e%1_000_000
	return q*ppm + r*ppm/1_000_000
}
