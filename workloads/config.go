package workloads

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/history"
)

// Config declares a workload: which model it exercises, how many clients
// issue how many operations against which SUT nodes, and how the client
// driver behaves. Zero values take the defaults named on each field.
type Config struct {
	// Model is the abstract model (history.KV, history.Queue, ...).
	Model history.Model
	// Clients is the number of concurrent clients, each with one
	// operation in flight at a time (default 3).
	Clients int
	// OpsPerClient is how many operations each client issues before the
	// final reads (default 50; at most MaxOpsPerClient).
	OpsPerClient int
	// Keys is the number of objects addressed: keys, queues, logs, locks,
	// leases, or accounts for a ledger (default 3; a ledger needs 2).
	Keys int
	// KeyDist is how operations pick a key (default KeysUniform).
	KeyDist KeyDist
	// Mix weighs the op_types a client draws (default: DefaultMix).
	// Lock and lease clients acquire whenever they hold nothing, so their
	// mix weighs only what a holder does: use/release, renew/release.
	Mix map[string]int
	// Timeout is how long a client waits for a reply before recording the
	// operation as info (default 1s, on the client's clock).
	Timeout time.Duration
	// ThinkTime is the mean pause between a client's operations; each
	// pause is uniform over [0, 2*ThinkTime] (default 10ms).
	ThinkTime time.Duration
	// StartAfter delays every client's first operation, e.g. until the
	// SUT has elected a leader (default 0).
	StartAfter time.Duration
	// Quiet is the pause after the last client's last operation before
	// the final reads (default: Timeout).
	Quiet time.Duration
	// Until, when positive, is the true instant after which clients issue
	// no new regular operation (the final reads still run), so that a
	// workload slowed by faults still ends inside the run.
	Until time.Duration
	// Targets are the SUT nodes clients send requests to (required).
	Targets []string
	// Targeting is how a client picks a target (default TargetRandom).
	Targeting Targeting
	// Adapter turns requests into the SUT's bytes and back (default:
	// JSONAdapter).
	Adapter Adapter
	// Retries is how many times an operation whose outcome is unknown
	// (timeout or StatusUnknown) is re-issued, each time as a new history
	// operation with the same input and idempotency key (default 0).
	Retries int
	// FinalRetries is how many times a final read whose outcome is unknown
	// is re-issued (default 3, at least Retries): a run without its final
	// reads cannot be judged for loss.
	FinalRetries int
	// MaxRedirects caps the redirects one operation follows before it is
	// recorded as fail (default 3).
	MaxRedirects int
	// Epoch returns the ids of the faults active now; it is called at
	// every invocation and completion. nil means no fault is ever active,
	// which is recorded as an empty epoch, not a missing one.
	Epoch func() []string
	// ClientPrefix names the client nodes: prefix0, prefix1, ... (default
	// "client"). Two workloads in one world need different prefixes.
	ClientPrefix string
	// MaxAmount bounds a ledger transfer's amount, drawn from
	// [1, MaxAmount] (default 10).
	MaxAmount int64
	// LeaseTerm is the duration_ns a lease client asks for (default
	// 100ms).
	LeaseTerm time.Duration
}

// Limits on a workload's size, so that a plan cannot ask for a history the
// checkers cannot hold. Values carry the client's sequence number in their
// low six digits, hence MaxOpsPerClient.
const (
	MaxClients      = 1000
	MaxOpsPerClient = 999_999
	MaxKeys         = 10_000
	// MaxDuration bounds every duration of a Config.
	MaxDuration = 24 * time.Hour
)

// KeyDist is a key distribution.
type KeyDist string

// The key distributions.
const (
	// KeysUniform picks every key with the same probability.
	KeysUniform KeyDist = "uniform"
	// KeysZipf picks key i with weight proportional to 1/(i+1): the
	// first key is the hottest. Integer weights, one draw per pick.
	KeysZipf KeyDist = "zipf"
)

// Targeting is how a client chooses the SUT node to ask.
type Targeting string

// The targeting policies.
const (
	// TargetRandom asks a target drawn uniformly for every operation.
	TargetRandom Targeting = "random"
	// TargetRoundRobin asks the targets in turn, each client starting at
	// its own offset.
	TargetRoundRobin Targeting = "round-robin"
	// TargetSticky keeps asking the node that last served it or that a
	// redirect named as leader, and moves to the next target after a
	// timeout.
	TargetSticky Targeting = "sticky"
)

// DefaultTimeout is Config.Timeout's default.
const DefaultTimeout = time.Second

// defaults.
const (
	defaultClients      = 3
	defaultOpsPerClient = 50
	defaultKeys         = 3
	defaultThinkTime    = 10 * time.Millisecond
	defaultMaxRedirects = 3
	defaultFinalRetries = 3
	defaultPrefix       = "client"
	defaultMaxAmount    = 10
	defaultLeaseTerm    = 100 * time.Millisecond
)

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Clients == 0 {
		c.Clients = defaultClients
	}
	if c.OpsPerClient == 0 {
		c.OpsPerClient = defaultOpsPerClient
	}
	if c.Keys == 0 {
		c.Keys = defaultKeys
	}
	if c.KeyDist == "" {
		c.KeyDist = KeysUniform
	}
	if c.Mix == nil {
		c.Mix = DefaultMix(c.Model)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ThinkTime == 0 {
		c.ThinkTime = defaultThinkTime
	}
	if c.Quiet == 0 {
		c.Quiet = c.Timeout
	}
	if c.Targeting == "" {
		c.Targeting = TargetRandom
	}
	if c.Adapter.EncodeRequest == nil && c.Adapter.DecodeReply == nil && c.Adapter.Name == "" {
		c.Adapter = JSONAdapter()
	}
	if c.FinalRetries == 0 {
		c.FinalRetries = max(defaultFinalRetries, c.Retries)
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = defaultMaxRedirects
	}
	if c.ClientPrefix == "" {
		c.ClientPrefix = defaultPrefix
	}
	if c.MaxAmount == 0 {
		c.MaxAmount = defaultMaxAmount
	}
	if c.LeaseTerm == 0 {
		c.LeaseTerm = defaultLeaseTerm
	}
	return c
}

// validate checks a defaulted configuration; each error names the field,
// its value and what is valid.
func (c *Config) validate() error {
	var errs []error
	bad := func(field string, value any, format string, args ...any) {
		errs = append(errs, fmt.Errorf("workloads: %s = %v: %s", field, value, fmt.Sprintf(format, args...)))
	}
	if history.OpTypes(c.Model) == nil {
		names := make([]string, 0, 9)
		for _, m := range history.Models() {
			names = append(names, string(m))
		}
		bad("Model", fmt.Sprintf("%q", c.Model), "not a model; valid: %s", strings.Join(names, ", "))
		return errors.Join(errs...) // the rest depends on the model
	}
	if c.Clients < 1 || c.Clients > MaxClients {
		bad("Clients", c.Clients, "want 1 to %d", MaxClients)
	}
	if c.OpsPerClient < 1 || c.OpsPerClient > MaxOpsPerClient {
		bad("OpsPerClient", c.OpsPerClient, "want 1 to %d", MaxOpsPerClient)
	}
	least := 1
	if c.Model == history.Ledger {
		least = 2
	}
	if c.Keys < least || c.Keys > MaxKeys {
		bad("Keys", c.Keys, "want %d to %d for model %s", least, MaxKeys, c.Model)
	}
	switch c.KeyDist {
	case KeysUniform, KeysZipf:
	default:
		bad("KeyDist", fmt.Sprintf("%q", c.KeyDist), "valid: %s, %s", KeysUniform, KeysZipf)
	}
	if err := checkMix(c.Model, c.Mix); err != nil {
		errs = append(errs, err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Timeout", c.Timeout}, {"ThinkTime", c.ThinkTime}, {"Quiet", c.Quiet}, {"LeaseTerm", c.LeaseTerm}, {"StartAfter", c.StartAfter}, {"Until", c.Until}} {
		if d.v < 0 || d.v > MaxDuration {
			bad(d.name, d.v, "want 0 to %v", MaxDuration)
		}
	}
	if len(c.Targets) == 0 {
		bad("Targets", "[]", "name at least one SUT node")
	}
	seen := map[string]bool{}
	for i, t := range c.Targets {
		switch {
		case t == "":
			bad(fmt.Sprintf("Targets[%d]", i), `""`, "empty node name")
		case seen[t]:
			bad(fmt.Sprintf("Targets[%d]", i), fmt.Sprintf("%q", t), "named twice")
		case strings.HasPrefix(t, c.ClientPrefix) && isClientName(t[len(c.ClientPrefix):], c.Clients):
			bad(fmt.Sprintf("Targets[%d]", i), fmt.Sprintf("%q", t), "is one of this workload's clients (ClientPrefix %q)", c.ClientPrefix)
		}
		seen[t] = true
	}
	switch c.Targeting {
	case TargetRandom, TargetRoundRobin, TargetSticky:
	default:
		bad("Targeting", fmt.Sprintf("%q", c.Targeting), "valid: %s, %s, %s", TargetRandom, TargetRoundRobin, TargetSticky)
	}
	if c.Adapter.EncodeRequest == nil || c.Adapter.DecodeReply == nil {
		bad("Adapter", fmt.Sprintf("%q", c.Adapter.Name), "EncodeRequest and DecodeReply are both required (or leave Adapter zero for JSONAdapter)")
	}
	if c.Retries < 0 || c.Retries > 100 {
		bad("Retries", c.Retries, "want 0 to 100")
	}
	if c.FinalRetries < 0 || c.FinalRetries > 100 {
		bad("FinalRetries", c.FinalRetries, "want 0 to 100")
	}
	if c.MaxRedirects < 0 || c.MaxRedirects > 100 {
		bad("MaxRedirects", c.MaxRedirects, "want 0 to 100")
	}
	if c.MaxAmount < 1 {
		bad("MaxAmount", c.MaxAmount, "want at least 1")
	}
	return errors.Join(errs...)
}

// isClientName reports whether suffix is the index of one of n clients.
func isClientName(suffix string, n int) bool {
	i, err := strconv.Atoi(suffix)
	return err == nil && strconv.Itoa(i) == suffix && i >= 0 && i < n
}
