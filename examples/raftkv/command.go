package raftkv

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/faultline-dst/faultline/history"
)

// A command travels in the raft log in a compact binary form rather than
// as JSON: every replica decodes every committed entry, and decoding JSON
// by reflection made the reference system the largest cost of the
// reference benchmark. The form: a version byte (commandVersion), then
// node, incarnation and seq as uvarints, then client, model, op and key as
// length-prefixed strings, then the input as a length-prefixed byte string
// whose length is stored plus one (0: nil), then a flags byte (bit 0:
// internal, bit 1: an expected generation follows, as a uvarint). The
// input stays JSON: it is the model's, as the client sent it.
const commandVersion = 1

const (
	flagInternal = 1 << iota
	flagExpect
)

// encodeCommand appends c's log form to b.
func encodeCommand(b []byte, c *command) []byte {
	b = append(b, commandVersion)
	b = binary.AppendUvarint(b, c.Node)
	b = binary.AppendUvarint(b, uint64(c.Inc))
	b = binary.AppendUvarint(b, c.Seq)
	for _, s := range [...]string{c.Client, string(c.Model), c.Op, c.Key} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if c.Input == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(c.Input))+1)
		b = append(b, c.Input...)
	}
	var flags byte
	if c.Internal {
		flags |= flagInternal
	}
	if c.Expect != nil {
		flags |= flagExpect
	}
	b = append(b, flags)
	if c.Expect != nil {
		b = binary.AppendUvarint(b, *c.Expect)
	}
	return b
}

var errTruncated = errors.New("truncated")

// decodeCommand parses encodeCommand's form.
func decodeCommand(b []byte) (command, error) {
	var c command
	if len(b) == 0 || b[0] != commandVersion {
		return c, fmt.Errorf("not a version %d command", commandVersion)
	}
	b = b[1:]
	uv := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			b = nil
			return 0
		}
		b = b[n:]
		return v
	}
	str := func(n uint64) []byte {
		if uint64(len(b)) < n {
			b = nil
			return nil
		}
		s := b[:n:n]
		b = b[n:]
		return s
	}
	c.Node, c.Inc, c.Seq = uv(), int(uv()), uv()
	c.Client = string(str(uv()))
	c.Model = history.Model(str(uv()))
	c.Op = string(str(uv()))
	c.Key = string(str(uv()))
	if n := uv(); n > 0 {
		in := str(n - 1)
		c.Input = make([]byte, len(in))
		copy(c.Input, in)
	}
	if len(b) < 1 {
		return c, errTruncated
	}
	flags := b[0]
	b = b[1:]
	c.Internal = flags&flagInternal != 0
	if flags&flagExpect != 0 {
		e := uv()
		if b == nil {
			return c, errTruncated
		}
		c.Expect = &e
	}
	if len(b) != 0 {
		return c, fmt.Errorf("%d bytes after the command", len(b))
	}
	return c, nil
}
