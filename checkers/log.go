package checkers

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/faultline-dst/faultline/history"
)

// Log checks append-only logs, per key:
//
//   - "duplicate-offset": two ok appends of different values got the same
//     offset;
//   - "offset-order": an ok append acknowledged before another was invoked
//     got a greater or equal offset, or a read's offsets do not ascend;
//   - "invented-value": a read returned a value no append (ok or info)
//     offered;
//   - "divergent-read": a read shows a value at an offset where an append
//     or another read shows a different one;
//   - "duplicate-entry": one value at two offsets;
//   - "non-prefix-read": a read skips a known offset between its "from"
//     and the last offset it shows;
//   - "lost-write": an ok append acknowledged before a final read (input
//     {"final": true}) began is missing from it (when at or after its
//     "from").
//
// A key without an ok final read cannot be judged for loss and is
// undecided ("no-final-read") unless it has another anomaly. Duplicate
// entries are allowed under Options.Delivery AtLeastOnce; without a
// delivery claim nothing is decided ("not-configured").
func Log(h history.History, opts Options) Result {
	return run("log", h, opts, func(ops []history.Op, r *report) error {
		if err := r.opts.deliveryClaim("log"); err != nil {
			return err
		}
		for _, part := range (history.History{Ops: ops}).ByKey() {
			if err := checkLogKey(part, r); err != nil {
				return err
			}
		}
		return nil
	})
}

type logAppend struct {
	op     history.Op
	value  string
	offset int64
}

type logEntry struct {
	offset int64
	value  string
}

type logRead struct {
	op      history.Op
	from    int64
	final   bool
	entries []logEntry
}

func checkLogKey(part history.KeyOps, r *report) error {
	offered := make(map[string]bool)
	var acked []logAppend
	var reads []logRead
	var work int64
	for _, o := range part.Ops {
		work++
		switch o.OpType {
		case "append":
			v, err := valueIn(o, o.Input, "input", "value")
			if err != nil {
				return err
			}
			if o.Type != history.Fail {
				offered[v] = true
			}
			if o.Type == history.OK {
				off, err := intIn(o, o.Output, "output", "offset")
				if err != nil {
					return err
				}
				acked = append(acked, logAppend{o, v, off})
			}
		case "read":
			final, m, err := finalFlag(o, "from")
			if err != nil {
				return err
			}
			var from int64
			if f, ok := m["from"]; ok {
				if from, err = integer(f); err != nil {
					return malformed(o, "input", err)
				}
			}
			if o.Type != history.OK {
				continue
			}
			rd := logRead{op: o, from: from, final: final}
			if rd.entries, err = logEntries(o); err != nil {
				return err
			}
			reads = append(reads, rd)
		}
	}

	// What each offset holds, first from acknowledged appends, then reads.
	type witness struct {
		value string
		op    int64
	}
	at := make(map[int64]witness)
	where := make(map[string]witness) // value -> offset (as text) and who said so
	for _, a := range acked {
		if w, ok := at[a.offset]; ok && w.value != a.value {
			r.violate("duplicate-offset", part.Key, []int64{w.op, a.op.ID}, "appends op %d (%s) and op %d (%s) both got offset %d", w.op, w.value, a.op.ID, a.value, a.offset)
			continue
		}
		at[a.offset] = witness{a.value, a.op.ID}
		off := fmt.Sprint(a.offset)
		if w, ok := where[a.value]; ok && w.value != off && r.opts.Delivery != AtLeastOnce {
			r.violate("duplicate-entry", part.Key, []int64{w.op, a.op.ID}, "appends op %d and op %d placed %s at offsets %s and %s", w.op, a.op.ID, a.value, w.value, off)
		} else if !ok {
			where[a.value] = witness{off, a.op.ID}
		}
	}
	// Real-time order of acknowledged appends: offsets must increase.
	byOffset := make([]tokenOp, len(acked))
	for i, a := range acked {
		byOffset[i] = tokenOp{a.op, a.offset}
	}
	work += inversions(byOffset, true, func(a, b tokenOp) {
		r.violate("offset-order", part.Key, ids(a.op, b.op), "append op %d got offset %d after append op %d, acknowledged before it began, got offset %d",
			b.op.ID, b.token, a.op.ID, a.token)
	})
	for _, rd := range reads {
		for i, e := range rd.entries {
			work++
			if i > 0 && e.offset <= rd.entries[i-1].offset {
				r.violate("offset-order", part.Key, ids(rd.op), "read op %d shows offset %d after offset %d", rd.op.ID, e.offset, rd.entries[i-1].offset)
			}
			if !offered[e.value] {
				r.violate("invented-value", part.Key, ids(rd.op), "read op %d shows %s at offset %d, which no append offered", rd.op.ID, e.value, e.offset)
			}
			if w, ok := at[e.offset]; ok && w.value != e.value {
				r.violate("divergent-read", part.Key, []int64{rd.op.ID, w.op}, "read op %d shows %s at offset %d, where op %d shows %s", rd.op.ID, e.value, e.offset, w.op, w.value)
			} else if !ok {
				at[e.offset] = witness{e.value, rd.op.ID}
			}
			off := fmt.Sprint(e.offset)
			if w, ok := where[e.value]; ok && w.value != off && r.opts.Delivery != AtLeastOnce {
				r.violate("duplicate-entry", part.Key, []int64{rd.op.ID, w.op}, "read op %d shows %s at offset %d, where op %d places it at offset %s", rd.op.ID, e.value, e.offset, w.op, w.value)
			} else if !ok {
				where[e.value] = witness{off, rd.op.ID}
			}
		}
	}
	// Prefixes: no known offset skipped between from and the last shown.
	known := make([]int64, 0, len(at))
	for off := range at {
		known = append(known, off)
	}
	sort.Slice(known, func(i, j int) bool { return known[i] < known[j] })
	for _, rd := range reads {
		if len(rd.entries) == 0 {
			continue
		}
		shown := make(map[int64]bool, len(rd.entries))
		for _, e := range rd.entries {
			shown[e.offset] = true
		}
		last := rd.entries[len(rd.entries)-1].offset
		lo := sort.Search(len(known), func(i int) bool { return known[i] >= rd.from })
		for _, off := range known[lo:] {
			work++
			if off > last {
				break
			}
			if !shown[off] {
				w := at[off]
				r.violate("non-prefix-read", part.Key, []int64{rd.op.ID, w.op}, "read op %d from %d shows offset %d but skips offset %d (%s, per op %d)", rd.op.ID, rd.from, last, off, w.value, w.op)
				break
			}
		}
	}
	finals := 0
	for _, rd := range reads {
		if !rd.final {
			continue
		}
		finals++
		has := make(map[string]bool, len(rd.entries))
		for _, e := range rd.entries {
			has[e.value] = true
		}
		for _, a := range acked {
			work++
			if a.offset >= rd.from && precedes(a.op, rd.op) && !has[a.value] {
				r.violate("lost-write", part.Key, ids(a.op, rd.op), "append op %d of %s was acknowledged at offset %d at %d but final read op %d (invoked at %d) does not show it",
					a.op.ID, a.value, a.offset, a.op.CompleteTS, rd.op.ID, rd.op.InvokeTS)
			}
		}
	}
	reason := ""
	if finals == 0 {
		reason = fmt.Sprintf("%s: no ok read with input {\"final\": true}, so lost appends cannot be judged", reasonNoFinal)
	}
	r.partition(part.Key, len(part.Ops), work, reason)
	return nil
}

// logEntries decodes a read's output {"entries": [{"offset": n, "value": v}, ...]}.
func logEntries(o history.Op) ([]logEntry, error) {
	m, err := object(o.Output, []string{"entries"}, nil)
	if err != nil {
		return nil, malformed(o, "output", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(m["entries"], &raw); err != nil {
		return nil, malformed(o, "output", fmt.Errorf(`"entries": want a list`))
	}
	out := make([]logEntry, len(raw))
	for i, e := range raw {
		em, err := object(e, []string{"offset", "value"}, nil)
		if err != nil {
			return nil, malformed(o, "output", err)
		}
		if out[i].offset, err = integer(em["offset"]); err != nil {
			return nil, malformed(o, "output", err)
		}
		if out[i].value, err = canon(em["value"]); err != nil {
			return nil, malformed(o, "output", err)
		}
	}
	return out, nil
}
