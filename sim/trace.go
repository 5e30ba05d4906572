package sim

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"

	"github.com/faultline-dst/faultline/clock"
)

// Kind names one kind of trace record.
type Kind uint8

// Trace record kinds. Their names are part of the trace format.
const (
	KindStart    Kind = iota + 1 // a node booted or restarted
	KindSend                     // a node sent a message
	KindDeliver                  // a message arrived
	KindDrop                     // a message was lost (cause in the detail)
	KindTimer                    // a node's timer fired
	KindLog                      // a node logged a line
	KindCrash                    // a node crashed
	KindPause                    // a node was paused
	KindResume                   // a node was resumed
	KindBroken                   // a node learnt a stream to a peer broke
	KindFault                    // the harness installed or removed a fault
	KindClock                    // a node's clock was changed
	KindAction                   // a harness action ran
	KindPanic                    // a node panicked
	KindStop                     // the run stopped
	KindBuggify                  // a buggify site fired
	KindSetTimer                 // a node set a timer (digest: its duration in ns)
	KindRole                     // a node declared its role (Env.SetRole; detail: the role, "" for none)
	kindCount
)

var kindNames = [kindCount]string{"", "start", "send", "deliver", "drop", "timer", "log", "crash", "pause", "resume", "broken", "fault", "clock", "action", "panic", "stop", "buggify", "settimer", "role"}

// String returns the record kind's name as written in traces.
func (k Kind) String() string {
	if k == 0 || k >= kindCount {
		return "kind" + strconv.Itoa(int(k))
	}
	return kindNames[k]
}

// Record is one trace entry in canonical form. Node and Peer are node
// indices (-1 for none); Digest summarises a payload; Detail is short text.
type Record struct {
	Seq    uint64
	At     clock.Time
	Kind   Kind
	Node   int32
	Peer   int32
	Len    int
	Digest uint64
	Detail string
	// detail, when set, is Detail's text in the world's scratch buffer
	// (Env.Logf): hashed as Detail would be, made a string only to be
	// written out.
	detail []byte
}

// The trace hash is an xxhash64-style accumulator over the binary form of
// every record. It is pinned: the same records give the same hash on every
// machine and in every process (unlike hash/maphash).
const (
	prime1 = 11400714785074694791
	prime2 = 14029467366897019727
	prime3 = 1609587929392839161
	prime5 = 2870177450012600261
)

func round(acc, v uint64) uint64 {
	acc += v * prime2
	acc = bits.RotateLeft64(acc, 31)
	return acc * prime1
}

// Digest is the pinned 64-bit digest of a payload used in trace records.
func Digest(b []byte) uint64 {
	h := uint64(prime5) + uint64(len(b))
	for len(b) >= 8 {
		h = round(h, binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	var tail uint64
	for i := len(b) - 1; i >= 0; i-- {
		tail = tail<<8 | uint64(b[i])
	}
	h = round(h, tail)
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}

// digestText is the pinned digest of a record's text, from a string or
// from its bytes (the same value for the same text).
func digestText[T ~string | ~[]byte](s T) uint64 {
	h := uint64(prime5) + uint64(len(s))
	var w uint64
	n := 0
	for i := 0; i < len(s); i++ {
		w |= uint64(s[i]) << (8 * n)
		n++
		if n == 8 {
			h = round(h, w)
			w, n = 0, 0
		}
	}
	return round(h, w)
}

// tracer hashes every record and, when asked, writes it as a line and
// keeps its fingerprint.
type tracer struct {
	h       uint64
	n       uint64
	names   []string
	harness []bool // by node index: a harness node (NodeSpec.Harness)
	w       *bufio.Writer
	buf     []byte
	err     error
	prints  []Fingerprint // when keep
	keep    bool
}

// harnessHeader starts the trace comment line that names the harness
// nodes, so that DiffTraces can tell their records from the SUT's.
const harnessHeader = "# harness nodes:"

func (t *tracer) init(names []string, harness []bool, w io.Writer, keep bool) {
	t.h = prime5
	t.names = names
	t.harness = harness
	t.keep = keep
	if w != nil {
		t.w = bufio.NewWriterSize(w, 64<<10)
		t.buf = make([]byte, 0, 256)
		_, t.err = t.w.WriteString("# faultline trace v1: seq\tt_ns\tkind\tnode\tpeer\tlen\tdigest\tdetail\n")
		var hn []string
		for i, h := range harness {
			if h {
				hn = append(hn, names[i])
			}
		}
		if len(hn) > 0 && t.err == nil {
			_, t.err = t.w.WriteString(harnessHeader + " " + strings.Join(hn, " ") + "\n")
		}
	}
}

// Fingerprint is what a run keeps of one trace record when
// Config.Fingerprint is set: enough to find the first record where two
// runs part (FirstDifference) and to say whose code made it, in 24 bytes.
// Its sequence number is its index in Result.Fingerprints plus one.
type Fingerprint struct {
	Chain uint64 // the trace hash accumulator after this record
	Node  int32  // node index, -1 for none
	Peer  int32  // node index, -1 for none
	Kind  Kind
	// SUT says the record is what a node of the system under test did
	// through its Env: a send, a log line, a timer set, a buggify firing,
	// a panic. Everything else the World decided, or a harness node (a
	// workload client) did.
	SUT bool
}

// Describe renders fingerprint i of r for people: sequence number, kind
// and nodes (the instant, payload and detail are not kept).
func (r Result) Describe(i int) string {
	if i < 0 || i >= len(r.Fingerprints) {
		return "(the run ended)"
	}
	f := r.Fingerprints[i]
	name := func(n int32) string {
		if n < 0 || int(n) >= len(r.Nodes) {
			return "-"
		}
		return r.Nodes[n]
	}
	return fmt.Sprintf("record %d: %s\t%s\t%s", i+1, f.Kind, name(f.Node), name(f.Peer))
}

// sutKind reports whether records of kind k are made by a node's own
// code through its Env (as opposed to decided by the World).
func sutKind(k Kind) bool {
	switch k {
	case KindSend, KindLog, KindBuggify, KindPanic, KindSetTimer, KindRole:
		return true
	}
	return false
}

// FirstDifference returns the index of the first record where two runs'
// fingerprints differ (one run ending first counts), or -1 when they are
// equal.
func FirstDifference(a, b []Fingerprint) int {
	for i := range min(len(a), len(b)) {
		if a[i].Chain != b[i].Chain {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func (t *tracer) add(r *Record) {
	t.n++
	r.Seq = t.n
	h := t.h
	h = round(h, r.Seq)
	h = round(h, uint64(r.At))
	h = round(h, uint64(r.Kind)|uint64(uint32(r.Node))<<8|uint64(uint32(r.Peer))<<40)
	h = round(h, uint64(r.Len))
	h = round(h, r.Digest)
	if len(r.detail) > 0 {
		h = round(h, digestText(r.detail))
	} else if r.Detail != "" {
		h = round(h, digestText(r.Detail))
	}
	t.h = h
	if t.keep {
		f := Fingerprint{Chain: h, Node: r.Node, Peer: r.Peer, Kind: r.Kind}
		if r.Node >= 0 && int(r.Node) < len(t.harness) {
			f.SUT = sutKind(r.Kind) && !t.harness[r.Node]
		}
		t.prints = append(t.prints, f)
	}
	if t.w != nil && t.err == nil {
		if r.detail != nil {
			r.Detail, r.detail = string(r.detail), nil
		}
		t.buf = AppendRecord(t.buf[:0], r, t.names)
		_, t.err = t.w.Write(t.buf)
	}
}

func (t *tracer) sum() uint64 {
	h := t.h
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}

func (t *tracer) flush() error {
	if t.w == nil {
		return nil
	}
	if err := t.w.Flush(); err != nil && t.err == nil {
		t.err = err
	}
	return t.err
}

// AppendRecord appends r as one tab-separated trace line (ending in '\n')
// to b, naming nodes from names.
func AppendRecord(b []byte, r *Record, names []string) []byte {
	name := func(i int32) string {
		if i < 0 || int(i) >= len(names) {
			return "-"
		}
		return names[i]
	}
	b = strconv.AppendUint(b, r.Seq, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(r.At), 10)
	b = append(b, '\t')
	b = append(b, r.Kind.String()...)
	b = append(b, '\t')
	b = append(b, name(r.Node)...)
	b = append(b, '\t')
	b = append(b, name(r.Peer)...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(r.Len), 10)
	b = append(b, '\t')
	if r.Digest != 0 {
		b = appendHex16(b, r.Digest)
	} else {
		b = append(b, '-')
	}
	b = append(b, '\t')
	b = strconv.AppendQuote(b, r.Detail)
	return append(b, '\n')
}

// FormatHash renders a trace hash as 16 hex digits, the form used in
// results and on the command line.
func FormatHash(h uint64) string {
	var b [16]byte
	return string(appendHex16(b[:0], h))
}

// appendHex16 appends v as 16 lower-case hex digits, zero-padded: what
// fmt's "%016x" writes, without fmt's cost (digest formatting was a tenth
// of a run that writes its trace).
func appendHex16(b []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, digits[v>>uint(shift)&0xf])
	}
	return b
}
