//go:build !unix

package checkers

import "time"

// cpuNS falls back to wall time where getrusage is missing.
func cpuNS() int64 { return time.Now().UnixNano() }
