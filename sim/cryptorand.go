package sim

import (
	cryptorand "crypto/rand"
	"io"
	"sync"
)

// cryptoMu serialises worlds that replace crypto/rand.Reader: it is
// process-wide state, so two worlds running at once in one process would
// draw from each other's streams.
var cryptoMu sync.Mutex

// worldReader serves crypto/rand reads from the stream of the node whose
// event is running, or the world's own stream between node events.
type worldReader struct{ w *World }

func (r worldReader) Read(p []byte) (int, error) {
	if n := r.w.cur; n != nil {
		return n.crypto.Read(p)
	}
	return r.w.crypto.Read(p)
}

func (w *World) swapCryptoRand() (restore func()) {
	cryptoMu.Lock()
	old := cryptorand.Reader
	cryptorand.Reader = io.Reader(worldReader{w})
	return func() {
		cryptorand.Reader = old
		cryptoMu.Unlock()
	}
}
