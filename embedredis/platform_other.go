//go:build !unix

package embedredis

import (
	"os"
	"syscall"
)

// lockDir is a no-op where flock is not available.
func lockDir(string) (unlock func(), err error) { return func() {}, nil }

// terminate kills the child: there is no SIGTERM to send.
func terminate(p *os.Process) error { return p.Kill() }

func childAttr() *syscall.SysProcAttr { return nil }
