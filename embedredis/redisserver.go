package embedredis

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// startTimeout bounds the wait for the first PONG. While redis-server
	// answers LOADING (a large append-only file) the wait goes on.
	startTimeout = 10 * time.Second
	// stopTimeout is how long a SIGTERMed redis-server gets to flush and
	// exit before it is killed.
	stopTimeout  = 10 * time.Second
	pollInterval = 20 * time.Millisecond
	// tcpAttempts covers the race between finding a free port and
	// redis-server binding it.
	tcpAttempts = 3
)

var (
	errDirInUse   = errors.New("data folder is in use by another voorrang process")
	errPortTaken  = errors.New("port taken before redis-server could bind it")
	errLoading    = errors.New("redis-server is loading its data")
	errNotStarted = errors.New("redis-server did not answer PING in time")
)

// child is one redis-server process.
type child struct {
	cmd     *exec.Cmd
	cancel  context.CancelFunc // SIGTERM, then kill after stopTimeout
	stopped func() bool        // whether cancel (or the parent ctx) asked it to stop
	exited  chan struct{}
	waitErr error // from cmd.Wait, valid once exited is closed
	output  *tailBuffer
	logPath string
}

func startRedisServer(ctx context.Context, log *slog.Logger, binary, dir string, sleep func(context.Context, time.Duration) error) (*Server, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded redis: data folder: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded redis: create data folder: %w", err)
	}
	unlock, err := lockDir(filepath.Join(dir, lockFile))
	if err != nil {
		return nil, fmt.Errorf("embedded redis: %s: %w", dir, err)
	}
	// life bounds every child: Close and ctx end it, and with it the
	// supervisor's restarts.
	life, cancel := context.WithCancel(ctx)
	c, l, err := launchRedisServer(life, log, binary, dir, nil)
	if err != nil {
		cancel()
		unlock()
		return nil, fmt.Errorf("embedded redis: %w", err)
	}

	s := &Server{
		kind:       KindRedisServer,
		addr:       l.url(),
		persistent: true,
		dir:        dir,
		pid:        c.cmd.Process.Pid,
		log:        log,
		done:       make(chan struct{}),
	}
	var closeCalled atomic.Bool
	s.stop = func() { closeCalled.Store(true); cancel() }
	sup := &supervisor{s: s, life: life, binary: binary, listener: l, sleep: sleep}
	go func() {
		defer cancel()
		err := sup.run(c)
		switch {
		case err == nil:
			log.Info("embedded redis stopped", slog.String("kind", KindRedisServer))
		case closeCalled.Load():
			// Close returns it; the caller logs it.
		default:
			log.Error("embedded redis stopped", slog.String("kind", KindRedisServer),
				slog.String("dir", dir), slog.Any("err", err))
		}
		s.setErr(err)
		unlock()
		close(s.done)
	}()
	s.logReady(slog.Int("pid", c.cmd.Process.Pid))
	return s, nil
}

// launchRedisServer clears what a crashed run left in dir, starts
// redis-server and waits until it answers PING. It listens on keep when
// that is given (a restart: clients know its address), else on the unix
// socket in dir or, when that path is too long, a free port.
func launchRedisServer(ctx context.Context, log *slog.Logger, binary, dir string, keep *listener) (*child, listener, error) {
	if err := clearStale(log, dir); err != nil {
		return nil, listener{}, err
	}
	logPath := filepath.Join(dir, logFile)
	// Keep the previous run's log, for a crash that is noticed only now.
	if err := os.Rename(logPath, logPath+".1"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, listener{}, err
	}
	if keep != nil {
		c, err := runRedisServer(ctx, binary, dir, *keep)
		return c, *keep, err
	}
	l, unix := socketListener(dir)
	attempts := 1
	if !unix {
		attempts = tcpAttempts
		log.Warn("embedded redis: data folder path too long for a unix socket; listening on 127.0.0.1 with a password instead",
			slog.String("dir", dir), slog.Int("max_socket_path", maxSocketPath))
	}
	var err error
	for range attempts {
		if !unix {
			if l, err = tcpListener(); err != nil {
				return nil, listener{}, err
			}
		}
		var c *child
		c, err = runRedisServer(ctx, binary, dir, l)
		if err == nil {
			return c, l, nil
		}
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return nil, listener{}, err
}

// tcpListener finds a free port on 127.0.0.1 and makes a random password.
func tcpListener() (listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return listener{}, fmt.Errorf("find a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return listener{port: port, password: rand.Text()}, nil
}

// runRedisServer writes the config, starts the child and waits for PONG.
func runRedisServer(ctx context.Context, binary, dir string, l listener) (*child, error) {
	conf := filepath.Join(dir, confFile)
	if err := os.WriteFile(conf, []byte(redisConfig(dir, l)), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", conf, err)
	}
	if err := os.Chmod(conf, 0o600); err != nil { // WriteFile keeps an old file's mode
		return nil, err
	}

	runCtx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(runCtx, binary, conf)
	cmd.Dir = dir
	out := &tailBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = childAttr()
	cmd.Cancel = func() error { return terminate(cmd.Process) }
	cmd.WaitDelay = stopTimeout
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	c := &child{
		cmd:     cmd,
		cancel:  cancel,
		stopped: func() bool { return runCtx.Err() != nil },
		exited:  make(chan struct{}),
		output:  out,
		logPath: filepath.Join(dir, logFile),
	}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()

	if err := c.waitReady(ctx, l); err != nil {
		cancel()
		<-c.exited
		return nil, err
	}
	return c, nil
}

// waitReady polls PING until PONG, the child exits, ctx is done or
// startTimeout passes without an answer.
func (c *child) waitReady(ctx context.Context, l listener) error {
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		err := ping(l)
		if err == nil {
			return nil
		}
		if errors.Is(err, errLoading) {
			deadline = time.Now().Add(startTimeout)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w (%s, last: %v)%s", errNotStarted, startTimeout, err, c.tail())
		}
		select {
		case <-c.exited:
			err := fmt.Errorf("redis-server exited during start: %v%s", c.waitErr, c.tail())
			if l.socket == "" && strings.Contains(err.Error(), "Address already in use") {
				err = fmt.Errorf("%w: %w", errPortTaken, err)
			}
			return err
		case <-ctx.Done():
			return fmt.Errorf("waiting for redis-server: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// exitError says why the child stopped, or nil for a clean stop that was
// asked for.
func (c *child) exitError() error {
	clean := c.cmd.ProcessState != nil && c.cmd.ProcessState.Success()
	switch {
	case c.stopped() && clean:
		return nil
	case c.stopped() && errors.Is(c.waitErr, exec.ErrWaitDelay):
		return fmt.Errorf("redis-server did not exit within %s of SIGTERM and was killed: %w", stopTimeout, c.waitErr)
	case c.stopped():
		return fmt.Errorf("redis-server did not stop cleanly: %v%s", c.waitErr, c.tail())
	default:
		return fmt.Errorf("redis-server exited unexpectedly: %v%s", c.waitErr, c.tail())
	}
}

// tail is the child's own output and the end of its log, for errors.
func (c *child) tail() string {
	var b strings.Builder
	if out := c.output.String(); out != "" {
		b.WriteString("\n--- redis-server output:\n" + out)
	}
	if log := fileTail(c.logPath, 15); log != "" {
		b.WriteString("\n--- " + c.logPath + " (last lines):\n" + log)
	}
	return b.String()
}

// clearStale removes what a crashed run left in dir: a redis-server whose
// parent died (stopped with SIGTERM, then SIGKILL), its pid file and its
// socket. The caller holds dir's lock, so none of it belongs to a live
// voorrang.
func clearStale(log *slog.Logger, dir string) error {
	pidPath := filepath.Join(dir, pidFile)
	if data, err := os.ReadFile(pidPath); err == nil {
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err == nil && pid > 0 && orphanRedis(pid, dir) {
			log.Warn("embedded redis: stopping a redis-server left running by an earlier run",
				slog.Int("pid", pid), slog.String("dir", dir))
			if err := stopOrphan(pid); err != nil {
				return err
			}
		}
	}
	if err := os.Remove(pidPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	sock := filepath.Join(dir, sockFile)
	fi, err := os.Lstat(sock)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode().Type() != os.ModeSocket:
		return fmt.Errorf("%s exists and is not a socket; move it away", sock)
	}
	return os.Remove(sock)
}

// stopOrphan sends SIGTERM, waits up to stopTimeout, then SIGKILLs.
func stopOrphan(pid int) error {
	if err := signalPid(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop leftover redis-server %d: %w", pid, err)
	}
	if waitGone(pid, stopTimeout) {
		return nil
	}
	if err := signalPid(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill leftover redis-server %d: %w", pid, err)
	}
	if waitGone(pid, stopTimeout) {
		return nil
	}
	return fmt.Errorf("leftover redis-server %d does not exit", pid)
}

func waitGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !processGone(pid) {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// ping sends AUTH (when l has a password) and PING over a fresh connection
// and expects +PONG. A bare RESP exchange keeps the probe free of client
// library handshakes and logging.
func ping(l listener) error {
	conn, err := net.DialTimeout(l.network(), l.address(), time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	if l.password != "" {
		if err := command(conn, r, "+OK", "AUTH", l.password); err != nil {
			return err
		}
	}
	return command(conn, r, "+PONG", "PING")
}

// command sends args as a RESP array and checks the one-line reply.
func command(conn net.Conn, r *bufio.Reader, want string, args ...string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case line == want:
		return nil
	case strings.HasPrefix(line, "-LOADING"):
		return errLoading
	default:
		return fmt.Errorf("%s: unexpected reply %q", args[0], line)
	}
}
