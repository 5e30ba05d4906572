package scenario

import (
	"encoding/json"
	"fmt"
	"io"
)

// SweepOptions control a sweep over seeds.
type SweepOptions struct {
	// Seeds are the seeds to run, in order.
	Seeds []uint64
	// MaxRuns, when positive, is the sweep's budget: seeds beyond it are
	// recorded as NOT-RUN (budget exhausted before their turn).
	MaxRuns int
	// Run are the options of every run.
	Run RunOptions
	// Emit, when set, receives each result as its seed ends, so that a
	// caller can stream results to disk; an error stops the sweep.
	Emit func(Result) error
}

// Sweep runs scenario s over many seeds, one after another in this
// process, and returns every result in seed order.
func (r *Registry) Sweep(s Scenario, opts SweepOptions) ([]Result, error) {
	var out []Result
	for i, seed := range opts.Seeds {
		var res Result
		if opts.MaxRuns > 0 && i >= opts.MaxRuns {
			res = Result{Scenario: s.Name, Claims: s.Claim.IDs, System: s.System, Bugs: s.Bugs, Seed: seed}
			res = decorate(res, Decide(Observation{NotRun: fmt.Sprintf("sweep budget of %d runs exhausted before seed %d", opts.MaxRuns, seed)}), nil)
		} else {
			var err error
			if res, err = r.Run(s, seed, opts.Run); err != nil {
				return out, err
			}
		}
		out = append(out, res)
		if opts.Emit != nil {
			if err := opts.Emit(res); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// Seeds returns the seeds first, first+1, ..., first+n-1.
func Seeds(first uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = first + uint64(i)
	}
	return out
}

// WriteResult writes res as one JSON line: the results-file format.
func WriteResult(w io.Writer, res Result) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
