package sim

import (
	cryptorand "crypto/rand"
	"io"
	"runtime"
	"sync"
)

// cryptoMu serialises worlds that replace crypto/rand.Reader: it is
// process-wide state, so two worlds running at once in one process would
// draw from each other's streams.
var cryptoMu sync.Mutex

// worldReader serves crypto/rand reads from the stream of the node whose
// event is running, or the world's own stream between node events. A read
// from any other goroutine (another test in the process, a goroutine the
// SUT started) is served from the host's reader instead, so that it cannot
// shift the world's streams, and counted: Result.ForeignCryptoReads.
type worldReader struct {
	w    *World
	gid  uint64
	host io.Reader
}

func (r worldReader) Read(p []byte) (int, error) {
	if goid() != r.gid {
		r.w.foreign.Add(1)
		return r.host.Read(p)
	}
	if n := r.w.cur; n != nil {
		return n.crypto.Read(p)
	}
	return r.w.crypto.Read(p)
}

func (w *World) swapCryptoRand() (restore func()) {
	cryptoMu.Lock()
	old := cryptorand.Reader
	cryptorand.Reader = io.Reader(worldReader{w: w, gid: goid(), host: old})
	return func() {
		cryptorand.Reader = old
		cryptoMu.Unlock()
	}
}

// goid returns the calling goroutine's id, from the header of its stack
// trace ("goroutine 17 [running]:"): Go offers no other way, and a read of
// crypto/rand is rare enough for its cost (about a microsecond).
func goid() uint64 {
	var b [64]byte
	s := b[:runtime.Stack(b[:], false)]
	const prefix = "goroutine "
	if len(s) < len(prefix) {
		return 0
	}
	var id uint64
	for _, c := range s[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
