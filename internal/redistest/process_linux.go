package redistest

import (
	"os"
	"syscall"
)

// childAttr asks the kernel to SIGKILL the server when the test binary
// dies, however it dies (a panic, a -timeout, SIGKILL), so that no
// redis-server outlives its tests. Linux ties the signal to the OS thread
// that started the child; the Go runtime ends threads only for goroutines
// that exit while locked to theirs, which nothing here does.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }

func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

func pause(p *os.Process) error  { return p.Signal(syscall.SIGSTOP) }
func resume(p *os.Process) error { return p.Signal(syscall.SIGCONT) }
