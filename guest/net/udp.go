package net

import (
	"errors"
	stdnet "net"
)

// ErrUDP is the error (inside a *net.OpError) of ListenPacket, and of
// DialContext with a "udp" network: faultline's simulated network carries
// a guest's TCP streams only. Go's own net.ListenPacket and net.Dial("udp")
// on wasip1 do not fail: they reach an in-process fake network that no
// other node can reach, so a datagram sent there never arrives.
var ErrUDP = errors.New("faultline: UDP is not supported for guest nodes (no net.PacketConn, no \"udp\" dial); guests talk over simulated TCP streams: use guest/net.Listen and Dial")

// Addr is a simulated network address, "node:port".
type Addr string

// Network returns "tcp".
func (Addr) Network() string { return "tcp" }

func (a Addr) String() string { return string(a) }

func isUDP(network string) bool {
	switch network {
	case "udp", "udp4", "udp6", "unixgram":
		return true
	}
	return false
}

// ListenPacket fails with ErrUDP: UDP is not supported. It exists so
// that a service taking its packet listener from this package is told
// so at once, rather than getting Go's in-process fake network.
func ListenPacket(network, addr string) (stdnet.PacketConn, error) {
	return nil, &stdnet.OpError{Op: "listen", Net: network, Addr: Addr(addr), Err: ErrUDP}
}
