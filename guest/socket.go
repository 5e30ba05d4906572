package guest

import (
	"context"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/sim"
	"github.com/tetratelabs/wazero/api"
)

// Connections between nodes ride on the world's messages (Env.Send), one
// small header per message; netsim's stream mode gives them TCP's order
// and breaks them on a partition or a crash (Node.StreamBroken). Each
// direction of a connection numbers its messages, so a gap or a
// duplicate (a datagram network) resets the connection rather than
// corrupting its bytes.
const (
	msgSYN    = 1 // dialer -> listener; payload: port (2 bytes)
	msgSYNACK = 2
	msgData   = 3
	msgFIN    = 4 // no more data from the sender
	msgRST    = 5 // the connection is gone
	msgWND    = 6 // the receiver's program read this many more bytes (8 bytes): flow control

	hdrLen = 18 // type, flags, id (8), seq (8)

	flagFromDialer = 1
)

// WASI errno values for sockets.
const (
	errnoAddrInUse   = 3
	errnoAgain       = 6
	errnoBadf        = 8
	errnoConnRefused = 14
	errnoConnReset   = 15
	errnoHostUnreach = 23
	errnoNotConn     = 53
	errnoNotSock     = 57
	errnoPipe        = 64
	errnoTimedOut    = 73

	filetypeSocketStream = 6
	fdflagNonblock       = 4
	eventHangup          = 1
)

// firstSocketFD is the first descriptor number handed to sockets; lower
// numbers stay wazero's (stdio, preopened directories, files).
const firstSocketFD = 1 << 16

type connKey struct {
	peer   string
	id     uint64
	dialer bool // this end dialed
}

type connState uint8

const (
	connecting connState = iota
	established
	failed
)

type conn struct {
	key     connKey
	state   connState
	errno   uint16 // failed: why
	rbuf    []byte
	eof     bool // peer sent FIN
	wclosed bool // this end sent FIN
	sendSeq uint64
	recvSeq uint64
	unacked int // bytes sent that the peer's program has not read (as far as this end knows)
	unread  int // bytes this end's program read since the last window update it sent
	timer   sim.TimerID
	timed   bool    // connect timer armed
	gw      *gwConn // a workload client's connection (Config.Clients)
}

type listener struct {
	port  int
	queue []*conn
}

type sockFD struct {
	c        *conn
	l        *listener
	nonblock bool
}

// netState is one instance's sockets; it dies with the instance.
type netState struct {
	fds        map[int32]*sockFD // never iterated
	nextFD     int32
	conns      map[connKey]*conn // never iterated
	order      []*conn           // live conns in creation order, for resets
	listeners  map[int]*listener // by port; never iterated
	nextID     uint64
	timers     map[sim.TimerID]*conn // connect timeouts; never iterated
	gateways   map[string]*conn      // by workload client; never iterated
	sendBuffer int                   // Config.SendBuffer
}

func newNetState(inc int, sendBuffer int) *netState {
	return &netState{
		sendBuffer: sendBuffer,
		fds:        map[int32]*sockFD{},
		nextFD:     firstSocketFD,
		conns:      map[connKey]*conn{},
		listeners:  map[int]*listener{},
		nextID:     uint64(inc) << 32,
		timers:     map[sim.TimerID]*conn{},
		gateways:   map[string]*conn{},
	}
}

func (s *netState) addFD(f *sockFD) int32 {
	fd := s.nextFD
	s.nextFD++
	s.fds[fd] = f
	return fd
}

func (s *netState) addConn(c *conn) {
	s.conns[c.key] = c
	s.order = append(s.order, c)
}

func (s *netState) forget(c *conn) {
	delete(s.conns, c.key)
	for i, o := range s.order {
		if o == c {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}

// send writes one connection message to the peer.
func (n *node) send(c *conn, typ byte, payload []byte) {
	if c.gw != nil {
		n.fromGuest(c, typ, payload)
		return
	}
	msg := make([]byte, hdrLen+len(payload))
	msg[0] = typ
	if c.key.dialer {
		msg[1] = flagFromDialer
	}
	binary.BigEndian.PutUint64(msg[2:], c.key.id)
	binary.BigEndian.PutUint64(msg[10:], c.sendSeq)
	c.sendSeq++
	copy(msg[hdrLen:], payload)
	n.env.Send(c.key.peer, msg)
}

// sendRST answers a message for a connection this end does not know.
func (n *node) sendRST(peer string, id uint64, fromDialer bool) {
	c := &conn{key: connKey{peer: peer, id: id, dialer: !fromDialer}}
	n.send(c, msgRST, nil)
}

func (n *node) fail(c *conn, errno uint16) {
	if c.state == failed {
		return
	}
	c.state, c.errno = failed, errno
	if c.timed {
		n.env.CancelTimer(c.timer)
		delete(n.net.timers, c.timer)
		c.timed = false
	}
}

// Receive handles a connection message from a peer and resumes the guest
// if that made one of its subscriptions ready.
func (n *node) Receive(from string, msg []byte) {
	s := n.net
	if s == nil || len(msg) == 0 {
		return
	}
	if msg[0] == '{' && n.cfg.Clients != nil {
		n.gatewayRequest(from, msg)
		return
	}
	if len(msg) < hdrLen {
		return
	}
	typ, fromDialer := msg[0], msg[1]&flagFromDialer != 0
	id := binary.BigEndian.Uint64(msg[2:])
	seq := binary.BigEndian.Uint64(msg[10:])
	payload := msg[hdrLen:]
	key := connKey{peer: from, id: id, dialer: !fromDialer}
	if typ == msgSYN {
		if len(payload) < 2 {
			return
		}
		port := int(binary.BigEndian.Uint16(payload))
		l := s.listeners[port]
		if l == nil || s.conns[key] != nil {
			n.env.Logf("net: refused %s:%d from %s", n.env.Name(), port, from)
			n.sendRST(from, id, fromDialer)
			return
		}
		c := &conn{key: key, state: established, recvSeq: 1}
		s.addConn(c)
		l.queue = append(l.queue, c)
		n.send(c, msgSYNACK, nil)
		n.maybeResume()
		return
	}
	c := s.conns[key]
	if c == nil || c.state == failed {
		if c == nil && typ != msgRST {
			n.sendRST(from, id, fromDialer)
		}
		return
	}
	if typ == msgRST {
		if c.state == connecting {
			n.fail(c, errnoConnRefused)
		} else {
			n.fail(c, errnoConnReset)
		}
		n.maybeResume()
		return
	}
	if seq != c.recvSeq {
		n.env.Logf("net: connection %s/%d out of order (message %d, expected %d): reset", from, id, seq, c.recvSeq)
		n.fail(c, errnoConnReset)
		n.send(c, msgRST, nil)
		n.maybeResume()
		return
	}
	c.recvSeq++
	switch typ {
	case msgSYNACK:
		if c.state == connecting {
			c.state = established
			if c.timed {
				n.env.CancelTimer(c.timer)
				delete(s.timers, c.timer)
				c.timed = false
			}
		}
	case msgData:
		c.rbuf = append(c.rbuf, payload...)
	case msgFIN:
		c.eof = true
	case msgWND:
		if len(payload) == 8 {
			c.unacked = max(c.unacked-int(binary.BigEndian.Uint64(payload)), 0)
		}
	}
	n.maybeResume()
}

// StreamBroken resets every connection with peer: the stream under them
// broke (a partition, or a crash of either end).
func (n *node) StreamBroken(peer string) {
	s := n.net
	if s == nil {
		return
	}
	hit := false
	for _, c := range s.order {
		if c.key.peer == peer && c.state != failed {
			if c.state == connecting {
				n.fail(c, errnoConnRefused)
			} else {
				n.fail(c, errnoConnReset)
			}
			hit = true
		}
	}
	if hit {
		n.maybeResume()
	}
}

// connectTimeout fails a connection whose SYN got no answer.
func (n *node) connectTimeout(id sim.TimerID) bool {
	s := n.net
	if s == nil {
		return false
	}
	c, ok := s.timers[id]
	if !ok {
		return false
	}
	delete(s.timers, id)
	c.timed = false
	if c.state == connecting {
		n.fail(c, errnoTimedOut)
		n.maybeResume()
	}
	return true
}

// maybeResume resumes a blocked guest if its poll can now return.
func (n *node) maybeResume() {
	if in := n.inst; in != nil && in.poll != nil && len(in.poll.ready()) > 0 {
		n.resume()
	}
}

// fdReady reports whether a descriptor subscription is satisfied now, and
// the event's byte count and flags.
func (s *netState) fdReady(fd int32, write bool) (ready bool, nbytes uint64, flags uint16, errno uint16) {
	f, ok := s.fds[fd]
	if !ok {
		if fd < firstSocketFD {
			return true, 0, 0, 0 // stdio and files never block
		}
		return true, 0, 0, errnoBadf
	}
	if f.l != nil {
		return !write && len(f.l.queue) > 0, uint64(len(f.l.queue)), 0, 0
	}
	c := f.c
	switch {
	case c.state == failed:
		return true, 0, eventHangup, 0
	case write:
		return c.state == established && c.room(s.sendBuffer) > 0, 0, 0, 0
	case len(c.rbuf) > 0:
		return true, uint64(len(c.rbuf)), 0, 0
	case c.eof:
		return true, 0, eventHangup, 0
	}
	return false, 0, 0, 0
}

// room is how many bytes this end may send now under flow control;
// a workload client's connection is not flow-controlled.
func (c *conn) room(window int) int {
	if c.gw != nil {
		return window
	}
	return window - c.unacked
}

// consumed records that this end's program read k bytes, and sends the
// peer a window update once it has read half a send buffer since the
// last one (so a writer blocked on a full buffer always gets one).
func (n *node) consumed(c *conn, k int) {
	if c.gw != nil {
		return
	}
	c.unread += k
	if c.unread >= n.cfg.SendBuffer/2 && c.state == established {
		var p [8]byte
		binary.BigEndian.PutUint64(p[:], uint64(c.unread))
		c.unread = 0
		n.send(c, msgWND, p[:])
	}
}

// parseAddr splits "host:port"; host may be empty.
func parseAddr(addr string) (host string, port int, ok bool) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", 0, false
	}
	p, err := strconv.Atoi(addr[i+1:])
	if err != nil || p <= 0 || p > 65535 {
		return "", 0, false
	}
	return addr[:i], p, true
}

func readString(mod api.Module, ptr, n uint32) (string, bool) {
	b, ok := mod.Memory().Read(ptr, n)
	return string(b), ok
}

// sockListen is faultline.sock_listen(addr, addr_len, result.fd): listen
// on a port of this node ("host:port"; host empty, "localhost",
// "0.0.0.0" or the node's own name).
func sockListen(ctx context.Context, mod api.Module, stack []uint64) {
	in := instanceOf(ctx)
	in.step()
	n := in.n
	addr, ok := readString(mod, uint32(stack[0]), uint32(stack[1]))
	if !ok {
		stack[0] = errnoFault
		return
	}
	host, port, ok := parseAddr(addr)
	if !ok || (host != "" && host != "localhost" && host != "0.0.0.0" && host != n.env.Name()) {
		n.env.Logf("net: listen %q: want host:port with this node's name (%s), localhost, 0.0.0.0 or no host", addr, n.env.Name())
		stack[0] = errnoInval
		return
	}
	if n.net.listeners[port] != nil {
		stack[0] = errnoAddrInUse
		return
	}
	l := &listener{port: port}
	n.net.listeners[port] = l
	fd := n.net.addFD(&sockFD{l: l, nonblock: true})
	n.env.Logf("net: listen %s:%d", n.env.Name(), port)
	if !mod.Memory().WriteUint32Le(uint32(stack[2]), uint32(fd)) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

// sockDial is faultline.sock_dial(addr, addr_len, result.fd): start a
// connection to "node:port". It does not wait: the descriptor becomes
// writable when the connection is established or has failed, and
// faultline.sock_status tells which.
func sockDial(ctx context.Context, mod api.Module, stack []uint64) {
	in := instanceOf(ctx)
	in.step()
	n := in.n
	addr, ok := readString(mod, uint32(stack[0]), uint32(stack[1]))
	if !ok {
		stack[0] = errnoFault
		return
	}
	host, port, ok := parseAddr(addr)
	if !ok {
		stack[0] = errnoInval
		return
	}
	if host == "" || host == "localhost" {
		host = n.env.Name()
	}
	known := false
	for _, name := range n.env.Nodes() {
		known = known || name == host
	}
	if !known {
		n.env.Logf("net: dial %q: no node called %q", addr, host)
		stack[0] = errnoHostUnreach
		return
	}
	s := n.net
	s.nextID++
	c := &conn{key: connKey{peer: host, id: s.nextID, dialer: true}, state: connecting}
	s.addConn(c)
	fd := s.addFD(&sockFD{c: c, nonblock: true})
	var p [2]byte
	binary.BigEndian.PutUint16(p[:], uint16(port))
	n.send(c, msgSYN, p[:])
	c.timer = n.env.SetTimer(n.cfg.ConnectTimeout, "guest-connect-timeout")
	c.timed = true
	s.timers[c.timer] = c
	if !mod.Memory().WriteUint32Le(uint32(stack[2]), uint32(fd)) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

// sockStatus is faultline.sock_status(fd): 0 once connected, EAGAIN while
// connecting, or why the connection failed.
func sockStatus(ctx context.Context, mod api.Module, stack []uint64) {
	in := instanceOf(ctx)
	in.step()
	f, ok := in.n.net.fds[int32(stack[0])]
	switch {
	case !ok:
		stack[0] = errnoBadf
	case f.c == nil:
		stack[0] = errnoNotConn
	case f.c.state == connecting:
		stack[0] = errnoAgain
	case f.c.state == failed:
		stack[0] = uint64(f.c.errno)
	default:
		stack[0] = errnoSuccess
	}
}

var defaultConnectTimeout = 2 * time.Second
