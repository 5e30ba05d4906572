//go:build wasip1

package net

import (
	"context"
	"fmt"
	stdnet "net"
	"os"
	"syscall"
	"time"
	"unsafe"
)

//go:wasmimport faultline sock_listen
func sockListen(addr unsafe.Pointer, addrLen uint32, fd unsafe.Pointer) uint32

//go:wasmimport faultline sock_dial
func sockDial(addr unsafe.Pointer, addrLen uint32, fd unsafe.Pointer) uint32

//go:wasmimport faultline sock_status
func sockStatus(fd uint32) uint32

func call(f func(unsafe.Pointer, uint32, unsafe.Pointer) uint32, addr string) (int, error) {
	b := []byte(addr)
	if len(b) == 0 {
		return 0, syscall.EINVAL
	}
	var fd uint32
	if errno := f(unsafe.Pointer(&b[0]), uint32(len(b)), unsafe.Pointer(&fd)); errno != 0 {
		return 0, syscall.Errno(errno)
	}
	return int(fd), nil
}

type listener struct {
	stdnet.Listener
	addr Addr
}

func (l listener) Addr() stdnet.Addr { return l.addr }

// Listen listens on addr ("node:port" or ":port") of this node.
func Listen(addr string) (stdnet.Listener, error) {
	fd, err := call(sockListen, addr)
	if err != nil {
		return nil, &stdnet.OpError{Op: "listen", Net: "tcp", Addr: Addr(addr), Err: err}
	}
	f := os.NewFile(uintptr(fd), "listen "+addr)
	defer f.Close()
	l, err := stdnet.FileListener(f)
	if err != nil {
		return nil, err
	}
	return listener{Listener: l, addr: Addr(addr)}, nil
}

// Dial connects to addr ("node:port"). It returns when the connection is
// established or has failed (refused, timed out, reset).
func Dial(addr string) (stdnet.Conn, error) {
	return DialContext(context.Background(), "tcp", addr)
}

// DialContext has the signature of net.Dialer.DialContext, to plug into
// an http.Transport; network must be "tcp", "tcp4" or "tcp6". A dial
// ends when the peer answers, when ctx is done (its error is the dial's,
// as with net.Dialer), or after the node's connect timeout
// (guest.Config.ConnectTimeout), whichever comes first.
func DialContext(ctx context.Context, network, addr string) (stdnet.Conn, error) {
	switch {
	case network == "tcp" || network == "tcp4" || network == "tcp6":
	case isUDP(network):
		return nil, &stdnet.OpError{Op: "dial", Net: network, Addr: Addr(addr), Err: ErrUDP}
	default:
		return nil, &stdnet.OpError{Op: "dial", Net: network, Addr: Addr(addr), Err: fmt.Errorf("network %q not supported; tcp only", network)}
	}
	if err := ctx.Err(); err != nil {
		return nil, &stdnet.OpError{Op: "dial", Net: network, Addr: Addr(addr), Err: err}
	}
	fd, err := call(sockDial, addr)
	if err != nil {
		return nil, &stdnet.OpError{Op: "dial", Net: network, Addr: Addr(addr), Err: err}
	}
	f := os.NewFile(uintptr(fd), "dial "+addr)
	c, err := stdnet.FileConn(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		c.Close()
		return nil, err
	}
	// The context ends the wait for the peer: its deadline, or a deadline
	// in the past when it is cancelled, wakes the netpoller.
	if d, ok := ctx.Deadline(); ok {
		c.SetWriteDeadline(d)
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.SetWriteDeadline(time.Unix(1, 0))
		close(fired)
	})
	var status error
	werr := rc.Write(func(fd uintptr) bool {
		switch errno := sockStatus(uint32(fd)); errno {
		case 0:
			return true
		case uint32(syscall.EAGAIN):
			return false
		default:
			status = syscall.Errno(errno)
			return true
		}
	})
	if !stop() {
		<-fired // it set its deadline: wait for that before clearing it
	}
	c.SetWriteDeadline(time.Time{})
	if werr == nil {
		werr = status
	}
	if werr != nil && ctx.Err() != nil {
		werr = ctx.Err()
	}
	if werr != nil {
		c.Close()
		return nil, &stdnet.OpError{Op: "dial", Net: network, Addr: Addr(addr), Err: werr}
	}
	return c, nil
}
