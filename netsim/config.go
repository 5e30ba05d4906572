package netsim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every validation error from New and Install.
var ErrInvalid = errors.New("netsim: invalid")

// Mode is a link's delivery discipline.
type Mode uint8

// The delivery modes.
const (
	// Datagram: each message is independent; it may be lost, duplicated
	// or reordered.
	Datagram Mode = iota
	// Stream: ordered per directed link like a TCP connection; never
	// duplicated or reordered; broken (both ways) by a cut in either
	// direction, a crash of either end or exhausted retransmissions.
	Stream
	numModes
)

// String returns the mode's plan-file name: datagram or stream.
func (m Mode) String() string {
	switch m {
	case Datagram:
		return "datagram"
	case Stream:
		return "stream"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode returns the mode named s (datagram, stream).
func ParseMode(s string) (Mode, error) {
	return parseEnum("mode", s, numModes, Mode.String)
}

// LinkConfig is the behaviour of a directed link when no fault is active.
// Loss, Duplicate and Reorder are per-message probabilities in [0, 1].
type LinkConfig struct {
	Latency Latency
	// Loss drops a datagram. On a stream it costs a retransmission
	// instead: one more latency sample of delay, and after
	// StreamMaxAttempts lost attempts in a row the stream breaks.
	Loss float64
	// Duplicate delivers a second copy of a datagram with its own latency
	// sample. Must be 0 on stream links.
	Duplicate float64
	// Reorder holds a datagram back by an extra delay uniform over
	// [1ns, ReorderWindow], so later messages can overtake it. Must be 0
	// on stream links.
	Reorder float64
	// ReorderWindow bounds the reorder delay; 0 means the latency's
	// nominal value (fixed: Min, uniform: Max, longtail: Median), or 1ms
	// if that is 0 too.
	ReorderWindow time.Duration
	Mode          Mode
}

// LinkOverride replaces the default configuration of the directed link
// From -> To (node names).
type LinkOverride struct {
	From, To string
	LinkConfig
}

// Config is a network's configuration: a default for every directed link
// and per-link overrides. The zero Config is a lossless datagram network
// delivering every message 1ns after it is sent.
type Config struct {
	Default LinkConfig
	Links   []LinkOverride
}

// defaultReorderWindow is the reorder window of a link whose latency is 0.
const defaultReorderWindow = time.Millisecond

func (c *LinkConfig) validate(field string) error {
	if c.Mode >= numModes {
		return invalid(field+".Mode", c.Mode, "unknown mode; valid: "+enumNames(numModes, Mode.String))
	}
	if err := c.Latency.validate(field + ".Latency"); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"Loss", c.Loss}, {"Duplicate", c.Duplicate}, {"Reorder", c.Reorder}} {
		if !(p.v >= 0 && p.v <= 1) {
			return invalid(field+"."+p.name, p.v, "probability outside [0,1]")
		}
	}
	if c.ReorderWindow < 0 || c.ReorderWindow > MaxDelay {
		return invalid(field+".ReorderWindow", c.ReorderWindow, fmt.Sprintf("outside [0, MaxDelay=%v]", MaxDelay))
	}
	if c.Mode == Stream {
		if c.Duplicate != 0 {
			return invalid(field+".Duplicate", c.Duplicate, "streams never duplicate; set 0 or use mode datagram")
		}
		if c.Reorder != 0 {
			return invalid(field+".Reorder", c.Reorder, "streams never reorder; set 0 or use mode datagram")
		}
	}
	return nil
}

// reorderWindow resolves ReorderWindow's default.
func (c *LinkConfig) reorderWindow() int64 {
	w := c.ReorderWindow
	if w == 0 {
		w = c.Latency.nominal()
	}
	if w == 0 {
		w = defaultReorderWindow
	}
	return int64(w)
}

// invalid builds a validation error naming the field and its value.
func invalid(field string, value any, why string) error {
	v := fmt.Sprint(value)
	if s, ok := value.(string); ok {
		v = strconv.Quote(s)
	}
	return fmt.Errorf("%w: %s = %s: %s", ErrInvalid, field, v, why)
}

// parseEnum finds s among the names of the first n values of an enum.
func parseEnum[T ~uint8](what, s string, n T, name func(T) string) (T, error) {
	for v := T(0); v < n; v++ {
		if name(v) == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: %s %q unknown; valid: %s", ErrInvalid, what, s, enumNames(n, name))
}

func enumNames[T ~uint8](n T, name func(T) string) string {
	names := make([]string, 0, int(n))
	for v := T(0); v < n; v++ {
		names = append(names, name(v))
	}
	return strings.Join(names, ", ")
}
