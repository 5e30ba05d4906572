package pbkv

import (
	"fmt"
	"strings"

	"github.com/faultline-dst/faultline/history"
)

// BugAsyncReplication makes the primary acknowledge a write (and answer
// a read) as soon as it has applied it and synced it to its own disk,
// shipping its state to the backups in the background every
// Config.AsyncBatch; and the view manager, on failover, promotes any live
// backup, whether or not it holds the primary's latest state.
//
// Claim broken: an acknowledged write survives the failure of the
// primary (and the history is linearizable). Fault that exposes it: a
// crash of the primary (or a partition that cuts it off from the view
// manager and the backups) within Config.AsyncBatch of acknowledging a
// write: the promoted backup never received it, and reads served by the
// new primary return an older value (linearizable checker:
// not-linearizable).
const BugAsyncReplication = "async-replication"

// BugReadWithoutLease lets the primary answer reads whenever it believes
// it is the primary of its view, whether or not it holds its lease: only
// writes check the lease, on the reasoning that a write must reach the
// backups anyway and a deposed primary's write is refused there, while a
// read "changes nothing".
//
// Claim broken: reads are linearizable. Fault that exposes it: the
// primary cut off from the view manager and its backups while clients
// still reach it (a partition aimed at the primary): its lease runs out,
// the view manager promotes a backup, writes go to the new primary, and
// the old one, which hears of no newer view, answers reads with the old
// values. The same partition around a backup or the view manager
// exposes nothing.
const BugReadWithoutLease = "read-without-lease"

// BugInfo describes one bug variant, for registering the system with a
// scenario runner: the name Config.Bugs takes, the model whose claim it
// breaks, the registry name of the checker that catches it (see
// checkers.Lookup), the claim, and the fault that exposes it.
type BugInfo struct {
	Name    string
	Model   history.Model
	Checker string
	Claim   string
	Fault   string
}

// Catalog returns every bug variant's description, sorted by name.
func Catalog() []BugInfo {
	return []BugInfo{
		{BugAsyncReplication, history.KV, "linearizable",
			"an acknowledged write survives the failure of the primary; reads and writes are linearizable",
			"crash of the primary (or a partition cutting it off from the view manager and backups) within Config.AsyncBatch of an acknowledged write"},
		{BugReadWithoutLease, history.KV, "linearizable",
			"reads are linearizable",
			"the primary cut off from the view manager and its backups while clients still reach it (role-aimed partition)"},
	}
}

// Bugs returns the names of every bug variant, sorted.
func Bugs() []string {
	var out []string
	for _, b := range Catalog() {
		out = append(out, b.Name)
	}
	return out
}

// bugSet is the set of bug variants a node runs with.
type bugSet struct {
	async            bool
	readWithoutLease bool
}

func parseBugs(names []string) (bugSet, error) {
	var b bugSet
	for _, n := range names {
		switch n {
		case BugAsyncReplication:
			b.async = true
		case BugReadWithoutLease:
			b.readWithoutLease = true
		default:
			return b, fmt.Errorf("pbkv: Config.Bugs: unknown bug %q; valid: %s", n, strings.Join(Bugs(), ", "))
		}
	}
	return b, nil
}
