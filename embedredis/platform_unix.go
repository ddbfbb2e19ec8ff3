//go:build unix

package embedredis

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive, non-blocking flock on path, so two voorrang
// processes never run redis-server on the same data folder. The kernel drops
// the lock when this process dies, however it dies. The descriptor is
// close-on-exec, so redis-server does not inherit it.
func lockDir(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errDirInUse
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// terminate asks the child to shut down gracefully.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// childAttr puts redis-server in its own process group, so a Ctrl-C in the
// terminal reaches only voorrang, which then stops Redis after it has drained
// (Redis would otherwise quit first and fail the last writes). On Linux it
// also asks for SIGTERM when the parent dies.
func childAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(a)
	return a
}
