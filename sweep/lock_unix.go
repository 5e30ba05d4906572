//go:build unix

package sweep

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockFile takes an exclusive flock on f without waiting; the kernel
// releases it when f is closed or the process ends, however it ends. When
// another process holds it, the error names that process as far as the
// system tells (its pid and command line, from /proc on Linux).
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("locked by %s", lockHolder(f))
		}
		return fmt.Errorf("flock: %w", err)
	}
}

// lockHolder names the process holding the flock on f: "pid N (command
// line)" when /proc/locks lists it, else "another process".
func lockHolder(f *os.File) string {
	st, err := f.Stat()
	if err != nil {
		return "another process"
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return "another process"
	}
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return "another process (its pid is not known on this system)"
	}
	defer locks.Close()
	dev := uint64(sys.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, sys.Ino)
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 2370 fd:01:1315 0 EOF"; a waiter's
		// line has "->" after the number.
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "FLOCK" || f[5] != want {
			continue
		}
		pid, err := strconv.Atoi(f[4])
		if err != nil || pid <= 0 {
			continue
		}
		return describePid(pid)
	}
	return "another process"
}

// describePid is "pid N: its command line".
func describePid(pid int) string {
	cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(cmd) == 0 {
		return fmt.Sprintf("pid %d", pid)
	}
	args := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
	line := strings.Join(args, " ")
	if len(line) > 200 {
		line = line[:200] + "..."
	}
	return fmt.Sprintf("pid %d: %s", pid, line)
}
