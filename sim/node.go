package sim

import "github.com/faultline-dst/faultline/disk"

// Node is one component of the system under test. The World calls it from a
// single goroutine, one event at a time.
type Node interface {
	// Start is called when the node boots and after every restart.
	Start()
	// Receive is called for each delivered message. msg belongs to the node.
	Receive(from string, msg []byte)
	// Timer is called when a timer set through Env.SetTimer fires.
	Timer(id TimerID, tag string)
}

// StreamWatcher is implemented by nodes that want to learn that the stream
// (ordered link) to a peer broke because of a partition or a crash of
// either end. Messages in flight on the broken stream are lost.
type StreamWatcher interface {
	StreamBroken(peer string)
}

// Dropper is implemented by nodes that hold resources outside the world,
// such as a guest node's module instance and the goroutine it runs on
// (package guest). Drop is called once when the world discards the node's
// object: when the node crashes, and, for a node still up, when Run
// returns. Drop must not call the node's Env; the node is gone.
type Dropper interface {
	Drop()
}

// Factory builds a node. It is called at boot and at every restart with a
// fresh Env; the node must recover whatever it needs from env.Disk().
type Factory func(env *Env) Node

// NodeSpec declares one node of a world.
type NodeSpec struct {
	Name    string
	Factory Factory
	// ClockOffset and DriftPPM set the node's clock at boot.
	ClockOffset Duration
	DriftPPM    int64
	// Down makes the node start crashed; Restart boots it.
	Down bool
	// Harness marks a node that belongs to faultline, not to the SUT (a
	// workload client): it may read true time through Env.TrueNow.
	Harness bool
	// Disk, when set, configures this node's disk instead of
	// Config.Disk (a slower disk on one node, say).
	Disk *disk.Config
}
