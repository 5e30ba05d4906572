//go:build wasip1

package role

import "unsafe"

//go:wasmimport faultline set_role
func setRole(role unsafe.Pointer, roleLen uint32) uint32

// Set declares this node's current role ("" for none). Only a change is
// recorded in the trace.
func Set(role string) {
	b := []byte(role)
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	setRole(p, uint32(len(b)))
}
