package netsim

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/rng"
)

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "n" + strconv.Itoa(i)
	}
	return out
}

func mustNew(t testing.TB, n int, cfg Config, seed uint64) *Network {
	t.Helper()
	net, err := New(names(n), cfg, rng.New(seed, "net"))
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func TestNewValidation(t *testing.T) {
	ms := time.Millisecond
	three := []string{"a", "b", "c"}
	withDefault := func(c LinkConfig) Config { return Config{Default: c} }
	tests := []struct {
		name  string
		nodes []string
		cfg   Config
		want  []string // substrings of the error
	}{
		{"no nodes", nil, Config{}, []string{"len(names) = 0", "MaxNodes"}},
		{"too many nodes", names(MaxNodes + 1), Config{}, []string{"len(names) = 257"}},
		{"empty name", []string{"a", ""}, Config{}, []string{`names[1] = ""`, "empty"}},
		{"duplicate name", []string{"a", "b", "a"}, Config{}, []string{`names[2] = "a"`, "duplicate node name", "names[0]"}},
		{"negative min", three, withDefault(LinkConfig{Latency: Latency{Kind: Uniform, Min: -ms, Max: ms}}),
			[]string{"Default.Latency.Min = -1ms", "negative"}},
		{"negative max", three, withDefault(LinkConfig{Latency: Latency{Kind: Uniform, Max: -ms}}),
			[]string{"Default.Latency.Max = -1ms", "negative"}},
		{"min above max", three, withDefault(LinkConfig{Latency: Latency{Kind: Uniform, Min: 5 * ms, Max: ms}}),
			[]string{"Default.Latency.Min = 5ms", "greater than Max (1ms)"}},
		{"above MaxDelay", three, withDefault(LinkConfig{Latency: Latency{Kind: Uniform, Max: 25 * time.Hour}}),
			[]string{"Default.Latency.Max = 25h0m0s", "MaxDelay"}},
		{"fixed with other max", three, withDefault(LinkConfig{Latency: Latency{Kind: Fixed, Min: ms, Max: 2 * ms}}),
			[]string{"Default.Latency.Max = 2ms", "fixed"}},
		{"uniform with median", three, withDefault(LinkConfig{Latency: Latency{Kind: Uniform, Max: ms, Median: ms}}),
			[]string{"Default.Latency.Median = 1ms", "only longtail"}},
		{"longtail median at min", three, withDefault(LinkConfig{Latency: Latency{Kind: LongTail, Min: ms, Median: ms, Max: time.Second}}),
			[]string{"Default.Latency.Median = 1ms", "above Min"}},
		{"longtail no cap", three, withDefault(LinkConfig{Latency: Latency{Kind: LongTail, Min: ms, Median: 2 * ms}}),
			[]string{"Default.Latency.Max = 0s", "cap"}},
		{"unknown latency kind", three, withDefault(LinkConfig{Latency: Latency{Kind: 9}}),
			[]string{"Default.Latency.Kind = LatencyKind(9)", "valid: fixed, uniform, longtail"}},
		{"unknown mode", three, withDefault(LinkConfig{Mode: 7}),
			[]string{"Default.Mode = Mode(7)", "valid: datagram, stream"}},
		{"loss above 1", three, withDefault(LinkConfig{Loss: 1.5}), []string{"Default.Loss = 1.5", "outside [0,1]"}},
		{"duplicate negative", three, withDefault(LinkConfig{Duplicate: -0.1}), []string{"Default.Duplicate = -0.1", "outside [0,1]"}},
		{"reorder NaN", three, withDefault(LinkConfig{Reorder: math.NaN()}), []string{"Default.Reorder = NaN"}},
		{"negative reorder window", three, withDefault(LinkConfig{ReorderWindow: -ms}), []string{"Default.ReorderWindow = -1ms"}},
		{"stream duplicate", three, withDefault(LinkConfig{Mode: Stream, Duplicate: 0.1}), []string{"Default.Duplicate = 0.1", "streams never duplicate"}},
		{"stream reorder", three, withDefault(LinkConfig{Mode: Stream, Reorder: 0.1}), []string{"Default.Reorder = 0.1", "streams never reorder"}},
		{"unknown from", three, Config{Links: []LinkOverride{{From: "x", To: "a"}}}, []string{`Links[0].From = "x"`, "unknown node name"}},
		{"unknown to", three, Config{Links: []LinkOverride{{From: "a", To: "b"}, {From: "a", To: "zz"}}}, []string{`Links[1].To = "zz"`, "unknown node name"}},
		{"override invalid", three, Config{Links: []LinkOverride{{From: "a", To: "b", LinkConfig: LinkConfig{Loss: 2}}}},
			[]string{"Links[0].Loss = 2", "outside [0,1]"}},
		{"override twice", three, Config{Links: []LinkOverride{{From: "a", To: "b"}, {From: "a", To: "b"}}},
			[]string{`Links[1] = "a->b"`, "overridden twice", "Links[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.nodes, tc.cfg, rng.New(1, "net"))
			if err == nil {
				t.Fatal("New accepted an invalid config")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := New(three, Config{}, nil); err == nil {
		t.Error("New accepted a nil stream")
	}
}

func TestNewAcceptsValidConfigs(t *testing.T) {
	ms := time.Millisecond
	cfg := Config{
		Default: LinkConfig{Latency: Latency{Kind: LongTail, Min: ms, Median: 2 * ms, Max: time.Second}, Loss: 1, Duplicate: 0, Reorder: 1},
		Links: []LinkOverride{
			{From: "a", To: "b", LinkConfig: LinkConfig{Mode: Stream, Latency: Latency{Kind: Uniform, Min: ms, Max: ms}}},
			{From: "b", To: "a", LinkConfig: LinkConfig{Latency: Latency{Kind: Fixed, Min: ms, Max: ms}}},
			{From: "a", To: "a"},
		},
	}
	if _, err := New([]string{"a", "b"}, cfg, rng.New(1, "net")); err != nil {
		t.Fatal(err)
	}
}

func TestParseKinds(t *testing.T) {
	for m := Mode(0); m < numModes; m++ {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m, got, err)
		}
	}
	for k := LatencyKind(0); k < numLatencyKinds; k++ {
		if got, err := ParseLatencyKind(k.String()); err != nil || got != k {
			t.Errorf("ParseLatencyKind(%q) = %v, %v", k, got, err)
		}
	}
	for k := FaultKind(0); k < numFaultKinds; k++ {
		if got, err := ParseFaultKind(k.String()); err != nil || got != k {
			t.Errorf("ParseFaultKind(%q) = %v, %v", k, got, err)
		}
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{second(ParseMode("tcp")), `mode "tcp" unknown; valid: datagram, stream`},
		{second(ParseLatencyKind("normal")), `latency kind "normal" unknown; valid: fixed, uniform, longtail`},
		{second(ParseFaultKind("kill")), `fault kind "kill" unknown; valid: cut, clog, loss, duplicate, reorder`},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) || !errors.Is(tc.err, ErrInvalid) {
			t.Errorf("error %v, want one containing %q", tc.err, tc.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
