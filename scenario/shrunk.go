package scenario

import (
	"time"

	"github.com/faultline-dst/faultline/nemesis"
)

// Size measures a scenario run for shrinking: what there is to remove.
type Size struct {
	Faults     int `json:"faults"`
	Operations int `json:"operations"`
	Clients    int `json:"clients"`
	Nodes      int `json:"nodes"`
}

// Shrunk is the outcome of shrinking a failing seed: a scenario with an
// explicit fault list that reproduces the same anomaly on its own.
type Shrunk struct {
	Seed     uint64           `json:"seed"`
	Anomaly  string           `json:"anomaly"`
	Before   Size             `json:"before"`
	After    Size             `json:"after"`
	Schedule nemesis.Schedule `json:"schedule"`
	// OpsPerClient, Clients and Nodes are the shrunk workload and topology.
	OpsPerClient int `json:"ops_per_client"`
	Clients      int `json:"clients"`
	Nodes        int `json:"nodes"`
	// SimTime is the shrunk run time (the shrinker shortens runs).
	SimTime time.Duration `json:"sim_time_ns"`
	// ThinkTime is the clients' shrunk mean think time when the shrinker
	// changed it, 0 when it did not.
	ThinkTime time.Duration `json:"think_time_ns,omitempty"`
	// Keys is the workload's shrunk key count when the shrinker changed
	// it (0 otherwise): each key ends the run with a final read, which
	// the reproducer's history counts.
	Keys int `json:"keys,omitempty"`
	// SystemOptions are the shrunk scenario's system options when the
	// shrinker lowered one (System.Shrinkable), nil when it did not.
	SystemOptions map[string]string `json:"system_options,omitempty"`
	Runs          int               `json:"runs"` // runs the shrinker made
	// CrossCheck is the cross-check of the shrunk run's anomaly (nil when
	// it is not a checker's anomaly).
	CrossCheck *CrossCheck `json:"cross_check,omitempty"`
}
