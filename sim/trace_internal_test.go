package sim

import (
	"fmt"
	"testing"
)

// TestFormatHash checks the hand-written hex formatting of digests and
// hashes against fmt's %016x, which the trace format was defined with.
func TestFormatHash(t *testing.T) {
	for _, v := range []uint64{0, 1, 0xf, 0x10, 0xdeadbeef, 1 << 63, ^uint64(0), 0x0123456789abcdef} {
		if got, want := FormatHash(v), fmt.Sprintf("%016x", v); got != want {
			t.Errorf("FormatHash(%#x) = %s, want %s", v, got, want)
		}
		if got, want := string(appendHex16([]byte("x"), v)), "x"+fmt.Sprintf("%016x", v); got != want {
			t.Errorf("appendHex16(%#x) = %s, want %s", v, got, want)
		}
	}
}
