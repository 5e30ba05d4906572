// Command guestsvc is the small service of cmd/faultline's end-to-end
// test of a plain main package: `faultline sweep ./testdata/guestsvc`
// builds it for wasip1 and runs it as guests, declared by faultline.md
// beside it. The first node of FAULTLINE_NODES keeps a key-value map in a
// write-ahead log it fsyncs before answering; the other nodes redirect
// clients to it. With -nosync it answers before the write is durable, so
// a crash of the primary loses acknowledged writes.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	gnet "github.com/faultline-dst/faultline/guest/net"
	"github.com/faultline-dst/faultline/guest/role"
)

type request struct {
	ID    uint64          `json:"id"`
	Op    string          `json:"op"`
	Key   string          `json:"key"`
	Input json.RawMessage `json:"input"`
}

type reply struct {
	ID     uint64 `json:"id"`
	Status string `json:"status"`
	Output any    `json:"output,omitempty"`
	Error  string `json:"error,omitempty"`
	Leader string `json:"leader,omitempty"`
}

type record struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

var (
	mu     sync.Mutex
	state  = map[string]json.RawMessage{}
	wal    *os.File
	nosync = flag.Bool("nosync", false, "bug: acknowledge a write before it is synced")
)

func main() {
	flag.Parse()
	nodes := strings.Split(os.Getenv("FAULTLINE_NODES"), ",")
	primary := nodes[0]
	if os.Args[0] == primary {
		if err := open("/data/kv.log"); err != nil {
			fmt.Fprintln(os.Stderr, "open:", err)
			os.Exit(1)
		}
		role.Set("primary")
	}
	l, err := gnet.Listen(":8080")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	http.HandleFunc("POST /op", func(w http.ResponseWriter, r *http.Request) {
		var req request
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		rep := reply{ID: req.ID, Status: "redirect", Leader: primary}
		if os.Args[0] == primary {
			rep = apply(req)
		}
		b, _ := json.Marshal(rep)
		w.Write(b)
	})
	fmt.Println(os.Args[0], "serving", len(state), "keys")
	fmt.Fprintln(os.Stderr, http.Serve(l, nil))
	os.Exit(1)
}

// open replays the log and opens it for appending.
func open(path string) error {
	if err := os.MkdirAll("/data", 0o755); err != nil {
		return err
	}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var rec record
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			break // a torn tail
		}
		state[rec.Key] = rec.Value
	}
	if wal, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return err
	}
	d, err := os.Open("/data")
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync() // the log's name is durable
}

func apply(req request) reply {
	mu.Lock()
	defer mu.Unlock()
	cur, ok := state[req.Key]
	if !ok {
		cur = json.RawMessage("null")
	}
	switch req.Op {
	case "read":
		return reply{ID: req.ID, Status: "ok", Output: map[string]json.RawMessage{"value": cur}}
	case "write", "cas":
		var in struct{ Value, From, To json.RawMessage }
		_ = json.Unmarshal(req.Input, &in)
		value, out := in.Value, any(nil)
		if req.Op == "cas" {
			if compact(cur) != compact(in.From) {
				return reply{ID: req.ID, Status: "ok", Output: map[string]bool{"ok": false}}
			}
			value, out = in.To, map[string]bool{"ok": true}
		}
		b, _ := json.Marshal(record{Key: req.Key, Value: value})
		if _, err := wal.Write(append(b, '\n')); err != nil {
			return reply{ID: req.ID, Status: "unknown", Error: err.Error()}
		}
		if !*nosync {
			if err := wal.Sync(); err != nil {
				return reply{ID: req.ID, Status: "unknown", Error: err.Error()}
			}
		}
		state[req.Key] = value
		return reply{ID: req.ID, Status: "ok", Output: out}
	}
	return reply{ID: req.ID, Status: "fail", Error: "unsupported op " + req.Op}
}

func compact(m json.RawMessage) string {
	var b bytes.Buffer
	if m == nil || json.Compact(&b, m) != nil {
		return string(m)
	}
	return b.String()
}
