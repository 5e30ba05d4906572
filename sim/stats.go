package sim

import "github.com/faultline-dst/faultline/disk"

// NodeStats are per-node counters the nemesis reads, before and after a
// fault, as evidence that the fault landed: a crash that discarded
// nothing, a pause that held nothing back, or a clock skew that no read or
// timer observed did not test anything.
type NodeStats struct {
	Crashes         int64
	Restarts        int64
	CrashesRunning  int64 // crashes of the node while it ran (its Start had run): its volatile memory was lost
	TimersDiscarded int64 // pending timers dropped by crashes
	// MessagesLost counts messages lost because the node was down or
	// crashed: in flight to it when it crashed, held while it was paused
	// and then crashed, or sent to it while it was down.
	MessagesLost int64
	// RequestsLost is the part of MessagesLost sent by harness nodes
	// (workload clients): client requests the crash cost.
	RequestsLost int64
	Parked       int64 // events held back while the node was paused
	ClockReads   int64 // Env.Now and Env.Mono calls
	TimersFired  int64
	Received     int64
	Disk         disk.CrashReport // summed over every crash
}

// Stats returns the counters of the named node (zero for an unknown name).
func (w *World) Stats(name string) NodeStats {
	if i, ok := w.byName[name]; ok {
		return w.nodes[i].stats
	}
	return NodeStats{}
}

// countLost charges a message from node index from, lost because n was
// down or crashed, to n's counters.
func (w *World) countLost(n *nodeState, from int32) {
	n.stats.MessagesLost++
	if from >= 0 && int(from) < len(w.nodes) && w.nodes[from].harness {
		n.stats.RequestsLost++
	}
}
