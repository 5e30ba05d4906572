package pbkv

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/faultline-dst/faultline/disk"
)

// On-disk layout: one file, replaced atomically (temporary file, sync,
// rename, directory sync) on every change.
const (
	stateDir  = "pb"
	stateFile = "pb/state"
	stateTmp  = "pb/state.tmp"
)

// durable is what a replica keeps on its disk: the newest view it knows,
// the view and sequence number of the state it holds, and the state.
type durable struct {
	View      View                       `json:"view"`
	StateView uint64                     `json:"state_view"`
	Seq       uint64                     `json:"seq"`
	KV        map[string]json.RawMessage `json:"kv"`
}

// save makes d the replica's durable state before it returns: nothing
// that depends on d (an acknowledgement, a reply) may leave before.
func save(fs *disk.FS, d *durable) error {
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	b := binary.LittleEndian.AppendUint32(nil, crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
	b = append(b, body...)
	f, err := fs.Create(stateTmp)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := fs.Rename(stateTmp, stateFile); err != nil {
		return err
	}
	return fs.SyncDir(stateDir)
}

// load returns the durable state, or the empty state if there is none. A
// file that fails its checksum is an error: the replica must not start on
// state it did not write.
func load(fs *disk.FS) (*durable, error) {
	d := &durable{KV: map[string]json.RawMessage{}}
	f, err := fs.Open(stateFile)
	if errors.Is(err, disk.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return nil, err
	}
	b := make([]byte, size)
	if _, err := f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(b) < 4 || binary.LittleEndian.Uint32(b) != crc32.Checksum(b[4:], crc32.MakeTable(crc32.Castagnoli)) {
		return nil, fmt.Errorf("%s: checksum mismatch in %d bytes", stateFile, len(b))
	}
	if err := json.Unmarshal(b[4:], d); err != nil {
		return nil, fmt.Errorf("%s: %w", stateFile, err)
	}
	if d.KV == nil {
		d.KV = map[string]json.RawMessage{}
	}
	return d, nil
}
