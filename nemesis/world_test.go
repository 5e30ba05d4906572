package nemesis_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/nemesis"
	"github.com/faultline-dst/faultline/netsim"
	"github.com/faultline-dst/faultline/sim"
)

const ms = clock.Time(time.Millisecond)

// chatter is a small SUT node: on every tick (1 to 5ms on its own clock)
// it reads its clock, sends a message to a random peer, reads the head of
// its log, appends a record and syncs half the time. At start it recovers
// its log from disk. A chatter with no peers sends nothing, and nobody
// sends to it unless they list it.
type chatter struct {
	env     *sim.Env
	peers   []string
	version string
	log     interface {
		ReadAt([]byte, int64) (int, error)
		Write([]byte) (int, error)
		Sync() error
		Size() (int64, error)
	}
	heard int
}

// boot records one start of a chatter: which node, from which factory,
// how many bytes of log it recovered, and when.
type boot struct {
	node, version string
	recovered     int64
	at            clock.Time
}

// chatterFactory returns a factory for chatters of version v talking to
// peers; every boot is appended to *boots if boots is not nil (w is read
// for the instant).
func chatterFactory(v string, peers []string, w **sim.World, boots *[]boot) sim.Factory {
	return func(env *sim.Env) sim.Node {
		c := &chatter{env: env, peers: peers, version: v}
		fs := env.Disk()
		f, err := fs.Open("log")
		if err != nil {
			if f, err = fs.Create("log"); err == nil {
				_ = fs.SyncDir(".")
			}
		}
		var size int64
		if err == nil {
			c.log = f
			size, _ = f.Size()
		}
		if boots != nil && *w != nil {
			*boots = append(*boots, boot{env.Name(), v, size, (*w).Now()})
		}
		return c
	}
}

func (c *chatter) Start() {
	c.env.Logf("%s start incarnation %d", c.version, c.env.Incarnation())
	c.env.SetTimer(time.Duration(1+c.env.Rand().Intn(5))*time.Millisecond, "tick")
}

func (c *chatter) Receive(from string, msg []byte) { c.heard++ }

func (c *chatter) Timer(_ sim.TimerID, tag string) {
	now := c.env.Now()
	if len(c.peers) > 0 {
		to := c.peers[c.env.Rand().Intn(len(c.peers))]
		if to != c.env.Name() {
			c.env.Send(to, fmt.Appendf(nil, "%s@%d#%d", c.env.Name(), now, c.heard))
		}
	}
	if c.log != nil {
		head := make([]byte, 64)
		_, _ = c.log.ReadAt(head, 0)
		_, _ = c.log.Write(fmt.Appendf(nil, "%s tick %d heard %d\n", c.version, now, c.heard))
		if c.env.Rand().Intn(2) == 0 {
			_ = c.log.Sync()
		}
	}
	c.env.SetTimer(time.Duration(1+c.env.Rand().Intn(5))*time.Millisecond, tag)
}

var (
	talkers = []string{"n1", "n2", "n3"}
	allSUT  = []string{"n1", "n2", "n3", "n4"}
)

// testWorld builds n1..n3 chatting among themselves and n4, an SUT node
// nobody talks to and that talks to nobody, plus a harness client that
// does nothing. boots, if not nil, records every boot.
func testWorld(t testing.TB, seed uint64, boots *[]boot) *sim.World {
	t.Helper()
	var w *sim.World
	specs := []sim.NodeSpec{
		{Name: "n1", Factory: chatterFactory("v1", talkers, &w, boots)},
		{Name: "n2", Factory: chatterFactory("v1", talkers, &w, boots)},
		{Name: "n3", Factory: chatterFactory("v1", talkers, &w, boots)},
		{Name: "n4", Factory: chatterFactory("v1", nil, &w, boots)},
		{Name: "client", Factory: chatterFactory("client", nil, &w, nil), Harness: true},
	}
	var err error
	w, err = sim.New(sim.Config{
		Seed:    seed,
		Nodes:   specs,
		Net:     netsim.Config{Default: netsim.LinkConfig{Latency: netsim.Latency{Kind: netsim.Uniform, Min: time.Millisecond, Max: 3 * time.Millisecond}}},
		MaxTime: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// testBudget allows every kind on the SUT nodes of testWorld, one node
// down at a time, faults in [100ms, 1.6s].
func testBudget() nemesis.Budget {
	return nemesis.Budget{
		Kinds:       nemesis.Kinds(),
		Targets:     allSUT,
		MaxDown:     1,
		WarmUp:      100 * ms,
		HealBy:      1600 * ms,
		MaxFaults:   30,
		MaxDriftPPM: 1000,
		MaxOffset:   5 * time.Second,
		MaxJump:     5 * time.Second,
		MaxDelay:    100 * time.Millisecond,
		MaxNetP:     0.5,
		MaxDiskP:    1,
		DiskKinds:   allDiskKinds,
		Upgrades:    []string{"v1", "v2"},
	}
}

// run applies s to a fresh test world and runs it to the end.
func run(t testing.TB, seed uint64, s nemesis.Schedule, boots *[]boot) (*sim.World, *nemesis.Nemesis, sim.Result) {
	t.Helper()
	w := testWorld(t, seed, boots)
	nem, err := nemesis.Apply(w, s, nemesis.Options{
		Budget: testBudget(),
		Factories: map[string]sim.Factory{
			"v1": chatterFactory("v1", talkers, &w, boots),
			"v2": chatterFactory("v2", talkers, &w, boots),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Run()
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	return w, nem, res
}
