package raftkv

import (
	"encoding/binary"
	"encoding/json"
	"errors"

	"go.etcd.io/raft/v3"

	"github.com/faultline-dst/faultline/history"
	"github.com/faultline-dst/faultline/workloads"
)

// request serves one client request (workloads wire format). Writes are
// proposed and answered when applied; reads go through ReadIndex and are
// answered once the state machine has applied the read's index. Only the
// leader serves; others redirect without acting.
func (n *node) request(from string, msg []byte) {
	req, err := workloads.DecodeRequest(msg)
	if err != nil {
		n.env.Logf("bad request from %s: %v", from, err)
		n.env.Send(from, workloads.EncodeReply(workloads.Reply{ID: req.ID, Status: workloads.StatusFail, Error: err.Error()}))
		return
	}
	p := pending{client: from, req: req.ID, cmd: command{
		Node: n.id, Inc: n.env.Incarnation(), Client: req.Client,
		Model: req.Model, Op: req.Op, Key: req.Key, Input: req.Input,
	}}
	md, err := n.sm.lookup(&p.cmd)
	if err == nil {
		err = md.check(&p.cmd)
	}
	if err != nil {
		n.reply(p, workloads.Reply{Status: workloads.StatusFail, Error: err.Error()})
		return
	}
	read := md.readOnly(p.cmd.Op)
	switch {
	case read && n.cfg.bugs.staleRead:
		// BugStaleRead: answer from local state, leader or not.
		res := md.read(&p.cmd)
		n.reply(p, workloads.Reply{Status: res.status, Output: res.output, Error: res.err})
		return
	case !n.leader:
		n.redirect(p)
		return
	case read && n.cfg.bugs.leaderRead:
		// BugLeaderRead: the leader answers from local state.
		res := md.read(&p.cmd)
		n.reply(p, workloads.Reply{Status: res.status, Output: res.output, Error: res.err})
		return
	case len(n.proposals)+len(n.reads)+len(n.confirmed) >= maxPending:
		n.reply(p, workloads.Reply{Status: workloads.StatusFail, Error: "overloaded: too many requests waiting for raft"})
		return
	}
	if !read {
		if adm, ok := md.(admitter); ok {
			if err := adm.admit(&p.cmd); err != nil {
				n.reply(p, workloads.Reply{Status: workloads.StatusFail, Error: err.Error()})
				return
			}
		}
		if n.cfg.bugs.dequeueBeforeCommit && p.cmd.Model == history.Queue && p.cmd.Op == "dequeue" {
			n.dequeueNow(p, md.(*queue))
			return
		}
	}
	n.seq++
	p.cmd.Seq = n.seq
	if read {
		var ctx [8]byte
		binary.BigEndian.PutUint64(ctx[:], n.seq)
		n.reads[n.seq] = p
		n.rn.ReadIndex(ctx[:])
		return
	}
	if err := n.rn.Propose(encodeCommand(nil, &p.cmd)); err != nil {
		if errors.Is(err, raft.ErrProposalDropped) {
			n.redirect(p) // leadership transfer in progress, or too much uncommitted
			return
		}
		n.reply(p, workloads.Reply{Status: workloads.StatusFail, Error: err.Error()})
		return
	}
	if n.cfg.bugs.ackOnAppend && p.cmd.Model == history.KV && p.cmd.Op == "write" {
		// BugAckOnAppend: the write is in the leader's own log; call it
		// done (apply finds no proposal waiting and answers nobody).
		n.reply(p, workloads.Reply{Status: workloads.StatusOK})
		return
	}
	n.proposals[n.seq] = p
}

// redirect tells the client that this node did not act, naming the leader
// when it knows one.
func (n *node) redirect(p pending) {
	r := workloads.Reply{Status: workloads.StatusRedirect, Error: "not the leader"}
	if n.lead != 0 && n.lead != n.id {
		r.Leader = NodeName(n.lead)
	}
	n.reply(p, r)
}

// dequeueNow is BugDequeueBeforeCommit: the leader answers a dequeue at
// once with the head of its applied queue, skipping the items it has
// already handed out, and only then proposes the item's removal. If the
// removal never commits (this node loses leadership first), the next
// leader hands the item out again.
func (n *node) dequeueNow(p pending, q *queue) {
	key := p.cmd.Key
	v, ok := q.head(key, n.handedOut[key])
	if !ok {
		n.reply(p, workloads.Reply{Status: workloads.StatusOK, Output: json.RawMessage(`{"value":null}`)})
		return
	}
	n.reply(p, workloads.Reply{Status: workloads.StatusOK, Output: mustJSON(map[string]json.RawMessage{"value": v})})
	if n.handedOut == nil {
		n.handedOut = map[string]map[string]int{}
	}
	if n.handedOut[key] == nil {
		n.handedOut[key] = map[string]int{}
	}
	n.handedOut[key][string(v)]++
	n.seq++
	rm := command{Node: n.id, Inc: n.env.Incarnation(), Seq: n.seq, Client: p.cmd.Client, Model: history.Queue, Op: "remove",
		Key: key, Input: mustJSON(map[string]json.RawMessage{"value": v}), Internal: true}
	if err := n.rn.Propose(encodeCommand(nil, &rm)); err != nil {
		n.env.Logf("dequeue-before-commit: removal of %s from %s not proposed: %v", v, key, err)
	}
}
