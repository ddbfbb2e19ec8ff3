// Package embedredis runs a Redis for first runs and demos, so that
// `voorrang serve` without a Redis URL works on a fresh machine.
//
// Start prefers a real redis-server (Debian's package) run as a child process
// with its data in a local folder: that store is persistent and behaves
// exactly like production Redis. When no redis-server is installed it falls
// back to an in-process miniredis that keeps everything in memory and logs a
// loud warning, because every study and claim is lost when voorrang stops.
//
// The child redis-server is configured for durability, not speed (see
// redisConfig): append-only file with fsync every second, no RDB snapshot
// schedule, listening only on a unix socket (mode 0700) in the data folder, so
// it never collides with another Redis on port 6379 and only this user can
// reach it. When the folder's path is too long for a unix socket it listens on
// 127.0.0.1 on a free port instead, with a random password.
//
// The child is supervised: when it exits on its own it is started again on
// the same folder and address after a backoff (see Server.Done), so the
// service's clients reconnect and nothing needs a restart of voorrang.
//
// Production runs against a real Redis given by URL; this package is not used
// then.
package embedredis

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"time"
)

// Kinds of store, as returned by Server.Kind.
const (
	KindRedisServer = "redis-server"
	KindMiniredis   = "miniredis"
)

// DefaultDir is the data folder used when Options.Dir is empty, relative to
// the working directory.
const DefaultDir = "var/redis"

// Options configure Start. The zero value is usable: redis-server from PATH
// with its data in DefaultDir, else miniredis, logging nowhere.
type Options struct {
	// Dir is the data folder for redis-server: its append-only file, config,
	// log, pid file and unix socket. Created with mode 0700 when missing.
	// Unused by miniredis.
	Dir string

	// Logger receives which store is used and a warning when nothing is
	// persisted. Nil discards.
	Logger *slog.Logger

	// Binary is the redis-server executable. Empty means look up
	// "redis-server" on PATH and fall back to miniredis when it is not there.
	// A Binary that is set but cannot be started is an error, not a fallback.
	Binary string

	// ForceMemory skips redis-server and always uses miniredis.
	ForceMemory bool

	// Sleep waits d before redis-server is started again after it exited
	// on its own, or returns ctx.Err() when ctx is done first. Nil means a
	// timer; tests pass one that holds the store down while they look.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Server is a running embedded store: a redis-server child process or an
// in-process miniredis.
//
// Miniredis is meant for tests and demos. It serves every command behind one
// lock and many commands copy or scan whole keys, so it slows down noticeably
// past a few thousand keys. Key expiry follows the wall clock here
// (miniredis's ClockTTL) but only lazily, when a command touches the
// database: there is no background expiry cycle and no keyspace
// notification. Lua scripts run on gopher-lua with redis.call, pcall,
// error_reply, status_reply, sha1hex and cjson (encode, decode), but:
// cjson.encode({}) gives "[]" (Redis: "{}"); JSON null decodes to nil, not
// cjson.null; a sparse array does not encode; there is no bit, struct or
// cmsgpack. Streams have XADD (MAXLEN/MINID with "~" trimmed exactly, not by
// node; no LIMIT), XREAD with BLOCK, XREADGROUP, XTRIM; XINFO STREAM is
// partial; FUNCTION is missing. compat_test.go pins all of this.
type Server struct {
	kind       string
	addr       string // go-redis URL, may carry a password
	persistent bool
	dir        string
	pid        int // the running redis-server's, for tests; guarded by mu

	log *slog.Logger

	stopOnce sync.Once
	stop     func()        // begins shutdown; called once
	done     chan struct{} // closed when the store has stopped
	mu       sync.Mutex
	err      error // why the store stopped, if not cleanly; set before done closes
}

// Start runs the embedded store and returns once it answers PING.
//
// ctx bounds the store's whole life, not only its start: when ctx is done the
// store shuts down as if Close had been called. Use Close (or cancel ctx) on
// the way out so redis-server can flush its append-only file.
func Start(ctx context.Context, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.ForceMemory {
		return startMiniredis(ctx, log, "ForceMemory is set")
	}
	binary := opts.Binary
	if binary == "" {
		path, err := exec.LookPath("redis-server")
		if err != nil {
			return startMiniredis(ctx, log, "redis-server is not installed (not found on PATH)")
		}
		binary = path
	}
	dir := opts.Dir
	if dir == "" {
		dir = DefaultDir
	}
	sleep := opts.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	return startRedisServer(ctx, log, binary, dir, sleep)
}

// Addr is the go-redis URL of the store (redis.ParseURL understands it):
// unix:///abs/dir/redis.sock for redis-server on its socket, or
// redis://[:password@]127.0.0.1:PORT/0. It may carry a password: do not log
// it as is.
func (s *Server) Addr() string { return s.addr }

// Persistent reports whether data survives a restart (true for redis-server).
func (s *Server) Persistent() bool { return s.persistent }

// Kind is KindRedisServer or KindMiniredis.
func (s *Server) Kind() string { return s.kind }

// Done is closed when the store has stopped: after Close or after ctx is
// done. A redis-server that exits on its own (a crash, the OOM killer, a
// SHUTDOWN) is started again on the same data folder and address, after a
// backoff of 100 ms doubling to 10 s, and each restart is logged; clients
// reconnect by themselves. Done is not closed then.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err is nil while the store runs and after a clean stop; otherwise why it
// stopped (redis-server had to be killed).
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops the store and waits for it. redis-server gets SIGTERM, which
// makes it fsync its append-only file and exit; if it has not exited within
// stopTimeout it is killed and Close reports that. Close is safe to call more
// than once and after ctx is done.
func (s *Server) Close() error {
	s.stopOnce.Do(s.stop)
	<-s.done
	return s.Err()
}

// childPid is the running redis-server's process ID.
func (s *Server) childPid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pid
}

func (s *Server) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// logReady is the one INFO line saying which store is in use.
func (s *Server) logReady(attrs ...any) {
	base := []any{
		slog.String("kind", s.kind),
		slog.String("addr", redactAddr(s.addr)),
		slog.Bool("persistent", s.persistent),
	}
	if s.dir != "" {
		base = append(base, slog.String("dir", s.dir))
	}
	s.log.Info("embedded redis ready", append(base, attrs...)...)
}
