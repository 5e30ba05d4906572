package sim

// Roles: a node may say what it is ("leader", "primary", "coordinator",
// any string) through Env.SetRole, so that faults can be aimed at the node
// holding a role at the instant they start rather than at a name drawn
// blind. Each change is a trace record (kind "role"); a crash clears the
// role (the memory that knew it is gone), and the restarted node declares
// again when it knows.

// SetRole declares the node's current role ("" for none). Only a change is
// recorded; setting the role the node already holds does nothing. It is
// meant to be one line where the node learns its role, e.g. from raft's
// soft state: env.SetRole(rd.SoftState.RaftState.String()).
func (e *Env) SetRole(role string) {
	e.acting()
	if !e.live() || e.n.role == role {
		return
	}
	e.w.setRole(e.n, role)
}

// Role returns the node's current role, as declared with SetRole.
func (e *Env) Role() string { return e.n.role }

func (w *World) setRole(n *nodeState, role string) {
	n.role = role
	w.roleSeq++
	n.roleSeq = w.roleSeq
	w.record(Record{Kind: KindRole, Node: n.idx, Peer: -1, Detail: role})
	for _, fn := range w.roleWatch {
		fn(n.name, role)
	}
}

// Role returns the role the named node declares now ("" for none, or for
// an unknown name).
func (w *World) Role(name string) string {
	if i, ok := w.byName[name]; ok {
		return w.nodes[i].role
	}
	return ""
}

// RoleHolders returns the running nodes that declare role now, the most
// recent claimant first: when an old leader cut off from its peers still
// believes it leads, the node elected after it comes first. Ties cannot
// occur (claims are numbered in order).
func (w *World) RoleHolders(role string) []string {
	var hs []*nodeState
	for _, n := range w.nodes {
		if n.up && n.role == role && role != "" {
			hs = append(hs, n)
		}
	}
	for i := 1; i < len(hs); i++ {
		for j := i; j > 0 && hs[j].roleSeq > hs[j-1].roleSeq; j-- {
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
	}
	out := make([]string, len(hs))
	for i, n := range hs {
		out[i] = n.name
	}
	return out
}

// OnRoleChange registers fn to be called after each role change (a node's
// SetRole, or the clearing of its role at a crash). fn runs inside the
// node's callback: it must not crash, pause or otherwise act on the world
// directly; schedule such work with World.At at the current instant.
func (w *World) OnRoleChange(fn func(node, role string)) {
	w.roleWatch = append(w.roleWatch, fn)
}

// Booted reports whether the named node is up and its Start has run since
// it last booted or restarted: a node restarted at this instant whose
// Start is still on the agenda is up but not booted, and crashing it would
// lose nothing, since it has not run yet.
func (w *World) Booted(name string) bool {
	n, err := w.lookup(name)
	return err == nil && n.up && n.booted
}

// Note writes a line from the harness into the trace (kind "fault"), such
// as the node a role-aimed fault resolved to.
func (w *World) Note(detail string) {
	w.record(Record{Kind: KindFault, Node: -1, Peer: -1, Detail: detail})
}

// StoppedEarly reports whether Run has returned before the run reached
// its end: on an error (a finding, a harness breach, the watchdog) or on
// its event budget. What had not happened by then was never reached.
func (w *World) StoppedEarly() bool {
	return w.done && (w.res.Stop == StopError || w.res.Stop == StopEventLimit)
}
