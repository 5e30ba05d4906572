package checkers

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/faultline-dst/faultline/history"
)

// An Outcome is a checker's verdict on a history.
type Outcome string

// The three outcomes.
const (
	// OK: every decided partition was explained; see Result.Checked for
	// how much of the history that covers.
	OK Outcome = "ok"
	// Anomaly: at least one violation was found.
	Anomaly Outcome = "anomaly"
	// Unknown: the checker could not decide (history too weak or malformed,
	// work or time limit reached, no final read, ...); never a pass.
	Unknown Outcome = "unknown"
)

// A Violation is one anomaly with the evidence for it.
type Violation struct {
	Kind        string  `json:"kind"`        // stable anomaly kind, e.g. "lost-write"
	Key         string  `json:"key"`         // the partition it was found in ("" when global)
	Ops         []int64 `json:"ops"`         // op_ids involved, most relevant first
	Explanation string  `json:"explanation"` // which operations, which values, why nothing explains them
}

// A Partition is one independently decided part of the history, usually a
// key.
type Partition struct {
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
	Ops     int     `json:"ops"`              // operations of the checker's models in it
	Reason  string  `json:"reason,omitempty"` // why it is undecided; "" otherwise
	Work    int64   `json:"work"`             // deterministic work spent on it
}

// A KeyLinearization is porcupine's linearization information for one
// key, kept for pictures (porcupine.Visualize with RegisterModel).
type KeyLinearization struct {
	Key  string
	Info porcupine.LinearizationInfo
}

// A Result is a checker's answer. Everything but Linearizations is a pure
// function of the history and options, so equal inputs give equal results
// on every host (porcupine's host-time limit, a last resort, is the one
// exception, and it can only give Unknown).
type Result struct {
	Checker string  `json:"checker"`
	Outcome Outcome `json:"outcome"`
	// Kind is the first violation's kind when Outcome is Anomaly, the
	// reason when Unknown ("too-weak", "malformed-history", "work-limit",
	// "time-limit", "no-final-read", "no-operations", ...), "" when OK.
	Kind        string      `json:"kind,omitempty"`
	Explanation string      `json:"explanation"`
	Violations  []Violation `json:"violations,omitempty"` // at most Options.MaxViolations, sorted
	Omitted     int         `json:"omitted,omitempty"`    // violations found beyond those listed
	// Checked counts the operations in decided partitions; Recorded counts
	// every operation in the history given to the checker.
	Checked    int         `json:"checked"`
	Recorded   int         `json:"recorded"`
	Partitions []Partition `json:"partitions"`        // sorted by name
	Work       int64       `json:"work"`              // deterministic work measure: model steps, comparisons
	Missing    []string    `json:"missing,omitempty"` // needed fields the history lacks (Kind "too-weak")
	// Linearizations holds porcupine's information per anomalous key, or
	// per decided key with Options.Linearizations (linearizable checker
	// only). It is not part of the JSON form.
	Linearizations []KeyLinearization `json:"-"`
}

// Decided returns how many partitions were decided (ok or anomaly).
func (r Result) Decided() int {
	n := 0
	for _, p := range r.Partitions {
		if p.Outcome != Unknown {
			n++
		}
	}
	return n
}

// Reasons for Unknown, shared by several checkers.
const (
	reasonTooWeak     = "too-weak"
	reasonMalformed   = "malformed-history"
	reasonNoOps       = "no-operations"
	reasonWorkLimit   = "work-limit"
	reasonTimeLimit   = "time-limit"
	reasonNoFinal     = "no-final-read"
	reasonNotConfig   = "not-configured"
	reasonTooShort    = "history-too-short"
	reasonNoResources = "no-resource-ops"
	reasonNoReads     = "no-reads"
)

// undecided is returned by a checker body that cannot decide at all.
type undecided struct {
	kind, msg string
}

func (u *undecided) Error() string { return u.msg }

// malformed reports an operation whose input or output does not have its
// model's shape.
func malformed(o history.Op, what string, err error) error {
	return fmt.Errorf("op %d (%s %s): %s: %v", o.ID, o.Model, o.OpType, what, err)
}

// report accumulates a checker's findings before they become a Result.
type report struct {
	opts       Options
	violations []Violation
	parts      []Partition
	work       int64
}

func (r *report) violate(kind, key string, ops []int64, format string, args ...any) {
	r.violations = append(r.violations, Violation{Kind: kind, Key: key, Ops: ops, Explanation: fmt.Sprintf(format, args...)})
}

// partition records a partition; reason is "" when it was decided.
func (r *report) partition(name string, ops int, work int64, reason string) {
	r.parts = append(r.parts, Partition{Name: name, Ops: ops, Reason: reason, Work: work})
	r.work += work
}

// body is one checker's logic over the operations of its models. ops may
// be the caller's own history: a body must not modify it (sort a copy).
type body func(ops []history.Op, r *report) error

// run is the frame every checker shares: well-formedness, selection by
// model, schema validation, then the body, then a deterministic Result.
func run(name string, h history.History, opts Options, fn body) Result {
	c, err := Lookup(name)
	if err != nil {
		panic(err) // a checker calls run with its own registered name
	}
	needs, models := c.Needs, c.Models
	opts = opts.withDefaults()
	res := Result{Checker: name, Recorded: len(h.Ops)}
	unknown := func(kind, msg string) Result {
		res.Outcome, res.Kind, res.Explanation = Unknown, kind, msg
		return res
	}
	if err := history.WellFormed(h); err != nil {
		return unknown(reasonMalformed, err.Error())
	}
	ofMine := func(o *history.Op) bool {
		for _, m := range models {
			if o.Model == m {
				return true
			}
		}
		return false
	}
	// The body reads the history's own operations when all are of the
	// checker's models (the usual case), and a filtered copy otherwise.
	mine := h
	for i := range h.Ops {
		if !ofMine(&h.Ops[i]) {
			mine = h.Filter(func(o history.Op) bool { return ofMine(&o) })
			break
		}
	}
	if mine.Len() == 0 {
		return unknown(reasonNoOps, fmt.Sprintf("no operations of model %s among %d recorded: nothing was checked", modelList(models), len(h.Ops)))
	}
	if err := history.Validate(mine, needs); err != nil {
		var tw *history.TooWeakError
		if errors.As(err, &tw) {
			for _, f := range tw.Missing().List() {
				res.Missing = append(res.Missing, f.String())
			}
		}
		return unknown(reasonTooWeak, fmt.Sprintf("%v; the %s checker needs %s", err, name, needs))
	}
	rep := &report{opts: opts}
	if err := fn(mine.Ops, rep); err != nil {
		var u *undecided
		if errors.As(err, &u) {
			return unknown(u.kind, u.msg)
		}
		return unknown(reasonMalformed, err.Error())
	}
	return rep.result(res)
}

func modelList(models []history.Model) string {
	s := make([]string, len(models))
	for i, m := range models {
		s[i] = string(m)
	}
	return strings.Join(s, " or ")
}

func (r *report) result(res Result) Result {
	sort.SliceStable(r.violations, func(i, j int) bool {
		a, b := r.violations[i], r.violations[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if len(a.Ops) > 0 && len(b.Ops) > 0 && a.Ops[0] != b.Ops[0] {
			return a.Ops[0] < b.Ops[0]
		}
		return a.Kind < b.Kind
	})
	bad := make(map[string]bool)
	for _, v := range r.violations {
		bad[v.Key] = true
	}
	sort.SliceStable(r.parts, func(i, j int) bool { return r.parts[i].Name < r.parts[j].Name })
	var undecided []Partition
	for i := range r.parts {
		p := &r.parts[i]
		switch {
		case bad[p.Name]:
			p.Outcome = Anomaly
		case p.Reason != "":
			p.Outcome = Unknown
			undecided = append(undecided, *p)
		default:
			p.Outcome = OK
		}
		if p.Outcome != Unknown {
			res.Checked += p.Ops
		}
	}
	res.Partitions = r.parts
	res.Work = r.work
	if n := len(r.violations); n > r.opts.MaxViolations {
		res.Omitted = n - r.opts.MaxViolations
		r.violations = r.violations[:r.opts.MaxViolations]
	}
	res.Violations = r.violations
	switch {
	case len(res.Violations) > 0:
		v := res.Violations[0]
		res.Outcome, res.Kind = Anomaly, v.Kind
		where := ""
		if v.Key != "" {
			where = fmt.Sprintf(" on %s", v.Key)
		}
		res.Explanation = fmt.Sprintf("%d violation(s); first: %s%s: %s", len(res.Violations)+res.Omitted, v.Kind, where, v.Explanation)
	case len(undecided) > 0:
		p := undecided[0]
		res.Outcome, res.Kind = Unknown, reasonOf(p.Reason)
		res.Explanation = fmt.Sprintf("%d of %d partitions undecided; first: %s: %s", len(undecided), len(r.parts), p.Name, p.Reason)
	default:
		res.Outcome = OK
		res.Explanation = fmt.Sprintf("%d operations in %d partitions: no anomaly", res.Checked, len(r.parts))
	}
	return res
}

// reasonOf extracts the reason kind from a partition's reason text, which
// starts with the kind followed by ": ".
func reasonOf(reason string) string {
	kind, _, _ := strings.Cut(reason, ": ")
	return kind
}
