package pbkv

import (
	"time"

	"github.com/faultline-dst/faultline/clock"
	"github.com/faultline-dst/faultline/sim"
)

// vm is the view manager: it hears every replica's pings, decides the
// view, and grants the primary its lease. It keeps its state in memory
// and is assumed not to fail (the cluster's claims hold for faults of the
// replicas and the network).
//
// Its rules, evaluated on every ping and every PingInterval:
//
//   - The lowest-named replica that has pinged becomes the primary of
//     view 1.
//   - A live replica outside the view joins it as a backup, and a dead
//     backup (no ping for DeadPings intervals) leaves it, in a new view
//     with the same primary, once the primary has acknowledged the
//     current view (pinged knowing it), one change at a time.
//   - A dead primary is replaced by the first live backup that is synced
//     in the current view (it holds state the primary sent in this view,
//     so every write acknowledged since), and only once the old primary's
//     lease has run out: LeaseTerm on the view manager's clock since the
//     last grant. With no such backup the view waits for the primary.
//   - A ping from the primary of the current view that knows the view is
//     answered with a lease.
type vm struct {
	env      *sim.Env
	cfg      *resolved
	view     View
	lastPing map[string]clock.Time // vm mono of each replica's last ping
	knows    map[string]uint64     // the view each replica last said it knows
	synced   map[string]uint64     // the view each replica last said its state is from
	granted  clock.Time            // vm mono of the last lease granted to view.Primary
}

const tagEvaluate = "evaluate"

func newVM(env *sim.Env, cfg *resolved) *vm {
	return &vm{env: env, cfg: cfg, lastPing: map[string]clock.Time{}, knows: map[string]uint64{}, synced: map[string]uint64{}}
}

func (m *vm) Start() { m.env.SetTimer(m.cfg.PingInterval, tagEvaluate) }

func (m *vm) Timer(_ sim.TimerID, _ string) {
	m.evaluate()
	m.env.SetTimer(m.cfg.PingInterval, tagEvaluate)
}

func (m *vm) Receive(from string, b []byte) {
	if !m.cfg.isReplica(from) {
		return // clients talk to replicas
	}
	msg, err := decode(b)
	if err != nil || msg.T != msgPing {
		m.env.Logf("ignoring message from %s: %v", from, err)
		return
	}
	now := m.env.Mono()
	m.lastPing[from], m.knows[from], m.synced[from] = now, msg.ViewNum, msg.Synced
	m.evaluate()
	reply := message{T: msgView, Seq: msg.Seq, View: &m.view}
	if from == m.view.Primary && msg.ViewNum == m.view.Num {
		reply.Lease = true
		m.granted = now
	}
	m.env.Send(from, encode(reply))
}

func (m *vm) alive(name string) bool {
	t, ok := m.lastPing[name]
	return ok && m.env.Mono() < t.Add(time.Duration(m.cfg.DeadPings)*m.cfg.PingInterval)
}

// evaluate makes at most one view change, by the rules above.
func (m *vm) evaluate() {
	v := m.view
	switch {
	case v.Num == 0:
		for _, r := range m.cfg.replicas {
			if m.alive(r) {
				m.install(View{Num: 1, Primary: r})
				return
			}
		}
	case !m.alive(v.Primary):
		if m.env.Mono() < m.granted.Add(m.cfg.LeaseTerm) {
			return // the old primary may still be serving
		}
		for i, b := range v.Backups {
			if m.alive(b) && (m.synced[b] == v.Num || m.cfg.bugs.async) {
				var rest []string
				for j, o := range v.Backups {
					if j != i && m.alive(o) {
						rest = append(rest, o)
					}
				}
				m.install(View{Num: v.Num + 1, Primary: b, Backups: rest})
				return
			}
		}
	case m.knows[v.Primary] == v.Num:
		for i, b := range v.Backups {
			if !m.alive(b) {
				rest := append(append([]string{}, v.Backups[:i]...), v.Backups[i+1:]...)
				m.install(View{Num: v.Num + 1, Primary: v.Primary, Backups: rest})
				return
			}
		}
		for _, r := range m.cfg.replicas {
			if !v.has(r) && m.alive(r) {
				m.install(View{Num: v.Num + 1, Primary: v.Primary, Backups: append(append([]string{}, v.Backups...), r)})
				return
			}
		}
	}
}

func (m *vm) install(v View) {
	if v.Primary != m.view.Primary {
		m.granted = 0
	}
	m.view = v
	m.env.Logf("install %v", v)
}
