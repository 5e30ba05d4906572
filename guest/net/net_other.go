//go:build !wasip1

package net

import (
	"context"
	"errors"
	stdnet "net"
)

// errNotGuest is what Listen and Dial return off wasip1: the simulated
// network exists only inside faultline's guest host.
var errNotGuest = errors.New("guest/net: only a GOOS=wasip1 program run by faultline (package guest) has the simulated network")

// Listen fails off wasip1 (see errNotGuest); it exists so that a
// service that takes its listener from this package still builds
// natively.
func Listen(addr string) (stdnet.Listener, error) {
	return nil, &stdnet.OpError{Op: "listen", Net: "tcp", Err: errNotGuest}
}

// Dial fails off wasip1, as Listen does.
func Dial(addr string) (stdnet.Conn, error) {
	return nil, &stdnet.OpError{Op: "dial", Net: "tcp", Err: errNotGuest}
}

// DialContext fails off wasip1, as Listen does.
func DialContext(ctx context.Context, network, addr string) (stdnet.Conn, error) {
	if isUDP(network) {
		return nil, &stdnet.OpError{Op: "dial", Net: network, Addr: Addr(addr), Err: ErrUDP}
	}
	return nil, &stdnet.OpError{Op: "dial", Net: network, Err: errNotGuest}
}
