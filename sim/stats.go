package sim

import "github.com/faultline-dst/faultline/disk"

// NodeStats are per-node counters the nemesis reads, before and after a
// fault, as evidence that the fault landed: a crash that discarded
// nothing, a pause that held nothing back, or a clock skew that no read or
// timer observed did not test anything.
type NodeStats struct {
	Crashes         int64
	Restarts        int64
	TimersDiscarded int64 // pending timers dropped by crashes
	MessagesLost    int64 // messages lost because the node was down or crashed
	Parked          int64 // events held back while the node was paused
	ClockReads      int64 // Env.Now and Env.Mono calls
	TimersFired     int64
	Received        int64
	Disk            disk.CrashReport // summed over every crash
}

// Stats returns the counters of the named node (zero for an unknown name).
func (w *World) Stats(name string) NodeStats {
	if i, ok := w.byName[name]; ok {
		return w.nodes[i].stats
	}
	return NodeStats{}
}
