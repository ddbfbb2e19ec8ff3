package embedredis

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// setParentDeathSignal makes the kernel send the child SIGTERM when the
// parent dies, even by SIGKILL, so redis-server never outlives voorrang.
//
// Caveat: Linux ties this to the OS thread that started the child, not the
// process. The Go runtime does not end threads except when a goroutine that
// called runtime.LockOSThread returns without unlocking, so in practice it
// fires when the process dies.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGTERM }

// orphanRedis reports whether pid is a live process working in dir: a
// redis-server from an earlier run whose parent died (redis-server chdirs into
// its data folder, and dir is locked by us, so no live voorrang owns it).
func orphanRedis(pid int, dir string) bool {
	cwd, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd")
	if err != nil {
		return false
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return cwd == dir && !processGone(pid)
}

// processGone reports whether pid no longer runs: it does not exist, or it
// is a zombie waiting for a parent (in a container PID 1 may never reap it).
func processGone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// pid (comm) state ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	switch stat[i+2] {
	case 'Z', 'X':
		return true
	}
	return false
}

func signalPid(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }
