package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Flag checks shared by the commands: each returns a usage error that
// names the flag, the bad value and the valid range, or nil.

// maxWorkers bounds --workers: far above any machine's cores, low enough
// that a typo does not fork thousands of processes.
const maxWorkers = 1024

// checkWorkers checks --workers when it was given: 1 to maxWorkers (left
// out, it is the number of CPUs).
func checkWorkers(fs *pflag.FlagSet, n int) error {
	if fs.Changed("workers") && (n < 1 || n > maxWorkers) {
		return usagef("--workers %d: want 1 to %d (left out: the number of CPUs)", n, maxWorkers)
	}
	return nil
}

// checkIntRange checks an integer flag against [lo, hi].
func checkIntRange(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return usagef("--%s %d: want %d to %d", name, v, lo, hi)
	}
	return nil
}

// checkPositiveDuration checks a duration flag is above zero.
func checkPositiveDuration(name string, d time.Duration) error {
	if d <= 0 {
		return usagef("--%s %s: want a duration above zero, such as 30s or 10m", name, d)
	}
	return nil
}

// checkScenarioNames checks that no --scenario given is empty.
func checkScenarioNames(fs *pflag.FlagSet, names ...string) error {
	if !fs.Changed("scenario") {
		return nil
	}
	if len(names) == 0 {
		return usagef(`--scenario "": empty; name a scenario ('faultline list' shows them)`)
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			return usagef(`--scenario %q: empty; name a scenario ('faultline list' shows them)`, n)
		}
	}
	return nil
}

// checkHash checks a --hash value: a trace hash as results carry it, 16
// hexadecimal digits.
func checkHash(h string) error {
	if h == "" {
		return nil
	}
	ok := len(h) == 16
	for _, c := range h {
		ok = ok && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f')
	}
	if !ok {
		return usagef("--hash %q: want a trace hash, 16 lowercase hexadecimal digits (as in a result's trace_hash)", h)
	}
	return nil
}

// checkExclusive reports two flags given together that do not go together.
func checkExclusive(fs *pflag.FlagSet, a string, others ...string) error {
	if !fs.Changed(a) {
		return nil
	}
	for _, b := range others {
		if fs.Changed(b) {
			return usagef("--%s and --%s do not go together: %s", a, b, exclusiveWhy(a, b))
		}
	}
	return nil
}

func exclusiveWhy(a, b string) string {
	switch {
	case a == "result":
		return fmt.Sprintf("the result line names the scenario and seed; drop --%s", b)
	case a == "seed" && b == "seeds":
		return "give one seed with --seed or several with --seeds"
	}
	return "give one"
}
