package guest

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// WASI errno values used here (wasi_snapshot_preview1).
const (
	errnoSuccess = 0
	errnoFault   = 21
	errnoInval   = 28
)

// WASI event types and clock ids.
const (
	eventClock   = 0
	eventFdRead  = 1
	eventFdWrite = 2

	clockRealtime  = 0
	clockMonotonic = 1
	subAbstime     = 1
)

var le = binary.LittleEndian

// exportOverrides replaces the WASI functions a guest node serves itself;
// everything else keeps wazero's implementation over the instance's
// ModuleConfig (whose clocks, random source and stdio are the node's).
func exportOverrides(b wazero.HostModuleBuilder) {
	i32 := api.ValueTypeI32
	b.NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(pollOneoff), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("in", "out", "nsubscriptions", "result.nevents").
		Export("poll_oneoff")
	exportSockets(b)
	exportFiles(b)
}

func instanceOf(ctx context.Context) *instance {
	in, _ := ctx.Value(ctxKey{}).(*instance)
	return in
}

// sub is one parsed poll_oneoff subscription.
type sub struct {
	userdata uint64
	typ      uint8
	deadline clock.Time // clock: on the node's monotonic clock
	fd       int32      // fd_read, fd_write
	// the event, once ready
	nbytes uint64
	flags  uint16
	errno  uint16
}

// pollState is a poll_oneoff call: its subscriptions, kept while the guest
// is blocked in it.
type pollState struct {
	in   *instance
	subs []sub
}

// timeout returns how long, on the node's monotonic clock, until the
// earliest clock subscription is due, and whether there is one.
func (p *pollState) timeout() (d time.Duration, ok bool) {
	now := p.in.n.env.Mono()
	for _, s := range p.subs {
		if s.typ != eventClock || s.deadline == clock.Never {
			continue
		}
		r := time.Duration(s.deadline - now)
		if r < 0 {
			r = 0
		}
		if !ok || r < d {
			d, ok = r, true
		}
	}
	return d, ok
}

// ready returns the events of the subscriptions that are satisfied now.
func (p *pollState) ready() []sub {
	var out []sub
	now := p.in.n.env.Mono()
	for _, s := range p.subs {
		switch s.typ {
		case eventClock:
			if now >= s.deadline {
				out = append(out, s)
			}
		case eventFdRead, eventFdWrite:
			ok, nbytes, flags, errno := p.in.n.net.fdReady(s.fd, s.typ == eventFdWrite)
			if ok {
				s.nbytes, s.flags, s.errno = nbytes, flags, errno
				out = append(out, s)
			}
		}
	}
	return out
}

// parsePoll reads n subscriptions (48 bytes each) and turns clock
// timeouts into deadlines on the node's monotonic clock.
func (in *instance) parsePoll(buf []byte, n uint32) (*pollState, uint16) {
	p := &pollState{in: in}
	env := in.n.env
	for i := uint32(0); i < n; i++ {
		b := buf[i*48 : (i+1)*48]
		s := sub{userdata: le.Uint64(b[0:]), typ: b[8]}
		switch s.typ {
		case eventClock:
			id := le.Uint32(b[16:])
			timeout := int64(le.Uint64(b[24:]))
			flags := le.Uint16(b[40:])
			mono := env.Mono()
			switch {
			case flags&subAbstime == 0:
				s.deadline = mono + clock.Time(timeout)
			case id == clockMonotonic:
				s.deadline = clock.Time(timeout - monoBase)
			case id == clockRealtime:
				wall := WallEpoch.UnixNano() + int64(env.Now())
				s.deadline = mono + clock.Time(timeout-wall)
			default:
				return nil, errnoInval
			}
			if timeout < 0 { // over 292 years: never
				s.deadline = clock.Never
			}
		case eventFdRead, eventFdWrite:
			s.fd = int32(le.Uint32(b[16:]))
		default:
			return nil, errnoInval
		}
		p.subs = append(p.subs, s)
	}
	return p, errnoSuccess
}

// pollOneoff is WASI's poll_oneoff for a guest node. If a subscription is
// satisfied now (a zero or past clock timeout) it returns at once;
// otherwise the guest blocks: the world is told, arms a timer for the
// earliest clock deadline on the node's clock, and resumes the guest when
// it fires (or kills it when the node crashes).
func pollOneoff(ctx context.Context, mod api.Module, stack []uint64) {
	in := instanceOf(ctx)
	inPtr, outPtr, n, nevPtr := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if n == 0 {
		stack[0] = errnoInval
		return
	}
	mem := mod.Memory()
	buf, ok := mem.Read(inPtr, n*48)
	if !ok {
		stack[0] = errnoFault
		return
	}
	p, errno := in.parsePoll(buf, n)
	if errno != 0 {
		stack[0] = uint64(errno)
		return
	}
	evs := p.ready()
	if len(evs) > 0 {
		in.step()
	} else {
		in.poll = p
		in.yield <- yielded{}
		kill := <-in.wake
		in.poll = nil
		if kill {
			panic(sys.NewExitError(killCode))
		}
		evs = p.ready()
	}
	out, ok := mem.Read(outPtr, n*32)
	if !ok {
		stack[0] = errnoFault
		return
	}
	clear(out)
	for i, s := range evs {
		e := out[i*32 : (i+1)*32]
		le.PutUint64(e[0:], s.userdata)
		le.PutUint16(e[8:], s.errno)
		e[10] = s.typ
		if s.typ != eventClock {
			le.PutUint64(e[16:], s.nbytes)
			le.PutUint16(e[24:], s.flags)
		}
	}
	if !mem.WriteUint32Le(nevPtr, uint32(len(evs))) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

// defaults holds wazero's own WASI functions, which the overrides below
// call for every descriptor that is not a socket (stdio, files).
var defaults map[string]api.GoModuleFunction

func loadDefaults(ctx context.Context, rt wazero.Runtime) error {
	if defaults != nil {
		return nil
	}
	b := rt.NewHostModuleBuilder("faultline_wasi_defaults")
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	cm, err := b.Compile(ctx)
	if err != nil {
		return err
	}
	m := map[string]api.GoModuleFunction{}
	for name, def := range cm.ExportedFunctions() {
		if g, ok := def.GoFunction().(api.GoModuleFunction); ok {
			m[name] = g
		}
	}
	for _, name := range []string{"fd_fdstat_get", "fd_fdstat_set_flags", "fd_read", "fd_write", "fd_close", "sock_accept", "sock_shutdown", "fd_prestat_get"} {
		if m[name] == nil {
			return fmt.Errorf("wazero's WASI module has no Go function %s", name)
		}
	}
	defaults = m
	return nil
}

// socketOverride wraps a WASI function taking a descriptor first: a
// socket descriptor goes to fn, a file or directory descriptor (3 and up)
// to the function of the same name in fileFuncs, any other (stdio) to
// wazero's implementation.
func socketOverride(name string, fn func(in *instance, f *sockFD, fd int32, mod api.Module, stack []uint64)) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		in := instanceOf(ctx)
		fd := int32(stack[0])
		if in != nil && in.n.net != nil {
			if f, ok := in.n.net.fds[fd]; ok {
				in.step()
				fn(in, f, fd, mod, stack)
				return
			}
			if ff := fileFuncs[name]; ff != nil && fd >= rootFD && in.n.files != nil {
				in.step()
				ff(in, fd, mod, stack)
				return
			}
		}
		defaults[name].Call(ctx, mod, stack)
	}
}

// socketFuncs are the descriptor calls exportSockets exports.
var socketFuncs = map[string]bool{
	"fd_fdstat_get": true, "fd_fdstat_set_flags": true, "fd_read": true, "fd_write": true,
	"fd_close": true, "sock_accept": true, "sock_shutdown": true,
}

func exportSockets(b wazero.HostModuleBuilder) {
	i32 := api.ValueTypeI32
	export := func(name string, nparams int, fn api.GoModuleFunc) {
		params := make([]api.ValueType, nparams)
		for i := range params {
			params[i] = i32
		}
		b.NewFunctionBuilder().WithGoModuleFunction(fn, params, []api.ValueType{i32}).Export(name)
	}
	export("fd_fdstat_get", 2, socketOverride("fd_fdstat_get", func(in *instance, f *sockFD, fd int32, mod api.Module, stack []uint64) {
		var st [24]byte
		st[0] = filetypeSocketStream
		if f.nonblock {
			le.PutUint16(st[2:], fdflagNonblock)
		}
		le.PutUint64(st[8:], 0x1fffffff)
		le.PutUint64(st[16:], 0x1fffffff)
		if !mod.Memory().Write(uint32(stack[1]), st[:]) {
			stack[0] = errnoFault
			return
		}
		stack[0] = errnoSuccess
	}))
	export("fd_fdstat_set_flags", 2, socketOverride("fd_fdstat_set_flags", func(in *instance, f *sockFD, fd int32, mod api.Module, stack []uint64) {
		f.nonblock = uint32(stack[1])&fdflagNonblock != 0
		stack[0] = errnoSuccess
	}))
	export("fd_read", 4, socketOverride("fd_read", func(in *instance, f *sockFD, fd int32, mod api.Module, stack []uint64) {
		c := f.c
		switch {
		case c == nil:
			stack[0] = errnoNotConn
			return
		case c.state == failed:
			stack[0] = uint64(c.errno)
			return
		case len(c.rbuf) == 0 && c.eof:
			stack[0] = writeU32(mod, uint32(stack[3]), 0)
			return
		case len(c.rbuf) == 0:
			stack[0] = errnoAgain
			return
		}
		iovs, ok := readIOVecs(mod, uint32(stack[1]), uint32(stack[2]))
		if !ok {
			stack[0] = errnoFault
			return
		}
		total := 0
		for _, v := range iovs {
			if len(c.rbuf) == 0 {
				break
			}
			k := copy(v, c.rbuf)
			c.rbuf = c.rbuf[k:]
			total += k
		}
		if len(c.rbuf) == 0 {
			c.rbuf = nil
		}
		in.n.consumed(c, total)
		stack[0] = writeU32(mod, uint32(stack[3]), uint32(total))
	}))
	export("fd_write", 4, socketOverride("fd_write", func(in *instance, f *sockFD, fd int32, mod api.Module, stack []uint64) {
		c := f.c
		switch {
		case c == nil:
			stack[0] = errnoNotConn
			return
		case c.state == failed:
			stack[0] = uint64(c.errno)
			return
		case c.wclosed:
			stack[0] = errnoPipe
			return
		case c.state == connecting:
			stack[0] = errnoAgain
			return
		}
		iovs, ok := readIOVecs(mod, uint32(stack[1]), uint32(stack[2]))
		if !ok {
			stack[0] = errnoFault
			return
		}
		var data []byte
		for _, v := range iovs {
			data = append(data, v...)
		}
		if len(data) > 0 {
			room := c.room(in.n.cfg.SendBuffer)
			if room <= 0 {
				stack[0] = errnoAgain // the peer has not read enough: wait for its window update
				return
			}
			if len(data) > room {
				data = data[:room] // a short write; the netpoller waits for the rest
			}
			c.unacked += len(data)
			in.n.send(c, msgData, data)
		}
		stack[0] = writeU32(mod, uint32(stack[3]), uint32(len(data)))
	}))
	export("fd_close", 1, socketOverride("fd_close", func(in *instance, f *sockFD, fd int32, mod api.Module, stack []uint64) {
		n, s := in.n, in.n.net
		delete(s.fds, fd)
		if f.l != nil {
			delete(s.listeners, f.l.port)
			for _, c := range f.l.queue {
				n.send(c, msgRST, nil)
				s.forget(c)
			}
			n.env.Logf("net: close listener %s:%d", n.env.Name(), f.l.port)
		} else {
			c := f.c
			if c.state != failed {
				if c.state == established && !c.wclosed {
					n.send(c, msgFIN, nil)
				} else if c.state == connecting {
					n.send(c, msgRST, nil)
				}
				n.fail(c, errnoBadf)
			}
			s.forget(c)
		}
		stack[0] = errnoSuccess
	}))
	export("sock_accept", 3, socketOverride("sock_accept", func(in *instance, f *sockFD, fd int32, mod api.Module, stack []uint64) {
		l := f.l
		if l == nil {
			stack[0] = errnoInval
			return
		}
		if len(l.queue) == 0 {
			stack[0] = errnoAgain
			return
		}
		c := l.queue[0]
		l.queue = l.queue[1:]
		nfd := in.n.net.addFD(&sockFD{c: c, nonblock: uint32(stack[1])&fdflagNonblock != 0})
		stack[0] = writeU32(mod, uint32(stack[2]), uint32(nfd))
	}))
	export("sock_shutdown", 2, socketOverride("sock_shutdown", func(in *instance, f *sockFD, fd int32, mod api.Module, stack []uint64) {
		c := f.c
		switch {
		case c == nil:
			stack[0] = errnoNotConn
		case c.state == failed:
			stack[0] = uint64(c.errno)
		default:
			if uint32(stack[1])&2 != 0 && !c.wclosed && c.state == established { // SHUT_WR
				c.wclosed = true
				in.n.send(c, msgFIN, nil)
			}
			stack[0] = errnoSuccess
		}
	}))
}

func exportFaultline(b wazero.HostModuleBuilder) {
	i32 := api.ValueTypeI32
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(sockListen), []api.ValueType{i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("addr", "addr_len", "result.fd").Export("sock_listen")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(sockDial), []api.ValueType{i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("addr", "addr_len", "result.fd").Export("sock_dial")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(sockStatus), []api.ValueType{i32}, []api.ValueType{i32}).
		WithParameterNames("fd").Export("sock_status")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(setRole), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("role", "role_len").Export("set_role")
}

// setRole is faultline.set_role(role, role_len): the node declares its
// role (sim.Env.SetRole), so that faults can be aimed at it.
func setRole(ctx context.Context, mod api.Module, stack []uint64) {
	in := instanceOf(ctx)
	in.step()
	role, ok := readString(mod, uint32(stack[0]), uint32(stack[1]))
	if !ok {
		stack[0] = errnoFault
		return
	}
	in.n.env.SetRole(role)
	stack[0] = errnoSuccess
}

func writeU32(mod api.Module, ptr, v uint32) uint64 {
	if !mod.Memory().WriteUint32Le(ptr, v) {
		return errnoFault
	}
	return errnoSuccess
}

// readIOVecs returns views of the guest's buffers named by n iovecs.
func readIOVecs(mod api.Module, ptr, n uint32) ([][]byte, bool) {
	mem := mod.Memory()
	raw, ok := mem.Read(ptr, n*8)
	if !ok {
		return nil, false
	}
	out := make([][]byte, 0, n)
	for i := uint32(0); i < n; i++ {
		b, ok := mem.Read(le.Uint32(raw[i*8:]), le.Uint32(raw[i*8+4:]))
		if !ok {
			return nil, false
		}
		out = append(out, b)
	}
	return out, true
}
