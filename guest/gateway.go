package guest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Wire is how a guest service reads operations from faultline's workload
// clients (package workloads) and answers them.
type Wire int

const (
	// NDJSON: each request is one workloads.Request JSON object on one
	// line; the service answers each with one workloads.Reply JSON object
	// on one line, in order.
	NDJSON Wire = iota + 1
	// HTTP: each request is an HTTP/1.1 POST of a workloads.Request JSON
	// body to Clients.Path; the response body is a workloads.Reply JSON
	// object (whatever the status code).
	HTTP
)

func (w Wire) String() string {
	switch w {
	case NDJSON:
		return "ndjson"
	case HTTP:
		return "http"
	}
	return "Wire(" + strconv.Itoa(int(w)) + ")"
}

// Clients declares where a guest service takes faultline's workload
// clients. A client's request message (the workloads JSON wire) reaches
// the guest node over the simulated network like any message; the node
// then feeds it into a connection accepted from the guest's listener on
// Port, one kept-alive connection per client, in Wire's framing, and
// sends the reply it parses from the connection back to the client. So
// the service needs nothing faultline-specific but a handler for the
// operations it claims.
type Clients struct {
	Port int
	Wire Wire
	// Path is the HTTP request path (default "/op").
	Path string
}

// gwConn is the host end of a gateway connection: what the guest wrote
// on it so far, not yet parsed into replies.
type gwConn struct {
	client string
	buf    []byte
}

// gatewayRequest feeds a workload client's request into the guest. A
// request that finds no guest listening on the port is dropped (logged):
// the client times out, as against a service that is not up.
func (n *node) gatewayRequest(from string, msg []byte) {
	s, cl := n.net, n.cfg.Clients
	if n.inst == nil || n.inst.poll == nil {
		n.env.Logf("gateway: request from %s dropped: the guest is not running", from)
		return
	}
	c := s.gateways[from]
	if c == nil || c.state == failed || c.eof || c.wclosed {
		l := s.listeners[cl.Port]
		if l == nil {
			n.env.Logf("gateway: request from %s dropped: nothing listens on port %d", from, cl.Port)
			return
		}
		s.nextID++
		c = &conn{key: connKey{peer: from, id: s.nextID}, state: established, gw: &gwConn{client: from}}
		s.order = append(s.order, c)
		l.queue = append(l.queue, c)
		s.gateways[from] = c
	}
	switch cl.Wire {
	case HTTP:
		path := cl.Path
		if path == "" {
			path = "/op"
		}
		c.rbuf = fmt.Appendf(c.rbuf, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, n.env.Name(), len(msg))
		c.rbuf = append(c.rbuf, msg...)
	default:
		c.rbuf = append(c.rbuf, msg...)
		c.rbuf = append(c.rbuf, '\n')
	}
	n.maybeResume()
}

// fromGuest takes what the guest sent on a gateway connection: data is
// parsed into replies for the client; FIN or RST ends the connection
// (the next request opens another).
func (n *node) fromGuest(c *conn, typ byte, payload []byte) {
	g := c.gw
	switch typ {
	case msgFIN:
		c.eof = true
		return
	case msgRST:
		n.fail(c, errnoConnReset)
		return
	case msgData:
	default:
		return
	}
	g.buf = append(g.buf, payload...)
	for {
		body, rest, ok, err := n.nextReply(g.buf)
		if err != nil {
			// An answer faultline cannot frame is the service's: hand the
			// bytes to the client, whose adapter records a bad reply.
			n.env.Logf("gateway: unreadable %s reply to %s: %v", n.cfg.Clients.Wire, g.client, err)
			n.env.Send(g.client, g.buf)
			g.buf = nil
			n.fail(c, errnoConnReset)
			return
		}
		if !ok {
			return
		}
		g.buf = rest
		n.env.Send(g.client, body)
	}
}

// nextReply frames one reply from buf: its body, the bytes after it, and
// whether a whole reply was there.
func (n *node) nextReply(buf []byte) (body, rest []byte, ok bool, err error) {
	if n.cfg.Clients.Wire != HTTP {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return nil, buf, false, nil
		}
		return buf[:i], buf[i+1:], true, nil
	}
	if len(buf) == 0 {
		return nil, buf, false, nil
	}
	r := bytes.NewReader(buf)
	br := bufio.NewReader(r)
	resp, err := http.ReadResponse(br, nil)
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return nil, buf, false, nil
	}
	if err != nil {
		return nil, buf, false, err
	}
	used := len(buf) - r.Len() - br.Buffered()
	return body, buf[used:], true, nil
}
