//go:build !wasip1

package role

// Set declares this node's current role; off wasip1 it does nothing.
func Set(role string) {}
