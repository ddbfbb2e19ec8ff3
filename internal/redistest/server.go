package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	// startTimeout bounds the wait for a new server's first PONG.
	startTimeout = 10 * time.Second
	// stopTimeout is how long a server gets to exit after SIGTERM before
	// it is killed.
	stopTimeout = 5 * time.Second
	// portAttempts covers the race between finding a free port and
	// redis-server binding it.
	portAttempts = 3
)

// Config says how to start a Server. The zero value is a standalone
// redis-server from PATH on a unix socket, keeping nothing on disk.
type Config struct {
	// Binary is the redis-server executable; empty means "redis-server" on
	// PATH.
	Binary string

	// TCP makes the server listen on a free port of 127.0.0.1 instead of a
	// unix socket (Cluster and Sentinel nodes need ports).
	TCP bool

	// Conf is appended to the configuration file the server starts from
	// (after the directives for its folder, listener and persistence), e.g.
	// "cluster-enabled yes\n" or a Sentinel's "sentinel monitor ...".
	Conf string

	// Args follow the configuration file on redis-server's command line,
	// e.g. "--sentinel".
	Args []string
}

// Server is one redis-server process started by a test binary, with its
// configuration, log and socket in a temporary folder of its own that Close
// removes. On Linux the kernel stops it when the test binary dies, even by a
// panic or SIGKILL. A standalone test server is one Server; the nodes of a
// Cluster or a Sentinel set-up are Servers too.
type Server struct {
	dir     string
	network string   // "unix" or "tcp"
	address string   // socket path or 127.0.0.1:port
	argv    []string // redis-server, its configuration file, Config.Args
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error // valid once exited is closed
}

// Start starts a redis-server and returns once it answers PING.
func Start(cfg Config) (*Server, error) {
	binary := cfg.Binary
	if binary == "" {
		path, err := exec.LookPath("redis-server")
		if err != nil {
			return nil, fmt.Errorf("redis-server is not installed (Debian: apt-get install redis-server; .ci/testenv does): %w", err)
		}
		binary = path
	}
	dir, err := os.MkdirTemp("", "voorrang-redistest-")
	if err != nil {
		return nil, fmt.Errorf("redis-server folder: %w", err)
	}
	attempts := 1
	if cfg.TCP {
		attempts = portAttempts
	}
	for range attempts {
		var s *Server
		s, err = start(binary, dir, cfg)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

var errPortTaken = errors.New("port taken before redis-server could bind it")

// start writes the configuration into dir, starts the server and waits for
// its PONG.
func start(binary, dir string, cfg Config) (*Server, error) {
	s := &Server{dir: dir, network: "unix", address: filepath.Join(dir, "redis.sock")}
	listen := "port 0\nunixsocket " + quote(s.address) + "\nunixsocketperm 700\n"
	if cfg.TCP {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s.network, s.address = "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		listen = "bind 127.0.0.1\nport " + strconv.Itoa(port) + "\n"
	}
	conf := "daemonize no\ndir " + quote(dir) + "\nlogfile " + quote(s.logPath()) + "\n" +
		"save \"\"\nappendonly no\n" + listen + cfg.Conf
	confPath := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	s.argv = append([]string{binary, confPath}, cfg.Args...)
	if err := s.run(); err != nil {
		return nil, err
	}
	return s, nil
}

// run starts the process from s.argv and waits for its PONG.
func (s *Server) run() error {
	s.exited = make(chan struct{})
	s.cmd = exec.Command(s.argv[0], s.argv[1:]...)
	s.cmd.Dir = s.dir
	s.cmd.SysProcAttr = childAttr()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.argv[0], err)
	}
	cmd, exited := s.cmd, s.exited
	go func() {
		s.waitErr = cmd.Wait()
		close(exited)
	}()
	if err := s.waitReady(); err != nil {
		s.stop()
		return err
	}
	return nil
}

// Kill stops the server at once (SIGKILL), as a crash or a pulled plug
// would, and waits for it to exit. Its folder stays, for Restart.
func (s *Server) Kill() {
	if s.Running() {
		s.cmd.Process.Kill()
	}
	<-s.exited
}

// Restart starts a server that was killed again, on the same address,
// from the same folder (a Cluster node keeps its identity in nodes.conf;
// a Sentinel its view of the set-up), and waits for its PONG.
func (s *Server) Restart() error {
	if s.Running() {
		return fmt.Errorf("redis-server %d still runs", s.Pid())
	}
	return s.run()
}

// Pause freezes the server's process (SIGSTOP) until Resume: it answers
// nothing and reads nothing, but its connections stay open, as a server
// that hangs. Only on Linux.
func (s *Server) Pause() error { return pause(s.cmd.Process) }

// Resume lets a paused server go on (SIGCONT).
func (s *Server) Resume() error { return resume(s.cmd.Process) }

// Running reports whether the server's process runs.
func (s *Server) Running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// waitReady polls PING until PONG, the server exits, or startTimeout.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		err := s.ping()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer PING within %s: %v%s", startTimeout, err, s.logTail())
		}
		select {
		case <-s.exited:
			err := fmt.Errorf("redis-server exited during start: %v%s", s.waitErr, s.logTail())
			if strings.Contains(err.Error(), "Address already in use") {
				err = fmt.Errorf("%w: %w", errPortTaken, err)
			}
			return err
		case <-tick.C:
		}
	}
}

// ping sends PING over a new connection and expects +PONG (a bare RESP
// exchange: a client library would log every refused dial).
func (s *Server) ping() error {
	conn, err := net.DialTimeout(s.network, s.address, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING: %q", strings.TrimSpace(line))
	}
	return nil
}

// URL is the server's go-redis URL, database 0: unix:///dir/redis.sock or
// redis://127.0.0.1:PORT/0.
func (s *Server) URL() string {
	if s.network == "unix" {
		return (&url.URL{Scheme: "unix", Path: s.address}).String()
	}
	return "redis://" + s.address + "/0"
}

// Addr is the socket path or host:port; Network says which.
func (s *Server) Addr() string { return s.address }

// Network is "unix" or "tcp".
func (s *Server) Network() string { return s.network }

// Dir is the server's folder: redis.conf, redis.log, the socket, and
// whatever Conf makes it write (nodes.conf of a Cluster node).
func (s *Server) Dir() string { return s.dir }

// Pid is the server's process ID.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Close stops the server (SIGTERM, then SIGKILL after stopTimeout) and
// removes its folder. Safe to call more than once.
func (s *Server) Close() error {
	err := s.stop()
	if e := os.RemoveAll(s.dir); e != nil && err == nil {
		err = e
	}
	return err
}

func (s *Server) stop() error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	terminate(s.cmd.Process)
	select {
	case <-s.exited:
		return nil
	case <-time.After(stopTimeout):
	}
	s.cmd.Process.Kill()
	<-s.exited
	return fmt.Errorf("redis-server %d did not exit within %s of SIGTERM and was killed", s.Pid(), stopTimeout)
}

func (s *Server) logPath() string { return filepath.Join(s.dir, "redis.log") }

// logTail is the end of the server's log, for errors.
func (s *Server) logTail() string {
	data, err := os.ReadFile(s.logPath())
	if err != nil || len(data) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\n--- " + s.logPath() + ":\n" + strings.Join(lines, "\n")
}

// freePort asks the kernel for a port of 127.0.0.1 that is free now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// quote quotes s for redis.conf (double quotes; \\ and \" escaped).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
