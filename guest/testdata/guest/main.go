// Command guest is the test program of package guest, run as a wasip1
// module inside a simulated world. Its first argument picks a behaviour.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
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
