package guest

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
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
		if s.typ == eventClock && now >= s.deadline {
			out = append(out, s)
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
		e[10] = s.typ
	}
	if !mem.WriteUint32Le(nevPtr, uint32(len(evs))) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}
