package pbkv

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/sim"
)

// ViewManager is the name of the view manager node.
const ViewManager = "vm"

// Defaults for the zero fields of a Config.
const (
	DefaultReplicas     = 3
	DefaultPingInterval = 10 * time.Millisecond
	DefaultDeadPings    = 5
	DefaultLeaseTerm    = 100 * time.Millisecond
	DefaultDriftBound   = 1e-3
	DefaultResend       = 10 * time.Millisecond
	DefaultAsyncBatch   = 50 * time.Millisecond
)

// maxPending bounds the requests a primary holds while they wait for its
// backups; more are refused with StatusFail.
const maxPending = 4096

// Config configures a cluster: a view manager and Replicas replicas. The
// zero value is a correct cluster of three replicas with the defaults
// above.
type Config struct {
	// Replicas is the number of replicas, named n1..nN.
	Replicas int
	// PingInterval is how often a replica pings the view manager, on its
	// own clock; the view manager also re-evaluates the view that often.
	PingInterval time.Duration
	// DeadPings is how many ping intervals without a ping make the view
	// manager consider a replica dead.
	DeadPings int
	// LeaseTerm is D, the primary's lease granted with each ping reply.
	LeaseTerm time.Duration
	// DriftBound is ρ: every clock runs at a rate within 1±ρ of true time
	// (valid up to 0.5). The primary serves for D(1−ρ)/(1+ρ) of its own
	// clock after sending the ping whose reply granted the lease.
	DriftBound float64
	// Resend is how often a primary re-sends its state to backups that
	// have not acknowledged it (lost messages).
	Resend time.Duration
	// AsyncBatch is how often a primary ships its state to its backups
	// under BugAsyncReplication.
	AsyncBatch time.Duration
	// Bugs switches on bug variants by name (see Bugs).
	Bugs []string
}

// resolved is a validated Config with defaults filled in.
type resolved struct {
	Config
	bugs     bugSet
	replicas []string
}

func (c Config) resolve() (*resolved, error) {
	var errs []error
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Replicas == 0 {
		c.Replicas = DefaultReplicas
	}
	if c.DeadPings == 0 {
		c.DeadPings = DefaultDeadPings
	}
	if c.DriftBound == 0 {
		c.DriftBound = DefaultDriftBound
	}
	def(&c.PingInterval, DefaultPingInterval)
	def(&c.LeaseTerm, DefaultLeaseTerm)
	def(&c.Resend, DefaultResend)
	def(&c.AsyncBatch, DefaultAsyncBatch)
	if c.Replicas < 1 || c.Replicas > 99 {
		errs = append(errs, fmt.Errorf("pbkv: Config.Replicas is %d; valid: 1 to 99", c.Replicas))
	}
	if c.DeadPings < 1 {
		errs = append(errs, fmt.Errorf("pbkv: Config.DeadPings is %d; valid: >= 1", c.DeadPings))
	}
	if !(c.DriftBound > 0 && c.DriftBound <= 0.5) {
		errs = append(errs, fmt.Errorf("pbkv: Config.DriftBound is %g; valid: (0, 0.5], or 0 for %g", c.DriftBound, DefaultDriftBound))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"PingInterval", c.PingInterval}, {"LeaseTerm", c.LeaseTerm}, {"Resend", c.Resend}, {"AsyncBatch", c.AsyncBatch}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("pbkv: Config.%s is %v; valid: > 0, or 0 for the default", d.name, d.v))
		}
	}
	if c.LeaseTerm <= c.PingInterval {
		errs = append(errs, fmt.Errorf("pbkv: Config.LeaseTerm (%v) must exceed Config.PingInterval (%v), or the primary's lease lapses between pings", c.LeaseTerm, c.PingInterval))
	}
	bugs, err := parseBugs(c.Bugs)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r := &resolved{Config: c, bugs: bugs}
	for i := 1; i <= c.Replicas; i++ {
		r.replicas = append(r.replicas, NodeName(i))
	}
	return r, nil
}

// NodeName returns the name of replica i (from 1): "n1", "n2", ...
func NodeName(i int) string { return "n" + strconv.Itoa(i) }

// isReplica reports whether name is one of the cluster's replicas.
func (r *resolved) isReplica(name string) bool {
	if !strings.HasPrefix(name, "n") {
		return false
	}
	i, err := strconv.Atoi(name[1:])
	return err == nil && i >= 1 && i <= r.Replicas && NodeName(i) == name
}

// New returns the factory of the cluster's nodes: the view manager
// (ViewManager) and the replicas (NodeName). Every other node of the
// world is treated as a client speaking the workloads wire format.
func New(cfg Config) (sim.Factory, error) {
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	return func(env *sim.Env) sim.Node {
		switch {
		case env.Name() == ViewManager:
			return newVM(env, r)
		case r.isReplica(env.Name()):
			return newReplica(env, r)
		}
		panic("pbkv: the factory was used for node " + env.Name() + "; its nodes are " + ViewManager + " and " + strings.Join(r.replicas, ", "))
	}, nil
}

// NodeSpecs returns the specs of the cluster's nodes: the view manager,
// then the replicas n1..nN. Append client nodes (Harness: true) to
// complete a world; clients send requests to the replicas (Replicas).
func NodeSpecs(cfg Config) ([]sim.NodeSpec, error) {
	f, err := New(cfg)
	if err != nil {
		return nil, err
	}
	specs := []sim.NodeSpec{{Name: ViewManager, Factory: f}}
	for _, n := range Replicas(cfg) {
		specs = append(specs, sim.NodeSpec{Name: n, Factory: f})
	}
	return specs, nil
}

// Replicas returns the names of the cluster's replicas, n1..nN: the
// nodes clients send requests to and faults target.
func Replicas(cfg Config) []string {
	n := cfg.Replicas
	if n == 0 {
		n = DefaultReplicas
	}
	out := make([]string, n)
	for i := range out {
		out[i] = NodeName(i + 1)
	}
	return out
}
