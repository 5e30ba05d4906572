package sim

// breakInvariant does what Config.BreakInvariant asks: it puts the World
// in a state its own checks must catch, as a bug in faultline would.
func (w *World) breakInvariant() {
	switch w.cfg.BreakInvariant {
	case "time-backwards":
		w.actions = append(w.actions, func(*World) {})
		w.labels = append(w.labels, "self-test: event in the past")
		w.agenda.Push(w.now-1, event{kind: evAction, node: -1, id: uint64(len(w.actions) - 1)})
	case "action-panic":
		// A harness action (the kind the nemesis schedules) with a bug.
		w.At(w.now, "self-test: a harness action panics", func(w *World) {
			w.nodes[len(w.nodes)].stats.Parked++ // index out of range: a runtime panic in faultline code
		})
	case "delivery-to-crashed-node", "timer-after-crash":
		// Mark every node down without ending its incarnation, as a crash
		// that forgot its bookkeeping would: the next delivery or timer
		// firing trips the check.
		for _, n := range w.nodes {
			n.up = false
		}
	}
}
