package checkers

import (
	"github.com/faultline-dst/faultline/history"
)

// Session checks read-your-writes and monotonic reads per process (the
// session) and key, on register and key-value histories. Written values
// must be unique per key for the checker to tell writes apart.
//
// Versions are ordered only where the history proves it: the initial value
// (null) is older than every written value; a process's own acknowledged
// writes are older than its later ones; with Options.RealTimeOrder, any
// write acknowledged before another was invoked is older. A write here is an ok
// or info write, or an ok cas that swapped (or an info cas).
//
//   - "read-your-writes": a process reads a value older than one it wrote
//     (and had acknowledged) before the read;
//   - "monotonic-reads": a process reads a value older than one it read
//     before.
//
// Values no write produced are left to the linearizable checker.
func Session(h history.History, opts Options) Result {
	return run("session", h, opts, func(ops []history.Op, r *report) error {
		for _, part := range (history.History{Ops: ops}).ByKey() {
			if err := checkSessionKey(part, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// version is one write that may have produced a value.
type version struct {
	op    history.Op
	value string
}

func checkSessionKey(part history.KeyOps, r *report) error {
	writers := make(map[string][]history.Op) // value -> writes that may have produced it
	type read struct {
		op    history.Op
		value string
	}
	var sessions []int // processes in order of first operation
	known := make(map[int]bool)
	writes := make(map[int][]version) // process -> its writes (ok or info), by invocation
	reads := make(map[int][]read)
	ops := append([]history.Op(nil), part.Ops...)
	byInvoke(ops)
	var work int64
	for _, o := range ops {
		work++
		if o.Type == history.Fail {
			continue
		}
		if !known[o.Process] {
			known[o.Process] = true
			sessions = append(sessions, o.Process)
		}
		switch o.OpType {
		case "write", "cas":
			name, what := "value", "input"
			var v string
			var err error
			if o.OpType == "cas" {
				name = "to"
				m, err := object(o.Input, []string{"from", "to"}, nil)
				if err != nil {
					return malformed(o, "input", err)
				}
				if o.Type == history.OK {
					swapped, err := casSwapped(o)
					if err != nil {
						return err
					}
					if !swapped {
						continue
					}
				}
				if v, err = canon(m[name]); err != nil {
					return malformed(o, what, err)
				}
			} else if v, err = valueIn(o, o.Input, what, name); err != nil {
				return err
			}
			writers[v] = append(writers[v], o)
			writes[o.Process] = append(writes[o.Process], version{o, v})
		case "read":
			if o.Type != history.OK {
				continue
			}
			v, err := valueIn(o, o.Output, "output", "value")
			if err != nil {
				return err
			}
			reads[o.Process] = append(reads[o.Process], read{o, v})
		}
	}
	// before reports whether write a is certainly older than write b: a
	// completed before b was invoked, and they belong to one session (or
	// real-time order is claimed). An info write is never certainly older:
	// it may take effect after its process moved on.
	before := func(a, b history.Op) bool {
		return precedes(a, b) && (a.Process == b.Process || r.opts.RealTimeOrder)
	}
	// older reports whether value x is certainly older than value y.
	older := func(x, y string) bool {
		if x == y || y == "null" {
			return false
		}
		if x == "null" {
			return true
		}
		wx, wy := writers[x], writers[y]
		if len(wx) == 0 || len(wy) == 0 {
			return false
		}
		for _, a := range wx {
			for _, b := range wy {
				work++
				if !before(a, b) {
					return false
				}
			}
		}
		return true
	}
	for _, p := range sessions {
		ws := writes[p]
		var seen []read // distinct values read so far
		for _, rd := range reads[p] {
			// Read-your-writes: the latest of p's writes acknowledged before the read.
			var last *version
			for i := range ws {
				if ws[i].op.Type == history.OK && ws[i].op.CompleteTS < rd.op.InvokeTS {
					last = &ws[i]
				}
			}
			if last != nil && older(rd.value, last.value) {
				r.violate("read-your-writes", part.Key, ids(rd.op, last.op), "process %d wrote %s (op %d, acknowledged at %d) and then read %s (op %d), an older value",
					p, last.value, last.op.ID, last.op.CompleteTS, rd.value, rd.op.ID)
			}
			for _, prev := range seen {
				if older(rd.value, prev.value) {
					r.violate("monotonic-reads", part.Key, ids(rd.op, prev.op), "process %d read %s (op %d) and then %s (op %d), an older value",
						p, prev.value, prev.op.ID, rd.value, rd.op.ID)
					break
				}
			}
			dup := false
			for _, prev := range seen {
				dup = dup || prev.value == rd.value
			}
			if !dup {
				seen = append(seen, rd)
			}
		}
	}
	reason := ""
	nreads := 0
	for _, p := range sessions {
		nreads += len(reads[p])
	}
	if nreads == 0 {
		reason = reasonNoReads + ": no ok read to judge"
	}
	r.partition(part.Key, len(part.Ops), work, reason)
	return nil
}

// casSwapped decodes an ok cas's output {"ok": bool}.
func casSwapped(o history.Op) (bool, error) {
	m, err := object(o.Output, []string{"ok"}, nil)
	if err != nil {
		return false, malformed(o, "output", err)
	}
	b, err := boolean(m["ok"])
	if err != nil {
		return false, malformed(o, "output", err)
	}
	return b, nil
}
