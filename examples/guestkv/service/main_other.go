//go:build !wasip1

// The service runs only as a wasip1 guest (main.go); on other platforms
// this empty main keeps `go vet ./...` and `go test ./...` building.
package main

func main() {}
