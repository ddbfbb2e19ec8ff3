//go:build !linux

package redistest

import (
	"errors"
	"os"
	"syscall"
)

// childAttr is empty: only Linux has a parent-death signal, so elsewhere a
// test binary that dies without running Close leaves its redis-server
// behind.
func childAttr() *syscall.SysProcAttr { return nil }

func terminate(p *os.Process) error { return p.Kill() }

func pause(*os.Process) error  { return errors.ErrUnsupported }
func resume(*os.Process) error { return errors.ErrUnsupported }
