//go:build wasip1

// Command service is a replicated key-value store written as an ordinary
// Go program: goroutines, a mutex, a ticker, net/http between three nodes
// and a write-ahead log on disk with fsync. faultline runs it as guest
// nodes (see package guestkv); it knows nothing of faultline but
// guest/net, its listener and dialer, and guest/role, where the primary
// says it is one (so that faults can aim at it).
//
// The first peer is the primary. A write or compare-and-set is appended
// to the primary's log (fsynced), sent to the backups, and applied and
// acknowledged once one backup has fsynced it too (a majority of three).
// Backups redirect clients to the primary. Every 50ms the primary pushes
// missing entries and its commit index to each backup. A restarted node
// replays its log.
//
// Bugs, for faultline to find (-bug):
//   - ack-before-fsync: the primary acknowledges a write as soon as it is
//     in its page cache, before fsync and before any backup has it.
//   - follower-read: backups answer reads from their own state, which
//     lags the primary's.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	gnet "github.com/faultline-dst/faultline/guest/net"
	"github.com/faultline-dst/faultline/guest/role"
)

type entry struct {
	Index int             `json:"index"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

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

// pushMsg is what the primary sends a backup: entries from From on, and
// how far the log is committed.
type pushMsg struct {
	From    int     `json:"from"`
	Entries []entry `json:"entries"`
	Commit  int     `json:"commit"`
}

type server struct {
	name, primary string
	peers         []string
	bug           string
	client        *http.Client

	writeMu sync.Mutex // one write at a time on the primary

	mu      sync.Mutex
	log     []entry
	commit  int // entries applied
	state   map[string]json.RawMessage
	match   map[string]int // primary: how much of the log each backup has
	heard   time.Time      // backup: when the primary last pushed
	wal     *os.File
	walPath string
}

func main() {
	peers := flag.String("peers", "n1,n2,n3", "the nodes, primary first")
	bug := flag.String("bug", "", "a bug to enable: ack-before-fsync, follower-read")
	flag.Parse()
	s := &server{
		name:    os.Args[0],
		peers:   strings.Split(*peers, ","),
		bug:     *bug,
		state:   map[string]json.RawMessage{},
		match:   map[string]int{},
		walPath: "/data/wal.jsonl",
	}
	s.primary = s.peers[0]
	s.client = &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return gnet.DialContext(ctx, network, addr)
		}},
		Timeout: 300 * time.Millisecond,
	}
	if err := s.recover(); err != nil {
		fmt.Fprintln(os.Stderr, "recover:", err)
		os.Exit(1)
	}
	l, err := gnet.Listen(":8080")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /op", s.handleOp)
	mux.HandleFunc("POST /push", s.handlePush)
	if s.name == s.primary {
		role.Set("primary") // faults may aim at the primary
		go s.ticker()
	} else {
		go s.watch()
	}
	fmt.Println(s.name, "serving; log", len(s.log), "entries")
	srv := &http.Server{Handler: mux, ReadTimeout: time.Second, IdleTimeout: 2 * time.Second}
	if err := srv.Serve(l); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

// recover replays the write-ahead log; everything in it is applied.
func (s *server) recover() error {
	if err := os.MkdirAll("/data", 0o755); err != nil {
		return err
	}
	b, err := os.ReadFile(s.walPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var e entry
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Index != len(s.log)+1 {
			break // a torn tail
		}
		s.log = append(s.log, e)
		s.state[e.Key] = e.Value
	}
	s.commit = len(s.log)
	created := errors.Is(err, os.ErrNotExist)
	if s.wal, err = os.OpenFile(s.walPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return err
	}
	if created {
		d, err := os.Open("/data")
		if err != nil {
			return err
		}
		defer d.Close()
		return d.Sync()
	}
	return nil
}

// appendLocked writes entries to the log file, fsyncing unless told not to.
func (s *server) appendLocked(es []entry, sync bool) error {
	var buf bytes.Buffer
	for _, e := range es {
		b, _ := json.Marshal(e)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if _, err := s.wal.Write(buf.Bytes()); err != nil {
		return err
	}
	s.log = append(s.log, es...)
	if sync {
		return s.wal.Sync()
	}
	return nil
}

func (s *server) applyLocked(upto int) {
	for ; s.commit < upto && s.commit < len(s.log); s.commit++ {
		e := s.log[s.commit]
		s.state[e.Key] = e.Value
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Write(b)
}

func canonical(m json.RawMessage) string {
	if m == nil {
		return "null"
	}
	var b bytes.Buffer
	if json.Compact(&b, m) != nil {
		return string(m)
	}
	return b.String()
}

func (s *server) handleOp(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, reply{Status: "fail", Error: "bad request"})
		return
	}
	if s.name != s.primary {
		if req.Op == "read" && s.bug == "follower-read" {
			s.mu.Lock()
			v := s.state[req.Key]
			s.mu.Unlock()
			writeJSON(w, reply{ID: req.ID, Status: "ok", Output: map[string]json.RawMessage{"value": rawOrNull(v)}})
			return
		}
		writeJSON(w, reply{ID: req.ID, Status: "redirect", Leader: s.primary})
		return
	}
	switch req.Op {
	case "read":
		s.mu.Lock()
		v := s.state[req.Key]
		s.mu.Unlock()
		writeJSON(w, reply{ID: req.ID, Status: "ok", Output: map[string]json.RawMessage{"value": rawOrNull(v)}})
	case "write", "cas":
		writeJSON(w, s.write(req))
	default:
		writeJSON(w, reply{ID: req.ID, Status: "fail", Error: "unsupported op " + req.Op})
	}
}

func rawOrNull(v json.RawMessage) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	return v
}

// write runs a write or compare-and-set on the primary.
func (s *server) write(req request) reply {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	// Every earlier entry is committed first: a cas compares against the
	// committed state, so nothing may be pending before it.
	s.mu.Lock()
	pending, n := s.commit < len(s.log), len(s.log)
	s.mu.Unlock()
	if pending && !s.replicate(n) {
		return reply{ID: req.ID, Status: "fail", Error: "an earlier write is not replicated yet"}
	}
	var value json.RawMessage
	var out any
	s.mu.Lock()
	if req.Op == "cas" {
		var in struct{ From, To json.RawMessage }
		_ = json.Unmarshal(req.Input, &in)
		if canonical(s.state[req.Key]) != canonical(in.From) {
			s.mu.Unlock()
			return reply{ID: req.ID, Status: "ok", Output: map[string]bool{"ok": false}}
		}
		value, out = in.To, map[string]bool{"ok": true}
	} else {
		var in struct{ Value json.RawMessage }
		_ = json.Unmarshal(req.Input, &in)
		value = in.Value
	}
	e := entry{Index: len(s.log) + 1, Key: req.Key, Value: value}
	if s.bug == "ack-before-fsync" {
		err := s.appendLocked([]entry{e}, false)
		if err == nil {
			s.applyLocked(e.Index)
		}
		s.mu.Unlock()
		if err != nil {
			return reply{ID: req.ID, Status: "fail", Error: err.Error()}
		}
		go s.replicate(e.Index)
		return reply{ID: req.ID, Status: "ok", Output: out}
	}
	err := s.appendLocked([]entry{e}, true)
	s.mu.Unlock()
	if err != nil {
		// Written but maybe not durable: whether it takes effect is unknown.
		return reply{ID: req.ID, Status: "unknown", Error: err.Error()}
	}
	if !s.replicate(e.Index) {
		return reply{ID: req.ID, Status: "unknown", Error: "no backup acknowledged"}
	}
	return reply{ID: req.ID, Status: "ok", Output: out}
}

// replicate pushes the log to every backup at once and commits index
// when one of them has it.
func (s *server) replicate(index int) bool {
	acks := make(chan bool, len(s.peers))
	for _, p := range s.peers[1:] {
		go func() { acks <- s.push(p) >= index }()
	}
	for range s.peers[1:] {
		if <-acks {
			s.mu.Lock()
			s.applyLocked(index)
			s.mu.Unlock()
			return true
		}
	}
	return false
}

// push sends a backup what it lacks and returns how much of the log it
// has now (0 when it could not be reached).
func (s *server) push(peer string) int {
	s.mu.Lock()
	from := s.match[peer]
	if from > len(s.log) {
		from = 0
	}
	msg := pushMsg{From: from, Entries: append([]entry(nil), s.log[from:]...), Commit: s.commit}
	s.mu.Unlock()
	b, _ := json.Marshal(msg)
	resp, err := s.client.Post("http://"+peer+":8080/push", "application/json", bytes.NewReader(b))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var have struct{ Len int }
	if json.NewDecoder(resp.Body).Decode(&have) != nil {
		return 0
	}
	s.mu.Lock()
	s.match[peer] = have.Len
	s.mu.Unlock()
	return have.Len
}

// handlePush is a backup taking entries from the primary.
func (s *server) handlePush(w http.ResponseWriter, r *http.Request) {
	var msg pushMsg
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heard = time.Now()
	var fresh []entry
	for _, e := range msg.Entries {
		if e.Index == len(s.log)+len(fresh)+1 {
			fresh = append(fresh, e)
		}
	}
	if len(fresh) > 0 {
		if err := s.appendLocked(fresh, true); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	s.applyLocked(msg.Commit)
	writeJSON(w, map[string]int{"len": len(s.log)})
}

// ticker pushes the log and commit index to the backups every 50ms.
func (s *server) ticker() {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		for _, p := range s.peers[1:] {
			go s.push(p)
		}
	}
}

// watch, on a backup, reports when the primary has been silent for
// 500ms, once per silence.
func (s *server) watch() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	warned := false
	for now := range t.C {
		s.mu.Lock()
		silent := !s.heard.IsZero() && now.Sub(s.heard) > 500*time.Millisecond
		s.mu.Unlock()
		if silent && !warned {
			fmt.Println(s.name, "primary silent since", s.heard.Format(time.StampMilli))
		}
		warned = silent
	}
}
