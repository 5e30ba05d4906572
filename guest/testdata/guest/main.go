// Command guest is the test program of package guest, run as a wasip1
// module inside a simulated world. Its first argument picks a behaviour.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	gnet "github.com/faultline-dst/faultline/guest/net"
	"github.com/faultline-dst/faultline/guest/role"
)

func main() {
	mode := "race"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "race":
		race()
	case "sleep":
		for i := 0; i < 3; i++ {
			time.Sleep(10 * time.Millisecond)
			fmt.Println("tick", i, time.Now().UTC().Format(time.RFC3339Nano))
		}
	case "forever":
		for i := 0; ; i++ {
			time.Sleep(100 * time.Millisecond)
			fmt.Println("alive", i)
		}
	case "panic":
		time.Sleep(5 * time.Millisecond)
		var m map[string]int
		m["boom"]++
	case "role":
		role.Set("primary")
		time.Sleep(10 * time.Millisecond)
		role.Set("")
		fmt.Println("stepped down")
	case "exit3":
		fmt.Fprintln(os.Stderr, "giving up")
		os.Exit(3)
	case "clockspin":
		start := time.Now()
		for time.Since(start) < time.Millisecond {
		}
		fmt.Println("time passed")
	case "spin":
		x := 0
		for {
			x++
		}
	case "httpserver":
		httpServer()
	case "httpclient":
		httpClient(os.Args[2], 4, 3)
	case "httppoll":
		httpPoll(os.Args[2])
	case "wal":
		wal(os.Args[2] == "sync", os.Args[3] == "dirsync")
	case "snapshot":
		snapshot()
	case "dirs":
		dirs(os.Args[2] == "dirsync")
	case "kvserver":
		kvServer(os.Args[2])
	case "echo":
		echo()
	case "udp":
		_, err := gnet.ListenPacket("udp", ":9000")
		fmt.Println("listenpacket:", err)
		_, err = gnet.DialContext(context.Background(), "udp", "peer:9000")
		fmt.Println("dial udp:", err)
		// Go's own UDP on wasip1: an in-process fake network, no error.
		pc, err := net.ListenPacket("udp", ":9001")
		fmt.Println("std listenpacket:", err)
		if err == nil {
			pc.Close()
		}
	case "flood":
		flood(os.Args[2])
	case "slowsink":
		slowSink()
	case "ping":
		ping(os.Args[2], os.Args[3])
	case "rpcserver":
		rpcServer()
	case "rpcclient":
		rpcClient(os.Args[2])
	case "rpcpoll":
		rpcPoll(os.Args[2])
	case "diskfaults":
		diskFaults()
	case "dialctx":
		dialCtx(os.Args[2])
	case "dialrefused":
		_, err := gnet.Dial(os.Args[2])
		fmt.Println("dial:", err)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
}

// race runs 8 goroutines that race on a mutex, select over two channels,
// sleep and iterate a map; the printed order is the interleaving.
func race() {
	var mu sync.Mutex
	var order []string
	a, b := make(chan int, 4), make(chan int, 4)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := map[string]int{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
			for i := 0; i < 3; i++ {
				var keys []string
				for k := range m {
					keys = append(keys, k)
				}
				select {
				case a <- g:
				case b <- g:
				default:
				}
				select {
				case v := <-a:
					_ = v
				case v := <-b:
					_ = v
				default:
				}
				mu.Lock()
				order = append(order, fmt.Sprintf("g%d.%d:%s", g, i, strings.Join(keys, "")))
				mu.Unlock()
				time.Sleep(time.Duration(1+g%3) * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	fmt.Println(strings.Join(order, " "))
	var keys []string
	for k := range map[string]bool{"x": true, "y": true, "z": true} {
		keys = append(keys, k)
	}
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	fmt.Println("keys", strings.Join(keys, ""), strings.Join(sorted, ""))
}

// httpServer serves a counter over HTTP on :8080.
func httpServer() {
	l, err := gnet.Listen(":8080")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	count := 0
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		time.Sleep(time.Millisecond)
		fmt.Fprintf(w, "%d %s", n, body)
	})
	fmt.Println("serving on", l.Addr())
	if err := http.Serve(l, mux); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return gnet.DialContext(ctx, network, addr)
		}},
		Timeout: time.Second,
	}
}

// httpClient runs g goroutines that each POST k times to server.
func httpClient(server string, g, k int) {
	c := client()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []string
	for i := 0; i < g; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < k; j++ {
				resp, err := c.Post("http://"+server+"/add", "text/plain", strings.NewReader(fmt.Sprintf("c%d.%d", i, j)))
				if err != nil {
					fmt.Fprintln(os.Stderr, "post:", err)
					os.Exit(1)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				got = append(got, string(b))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Println(len(got), "responses:", strings.Join(got, ", "))
}

// httpPoll POSTs to server every 100ms forever, printing each outcome.
func httpPoll(server string) {
	c := client()
	for i := 0; ; i++ {
		resp, err := c.Post("http://"+server+"/add", "text/plain", strings.NewReader(fmt.Sprint(i)))
		if err != nil {
			fmt.Println(i, "error")
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Println(i, "ok", string(b))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wal recovers /data/wal.log (one line per record), then appends a record
// every 10ms, syncing the file (and, for a new file, its directory) if told.
func wal(sync, dirsync bool) {
	if err := os.MkdirAll("/data", 0o755); err != nil {
		fmt.Println("mkdir:", err)
	}
	b, err := os.ReadFile("/data/wal.log")
	fmt.Println("recovered", strings.Count(string(b), "\n"), "records; err:", err)
	_, statErr := os.Stat("/data/wal.log")
	f, err := os.OpenFile("/data/wal.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	if os.IsNotExist(statErr) && dirsync {
		d, err := os.Open("/data")
		if err == nil {
			err = d.Sync()
			d.Close()
		}
		fmt.Println("dir sync:", err)
	}
	for i := 0; ; i++ {
		if _, err := fmt.Fprintf(f, "rec %d\n", i); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			os.Exit(1)
		}
		if sync {
			if err := f.Sync(); err != nil {
				fmt.Fprintln(os.Stderr, "sync:", err)
				os.Exit(1)
			}
		}
		fmt.Println("wrote", i)
		time.Sleep(10 * time.Millisecond)
	}
}

// snapshot replaces /data/snap atomically (write, sync, rename, sync the
// directory) with a counter one higher than what it finds, and lists /data.
func snapshot() {
	_ = os.MkdirAll("/data", 0o755)
	b, err := os.ReadFile("/data/snap")
	n := 0
	if err == nil {
		fmt.Sscan(string(b), &n)
	}
	fmt.Println("found", n, "err:", err != nil)
	if err := os.WriteFile("/data/snap.tmp", []byte(fmt.Sprint(n+1)), 0o644); err != nil {
		fmt.Println("write:", err)
	}
	f, _ := os.OpenFile("/data/snap.tmp", os.O_RDWR, 0)
	f.Sync()
	st, _ := f.Stat()
	fmt.Println("size", st.Size(), "mode", st.Mode().IsRegular())
	f.Close()
	if err := os.Rename("/data/snap.tmp", "/data/snap"); err != nil {
		fmt.Println("rename:", err)
	}
	d, _ := os.Open("/data")
	fmt.Println("dirsync:", d.Sync())
	d.Close()
	ents, err := os.ReadDir("/data")
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	fmt.Println("ls /data:", strings.Join(names, " "), err)
	_, err = os.Stat("/data/missing")
	fmt.Println("missing:", os.IsNotExist(err))
	time.Sleep(time.Hour)
}

// kv is a register per key answering workloads requests.
type kv struct {
	mu   sync.Mutex
	regs map[string]json.RawMessage
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
}

func compact(m json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, m) != nil {
		return string(m)
	}
	return b.String()
}

func (s *kv) apply(line []byte) []byte {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return []byte(`{"id":0,"status":"fail","error":"bad request"}`)
	}
	s.mu.Lock()
	cur, ok := s.regs[req.Key]
	if !ok {
		cur = json.RawMessage("null")
	}
	rep := reply{ID: req.ID, Status: "ok"}
	switch req.Op {
	case "read":
		rep.Output = map[string]json.RawMessage{"value": cur}
	case "write":
		var in struct{ Value json.RawMessage }
		_ = json.Unmarshal(req.Input, &in)
		s.regs[req.Key] = in.Value
	case "cas":
		var in struct{ From, To json.RawMessage }
		_ = json.Unmarshal(req.Input, &in)
		if in.From == nil {
			in.From = json.RawMessage("null")
		}
		swapped := compact(cur) == compact(in.From)
		if swapped {
			s.regs[req.Key] = in.To
		}
		rep.Output = map[string]bool{"ok": swapped}
	default:
		rep.Status, rep.Error = "fail", "unsupported op "+req.Op
	}
	s.mu.Unlock()
	b, _ := json.Marshal(rep)
	return b
}

// kvServer serves the kv over newline-delimited JSON or HTTP on :7000.
func kvServer(wire string) {
	l, err := gnet.Listen(":7000")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	s := &kv{regs: map[string]json.RawMessage{}}
	if wire == "http" {
		http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			time.Sleep(time.Millisecond)
			w.Write(s.apply(body))
		}))
		return
	}
	for {
		c, err := l.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "accept:", err)
			os.Exit(1)
		}
		go func() {
			defer c.Close()
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				out := append(s.apply(sc.Bytes()), '\n')
				if _, err := c.Write(out); err != nil {
					return
				}
			}
		}()
	}
}

// echo echoes lines on :9000.
func echo() {
	l, err := gnet.Listen(":9000")
	if err != nil {
		os.Exit(1)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			os.Exit(1)
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadBytes('\n')
				if err != nil {
					return
				}
				c.Write(line)
			}
		}()
	}
}

// ping sends n lines to server and waits for each echo.
func ping(n, server string) {
	var k int
	fmt.Sscan(n, &k)
	c, err := gnet.Dial(server)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	r := bufio.NewReader(c)
	for i := 0; i < k; i++ {
		fmt.Fprintf(c, "ping %d\n", i)
		if _, err := r.ReadBytes('\n'); err != nil {
			fmt.Fprintln(os.Stderr, "read:", err)
			os.Exit(1)
		}
	}
	fmt.Println("pinged", k)
	os.Exit(0)
}

// Counter is the net/rpc service of rpcServer.
type Counter struct {
	mu sync.Mutex
	n  int
}

// AddArgs and AddReply are Counter.Add's argument and result.
type AddArgs struct {
	Tag   string
	Delta int
}

// AddReply is what Counter.Add answers.
type AddReply struct {
	N   int
	Tag string
}

// Add adds Delta to the counter; a negative Delta is an error.
func (c *Counter) Add(args *AddArgs, reply *AddReply) error {
	if args.Delta < 0 {
		return fmt.Errorf("negative delta %d", args.Delta)
	}
	time.Sleep(time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += args.Delta
	reply.N, reply.Tag = c.n, args.Tag
	return nil
}

// rpcServer serves Counter with net/rpc on :9000.
func rpcServer() {
	srv := rpc.NewServer()
	if err := srv.Register(&Counter{}); err != nil {
		fmt.Fprintln(os.Stderr, "register:", err)
		os.Exit(1)
	}
	l, err := gnet.Listen(":9000")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	fmt.Println("rpc serving on", l.Addr())
	srv.Accept(l)
}

// rpcClient makes 12 calls from 4 goroutines over one net/rpc client
// (one connection, calls multiplexed), one call with Go, and one that the
// server answers with an error.
func rpcClient(server string) {
	conn, err := gnet.Dial(server)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	c := rpc.NewClient(conn)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []string
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 3; j++ {
				var r AddReply
				if err := c.Call("Counter.Add", &AddArgs{Tag: fmt.Sprintf("c%d.%d", i, j), Delta: 1}, &r); err != nil {
					fmt.Fprintln(os.Stderr, "call:", err)
					os.Exit(1)
				}
				mu.Lock()
				got = append(got, fmt.Sprintf("%d %s", r.N, r.Tag))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var r AddReply
	call := <-c.Go("Counter.Add", &AddArgs{Tag: "async", Delta: 10}, &r, make(chan *rpc.Call, 1)).Done
	fmt.Println(len(got), "replies:", strings.Join(got, ", "))
	fmt.Println("async:", r.N, r.Tag, call.Error)
	err = c.Call("Counter.Add", &AddArgs{Tag: "bad", Delta: -1}, &r)
	fmt.Println("bad call:", err)
	c.Close()
}

// rpcPoll calls Counter.Add every 100ms forever, dialing again after an
// error, printing each outcome.
func rpcPoll(server string) {
	var c *rpc.Client
	for i := 0; ; i++ {
		if c == nil {
			if conn, err := gnet.Dial(server); err == nil {
				c = rpc.NewClient(conn)
			}
		}
		if c == nil {
			fmt.Println(i, "error dial")
		} else {
			var r AddReply
			call := c.Go("Counter.Add", &AddArgs{Tag: fmt.Sprint(i), Delta: 1}, &r, make(chan *rpc.Call, 1))
			select {
			case <-call.Done:
				if call.Error != nil {
					fmt.Println(i, "error", call.Error)
					c.Close()
					c = nil
				} else {
					fmt.Println(i, "ok", r.N)
				}
			case <-time.After(time.Second):
				fmt.Println(i, "error timeout")
				c.Close()
				c = nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// errName names an error as the disk tests compare it: ok, EIO, ENOSPC,
// or the error's text.
func errName(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, syscall.EIO):
		return "EIO"
	case errors.Is(err, syscall.ENOSPC):
		return "ENOSPC"
	}
	return err.Error()
}

// diskFaults appends a line to /data/f, syncs it and reads the file back
// every 100ms, printing each call's outcome and the file's size.
func diskFaults() {
	_ = os.MkdirAll("/data", 0o755)
	f, err := os.OpenFile("/data/f", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		_, werr := fmt.Fprintf(f, "line %d\n", i)
		serr := f.Sync()
		b, rerr := os.ReadFile("/data/f")
		fmt.Printf("%d write=%s sync=%s read=%s size=%d\n", i, errName(werr), errName(serr), errName(rerr), len(b))
		time.Sleep(100 * time.Millisecond)
	}
}

// dialCtx dials target, which never answers, with a context that times
// out after 100ms and with one cancelled after 50ms, printing what each
// dial returned and how long it took.
func dialCtx(target string) {
	time.Sleep(20 * time.Millisecond) // the server listens, behind the cut
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	start := time.Now()
	_, err := gnet.DialContext(ctx, "tcp", target)
	cancel()
	fmt.Println("timeout:", errors.Is(err, context.DeadlineExceeded), time.Since(start), err)
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start = time.Now()
	_, err = gnet.DialContext(ctx, "tcp", target)
	fmt.Println("cancel:", errors.Is(err, context.Canceled), time.Since(start), err)
	start = time.Now()
	_, err = gnet.DialContext(context.Background(), "tcp", target)
	fmt.Println("background:", err != nil, time.Since(start), err)
}

// tree lists dir recursively: directories with a trailing slash, files
// with their contents.
func tree(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return []string{"readdir " + dir + ": " + err.Error()}
	}
	var out []string
	for _, e := range ents {
		p := strings.TrimSuffix(dir, "/") + "/" + e.Name()
		if e.IsDir() {
			out = append(out, p+"/")
			out = append(out, tree(p)...)
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			out = append(out, p+" "+err.Error())
			continue
		}
		out = append(out, p+"="+string(b))
	}
	return out
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// dirs prints the tree it finds; on an empty disk it makes /tmp/f and
// /gone durably, then makes /empty, removes /gone and renames /tmp to
// /snap, syncing "/" after that only if told.
func dirs(dirsync bool) {
	found := tree("/")
	fmt.Println("found:", strings.Join(found, " "))
	if len(found) > 0 {
		return
	}
	check := func(what string, err error) {
		if err != nil {
			fmt.Println(what+":", err)
		}
	}
	check("mkdir tmp", os.Mkdir("/tmp", 0o755))
	check("write", os.WriteFile("/tmp/f", []byte("x"), 0o644))
	if f, err := os.OpenFile("/tmp/f", os.O_RDWR, 0); err == nil {
		check("sync f", f.Sync())
		f.Close()
	}
	check("sync tmp", syncDir("/tmp"))
	check("mkdir gone", os.Mkdir("/gone", 0o755))
	check("sync /", syncDir("/"))
	err := os.Mkdir("/gone", 0o755)
	fmt.Println("mkdir again exists:", os.IsExist(err))
	fmt.Println("rmdir non-empty fails:", syscall.Rmdir("/tmp") != nil)
	check("mkdir empty", os.Mkdir("/empty", 0o755))
	check("rmdir gone", os.Remove("/gone"))
	check("rename", os.Rename("/tmp", "/snap"))
	if dirsync {
		check("sync / again", syncDir("/"))
	}
	fmt.Println("now:", strings.Join(tree("/"), " "))
}

// flood dials server and writes 1 MiB in 16 KiB writes, printing the
// total after each.
func flood(server string) {
	c, err := gnet.Dial(server)
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	chunk := bytes.Repeat([]byte("x"), 16<<10)
	total := 0
	for total < 1<<20 {
		n, err := c.Write(chunk)
		total += n
		if err != nil {
			fmt.Println("write:", err)
			return
		}
		fmt.Println("wrote", total)
	}
	fmt.Println("flood done")
	c.Close()
}

// slowSink accepts one connection on :9000 and reads it 4 KiB every
// 10ms, printing the total after each read.
func slowSink() {
	l, err := gnet.Listen(":9000")
	if err != nil {
		os.Exit(1)
	}
	c, err := l.Accept()
	if err != nil {
		os.Exit(1)
	}
	buf := make([]byte, 4<<10)
	total := 0
	for {
		n, err := c.Read(buf)
		total += n
		if err != nil {
			fmt.Println("read end:", total, err)
			return
		}
		fmt.Println("read", total)
		time.Sleep(10 * time.Millisecond)
	}
}
