package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
)

// The plan fields beyond the core ones (listed in planFields and
// sectionFields): what a Go declaration can say about faults, the
// network, disks, clocks and checker options, a plan can say too.
//
//	nemesis:
//	  targets: n1, n2          nodes faults may target (default: the system's)
//	  window: 2s..8s           faults start at or after 2s and heal by 8s
//	  min_duration: 200ms      bounds of a generated fault's duration
//	  max_duration: 1s
//	  max_drift_ppm: 200       clock faults' bounds
//	  max_offset: 500ms
//	  max_jump: 1s
//	  max_delay: 100ms         clog and reorder delays
//	  max_net_p: 0.3           loss, duplicate and reorder probabilities
//	  shapes: isolate, halves  partition shapes
//	  disk_kinds: SyncFail, Slow  the disk faults kind disk may inject
//	  max_disk_p: 0.2          their probability's bound
//	network:
//	  latency: 2ms             or: uniform 1ms 5ms, or: longtail 1ms 5ms 200ms (min median max)
//	  loss: 0.01               per-message probabilities when no fault is active
//	  duplicate: 0.01
//	  reorder: 0.05
//	  mode: datagram           or stream
//	disk:
//	  crash: lose-unsynced     or lose-some, tear: what a crash does to unsynced data
//	  sector_size: 512
//	  capacity: 1048576
//	  sync_latency: 5ms        or: uniform 1ms 10ms, or: longtail 1ms 5ms 200ms; how long an fsync takes
//	  write_latency: 0s        likewise for a write
//	  read_latency: 0s         and for a read
//	disks:
//	  n2: sync_latency=longtail 5ms 20ms 1s, write_latency=1ms   one node's disk latencies
//	clocks:
//	  n1: offset=50ms, drift_ppm=100   a node's clock at boot
//	checker_options:
//	  fifo: true               queue: FIFO per producer is claimed
//	  drift_bound: 0.0005      lease: the declared drift bound
//	  recovery: 2s             liveness: the declared recovery time
//	  floor: 0                 ledger: no balance below it
//	  counter_initial: 0       counter: the starting value
//	  real_time_order: true    session: writes ordered by real time
//	  max_partition_ops: 5000  linearizable: the work bounds
//	  max_steps: 1000000
//
// diskKindNames lists the disk fault kinds for a message.
func diskKindNames() string {
	var names []string
	for k := disk.ReadError; k <= disk.LastFaultKind; k++ {
		names = append(names, k.String())
	}
	return strings.Join(names, ", ")
}

// crashModes are the plan names of the disk crash modes.
var crashModes = map[string]disk.CrashMode{"lose-unsynced": disk.LoseUnsynced, "lose-some": disk.LoseSome, "tear": disk.Tear}

// setMore sets a section field beyond the core ones; it reports whether
// key is one.
func (p *blockParser) setMore(s *Scenario, key, v string, line int) bool {
	b := &s.Nemesis.Budget
	o := &s.Options
	l := &s.Net.Default
	switch key {
	case "nemesis.targets":
		b.Targets = splitList(v)
		p.targetsLine = line
	case "nemesis.window":
		from, to, ok := strings.Cut(v, "..")
		a, errA := time.ParseDuration(strings.TrimSpace(from))
		z, errZ := time.ParseDuration(strings.TrimSpace(to))
		if !ok || errA != nil || errZ != nil || a < 0 || z <= a {
			p.fail(line, "nemesis.window: %q is not FROM..TO with 0 <= FROM < TO (e.g. 2s..8s)", v)
			return true
		}
		b.WarmUp, b.HealBy = clock.Time(a), clock.Time(z)
		p.windowLine = line
	case "nemesis.min_duration":
		b.MinDuration = p.duration(line, key, v)
	case "nemesis.max_duration":
		b.MaxDuration = p.duration(line, key, v)
		if b.MinDuration > 0 && b.MaxDuration > 0 && b.MaxDuration < b.MinDuration {
			p.fail(line, "nemesis.max_duration: %v is below min_duration %v", b.MaxDuration, b.MinDuration)
		}
	case "nemesis.max_drift_ppm":
		b.MaxDriftPPM = int64(p.positive(line, key, v))
		if b.MaxDriftPPM > clock.MaxDriftPPM {
			p.fail(line, "nemesis.max_drift_ppm: %d is above the limit %d", b.MaxDriftPPM, clock.MaxDriftPPM)
		}
	case "nemesis.max_offset":
		b.MaxOffset = p.duration(line, key, v)
	case "nemesis.max_jump":
		b.MaxJump = p.duration(line, key, v)
	case "nemesis.max_delay":
		b.MaxDelay = p.duration(line, key, v)
	case "nemesis.max_net_p":
		b.MaxNetP = p.probability(line, key, v, false)
	case "nemesis.shapes":
		b.Shapes = nil
		for _, name := range splitList(v) {
			if !containsShape(nemesis.Shapes(), nemesis.Shape(name)) {
				var valid []string
				for _, sh := range nemesis.Shapes() {
					valid = append(valid, string(sh))
				}
				p.fail(line, "nemesis.shapes: unknown partition shape %q; valid: %s", name, strings.Join(valid, ", "))
				continue
			}
			b.Shapes = append(b.Shapes, nemesis.Shape(name))
		}
	case "nemesis.disk_kinds":
		b.DiskKinds = nil
		for _, name := range splitList(v) {
			k, err := disk.ParseFaultKind(name)
			if err != nil {
				p.fail(line, "nemesis.disk_kinds: unknown disk fault kind %q; valid: %s", name, diskKindNames())
				continue
			}
			if slices.Contains(b.DiskKinds, k) {
				p.fail(line, "nemesis.disk_kinds: %s given twice", k)
				continue
			}
			b.DiskKinds = append(b.DiskKinds, k)
		}
		p.diskKindsLine = line
	case "nemesis.max_disk_p":
		b.MaxDiskP = p.probability(line, key, v, false)
	case "network.latency":
		lat, err := parseLatency(v)
		if err != nil {
			p.fail(line, "network.latency: %v", err)
		}
		l.Latency = lat
	case "network.loss":
		l.Loss = p.probability(line, key, v, true)
	case "network.duplicate":
		l.Duplicate = p.probability(line, key, v, true)
	case "network.reorder":
		l.Reorder = p.probability(line, key, v, true)
	case "network.mode":
		m, err := netsim.ParseMode(v)
		if err != nil {
			p.fail(line, "network.mode: %q; valid: datagram, stream", v)
		}
		l.Mode = m
	case "disk.crash":
		m, ok := crashModes[v]
		if !ok {
			p.fail(line, "disk.crash: unknown crash mode %q; valid: %s", v, strings.Join(sortedKeys(crashModes), ", "))
		}
		s.Disk.Crash = m
	case "disk.sector_size":
		n := p.positive(line, key, v)
		if n&(n-1) != 0 || n > 65536 {
			p.fail(line, "disk.sector_size: %d is not a power of two from 1 to 65536", n)
		}
		s.Disk.SectorSize = n
	case "disk.capacity":
		s.Disk.Capacity = int64(p.positive(line, key, v))
	case "disk.sync_latency", "disk.write_latency", "disk.read_latency":
		d, err := parseDiskLatency(v)
		if err != nil {
			p.fail(line, "%s: %v", key, err)
		}
		switch key {
		case "disk.sync_latency":
			s.Disk.SyncLatency = d
		case "disk.write_latency":
			s.Disk.WriteLatency = d
		default:
			s.Disk.ReadLatency = d
		}
	case "checker_options.fifo":
		o.FIFO = p.boolean(line, key, v)
	case "checker_options.real_time_order":
		o.RealTimeOrder = p.boolean(line, key, v)
	case "checker_options.drift_bound":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f >= 1 {
			p.fail(line, "checker_options.drift_bound: %q is not a drift bound in [0, 1) (e.g. 0.0005 for 500 ppm)", v)
		}
		o.DriftBound = f
	case "checker_options.recovery":
		o.Recovery = p.duration(line, key, v)
	case "checker_options.floor":
		o.Floor = p.integer(line, key, v)
	case "checker_options.counter_initial":
		o.CounterInitial = p.integer(line, key, v)
	case "checker_options.max_partition_ops":
		o.MaxPartitionOps = p.positive(line, key, v)
	case "checker_options.max_steps":
		o.MaxSteps = int64(p.positive(line, key, v))
	default:
		return false
	}
	return true
}

// clocks reads the clocks section: one line per node, "NODE: offset=D,
// drift_ppm=N" (either or both).
func (p *blockParser) clocks(s *Scenario, f rawField) {
	if len(f.sub) == 0 {
		p.fail(f.line, "section clocks is empty; its lines: NODE: offset=DURATION, drift_ppm=N")
	}
	seen := map[string]int{}
	for _, sf := range f.sub {
		if prev, dup := seen[sf.key]; dup {
			p.fail(sf.line, "clocks.%s given twice (also line %d)", sf.key, prev)
			continue
		}
		seen[sf.key] = sf.line
		c := NodeClock{Node: sf.key}
		if p.clockLines == nil {
			p.clockLines = map[string]int{}
		}
		p.clockLines[sf.key] = sf.line
		if sf.value == "" {
			p.fail(sf.line, "clocks.%s has no value; give offset=DURATION, drift_ppm=N", sf.key)
			continue
		}
		for _, part := range splitList(sf.value) {
			k, v, ok := strings.Cut(part, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch {
			case ok && k == "offset":
				d, err := time.ParseDuration(v)
				if err != nil {
					p.fail(sf.line, "clocks.%s: offset %q is not a duration (e.g. -50ms)", sf.key, v)
				}
				c.Offset = d
			case ok && k == "drift_ppm":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n > clock.MaxDriftPPM || n < clock.MinDriftPPM {
					p.fail(sf.line, "clocks.%s: drift_ppm %q is not a whole number within [%d, %d] (100x slow to 100x fast)", sf.key, v, clock.MinDriftPPM, clock.MaxDriftPPM)
				}
				c.DriftPPM = n
			default:
				p.fail(sf.line, "clocks.%s: %q; valid: offset=DURATION, drift_ppm=N", sf.key, part)
			}
		}
		s.Clocks = append(s.Clocks, c)
	}
}

// diskLatencyUsage is what a disk latency may be, for errors.
var diskLatencyUsage = fmt.Sprintf("valid: DURATION, uniform MIN MAX, or longtail MIN MEDIAN MAX, at most %v", disk.MaxLatency)

// parseDiskLatency reads a disk latency as a plan writes it (and as
// disk.Latency.String renders it).
func parseDiskLatency(v string) (disk.Latency, error) {
	lat, err := parseLatency(v)
	if err != nil {
		return disk.Latency{}, fmt.Errorf("%q; %s", v, diskLatencyUsage)
	}
	d := disk.Latency{Min: lat.Min, Max: lat.Max}
	switch lat.Kind {
	case netsim.Fixed:
		d.Max = d.Min
	case netsim.LongTail:
		d.Median = lat.Median
	}
	if err := d.Validate(); err != nil {
		return disk.Latency{}, fmt.Errorf("%q; %s", v, diskLatencyUsage)
	}
	return d, nil
}

// diskLatencyFields are the fields of a disks line, and where each goes.
var diskLatencyFields = []string{"sync_latency", "write_latency", "read_latency"}

// disks reads the disks section: one line per node, "NODE:
// sync_latency=L, write_latency=L, read_latency=L" (any of them), each L
// a disk latency.
func (p *blockParser) disks(s *Scenario, f rawField) {
	if len(f.sub) == 0 {
		p.fail(f.line, "section disks is empty; its lines: NODE: sync_latency=L, write_latency=L, read_latency=L")
	}
	seen := map[string]int{}
	for _, sf := range f.sub {
		if prev, dup := seen[sf.key]; dup {
			p.fail(sf.line, "disks.%s given twice (also line %d)", sf.key, prev)
			continue
		}
		seen[sf.key] = sf.line
		if p.diskLines == nil {
			p.diskLines = map[string]int{}
		}
		p.diskLines[sf.key] = sf.line
		if sf.value == "" {
			p.fail(sf.line, "disks.%s has no value; give sync_latency=L, write_latency=L, read_latency=L (any of them)", sf.key)
			continue
		}
		d := NodeDisk{Node: sf.key}
		given := map[string]bool{}
		for _, part := range splitList(sf.value) {
			k, v, ok := strings.Cut(part, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || !contains(diskLatencyFields, k) {
				p.fail(sf.line, "disks.%s: %q; valid: %s=LATENCY", sf.key, part, strings.Join(diskLatencyFields, "=LATENCY, "))
				continue
			}
			if given[k] {
				p.fail(sf.line, "disks.%s: %s given twice", sf.key, k)
				continue
			}
			given[k] = true
			lat, err := parseDiskLatency(v)
			if err != nil {
				p.fail(sf.line, "disks.%s: %s: %v", sf.key, k, err)
				continue
			}
			switch k {
			case "sync_latency":
				d.SyncLatency = &lat
			case "write_latency":
				d.WriteLatency = &lat
			default:
				d.ReadLatency = &lat
			}
		}
		s.Disks = append(s.Disks, d)
	}
}

// window checks that the fault window ends within the run.
func (p *blockParser) window(s Scenario) {
	run := s.SimTime
	if run == 0 {
		run = DefaultSimTime
	}
	if end := time.Duration(s.Nemesis.Budget.HealBy); p.windowLine > 0 && end > run {
		p.fail(p.windowLine, "nemesis.window: ends at %v, after the run's %v", end, run)
	}
}

// nodeNames checks the node names a block uses (fault targets, clocks)
// against the nodes the system builds for it.
func (p *blockParser) nodeNames(s Scenario, sys System) {
	if sys.Build == nil || (p.targetsLine == 0 && len(p.clockLines) == 0 && len(p.diskLines) == 0) {
		return
	}
	nodes := s.Nodes
	if nodes == 0 {
		nodes = sys.DefaultNodes
	}
	cl, err := sys.Build(Build{Nodes: nodes, Model: s.Model, Bugs: s.Bugs, Options: s.SystemOptions})
	if err != nil {
		return // the run reports it
	}
	names := nemesis.SUTNodes(cl.Nodes)
	for _, t := range s.Nemesis.Budget.Targets {
		if p.targetsLine > 0 && !contains(names, t) {
			p.fail(p.targetsLine, "nemesis.targets: system %s has no node %q; its nodes: %s", sys.Name, t, strings.Join(names, ", "))
		}
	}
	for _, c := range s.Clocks {
		if line := p.clockLines[c.Node]; line > 0 && !contains(names, c.Node) {
			p.fail(line, "clocks: system %s has no node %q; its nodes: %s", sys.Name, c.Node, strings.Join(names, ", "))
		}
	}
	for _, d := range s.Disks {
		if line := p.diskLines[d.Node]; line > 0 && !contains(names, d.Node) {
			p.fail(line, "disks: system %s has no node %q; its nodes: %s", sys.Name, d.Node, strings.Join(names, ", "))
		}
	}
}

func parseLatency(v string) (netsim.Latency, error) {
	f := strings.Fields(v)
	durs := func(ss []string) ([]time.Duration, error) {
		var out []time.Duration
		for _, s := range ss {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("%q is not a duration", s)
			}
			out = append(out, d)
		}
		return out, nil
	}
	usage := fmt.Errorf("%q; valid: DURATION, fixed DURATION, uniform MIN MAX, longtail MIN MEDIAN MAX", v)
	switch {
	case len(f) == 1:
		d, err := durs(f)
		if err != nil {
			return netsim.Latency{}, usage
		}
		return netsim.Latency{Kind: netsim.Fixed, Min: d[0]}, nil
	case len(f) == 2 && f[0] == "fixed":
		d, err := durs(f[1:])
		if err != nil {
			return netsim.Latency{}, usage
		}
		return netsim.Latency{Kind: netsim.Fixed, Min: d[0]}, nil
	case len(f) == 3 && f[0] == "uniform":
		d, err := durs(f[1:])
		if err != nil || d[1] < d[0] {
			return netsim.Latency{}, fmt.Errorf("uniform %s: want MIN <= MAX durations", strings.Join(f[1:], " "))
		}
		return netsim.Latency{Kind: netsim.Uniform, Min: d[0], Max: d[1]}, nil
	case len(f) == 4 && f[0] == "longtail":
		d, err := durs(f[1:])
		if err != nil || !(d[0] < d[1] && d[1] <= d[2]) {
			return netsim.Latency{}, fmt.Errorf("longtail %s: want MIN < MEDIAN <= MAX durations", strings.Join(f[1:], " "))
		}
		return netsim.Latency{Kind: netsim.LongTail, Min: d[0], Median: d[1], Max: d[2]}, nil
	}
	return netsim.Latency{}, usage
}

func (p *blockParser) probability(line int, key, v string, zeroOK bool) float64 {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 || (!zeroOK && f == 0) {
		p.fail(line, "%s: %q is not a probability in [0, 1]", key, v)
		return 0
	}
	return f
}

func (p *blockParser) boolean(line int, key, v string) bool {
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(line, "%s: %q is not true or false", key, v)
	}
	return b
}

func (p *blockParser) integer(line int, key, v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		p.fail(line, "%s: %q is not a whole number", key, v)
	}
	return n
}

func containsShape(ss []nemesis.Shape, s nemesis.Shape) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// systemOptions reads the system_options section: "NAME: VALUE" lines,
// each NAME one of the system's options (checked once the system is
// known, in checkSystemOptions).
func (p *blockParser) systemOptions(s *Scenario, f rawField) {
	if len(f.sub) == 0 {
		p.fail(f.line, "section system_options is empty; its lines: NAME: VALUE, NAME one of the system's options")
	}
	s.SystemOptions = map[string]string{}
	p.optionLines = map[string]int{}
	for _, sf := range f.sub {
		if prev, dup := p.optionLines[sf.key]; dup {
			p.fail(sf.line, "system_options.%s given twice (also line %d)", sf.key, prev)
			continue
		}
		p.optionLines[sf.key] = sf.line
		if sf.value == "" {
			p.fail(sf.line, "system_options.%s has no value", sf.key)
		}
		s.SystemOptions[sf.key] = sf.value
	}
}

// checkSystemOptions checks the block's system options against the
// system's declared ones.
func (p *blockParser) checkSystemOptions(s Scenario, sys System) {
	if sys.Name == "" {
		return
	}
	for _, k := range sortedKeys(p.optionLines) {
		if _, ok := sys.Options[k]; !ok {
			p.fail(p.optionLines[k], "system_options: system %s has no option %q; valid: %s", sys.Name, k, strings.Join(sys.optionNames(), ", "))
		}
	}
}
