package embedredis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// requireRedisServer fails, not skips: the test environment installs
// redis-server, and a silent skip would hide the persistent path entirely.
func requireRedisServer(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server not on PATH (Debian: apt install redis-server): %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger logs to the test output and to the returned buffer.
func testLogger(t *testing.T) (*slog.Logger, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), buf), nil)), buf
}

// startServer starts a store that the test's cleanup closes.
func startServer(t *testing.T, ctx context.Context, opts Options) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger, _ = testLogger(t)
	}
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func newClient(t *testing.T, s *Server) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(s.Addr())
	if err != nil {
		t.Fatalf("ParseURL(%s): %v", s.Addr(), err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// waitUntil polls cond until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		<-tick.C
	}
}

func TestStartKinds(t *testing.T) {
	requireRedisServer(t)
	tests := []struct {
		name           string
		dir            func(t *testing.T) string
		forceMemory    bool
		wantKind       string
		wantPersistent bool
		wantScheme     string
	}{
		{
			name:           "redis-server on a unix socket",
			dir:            func(t *testing.T) string { return filepath.Join(t.TempDir(), "var", "redis") },
			wantKind:       KindRedisServer,
			wantPersistent: true,
			wantScheme:     "unix://",
		},
		{
			name:           "path with spaces, quotes and backslash",
			dir:            func(t *testing.T) string { return filepath.Join(t.TempDir(), `a "b" c\d`) },
			wantKind:       KindRedisServer,
			wantPersistent: true,
			wantScheme:     "unix://",
		},
		{
			name:           "path too long for a socket falls back to TCP",
			dir:            func(t *testing.T) string { return filepath.Join(t.TempDir(), strings.Repeat("d", 100)) },
			wantKind:       KindRedisServer,
			wantPersistent: true,
			wantScheme:     "redis://:",
		},
		{
			name:           "ForceMemory gives miniredis",
			dir:            func(t *testing.T) string { return filepath.Join(t.TempDir(), "unused") },
			forceMemory:    true,
			wantKind:       KindMiniredis,
			wantPersistent: false,
			wantScheme:     "redis://127.0.0.1:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs := testLogger(t)
			dir := tt.dir(t)
			s := startServer(t, t.Context(), Options{Dir: dir, Logger: log, ForceMemory: tt.forceMemory})
			if got := s.Kind(); got != tt.wantKind {
				t.Errorf("Kind() = %q, want %q", got, tt.wantKind)
			}
			if got := s.Persistent(); got != tt.wantPersistent {
				t.Errorf("Persistent() = %v, want %v", got, tt.wantPersistent)
			}
			if got := s.Addr(); !strings.HasPrefix(got, tt.wantScheme) {
				t.Errorf("Addr() = %q, want prefix %q", got, tt.wantScheme)
			}
			c := newClient(t, s)
			if err := c.Set(t.Context(), "k", "v", 0).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			if got, err := c.Get(t.Context(), "k").Result(); err != nil || got != "v" {
				t.Errorf("GET = %q, %v; want v", got, err)
			}
			if !strings.Contains(logs.String(), "embedded redis ready") {
				t.Errorf("no INFO line saying which store is used; logs:\n%s", logs)
			}
			if opt, _ := redis.ParseURL(s.Addr()); opt.Password != "" && strings.Contains(logs.String(), opt.Password) {
				t.Errorf("the password is in the logs:\n%s", logs)
			}
			if tt.forceMemory {
				if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "NOTHING IS PERSISTED") {
					t.Errorf("no loud warning for miniredis; logs:\n%s", logs)
				}
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("miniredis created its unused data folder: %v", err)
				}
				return
			}
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o700 {
				t.Errorf("data folder mode = %o, want 700", got)
			}
		})
	}
}

func TestTCPFallbackNeedsPassword(t *testing.T) {
	requireRedisServer(t)
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 100))
	s := startServer(t, t.Context(), Options{Dir: dir})
	opt, err := redis.ParseURL(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	opt.Password = ""
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.Ping(t.Context()).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("PING without password: err = %v, want NOAUTH", err)
	}
}

func TestRedisServerPersistsAcrossRestart(t *testing.T) {
	requireRedisServer(t)
	dir := t.TempDir()

	s, err := Start(t.Context(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := redis.ParseURL(s.Addr())
	c := redis.NewClient(opt)
	if err := c.Set(t.Context(), "study", "ACC-1", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	c.Close()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, name := range []string{sockFile, pidFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after Close: %v, want it gone", name, err)
		}
	}

	s2 := startServer(t, t.Context(), Options{Dir: dir})
	if got, err := newClient(t, s2).Get(t.Context(), "study").Result(); err != nil || got != "ACC-1" {
		t.Errorf("GET after restart = %q, %v; want ACC-1", got, err)
	}
}

func TestStaleFilesFromACrashedRun(t *testing.T) {
	requireRedisServer(t)
	deadPid := func(t *testing.T) int {
		cmd := exec.Command("true")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		return cmd.Process.Pid
	}
	staleSocket := func(t *testing.T, dir string) {
		ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(dir, sockFile), Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		ln.SetUnlinkOnClose(false)
		ln.Close()
	}
	stalePid := func(t *testing.T, dir string) {
		err := os.WriteFile(filepath.Join(dir, pidFile), fmt.Appendf(nil, "%d\n", deadPid(t)), 0o600)
		if err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		setup   []func(t *testing.T, dir string)
		wantErr string
	}{
		{name: "stale socket", setup: []func(*testing.T, string){staleSocket}},
		{name: "stale pid file", setup: []func(*testing.T, string){stalePid}},
		{name: "stale socket and pid file", setup: []func(*testing.T, string){staleSocket, stalePid}},
		{
			name: "regular file where the socket goes",
			setup: []func(*testing.T, string){func(t *testing.T, dir string) {
				os.WriteFile(filepath.Join(dir, sockFile), []byte("not a socket"), 0o600)
			}},
			wantErr: "is not a socket",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.setup {
				f(t, dir)
			}
			if tt.wantErr != "" {
				_, err := Start(t.Context(), Options{Dir: dir})
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Start: err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			s := startServer(t, t.Context(), Options{Dir: dir})
			if err := newClient(t, s).Ping(t.Context()).Err(); err != nil {
				t.Errorf("PING: %v", err)
			}
		})
	}
}

// A redis-server left running in the folder (its parent gone, the lock
// free) is stopped before a new one starts on the same files.
func TestLeftoverRedisServerIsStopped(t *testing.T) {
	requireRedisServer(t)
	dir := t.TempDir()
	l, _ := socketListener(dir)
	conf := filepath.Join(dir, confFile)
	if err := os.WriteFile(conf, []byte(redisConfig(dir, l)), 0o600); err != nil {
		t.Fatal(err)
	}
	leftover := exec.Command("redis-server", conf)
	leftover.Dir = dir
	if err := leftover.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { leftover.Wait(); close(exited) }()
	t.Cleanup(func() { leftover.Process.Kill(); <-exited })
	waitUntil(t, 10*time.Second, "leftover redis-server never answered PING", func() bool { return ping(l) == nil })

	log, logs := testLogger(t)
	s := startServer(t, t.Context(), Options{Dir: dir, Logger: log})
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		t.Fatal("leftover redis-server still running after Start")
	}
	if s.childPid() == leftover.Process.Pid {
		t.Fatal("Start adopted the leftover redis-server")
	}
	if !strings.Contains(logs.String(), "left running by an earlier run") {
		t.Errorf("no warning about the leftover; logs:\n%s", logs)
	}
}

func TestSecondStartOnSameDirFails(t *testing.T) {
	requireRedisServer(t)
	dir := t.TempDir()
	startServer(t, t.Context(), Options{Dir: dir})
	_, err := Start(t.Context(), Options{Dir: dir})
	if !errors.Is(err, errDirInUse) {
		t.Fatalf("second Start: err = %v, want errDirInUse", err)
	}
}

func TestContextCancelStopsRedisServer(t *testing.T) {
	requireRedisServer(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	s := startServer(t, ctx, Options{Dir: dir})
	cancel()
	select {
	case <-s.Done():
	case <-time.After(2 * stopTimeout):
		t.Fatal("redis-server did not stop after ctx was cancelled")
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err() = %v, want a clean stop", err)
	}
	if !processGone(s.childPid()) {
		t.Errorf("redis-server %d still running", s.childPid())
	}
	if _, err := os.Stat(filepath.Join(dir, sockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket after stop: %v, want it gone", err)
	}
}

func TestContextCancelStopsMiniredis(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s := startServer(t, ctx, Options{ForceMemory: true})
	cancel()
	select {
	case <-s.Done():
	case <-time.After(stopTimeout):
		t.Fatal("miniredis did not stop after ctx was cancelled")
	}
	opt, err := redis.ParseURL(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", opt.Addr, time.Second); err == nil {
		t.Error("miniredis still accepts connections")
	}
}

func TestStartFailures(t *testing.T) {
	script := func(t *testing.T, body string) string {
		path := filepath.Join(t.TempDir(), "fake-redis-server")
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		binary  func(t *testing.T) string
		wantErr string
	}{
		{
			name:    "child exits during start, its output is in the error",
			binary:  func(t *testing.T) string { return script(t, `echo "FATAL CONFIG FILE ERROR: boom" >&2; exit 1`) },
			wantErr: "FATAL CONFIG FILE ERROR: boom",
		},
		{
			name:    "explicit Binary that does not exist is an error, not miniredis",
			binary:  func(t *testing.T) string { return filepath.Join(t.TempDir(), "no-such-redis-server") },
			wantErr: "no-such-redis-server",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Start(t.Context(), Options{Dir: dir, Binary: tt.binary(t)})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Start: err = %v, want it to contain %q", err, tt.wantErr)
			}
			// The lock is released: a real redis-server can use the folder.
			requireRedisServer(t)
			startServer(t, t.Context(), Options{Dir: dir})
		})
	}
}

// The child must not outlive its parent: run Start in a helper process,
// SIGKILL the helper, and watch redis-server go (Pdeathsig). Its data is
// flushed on the way out, so the next Start reads it back.
func TestRedisServerDiesWithParent(t *testing.T) {
	requireRedisServer(t)
	dir := t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	helper.Env = append(os.Environ(), "EMBEDREDIS_HELPER_DIR="+dir)
	helper.Stderr = t.Output()
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscanf(out, "redis-server pid %d\n", &pid); err != nil {
		helper.Process.Kill()
		helper.Wait()
		t.Fatalf("helper: %v", err)
	}
	helper.Process.Kill()
	helper.Wait()
	t.Cleanup(func() { // if it did outlive the helper, do not leak it
		if !processGone(pid) {
			signalPid(pid, syscall.SIGKILL)
		}
	})
	waitUntil(t, 2*stopTimeout, fmt.Sprintf("redis-server %d outlived its killed parent", pid),
		func() bool { return processGone(pid) })

	s := startServer(t, t.Context(), Options{Dir: dir})
	if got, err := newClient(t, s).Get(t.Context(), "written-by-helper").Result(); err != nil || got != "yes" {
		t.Errorf("GET after parent was killed = %q, %v; want yes", got, err)
	}
}

// TestHelperProcess is the parent for TestRedisServerDiesWithParent; it does
// nothing in a normal run.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("EMBEDREDIS_HELPER_DIR")
	if dir == "" {
		return
	}
	s, err := Start(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := redis.ParseURL(s.Addr())
	if err := redis.NewClient(opt).Set(context.Background(), "written-by-helper", "yes", 0).Err(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("redis-server pid %d\n", s.childPid())
	select {} // until killed
}

func TestSocketListener(t *testing.T) {
	suffix := len("/" + sockFile)
	tests := []struct {
		name    string
		dirLen  int
		wantUse bool
	}{
		{name: "short", dirLen: 20, wantUse: true},
		{name: "socket path exactly the limit", dirLen: maxSocketPath - suffix, wantUse: true},
		{name: "one byte over", dirLen: maxSocketPath - suffix + 1, wantUse: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := "/" + strings.Repeat("x", tt.dirLen-1)
			l, ok := socketListener(dir)
			if ok != tt.wantUse {
				t.Fatalf("socketListener(%d-byte dir) ok = %v, want %v", tt.dirLen, ok, tt.wantUse)
			}
			if ok && l.socket != dir+"/"+sockFile {
				t.Errorf("socket = %q", l.socket)
			}
		})
	}
}

func TestQuoteConf(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/var/redis", `"/var/redis"`},
		{"/a b/c", `"/a b/c"`},
		{`/a"b`, `"/a\"b"`},
		{`/a\b`, `"/a\\b"`},
		{"/a\nb", `"/a\x0ab"`},
		{"", `""`},
	}
	for _, tt := range tests {
		if got := quoteConf(tt.in); got != tt.want {
			t.Errorf("quoteConf(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
