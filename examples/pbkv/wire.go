package pbkv

import (
	"encoding/json"
	"fmt"
	"slices"
)

// View is a numbered configuration: who is primary and who are its
// backups. The view manager alone creates views; view numbers increase.
type View struct {
	Num     uint64   `json:"num"`
	Primary string   `json:"primary,omitempty"`
	Backups []string `json:"backups,omitempty"`
}

func (v View) has(name string) bool { return v.Primary == name || slices.Contains(v.Backups, name) }

func (v View) String() string {
	return fmt.Sprintf("view %d (primary %s, backups %v)", v.Num, v.Primary, v.Backups)
}

// Message types between the nodes of the cluster.
const (
	msgPing  = "ping"  // replica -> vm: Seq, ViewNum (the view it knows), Synced
	msgView  = "view"  // vm -> replica: Seq (of the ping), View, Lease
	msgState = "state" // primary -> backup: View, Seq, KV (the whole state)
	msgAck   = "ack"   // backup -> primary: ViewNum, Seq (the state it holds)
	msgNack  = "nack"  // backup -> stale primary: View (the newer view it knows)
)

// message is every message between the cluster's nodes, as JSON.
type message struct {
	T       string                     `json:"t"`
	Seq     uint64                     `json:"seq,omitempty"`
	ViewNum uint64                     `json:"vn,omitempty"`
	Synced  uint64                     `json:"synced,omitempty"`
	View    *View                      `json:"view,omitempty"`
	Lease   bool                       `json:"lease,omitempty"`
	KV      map[string]json.RawMessage `json:"kv,omitempty"`
}

func encode(m message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("pbkv: encoding %s: %v", m.T, err)) // built by this package
	}
	return b
}

func decode(b []byte) (message, error) {
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("pbkv: undecodable message: %w", err)
	}
	return m, nil
}
