package clock

import (
	"fmt"
	"time"
)

// Time is an instant of virtual time: nanoseconds since the run started.
type Time int64

// Never is an instant later than any event; it marks "no deadline".
const Never = Time(1<<63 - 1)

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// String renders t as a duration since the start, e.g. "1.5s".
func (t Time) String() string {
	if t == Never {
		return "never"
	}
	return fmt.Sprint(time.Duration(t))
}
