//go:build linux

package ui

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// emfileHelper is the environment variable that makes TestEMFILEHelper
// serve, in a child process with few file descriptors.
const emfileHelper = "VOORRANG_TEST_EMFILE_HELPER"

// TestHTTPSurvivesRunningOutOfFiles runs the server in a process allowed
// 64 open files and opens 200 idle connections to it: it runs out of
// descriptors ("accept4: too many open files", which once stopped the
// whole service), stays up, and once the connections go, serves a valid
// request.
func TestHTTPSurvivesRunningOutOfFiles(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestEMFILEHelper$")
	// The helper needs no Redis: an address is enough for TestMain.
	cmd.Env = append(os.Environ(), emfileHelper+"=1", "VOORRANG_TEST_REDIS=127.0.0.1:1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var log lockedBuffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		stdin.Close()
		<-exited
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the helper did not start: %v; %s", err, log.String())
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "addr "))

	var idle []net.Conn
	for range 200 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			select {
			case err := <-exited:
				t.Fatalf("the server exited when it ran out of files: %v; %s", err, log.String())
			case <-time.After(5 * time.Second):
				t.Fatalf("dial %d: %v", len(idle), err)
			}
		}
		idle = append(idle, c)
	}
	for !strings.Contains(log.String(), "too many open files") {
		select {
		case err := <-exited:
			t.Fatalf("the server exited when it ran out of files: %v; %s", err, log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	for _, c := range idle {
		c.Close()
	}
	for {
		select {
		case err := <-exited:
			t.Fatalf("the server exited: %v; %s", err, log.String())
		default:
		}
		if status, err := healthz(addr); err == nil && status == 200 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func healthz(addr string) (int, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"); err != nil {
		return 0, err
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// TestEMFILEHelper is the server of TestHTTPSurvivesRunningOutOfFiles
// when run as its child; otherwise it does nothing.
func TestEMFILEHelper(t *testing.T) {
	if os.Getenv(emfileHelper) == "" {
		return
	}
	lim := syscall.Rlimit{Cur: 64, Max: 64}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)), Access: testAccess()})
	go func() {
		// As in voorrang serve, the process ends when serving does.
		err := s.Serve(ln)
		os.Stderr.WriteString(fmt.Sprintf("serving stopped: %v\n", err))
		os.Exit(3)
	}()
	os.Stdout.WriteString("addr " + ln.Addr().String() + "\n")
	io.Copy(io.Discard, os.Stdin) // until the test closes it
	os.Exit(0)
}
