package checkers

import (
	"fmt"

	"github.com/faultline-dst/faultline/history"
)

// Liveness checks that the system serves again after the last fault heals:
// some ok operation, of any model, completes within Options.Recovery after
// Options.HealAt, with no fault active at its completion (per its
// fault_epoch). Otherwise, if the workload was active (an operation was
// invoked in that window or the history reaches past its end), the result
// is a "no-recovery" anomaly listing what was tried; if the history ends
// before the deadline with nothing tried, it is undecided
// ("history-too-short").
func Liveness(h history.History, opts Options) Result {
	return run("liveness", h, opts, func(ops []history.Op, r *report) error {
		if r.opts.Recovery <= 0 {
			return &undecided{reasonNotConfig, "liveness checker needs Options.Recovery > 0 (the declared recovery time) and Options.HealAt"}
		}
		heal := r.opts.HealAt
		deadline := heal + int64(r.opts.Recovery)
		var tried []history.Op
		var latest int64
		var work int64
		for _, o := range ops {
			work++
			end := o.InvokeTS
			if o.Type != history.Info {
				end = o.CompleteTS
			}
			latest = max(latest, end)
			if o.Type == history.OK && o.CompleteTS >= heal && o.CompleteTS <= deadline && len(o.FaultEpoch.Complete) == 0 {
				r.partition("all", len(ops), work, "")
				return nil
			}
			if o.InvokeTS >= heal && o.InvokeTS <= deadline {
				tried = append(tried, o)
			}
		}
		if len(tried) == 0 && latest < deadline {
			r.partition("all", len(ops), work, fmt.Sprintf("%s: no operation was tried between the heal at %d and the deadline %d, and the history ends at %d", reasonTooShort, heal, deadline, latest))
			return nil
		}
		counts := map[history.Type]int{}
		for _, o := range tried {
			counts[o.Type]++
		}
		shown := tried
		if len(shown) > 10 {
			shown = shown[:10]
		}
		r.violate("no-recovery", "all", ids(shown...), "no ok operation completed within %v of the heal at %d (deadline %d); %d operations were tried in that window (%d ok but late or with faults active, %d fail, %d info)",
			r.opts.Recovery, heal, deadline, len(tried), counts[history.OK], counts[history.Fail], counts[history.Info])
		r.partition("all", len(ops), work, "")
		return nil
	})
}
