// Command guest is the test program of package guest, run as a wasip1
// module inside a simulated world. Its first argument picks a behaviour.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	gnet "github.com/faultline-dst/faultline/guest/net"
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
