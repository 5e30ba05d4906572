package disk

import (
	"fmt"
	"time"

	"github.com/faultline-dst/faultline/clock"
)

// MaxLatency bounds a Latency's Max and a Slow fault's Delay.
const MaxLatency = time.Minute

// Latency is how long a disk operation takes: uniform in [Min, Max], drawn
// from the FS's own latency stream; Min == Max is a fixed latency, and the
// zero Latency is instantaneous (it draws nothing).
type Latency struct {
	Min, Max time.Duration
}

func (l Latency) validate(field string) error {
	if l.Min < 0 || l.Max < l.Min || l.Max > MaxLatency {
		return fmt.Errorf("disk: Config.%s is [%v, %v]; valid: 0 <= Min <= Max <= %v (Min == Max: fixed; zero: instantaneous)", field, l.Min, l.Max, MaxLatency)
	}
	return nil
}

// String renders the latency as a plan writes it: "2ms", or "uniform 1ms 5ms".
func (l Latency) String() string {
	if l.Min == l.Max {
		return l.Min.String()
	}
	return fmt.Sprintf("uniform %v %v", l.Min, l.Max)
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
// latencies of their writes and syncs (Config.WriteLatency,
// Config.SyncLatency, Slow faults). The node that made them is busy, in
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

// cost charges an operation of the given latency on the file called name
// (bytes long), Slow faults included, to Elapsed and returns it.
func (fs *FS) cost(l Latency, name string, bytes int64) time.Duration {
	d := l.Min
	if l.Max > l.Min {
		d = time.Duration(fs.lat.Int64Range(int64(l.Min), int64(l.Max)))
	}
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
