//go:build !linux

package embedredis

import "syscall"

// setParentDeathSignal is a no-op: only Linux has PR_SET_PDEATHSIG, so
// elsewhere redis-server can outlive a voorrang that is killed outright.
func setParentDeathSignal(*syscall.SysProcAttr) {}

// orphanRedis cannot tell without /proc: a redis-server left behind by a
// killed voorrang is not detected here and must be stopped by hand. Linux,
// the platform voorrang is run on, never leaves one (see Pdeathsig).
func orphanRedis(int, string) bool { return false }

func processGone(int) bool { return true }

func signalPid(int, syscall.Signal) error { return nil }
