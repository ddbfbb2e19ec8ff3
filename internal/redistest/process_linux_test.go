package redistest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestServersDieWithAPanickingTestBinary runs a test binary that starts
// its servers (Main's and one of its own) and then panics, as a failing test
// may: neither redis-server may outlive it.
func TestServersDieWithAPanickingTestBinary(t *testing.T) {
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperPanics$")
	helper.Env = append(os.Environ(), "REDISTEST_HELPER=1", EnvVar+"=")
	var out bytes.Buffer
	helper.Stdout, helper.Stderr = &out, &out
	err := helper.Run()
	if err == nil {
		t.Fatalf("the helper did not fail:\n%s", out.Bytes())
	}
	var shared, own int
	if _, err := fmt.Sscanf(out.String(), "pids %d %d\n", &shared, &own); err != nil {
		t.Fatalf("helper output: %v\n%s", err, out.Bytes())
	}
	for _, pid := range []int{shared, own} {
		t.Cleanup(func() { // if it did outlive the helper, do not leak it
			if !processGone(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		})
		if !waitExit(t, pid, stopTimeout) {
			t.Errorf("redis-server %d outlived its panicking test binary by %s", pid, stopTimeout)
		}
	}
}

// TestHelperPanics is the test binary for
// TestServersDieWithAPanickingTestBinary; it does nothing in a normal run.
func TestHelperPanics(t *testing.T) {
	if os.Getenv("REDISTEST_HELPER") == "" {
		return
	}
	info, err := Client(t).InfoMap(t.Context(), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(Config{TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("pids %s %d\n", info["Server"]["process_id"], s.Pid())
	panic("a test panics")
}

// waitExit waits until pid has exited (a pidfd becomes readable then,
// zombie or not), at most timeout, and reports whether it did.
func waitExit(t *testing.T, pid int, timeout time.Duration) bool {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return true
	}
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(timeout.Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			t.Fatalf("poll pidfd %d: %v", pid, err)
		}
		return n > 0
	}
}

// processGone reports whether pid no longer runs: it does not exist, or it
// is a zombie nobody reaps (PID 1 of a container may not).
func processGone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X')
}
