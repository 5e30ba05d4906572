// Package bare is the floor of faultline's performance: a replicated
// key-value store on etcd raft (Replica) and a minimal hand-rolled event
// loop (Run) that drives three replicas and a closed-loop client workload
// with no faultline package at all. Package floor runs the same Replica
// under faultline with every feature on, so that the two costs can be
// compared side by side on the same work.
//
// The package imports only the standard library and etcd raft, so that
// nothing of faultline's can hide in the floor.
package bare

import (
	"encoding/binary"
	"errors"
	"sort"
	"strconv"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// Raft timing, in ticks of TickEvery.
const (
	ElectionTicks  = 10
	HeartbeatTicks = 1
)

// Replica is one replica of a key-value store on a raft RawNode with
// in-memory storage: writes and compare-and-sets are proposed and applied
// in log order; reads go through ReadIndex. Only the leader serves;
// others redirect. It does no I/O: Send and Reply are how it talks.
type Replica struct {
	// Send carries a marshalled raft message to replica to (ids 1..n).
	Send func(to uint64, msg []byte)
	// Reply carries a reply to a client; the caller puts it on its wire
	// (bare's own: EncodeReply).
	Reply func(client string, rep Reply)

	id        uint64
	rn        *raft.RawNode
	ms        *raft.MemoryStorage
	kv        map[string]int64 // absent: null
	applied   uint64
	lead      uint64
	leader    bool
	seq       uint64
	proposals map[uint64]pending
	reads     map[uint64]pending
	confirmed []pending
	buf       []byte // a raft message, marshalled in place
}

type pending struct {
	client string
	req    Request
	index  uint64
}

// NewReplica returns replica id (1..n) of an n-replica group.
func NewReplica(id uint64, n int) *Replica {
	ms := raft.NewMemoryStorage()
	peers := make([]uint64, n)
	for i := range peers {
		peers[i] = uint64(i + 1)
	}
	if err := ms.ApplySnapshot(raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: 1, Term: 1, ConfState: raftpb.ConfState{Voters: peers}}}); err != nil {
		panic(err)
	}
	rn, err := raft.NewRawNode(&raft.Config{
		ID:                        id,
		ElectionTick:              ElectionTicks,
		HeartbeatTick:             HeartbeatTicks,
		Storage:                   ms,
		Applied:                   1,
		MaxSizePerMsg:             1 << 20,
		MaxInflightMsgs:           256,
		MaxUncommittedEntriesSize: 1 << 24,
		CheckQuorum:               true,
		PreVote:                   true,
		ReadOnlyOption:            raft.ReadOnlySafe,
		DisableProposalForwarding: true,
		Logger:                    quiet{},
	})
	if err != nil {
		panic(err)
	}
	return &Replica{id: id, rn: rn, ms: ms, kv: map[string]int64{}, applied: 1,
		proposals: map[uint64]pending{}, reads: map[uint64]pending{}}
}

// Tick advances raft's logical clock by one tick.
func (r *Replica) Tick() {
	r.rn.Tick()
	r.ready()
}

// Step delivers a marshalled raft message.
func (r *Replica) Step(msg []byte) {
	var m raftpb.Message
	if err := m.Unmarshal(msg); err != nil {
		return
	}
	if err := r.rn.Step(m); err != nil && !errors.Is(err, raft.ErrStepPeerNotFound) {
		return
	}
	r.ready()
}

// Request serves one encoded request (see EncodeRequest) from client.
func (r *Replica) Request(client string, msg []byte) {
	req, err := DecodeRequest(msg)
	if err != nil {
		r.Reply(client, Reply{ID: req.ID, Op: req.Op, Status: StatusFail})
		return
	}
	r.Serve(client, req)
}

// Serve serves one request from client, already off the wire.
func (r *Replica) Serve(client string, req Request) {
	p := pending{client: client, req: req}
	switch {
	case !r.leader:
		r.Reply(client, Reply{ID: req.ID, Op: req.Op, Status: StatusRedirect, Leader: r.lead})
		return
	case len(r.proposals)+len(r.reads)+len(r.confirmed) >= 1024:
		r.Reply(client, Reply{ID: req.ID, Op: req.Op, Status: StatusFail})
		return
	}
	r.seq++
	if req.Op == OpRead {
		var ctx [8]byte
		binary.BigEndian.PutUint64(ctx[:], r.seq)
		r.reads[r.seq] = p
		r.rn.ReadIndex(ctx[:])
	} else {
		// The log entry: proposer id, sequence number, then the request.
		data := binary.AppendUvarint(nil, r.id)
		data = binary.AppendUvarint(data, r.seq)
		data = AppendRequest(data, req)
		if err := r.rn.Propose(data); err != nil {
			r.Reply(client, Reply{ID: req.ID, Op: req.Op, Status: StatusRedirect, Leader: r.lead})
			return
		}
		r.proposals[r.seq] = p
	}
	r.ready()
}

func (r *Replica) ready() {
	for r.rn.HasReady() {
		rd := r.rn.Ready()
		if err := r.ms.Append(rd.Entries); err != nil {
			panic(err)
		}
		if !raft.IsEmptyHardState(rd.HardState) {
			if err := r.ms.SetHardState(rd.HardState); err != nil {
				panic(err)
			}
		}
		for i := range rd.Messages {
			m := &rd.Messages[i]
			size := m.Size()
			if cap(r.buf) < size {
				r.buf = make([]byte, size)
			}
			b := r.buf[:size]
			if _, err := m.MarshalTo(b); err != nil {
				panic(err)
			}
			r.Send(m.To, b)
		}
		r.apply(rd.CommittedEntries)
		for _, rs := range rd.ReadStates {
			if len(rs.RequestCtx) != 8 {
				continue
			}
			seq := binary.BigEndian.Uint64(rs.RequestCtx)
			if p, ok := r.reads[seq]; ok {
				delete(r.reads, seq)
				p.index = rs.Index
				r.confirmed = append(r.confirmed, p)
			}
		}
		r.serveReads()
		if rd.SoftState != nil {
			r.lead = rd.SoftState.Lead
			was := r.leader
			r.leader = rd.SoftState.RaftState == raft.StateLeader
			if was && !r.leader {
				r.abandon()
			}
		}
		r.rn.Advance(rd)
	}
}

func (r *Replica) apply(ents []raftpb.Entry) {
	for i := range ents {
		e := &ents[i]
		if e.Index <= r.applied {
			continue
		}
		r.applied = e.Index
		switch e.Type {
		case raftpb.EntryNormal:
			if len(e.Data) == 0 {
				continue
			}
			node, n1 := binary.Uvarint(e.Data)
			seq, n2 := binary.Uvarint(e.Data[max(n1, 0):])
			req, err := DecodeRequest(e.Data[max(n1, 0)+max(n2, 0):])
			if n1 <= 0 || n2 <= 0 || err != nil {
				panic("bare: undecodable committed entry")
			}
			rep := Reply{ID: req.ID, Op: req.Op, Status: StatusOK}
			cur, had := r.kv[req.Key]
			switch req.Op {
			case OpWrite:
				r.set(req.Key, req.To)
			case OpCAS:
				rep.OK = had == !req.From.Null && (!had || cur == req.From.V)
				if rep.OK {
					r.set(req.Key, req.To)
				}
			}
			if node == r.id {
				if p, ok := r.proposals[seq]; ok {
					delete(r.proposals, seq)
					r.Reply(p.client, rep)
				}
			}
		case raftpb.EntryConfChange:
			var cc raftpb.ConfChange
			if err := cc.Unmarshal(e.Data); err == nil {
				r.rn.ApplyConfChange(cc)
			}
		}
	}
}

func (r *Replica) set(key string, v Value) {
	if v.Null {
		delete(r.kv, key)
		return
	}
	r.kv[key] = v.V
}

func (r *Replica) serveReads() {
	k := 0
	for _, p := range r.confirmed {
		if p.index > r.applied {
			r.confirmed[k] = p
			k++
			continue
		}
		v, ok := r.kv[p.req.Key]
		r.Reply(p.client, Reply{ID: p.req.ID, Op: p.req.Op, Status: StatusOK, Value: Value{V: v, Null: !ok}})
	}
	clear(r.confirmed[k:])
	r.confirmed = r.confirmed[:k]
}

// abandon answers every request waiting for the leadership just lost: a
// proposal's fate is unknown, an unconfirmed read failed.
func (r *Replica) abandon() {
	for _, seq := range sorted(r.proposals) {
		p := r.proposals[seq]
		r.Reply(p.client, Reply{ID: p.req.ID, Op: p.req.Op, Status: StatusUnknown})
	}
	clear(r.proposals)
	for _, seq := range sorted(r.reads) {
		p := r.reads[seq]
		r.Reply(p.client, Reply{ID: p.req.ID, Op: p.req.Op, Status: StatusFail})
	}
	clear(r.reads)
}

func sorted(m map[uint64]pending) []uint64 {
	s := make([]uint64, 0, len(m))
	for k := range m {
		s = append(s, k)
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

// NodeName names replica id as both sides do: n1, n2, ...
func NodeName(id uint64) string { return "n" + strconv.FormatUint(id, 10) }

// quiet is a raft.Logger that discards everything but fatal errors.
type quiet struct{}

func (quiet) Debug(...any)              {}
func (quiet) Debugf(string, ...any)     {}
func (quiet) Info(...any)               {}
func (quiet) Infof(string, ...any)      {}
func (quiet) Warning(...any)            {}
func (quiet) Warningf(string, ...any)   {}
func (quiet) Error(...any)              {}
func (quiet) Errorf(string, ...any)     {}
func (quiet) Fatal(v ...any)            { panic(v) }
func (quiet) Fatalf(f string, v ...any) { panic(f) }
func (quiet) Panic(v ...any)            { panic(v) }
func (quiet) Panicf(f string, v ...any) { panic(f) }
