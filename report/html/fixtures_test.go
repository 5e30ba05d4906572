package html

import (
	"bytes"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline-dst/faultline/checkers"
	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/sim"
)

// pending is a scheduled record of the synthetic trace.
type pending struct {
	at  int64
	ord int
	r   sim.Record
}

type agenda []pending

func (a agenda) Len() int { return len(a) }
func (a agenda) Less(i, j int) bool {
	if a[i].at != a[j].at {
		return a[i].at < a[j].at
	}
	return a[i].ord < a[j].ord
}
func (a agenda) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a *agenda) Push(x any)   { *a = append(*a, x.(pending)) }
func (a *agenda) Pop() any {
	old := *a
	x := old[len(old)-1]
	*a = old[:len(old)-1]
	return x
}

// syntheticTrace writes a deterministic trace of about n records in sim's
// text form: five servers and five clients exchanging messages, timers and
// log lines, with a crash and restart, a pause, a partition that drops
// messages and a clock jump. It also returns the matching schedule.
func syntheticTrace(n int) ([]byte, nemesis.Schedule) {
	names := []string{"n1", "n2", "n3", "n4", "n5", "client0", "client1", "client2", "client3", "client4"}
	r := rand.New(rand.NewPCG(7, 11))
	var out bytes.Buffer
	out.WriteString("# faultline trace v1: seq\tt_ns\tkind\tnode\tpeer\tlen\tdigest\tdetail\n")
	// Time scale: about 8 records per millisecond.
	span := int64(n) * int64(time.Millisecond) / 8
	crashAt, restartAt := span*30/100, span*38/100
	pauseAt, resumeAt := span*50/100, span*55/100
	cutAt, healAt := span*60/100, span*70/100
	jumpAt, jumpEnd := span*75/100, span*80/100
	sched := nemesis.Schedule{
		{ID: "f1", Kind: nemesis.Crash, Start: clock.Time(crashAt), End: clock.Time(restartAt), Nodes: []string{"n2"}},
		{ID: "f2", Kind: nemesis.Pause, Start: clock.Time(pauseAt), End: clock.Time(resumeAt), Nodes: []string{"n3"}},
		{ID: "f3", Kind: nemesis.Partition, Shape: nemesis.Isolate, Start: clock.Time(cutAt), End: clock.Time(healAt), Nodes: []string{"n1", "n2", "n3", "n4", "n5"},
			Components: [][]string{{"n1"}, {"n2", "n3", "n4", "n5"}}},
		{ID: "f4", Kind: nemesis.ClockJump, Start: clock.Time(jumpAt), End: clock.Time(jumpEnd), Nodes: []string{"n4"}, Jump: 2 * time.Second},
	}
	var ag agenda
	ord := 0
	push := func(at int64, rec sim.Record) {
		ord++
		heap.Push(&ag, pending{at: at, ord: ord, r: rec})
	}
	down := func(node int32, at int64) bool {
		return node == 1 && at >= crashAt && at < restartAt
	}
	cut := func(a, b int32, at int64) bool {
		return at >= cutAt && at < healAt && (a == 0) != (b == 0) && a < 5 && b < 5
	}
	for i := int32(0); i < int32(len(names)); i++ {
		push(0, sim.Record{Kind: sim.KindStart, Node: i, Peer: -1})
		push(int64(i)*100_000+1_000_000, sim.Record{Kind: sim.KindTimer, Node: i, Peer: -1, Detail: "tick"})
	}
	for _, at := range []int64{crashAt, restartAt, pauseAt, resumeAt, cutAt, healAt, jumpAt, jumpEnd} {
		push(at, sim.Record{Kind: sim.KindAction, Node: -1, Peer: -1})
	}
	var buf []byte
	seq := uint64(0)
	emit := func(at int64, rec sim.Record) {
		seq++
		rec.Seq, rec.At = seq, clock.Time(at)
		buf = sim.AppendRecord(buf[:0], &rec, names)
		out.Write(buf)
	}
	for int(seq) < n-1 && ag.Len() > 0 {
		p := heap.Pop(&ag).(pending)
		at, rec := p.at, p.r
		if rec.Kind == sim.KindAction {
			if int(seq) >= n-3 {
				continue // leave room for the stop record
			}
			switch at {
			case crashAt:
				emit(at, sim.Record{Kind: sim.KindAction, Node: -1, Peer: -1, Detail: "f1 start crash n2"})
				emit(at, sim.Record{Kind: sim.KindCrash, Node: 1, Peer: -1, Detail: "lost 3 writes"})
			case restartAt:
				emit(at, sim.Record{Kind: sim.KindAction, Node: -1, Peer: -1, Detail: "f1 end crash n2"})
				emit(at, sim.Record{Kind: sim.KindStart, Node: 1, Peer: -1, Len: 1})
				push(at+1_000_000, sim.Record{Kind: sim.KindTimer, Node: 1, Peer: -1, Detail: "tick"})
			case pauseAt:
				emit(at, sim.Record{Kind: sim.KindPause, Node: 2, Peer: -1})
			case resumeAt:
				emit(at, sim.Record{Kind: sim.KindResume, Node: 2, Peer: -1, Len: 4})
			case cutAt:
				emit(at, sim.Record{Kind: sim.KindFault, Node: -1, Peer: -1, Detail: "install f3 cut {n1} | {n2,n3,n4,n5}"})
			case healAt:
				emit(at, sim.Record{Kind: sim.KindFault, Node: -1, Peer: -1, Detail: "remove f3"})
			case jumpAt:
				emit(at, sim.Record{Kind: sim.KindClock, Node: 3, Peer: -1, Detail: "jump 2s"})
			case jumpEnd:
				emit(at, sim.Record{Kind: sim.KindClock, Node: 3, Peer: -1, Detail: "jump -2s"})
			}
			continue
		}
		if down(rec.Node, at) {
			continue // a crashed node's timers and deliveries are gone
		}
		if at >= pauseAt && at < resumeAt && rec.Node == 2 {
			push(resumeAt+1, rec)
			continue
		}
		switch rec.Kind {
		case sim.KindTimer:
			emit(at, rec)
			node := rec.Node
			// Each tick: a log line now and then, messages to peers.
			if r.IntN(4) == 0 {
				emit(at, sim.Record{Kind: sim.KindLog, Node: node, Peer: -1, Detail: fmt.Sprintf("term %d index %d commit %d", at/1e9+1, seq/7, seq/9)})
			}
			for range 1 + r.IntN(3) {
				to := int32(r.IntN(len(names)))
				if to == node {
					continue
				}
				payload := fmt.Appendf(nil, "msg %d from %d", r.IntN(1000), node)
				d := sim.Digest(payload)
				emit(at, sim.Record{Kind: sim.KindSend, Node: node, Peer: to, Len: len(payload), Digest: d})
				switch {
				case cut(node, to, at):
					emit(at, sim.Record{Kind: sim.KindDrop, Node: node, Peer: to, Len: len(payload), Digest: d, Detail: "partition f3"})
				case r.IntN(200) == 0:
					emit(at, sim.Record{Kind: sim.KindDrop, Node: node, Peer: to, Len: len(payload), Digest: d, Detail: "loss"})
				default:
					push(at+int64(500_000+r.IntN(4_000_000)), sim.Record{Kind: sim.KindDeliver, Node: to, Peer: node, Len: len(payload), Digest: d})
				}
			}
			dur := int64(5_000_000 + r.IntN(10_000_000))
			emit(at, sim.Record{Kind: sim.KindSetTimer, Node: node, Peer: -1, Digest: uint64(dur), Detail: "tick"})
			push(at+dur, sim.Record{Kind: sim.KindTimer, Node: node, Peer: -1, Detail: "tick"})
		case sim.KindDeliver:
			if down(rec.Node, at) {
				emit(at, sim.Record{Kind: sim.KindDrop, Node: rec.Peer, Peer: rec.Node, Len: rec.Len, Digest: rec.Digest, Detail: "receiver-crashed"})
				continue
			}
			emit(at, rec)
		default:
			emit(at, rec)
		}
	}
	emit(int64(p95(ag, span)), sim.Record{Kind: sim.KindStop, Node: -1, Peer: -1, Detail: "events"})
	return out.Bytes(), sched
}

// p95 is the instant the synthetic run stops: the next scheduled record.
func p95(ag agenda, span int64) int64 {
	if len(ag) == 0 {
		return span
	}
	m := ag[0].at
	for _, p := range ag {
		m = min(m, p.at)
	}
	return m
}

// Hostile strings: markup that must show as text.
const (
	xssScript = "<script>alert(1)</script>"
	xssBold   = "<b>x</b>"
	xssImg    = `<img src=x onerror="window.__xss=1">`
)

// hostileHistory is a register history whose key, values, errors and
// node names are markup, and that is not linearizable (a read returns a
// value never written), with the checker's answer.
func hostileHistory() (history.History, *checkers.Result) {
	ms := int64(time.Millisecond)
	ops := []history.Op{
		{ID: 1, Process: 0, Model: history.Register, OpType: "write", Key: xssBold, Input: history.MustJSON(map[string]any{"value": xssScript}), Output: history.MustJSON(nil), Type: history.OK, InvokeTS: 1 * ms, CompleteTS: 3 * ms, NodeSeen: xssBold},
		{ID: 2, Process: 1, Model: history.Register, OpType: "read", Key: xssBold, Input: history.MustJSON(nil), Output: history.MustJSON(map[string]any{"value": xssImg}), Type: history.OK, InvokeTS: 4 * ms, CompleteTS: 6 * ms, NodeSeen: xssBold},
		{ID: 3, Process: 2, Model: history.Register, OpType: "write", Key: xssBold, Input: history.MustJSON(map[string]any{"value": xssBold}), Type: history.Fail, Error: xssScript, InvokeTS: 2 * ms, CompleteTS: 5 * ms, NodeSeen: xssBold},
		{ID: 4, Process: 2, Model: history.Register, OpType: "write", Key: xssBold, Input: history.MustJSON(map[string]any{"value": xssBold}), Type: history.Info, TimeoutMarker: true, InvokeTS: 7 * ms, NodeSeen: xssBold},
	}
	for i := range ops {
		ops[i].FaultEpoch = &history.FaultEpoch{Invoke: []string{}, Complete: []string{}}
		if ops[i].Type == history.Info {
			ops[i].FaultEpoch.Complete = nil
		}
	}
	h := history.History{Ops: ops}
	res := checkers.Linearizable(h, checkers.Options{})
	return h, &res
}

// hostileSchedule is a fault whose target is a node named with markup.
func hostileSchedule() nemesis.Schedule {
	return nemesis.Schedule{{ID: "f1", Kind: nemesis.Pause, Start: clock.Time(2 * time.Millisecond), End: clock.Time(5 * time.Millisecond), Nodes: []string{xssBold}}}
}

// hostileTrace is a short trace whose node names and details are markup.
func hostileTrace() []byte {
	names := []string{xssBold, "n2"}
	recs := []sim.Record{
		{At: 0, Kind: sim.KindStart, Node: 0, Peer: -1},
		{At: 0, Kind: sim.KindStart, Node: 1, Peer: -1},
		{At: 1_000_000, Kind: sim.KindLog, Node: 0, Peer: -1, Detail: xssScript},
		{At: 1_000_000, Kind: sim.KindSend, Node: 0, Peer: 1, Len: 5, Digest: 42},
		{At: 2_000_000, Kind: sim.KindDeliver, Node: 1, Peer: 0, Len: 5, Digest: 42},
		{At: 2_000_000, Kind: sim.KindLog, Node: 1, Peer: -1, Detail: xssImg},
		{At: 3_000_000, Kind: sim.KindPause, Node: 0, Peer: -1},
		{At: 4_000_000, Kind: sim.KindResume, Node: 0, Peer: -1},
		{At: 5_000_000, Kind: sim.KindLog, Node: 0, Peer: -1, Detail: xssBold + " and \u2028 and </script><script>window.__xss=2</script>"},
		{At: 6_000_000, Kind: sim.KindStop, Node: -1, Peer: -1, Detail: "time"},
	}
	var out, buf []byte
	for i := range recs {
		recs[i].Seq = uint64(i + 1)
		buf = sim.AppendRecord(buf[:0], &recs[i], names)
		out = append(out, buf...)
	}
	return out
}
