package raftkv

import (
	"fmt"

	"github.com/faultline-dst/faultline/sim"
)

// raftLogger is the raft.Logger of one node: info, warnings and errors go
// into the simulation trace through Env.Logf (never to stderr with host
// timestamps); debug output is discarded; Fatal and Panic panic, which the
// simulator charges to the node.
type raftLogger struct{ env *sim.Env }

func (l raftLogger) Debug(...any)          {}
func (l raftLogger) Debugf(string, ...any) {}

func (l raftLogger) Info(v ...any)                 { l.env.Logf("raft: %s", fmt.Sprint(v...)) }
func (l raftLogger) Infof(format string, v ...any) { l.env.Logf("raft: "+format, v...) }

func (l raftLogger) Warning(v ...any) { l.env.Logf("raft warning: %s", fmt.Sprint(v...)) }
func (l raftLogger) Warningf(format string, v ...any) {
	l.env.Logf("raft warning: "+format, v...)
}

func (l raftLogger) Error(v ...any)                 { l.env.Logf("raft error: %s", fmt.Sprint(v...)) }
func (l raftLogger) Errorf(format string, v ...any) { l.env.Logf("raft error: "+format, v...) }

func (l raftLogger) Fatal(v ...any) { panic("raft fatal: " + fmt.Sprint(v...)) }
func (l raftLogger) Fatalf(format string, v ...any) {
	panic("raft fatal: " + fmt.Sprintf(format, v...))
}

func (l raftLogger) Panic(v ...any)                 { panic("raft: " + fmt.Sprint(v...)) }
func (l raftLogger) Panicf(format string, v ...any) { panic("raft: " + fmt.Sprintf(format, v...)) }
