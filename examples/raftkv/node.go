package raftkv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/faultline-dst/faultline/sim"
	"github.com/faultline-dst/faultline/workloads"
)

// Timer tags.
const (
	tagTick  = "tick"
	tagFsync = "fsync"
)

// node is one replica: a raft RawNode driven by simulator events, its WAL
// and snapshot on the node's disk, and the state machine behind the log.
// Every event ends by draining raft's Ready (see ready).
type node struct {
	env  *sim.Env
	cfg  *resolved
	id   uint64
	rn   *raft.RawNode
	ms   *raft.MemoryStorage
	wal  *wal
	sm   *machine
	conf raftpb.ConfState

	snapIndex uint64 // index of the latest snapshot (genesis: 1)
	applied   uint64 // last index applied to sm
	lead      uint64 // leader as of the last SoftState (0: unknown)
	leader    bool   // this node is the leader

	seq       uint64                    // last proposal or read sequence number
	proposals map[uint64]pending        // by seq: proposals awaiting apply
	reads     map[uint64]pending        // by seq: reads awaiting their ReadState
	confirmed []pending                 // reads with a ReadState, awaiting apply
	snapSent  []uint64                  // peers sent a snapshot in this Ready
	handedOut map[string]map[string]int // BugDequeueBeforeCommit: queue -> item -> removals in flight
	halted    error                     // non-nil: the node stopped (fatal error)
	buf       []byte                    // scratch for marshalling messages
}

// roles are the roles a replica declares (sim.Env.SetRole), from raft's
// soft state.
var roles = map[raft.StateType]string{raft.StateFollower: "follower", raft.StateCandidate: "candidate",
	raft.StateLeader: "leader", raft.StatePreCandidate: "pre-candidate"}

// pending is a client request waiting for raft.
type pending struct {
	client string // the node to reply to
	req    uint64 // the request's ID
	cmd    command
	index  uint64 // reads: the ReadState index to wait for
}

func newNode(env *sim.Env, cfg *resolved) sim.Node {
	id := nodeID(env.Name(), cfg.Nodes)
	if id == 0 {
		panic("raftkv: the replica factory was used for node " + env.Name() + "; replicas are named " + NodeName(1) + ".." + NodeName(uint64(cfg.Nodes)))
	}
	n := &node{
		env:       env,
		cfg:       cfg,
		id:        id,
		sm:        newMachine(cfg, env.Mono),
		proposals: map[uint64]pending{},
		reads:     map[uint64]pending{},
	}
	n.sm.wall = env.Now
	return n
}

// errInconsistent marks a disk whose checksummed contents are intact but
// contradict each other: something this node wrote was lost in an order
// it should have prevented. That is a bug of the node, not a fault it was
// meant to survive.
var errInconsistent = errors.New("inconsistent state on disk")

// halt stops the node for good, as a process that exits on a fatal error:
// it ignores every later event until the harness restarts it. An
// inconsistency it should have prevented is also reported as a failed
// assertion (Env.Fail), so that faultline blames the system under test.
func (n *node) halt(what string, err error) {
	n.halted = err
	n.env.Logf("FATAL %s: %v; the node stops", what, err)
	n.env.SetRole("") // a stopped process holds no role
	if errors.Is(err, errInconsistent) {
		n.env.Fail("%s: %v", what, err)
	}
}

// Start recovers raft's storage and the state machine from disk and starts
// ticking.
func (n *node) Start() {
	rec, err := recoverStorage(n.env.Disk(), n.cfg.Nodes, n.cfg.Version, n.cfg.bugs.newWALFormat, n.env.Logf)
	if err != nil {
		n.halt("recovery", err)
		return
	}
	n.ms, n.wal = rec.storage, rec.wal
	meta := rec.snap.Metadata
	if err := n.sm.restore(rec.snap.Data, n.cfg); err != nil {
		n.halt("recovery", err)
		return
	}
	n.snapIndex, n.applied, n.conf = meta.Index, meta.Index, meta.ConfState
	readOnly := raft.ReadOnlySafe
	if n.cfg.bugs.leaseRead {
		readOnly = raft.ReadOnlyLeaseBased // BugLeaseRead: the lease is counted on this node's clock
	}
	n.rn, err = raft.NewRawNode(&raft.Config{
		ID:                        n.id,
		ElectionTick:              n.cfg.ElectionTicks,
		HeartbeatTick:             n.cfg.HeartbeatTicks,
		Storage:                   n.ms,
		Applied:                   n.applied,
		MaxSizePerMsg:             1 << 20,
		MaxInflightMsgs:           256,
		MaxUncommittedEntriesSize: 1 << 24,
		CheckQuorum:               !n.cfg.bugs.leaderRead, // BugLeaderRead: raft's default
		PreVote:                   true,
		ReadOnlyOption:            readOnly,
		DisableProposalForwarding: true,
		Logger:                    raftLogger{n.env},
	})
	if err != nil {
		n.halt("raft", err)
		return
	}
	n.env.SetTimer(n.cfg.Tick, tagTick)
	if n.cfg.bugs.ackBeforeSync {
		n.env.SetTimer(n.cfg.SyncInterval, tagFsync)
	}
	n.ready()
}

// Timer ticks raft, or runs the batched fsync of the ack-before-sync bug.
func (n *node) Timer(_ sim.TimerID, tag string) {
	if n.halted != nil {
		return
	}
	switch tag {
	case tagTick:
		n.rn.Tick()
		n.env.SetTimer(n.cfg.Tick, tagTick)
		n.ready()
	case tagFsync:
		if err := n.wal.sync(); err != nil {
			n.halt("wal sync", err)
			return
		}
		n.env.SetTimer(n.cfg.SyncInterval, tagFsync)
	}
}

// Receive steps raft messages from replicas and serves requests from
// everyone else.
func (n *node) Receive(from string, msg []byte) {
	if n.halted != nil {
		return
	}
	if nodeID(from, n.cfg.Nodes) == 0 {
		n.request(from, msg)
		n.ready()
		return
	}
	var m raftpb.Message
	if err := m.Unmarshal(msg); err != nil {
		n.env.Logf("dropping undecodable raft message from %s: %v", from, err)
		return
	}
	if m.To != n.id {
		n.env.Logf("dropping raft message for %d from %s", m.To, from)
		return
	}
	if err := n.rn.Step(m); err != nil && !errors.Is(err, raft.ErrStepPeerNotFound) {
		n.env.Logf("step %s from %s: %v", m.Type, from, err)
	}
	n.ready()
}

// ready drains raft's Ready, in the order the library requires with
// AsyncStorageWrites off: persist the snapshot, entries and hard state (and
// sync them), then send the messages, then apply the snapshot and the
// committed entries, then Advance.
func (n *node) ready() {
	for n.halted == nil && n.rn.HasReady() {
		rd := n.rn.Ready()
		if err := n.persist(&rd); err != nil {
			n.halt("persist", err)
			return
		}
		n.send(rd.Messages)
		if !raft.IsEmptySnap(rd.Snapshot) {
			if err := n.sm.restore(rd.Snapshot.Data, n.cfg); err != nil {
				n.halt("restore snapshot", err)
				return
			}
			n.applied = rd.Snapshot.Metadata.Index
		}
		n.apply(rd.CommittedEntries)
		for _, rs := range rd.ReadStates {
			if len(rs.RequestCtx) != 8 {
				continue
			}
			seq := binary.BigEndian.Uint64(rs.RequestCtx)
			if p, ok := n.reads[seq]; ok {
				delete(n.reads, seq)
				p.index = rs.Index
				n.confirmed = append(n.confirmed, p)
			}
		}
		n.serveReads()
		if rd.SoftState != nil {
			n.env.SetRole(roles[rd.SoftState.RaftState]) // faults may aim at the leader
			n.lead = rd.SoftState.Lead
			was := n.leader
			n.leader = rd.SoftState.RaftState == raft.StateLeader
			if was && !n.leader {
				n.abandon()
			}
		}
		n.rn.Advance(rd)
		for _, to := range n.snapSent {
			n.rn.ReportSnapshot(to, raft.SnapshotFinish)
		}
		n.snapSent = n.snapSent[:0]
		n.maybeSnapshot()
	}
}

// persist writes a Ready's snapshot, entries and hard state, and syncs
// them when raft says they must be durable before the messages leave.
func (n *node) persist(rd *raft.Ready) error {
	snap := !raft.IsEmptySnap(rd.Snapshot)
	if snap {
		if err := saveSnapshot(n.env.Disk(), &rd.Snapshot, !n.cfg.bugs.snapshotNoDirSync); err != nil {
			return err
		}
		if err := n.ms.ApplySnapshot(rd.Snapshot); err != nil {
			return err
		}
		n.snapIndex, n.conf = rd.Snapshot.Metadata.Index, rd.Snapshot.Metadata.ConfState
	}
	if err := n.ms.Append(rd.Entries); err != nil {
		return err
	}
	var hs *raftpb.HardState
	if !raft.IsEmptyHardState(rd.HardState) {
		hs = &rd.HardState
		if err := n.ms.SetHardState(rd.HardState); err != nil {
			return err
		}
	}
	if snap {
		// The log now starts after the snapshot: the WAL must not keep
		// entries that raft discarded.
		return n.rewriteWAL()
	}
	if err := n.wal.append(rd.Entries, hs); err != nil {
		return err
	}
	if !rd.MustSync || n.cfg.bugs.ackBeforeSync {
		return nil
	}
	return n.wal.sync()
}

// rewriteWAL replaces the WAL with the log raft's storage holds now.
func (n *node) rewriteWAL() error {
	first, _ := n.ms.FirstIndex()
	last, _ := n.ms.LastIndex()
	var ents []raftpb.Entry
	if last >= first {
		var err error
		if ents, err = n.ms.Entries(first, last+1, math.MaxUint64); err != nil {
			return err
		}
	}
	hs, _, _ := n.ms.InitialState()
	return n.wal.rewrite(ents, hs)
}

// send marshals and sends raft messages to their replicas.
func (n *node) send(msgs []raftpb.Message) {
	for i := range msgs {
		m := &msgs[i]
		size := m.Size()
		if cap(n.buf) < size {
			n.buf = make([]byte, size)
		}
		b := n.buf[:size]
		if _, err := m.MarshalTo(b); err != nil {
			panic("raftkv: marshalling a raft message: " + err.Error())
		}
		n.env.Send(NodeName(m.To), b)
		if m.Type == raftpb.MsgSnap {
			n.snapSent = append(n.snapSent, m.To)
		}
	}
}

// apply applies committed entries to the state machine and answers the
// clients of this incarnation's proposals.
func (n *node) apply(ents []raftpb.Entry) {
	for i := range ents {
		e := &ents[i]
		if e.Index <= n.applied {
			continue
		}
		switch e.Type {
		case raftpb.EntryNormal:
			if len(e.Data) == 0 {
				break // a new leader's empty entry
			}
			c, err := decodeCommand(e.Data)
			if err != nil {
				panic(fmt.Sprintf("raftkv: undecodable committed entry %q: %v", e.Data, err))
			}
			res := n.sm.apply(e.Index, &c)
			if c.Internal && c.Node == n.id && c.Inc == n.env.Incarnation() {
				n.removed(&c)
			} else if c.Node == n.id && c.Inc == n.env.Incarnation() {
				if p, ok := n.proposals[c.Seq]; ok {
					delete(n.proposals, c.Seq)
					n.reply(p, workloads.Reply{Status: res.status, Output: res.output, Error: res.err})
				}
			}
		case raftpb.EntryConfChange:
			var cc raftpb.ConfChange
			if err := cc.Unmarshal(e.Data); err != nil {
				panic("raftkv: undecodable conf change: " + err.Error())
			}
			n.conf = *n.rn.ApplyConfChange(cc)
		case raftpb.EntryConfChangeV2:
			var cc raftpb.ConfChangeV2
			if err := cc.Unmarshal(e.Data); err != nil {
				panic("raftkv: undecodable conf change: " + err.Error())
			}
			n.conf = *n.rn.ApplyConfChange(cc)
		}
		n.applied = e.Index
	}
}

// serveReads answers the confirmed reads whose index has been applied.
func (n *node) serveReads() {
	k := 0
	for _, p := range n.confirmed {
		if p.index > n.applied {
			n.confirmed[k] = p
			k++
			continue
		}
		res := n.sm.read(&p.cmd)
		n.reply(p, workloads.Reply{Status: res.status, Output: res.output, Error: res.err})
	}
	clear(n.confirmed[k:])
	n.confirmed = n.confirmed[:k]
}

// abandon answers every request still waiting for this node's leadership,
// which it just lost: a proposal may yet commit under the next leader, so
// its fate is unknown; an unconfirmed read did nothing, so it failed.
func (n *node) abandon() {
	for _, seq := range sortedSeqs(n.proposals) {
		n.reply(n.proposals[seq], workloads.Reply{Status: workloads.StatusUnknown, Error: "leadership lost before the proposal was applied"})
	}
	clear(n.proposals)
	for _, seq := range sortedSeqs(n.reads) {
		n.reply(n.reads[seq], workloads.Reply{Status: workloads.StatusFail, Error: "leadership lost before the read was confirmed"})
	}
	clear(n.reads)
	clear(n.handedOut)
}

// removed forgets an item handed out by BugDequeueBeforeCommit once its
// removal is applied.
func (n *node) removed(c *command) {
	var in kvWrite
	if decodeInput(c, &in) != nil {
		return
	}
	v, _ := canonical(in.Value)
	if m := n.handedOut[c.Key]; m[v] > 0 {
		m[v]--
		if m[v] == 0 {
			delete(m, v)
		}
	}
}

func sortedSeqs(m map[uint64]pending) []uint64 {
	seqs := make([]uint64, 0, len(m))
	for s := range m {
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs
}

// reply sends a reply to a pending request.
func (n *node) reply(p pending, r workloads.Reply) {
	r.ID = p.req
	n.env.Send(p.client, workloads.EncodeReply(r))
}
