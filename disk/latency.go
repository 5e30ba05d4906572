package disk

import (
	"fmt"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/rng"
)

// MaxLatency bounds a Latency's Max and a Slow fault's Delay.
const MaxLatency = time.Minute

// Latency is how long a disk operation takes, drawn from the FS's own
// latency stream:
//
//   - Min == Max (Median 0): fixed at Min; the zero Latency is
//     instantaneous and draws nothing.
//   - Min < Max, Median 0: uniform over [Min, Max] (one draw).
//   - Median > 0: long-tailed, as netsim's LongTail: Min plus a Lomax
//     (Pareto type II, shape 1) excess of scale s = Median-Min, capped at
//     Max, so P(latency > Min+x) = s/(s+x): half the operations take at
//     most Median, one in ten more than Min+9s, one in a hundred more than
//     Min+99s, and the rest pile up at the cap Max (one draw, 2^-32
//     resolution). Requires Min < Median <= Max.
//
// All sampling is integer arithmetic on rng draws, identical on every
// platform.
type Latency struct {
	Min, Max time.Duration
	// Median, when set, makes the latency long-tailed (see above).
	Median time.Duration
}

// Validate reports whether the latency is one a Config accepts: 0 <= Min
// <= Max <= MaxLatency and, for a long tail, Min < Median <= Max.
func (l Latency) Validate() error {
	if l.Min < 0 || l.Max < l.Min || l.Max > MaxLatency {
		return fmt.Errorf("latency [%v, %v]; valid: 0 <= Min <= Max <= %v (Min == Max: fixed; zero: instantaneous)", l.Min, l.Max, MaxLatency)
	}
	if l.Median != 0 && !(l.Min < l.Median && l.Median <= l.Max) {
		return fmt.Errorf("latency %v; a long tail needs Min < Median <= Max", l)
	}
	return nil
}

func (l Latency) validate(field string) error {
	if err := l.Validate(); err != nil {
		return fmt.Errorf("disk: Config.%s: %w", field, err)
	}
	return nil
}

// String renders the latency as a plan writes it: "2ms", "uniform 1ms
// 5ms", or "longtail 1ms 5ms 200ms" (min, median, max).
func (l Latency) String() string {
	switch {
	case l.Median != 0:
		return fmt.Sprintf("longtail %v %v %v", l.Min, l.Median, l.Max)
	case l.Min == l.Max:
		return l.Min.String()
	}
	return fmt.Sprintf("uniform %v %v", l.Min, l.Max)
}

// sample draws one latency from r. l must have been validated.
func (l Latency) sample(r *rng.Stream) time.Duration {
	switch {
	case l.Median != 0:
		return l.Min + time.Duration(rng.LomaxExcess(uint64(l.Median-l.Min), uint64(l.Max-l.Min), r.Uint64n(1<<32)+1))
	case l.Max > l.Min:
		return time.Duration(r.Int64Range(int64(l.Min), int64(l.Max)))
	}
	return l.Min
}

// flight is a Sync (or SyncDir) that has been issued and not yet
// completed: its operations become durable at done. A crash before done
// cuts it, and each of its operations persists or not (see Crash).
type flight struct {
	done  clock.Time
	ino   *inode // a file's sync; nil for a directory's
	ops   []flightOp
	names []nsOp // a directory's sync
}

// flightOp is one data operation of a sync in flight, its data copied out
// of the inode's arena.
type flightOp struct {
	kind opKind
	off  int64
	data []byte
}

// Begin tells the FS that the node that owns it starts an event at true
// instant now: syncs issued earlier that completed by now become durable
// (Advance) and Elapsed starts again from zero. The simulator calls it
// before every callback of the node; nothing else needs to when no latency
// is configured.
func (fs *FS) Begin(now clock.Time) {
	fs.Advance(now)
	fs.now, fs.elapsed = now, 0
}

// Advance makes durable, in the order issued, the operations of every sync
// in flight that completed by now. The simulator calls it before a crash,
// so that only syncs still in flight at the crash are cut.
func (fs *FS) Advance(now clock.Time) {
	k := 0
	for k < len(fs.flights) && fs.flights[k].done <= now {
		fs.land(&fs.flights[k])
		k++
	}
	if k > 0 {
		fs.flights = append(fs.flights[:0], fs.flights[k:]...)
	}
}

// Elapsed is the disk time the calls since Begin took: the sum of the
// latencies of their reads, writes and syncs (Config.ReadLatency,
// Config.WriteLatency, Config.SyncLatency, Slow faults). The node that made them is busy, in
// true time, until Begin's instant plus Elapsed.
func (fs *FS) Elapsed() time.Duration { return fs.elapsed }

// InFlight is the number of syncs issued and not yet completed.
func (fs *FS) InFlight() int { return len(fs.flights) }

// SetLatency changes the FS's sync and write latencies from now on (a
// node's disk slower or faster than the others').
func (fs *FS) SetLatency(sync, write Latency) error {
	if err := sync.validate("SyncLatency"); err != nil {
		return err
	}
	if err := write.validate("WriteLatency"); err != nil {
		return err
	}
	fs.cfg.SyncLatency, fs.cfg.WriteLatency = sync, write
	return nil
}

// SetReadLatency changes the FS's read latency from now on.
func (fs *FS) SetReadLatency(read Latency) error {
	if err := read.validate("ReadLatency"); err != nil {
		return err
	}
	fs.cfg.ReadLatency = read
	return nil
}

// costRead charges a read its latency (Config.ReadLatency; Slow faults do
// not apply to reads) and returns it.
func (fs *FS) costRead() time.Duration {
	d := fs.cfg.ReadLatency.sample(fs.lat)
	fs.elapsed += d
	fs.busy += d
	return d
}

// cost charges an operation of the given latency on the file called name
// (bytes long), Slow faults included, to Elapsed and returns it.
func (fs *FS) cost(l Latency, name string, bytes int64) time.Duration {
	d := l.sample(fs.lat)
	for _, af := range fs.live {
		if fs.matches(af, Slow, name, 0, 0) && fs.r.Chance(af.f.P) {
			af.ctr.Fired++
			af.ctr.Bytes += bytes
			d += af.f.Delay
		}
	}
	fs.elapsed += d
	fs.busy += d
	return d
}

// fly moves the inode's pending operations into a sync in flight that
// completes at the current instant plus Elapsed.
func (fs *FS) fly(ino *inode) {
	fl := flight{done: fs.now + clock.Time(fs.elapsed), ino: ino}
	for _, op := range ino.pend {
		fo := flightOp{kind: op.kind, off: op.off}
		if op.kind == opWrite {
			fo.data = append([]byte(nil), ino.arena[op.lo:op.hi]...)
		}
		fl.ops = append(fl.ops, fo)
	}
	ino.clearPending()
	fs.flights = append(fs.flights, fl)
}

// land makes a completed sync's operations durable.
func (fs *FS) land(fl *flight) {
	for _, op := range fl.names {
		fs.applyDurable(op)
	}
	for _, op := range fl.ops {
		fs.persistOp(fl.ino, op)
	}
}

func (fs *FS) persistOp(ino *inode, op flightOp) {
	if op.kind == opWrite {
		fs.persistWrite(ino, op.off, op.data)
	} else {
		fs.persistTruncate(ino, op.off)
	}
}
