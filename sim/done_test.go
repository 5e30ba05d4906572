package sim_test

import (
	"testing"
	"time"

	"github.com/faultline-dst/faultline/sim"
)

// forever re-arms a timer forever: a run of it never goes quiet.
type forever struct {
	env   *sim.Env
	fired *int
}

func (t *forever) Start()                    { t.env.SetTimer(time.Millisecond, "tick") }
func (t *forever) Receive(string, []byte)    {}
func (t *forever) Timer(sim.TimerID, string) { *t.fired++; t.env.SetTimer(time.Millisecond, "tick") }

// TestDoneEndsTheRun: Config.Done is asked after every event and ends the
// run there, with StopDone, the same way in every run.
func TestDoneEndsTheRun(t *testing.T) {
	run := func() sim.Result {
		fired := 0
		w, err := sim.New(sim.Config{Seed: 1, MaxTime: time.Second,
			Nodes: []sim.NodeSpec{{Name: "a", Factory: func(env *sim.Env) sim.Node { return &forever{env: env, fired: &fired} }}},
			Done:  func() bool { return fired == 10 }})
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.Run()
		if err != nil {
			t.Fatal(err)
		}
		if fired != 10 {
			t.Fatalf("%d timers fired after Done said true at 10", fired)
		}
		return res
	}
	a, b := run(), run()
	if a.Stop != sim.StopDone || int64(a.SimTime) != int64(10*time.Millisecond) {
		t.Fatalf("stop %q at %v; want done at 10ms", a.Stop, a.SimTime)
	}
	if a.TraceHash != b.TraceHash {
		t.Fatalf("two runs differ: %x, %x", a.TraceHash, b.TraceHash)
	}
}
