package workloads

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/internal/flatjson"
	"github.com/faultline-dst/faultline/rng"
)

// call is one operation a client asks for: its op_type, key and input, in
// the vocabulary of history/vocabulary.go. A retry re-issues the same call.
type call struct {
	opType string
	key    string          // "" is null (ledger transfers and snapshots)
	input  json.RawMessage // nil is null
}

// generator draws one client's operations from its own stream. Draws per
// operation, in order: the op_type (one draw, skipped when a lock or lease
// client must acquire), the key (one draw; a ledger transfer draws the
// source account then the destination), then the arguments (a counter's
// delta, a log read's offset, a transfer's amount). Values need no draw:
// they are unique by construction (process*1,000,000 + sequence number),
// so queue, log and set checkers can tell items apart and every write of
// a register is distinguishable.
//
// A generator also learns from outcomes (observe): a register client
// compares-and-sets from the last value it saw, a log client reads from
// offsets it has seen, a lock client uses the token it holds.
type generator struct {
	model     history.Model
	process   int
	mix       picker
	keys      keyPicker
	names     []string
	r         *rng.Stream
	seq       int
	maxAmount int64
	leaseTerm time.Duration

	last       map[string]json.RawMessage // register/kv: last value seen per key
	nextOffset map[string]int64           // log: one past the highest offset seen per key
	held       *holding                   // lock/lease: what the client holds
}

// holding is a lock or lease a client believes it holds.
type holding struct {
	key   string
	token int64 // lock only
}

func newGenerator(cfg *Config, process int, r *rng.Stream) *generator {
	return &generator{
		model:      cfg.Model,
		process:    process,
		mix:        newPicker(cfg.Mix),
		keys:       newKeyPicker(cfg.KeyDist, cfg.Keys),
		names:      KeyNames(cfg.Model, cfg.Keys),
		r:          r,
		maxAmount:  cfg.MaxAmount,
		leaseTerm:  cfg.LeaseTerm,
		last:       map[string]json.RawMessage{},
		nextOffset: map[string]int64{},
	}
}

type obj = map[string]any

// intObject returns {"name":v}, the JSON history.MustJSON(obj{name: v})
// returns for a name that needs no escaping, without encoding/json (the
// workload draws one per write).
func intObject(name string, v int64) json.RawMessage {
	b := make([]byte, 0, len(name)+25)
	b = append(append(append(b, `{"`...), name...), `":`...)
	b = strconv.AppendInt(b, v, 10)
	return append(b, '}')
}

// casInput returns {"from":from,"to":to} as history.MustJSON(obj{"from":
// from, "to": to}) does: directly when from is null, a boolean or an
// integer (what the workloads write, which encoding/json would copy as
// it is), through it otherwise.
func casInput(from json.RawMessage, to int64) json.RawMessage {
	if !plainScalar(from) {
		return history.MustJSON(obj{"from": from, "to": to})
	}
	b := make([]byte, 0, len(from)+30)
	b = append(append(append(b, `{"from":`...), from...), `,"to":`...)
	b = strconv.AppendInt(b, to, 10)
	return append(b, '}')
}

// plainScalar reports whether v is null, true, false or a JSON integer
// (-?(0|[1-9][0-9]*)): text encoding/json copies unchanged.
func plainScalar(v json.RawMessage) bool {
	switch string(v) {
	case "null", "true", "false":
		return true
	}
	d := v
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || (d[0] == '0' && len(d) > 1) {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (g *generator) key() string { return g.names[g.keys.pick(g.r)] }

// value returns a value no other call of this run carries.
func (g *generator) value() int64 {
	g.seq++
	return int64(g.process)*1_000_000 + int64(g.seq)
}

// next draws the client's next operation.
func (g *generator) next() call {
	if holderModel(g.model) && g.held == nil {
		c := call{opType: "acquire", key: g.key()}
		if g.model == history.Lease {
			c.input = history.MustJSON(obj{"duration_ns": int64(g.leaseTerm)})
		}
		return c
	}
	op := g.mix.pick(g.r)
	switch g.model {
	case history.Register, history.KV:
		k := g.key()
		switch op {
		case "write":
			return call{op, k, intObject("value", g.value())}
		case "cas":
			from := g.last[k]
			if from == nil {
				from = json.RawMessage("null")
			}
			return call{op, k, casInput(from, g.value())}
		}
		return call{op, k, nil}
	case history.Set:
		k := g.key()
		if op == "add" {
			return call{op, k, intObject("value", g.value())}
		}
		return call{op, k, nil}
	case history.Counter:
		k := g.key()
		if op == "inc" {
			return call{op, k, history.MustJSON(obj{"delta": g.r.Int64Range(1, 5)})}
		}
		return call{op, k, nil}
	case history.Queue:
		k := g.key()
		if op == "enqueue" {
			return call{op, k, intObject("value", g.value())}
		}
		return call{op, k, nil}
	case history.Log:
		k := g.key()
		if op == "append" {
			return call{op, k, intObject("value", g.value())}
		}
		return call{op, k, history.MustJSON(obj{"from": g.r.Int64Range(0, g.nextOffset[k])})}
	case history.Lock:
		return call{op, g.held.key, history.MustJSON(obj{"token": g.held.token})}
	case history.Lease:
		if op == "renew" {
			return call{op, g.held.key, history.MustJSON(obj{"duration_ns": int64(g.leaseTerm)})}
		}
		return call{op, g.held.key, nil}
	case history.Ledger:
		switch op {
		case "transfer":
			from := g.keys.pick(g.r)
			to := g.r.Intn(len(g.names) - 1)
			if to >= from {
				to++
			}
			amount := g.r.Int64Range(1, g.maxAmount)
			g.seq++
			idem := "p" + strconv.Itoa(g.process) + "-" + strconv.Itoa(g.seq)
			return call{op, "", history.MustJSON(obj{"from": g.names[from], "to": g.names[to], "amount": amount, "idem": idem})}
		case "balance":
			return call{op, g.key(), nil}
		}
		return call{op, "", nil}
	}
	panic("workloads: generator for unvalidated model " + string(g.model))
}

// finals returns the final reads of every key, taken after the quiet
// period so checkers can judge loss: a read per register, key or counter,
// a final read per set and log, a drain per queue, a snapshot of a
// ledger. Locks and leases have none.
func (g *generator) finals() []call {
	var out []call
	for _, k := range g.names {
		switch g.model {
		case history.Register, history.KV, history.Counter:
			out = append(out, call{"read", k, nil})
		case history.Set:
			out = append(out, call{"read", k, history.MustJSON(obj{"final": true})})
		case history.Queue:
			out = append(out, call{"drain", k, nil})
		case history.Log:
			out = append(out, call{"read", k, history.MustJSON(obj{"from": 0, "final": true})})
		}
	}
	if g.model == history.Ledger {
		out = append(out, call{"balances", "", nil})
	}
	return out
}

// observe learns from an operation's outcome. The values it keeps are
// slices of the operation's input and output, which the history keeps
// and nothing changes.
func (g *generator) observe(c call, t history.Type, output json.RawMessage) {
	switch g.model {
	case history.Register, history.KV:
		if t != history.OK {
			return
		}
		switch c.opType {
		case "write":
			if v, ok := flatjson.MemberBytes(c.input, "value"); ok {
				g.last[c.key] = json.RawMessage(v[0])
				break
			}
			var in struct{ Value json.RawMessage }
			if json.Unmarshal(c.input, &in) == nil {
				g.last[c.key] = in.Value
			}
		case "read":
			if v, ok := flatjson.MemberBytes(output, "value"); ok {
				g.last[c.key] = json.RawMessage(v[0])
				break
			}
			var out struct{ Value json.RawMessage }
			if json.Unmarshal(output, &out) == nil && out.Value != nil {
				g.last[c.key] = out.Value
			}
		case "cas":
			if v, ok := flatjson.MemberBytes(output, "ok"); ok {
				if string(v[0]) == "true" {
					if in, ok := flatjson.MemberBytes(c.input, "from", "to"); ok {
						g.last[c.key] = json.RawMessage(in[1])
						break
					}
				} else if string(v[0]) == "false" {
					break
				}
			}
			var in struct{ To json.RawMessage }
			var out struct{ OK bool }
			if json.Unmarshal(output, &out) == nil && out.OK && json.Unmarshal(c.input, &in) == nil {
				g.last[c.key] = in.To
			}
		}
	case history.Log:
		if t != history.OK {
			return
		}
		var out struct {
			Offset  *int64
			Entries []struct{ Offset int64 }
		}
		if json.Unmarshal(output, &out) != nil {
			return
		}
		if out.Offset != nil {
			g.seeOffset(c.key, *out.Offset)
		}
		for _, e := range out.Entries {
			g.seeOffset(c.key, e.Offset)
		}
	case history.Lock:
		switch c.opType {
		case "acquire":
			g.held = nil
			var out struct{ Token *int64 }
			if t == history.OK && json.Unmarshal(output, &out) == nil && out.Token != nil {
				g.held = &holding{key: c.key, token: *out.Token}
			}
		case "use":
			if t == history.Fail { // rejected as stale: the lock is lost
				g.held = nil
			}
		case "release":
			g.held = nil
		}
	case history.Lease:
		switch c.opType {
		case "acquire":
			g.held = nil
			if t == history.OK {
				g.held = &holding{key: c.key}
			}
		case "renew":
			if t == history.Fail {
				g.held = nil
			}
		case "release":
			g.held = nil
		}
	}
}

func (g *generator) seeOffset(key string, off int64) {
	if off+1 > g.nextOffset[key] {
		g.nextOffset[key] = off + 1
	}
}
