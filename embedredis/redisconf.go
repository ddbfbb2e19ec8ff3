package embedredis

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// Files redis-server and this package keep in the data folder.
const (
	confFile = "redis.conf"
	sockFile = "redis.sock"
	pidFile  = "redis.pid"
	logFile  = "redis.log"
	lockFile = "embedredis.lock"
)

// maxSocketPath is the longest unix socket path redis-server accepts:
// sizeof(sockaddr_un.sun_path) - 1 (for the NUL) on Linux.
const maxSocketPath = 107

// listener is where redis-server listens: a unix socket, or 127.0.0.1:port
// with a password when the socket path would be too long.
type listener struct {
	socket   string // absolute path; empty for TCP
	port     int
	password string
}

// socketListener returns the unix socket listener for dir, or false when its
// path is too long for a unix socket.
func socketListener(dir string) (listener, bool) {
	path := filepath.Join(dir, sockFile)
	if len(path) > maxSocketPath {
		return listener{}, false
	}
	return listener{socket: path}, true
}

func (l listener) network() string {
	if l.socket != "" {
		return "unix"
	}
	return "tcp"
}

func (l listener) address() string {
	if l.socket != "" {
		return l.socket
	}
	return "127.0.0.1:" + strconv.Itoa(l.port)
}

// url is the go-redis URL for l, database 0.
func (l listener) url() string {
	if l.socket != "" {
		u := url.URL{Scheme: "unix", Path: l.socket}
		return u.String()
	}
	u := url.URL{Scheme: "redis", Host: l.address(), Path: "/0"}
	if l.password != "" {
		u.User = url.UserPassword("", l.password)
	}
	return u.String()
}

// redactAddr hides the password in a go-redis URL, for logs.
func redactAddr(addr string) string {
	u, err := url.Parse(addr)
	if err != nil {
		return "(unparsable address)"
	}
	return u.Redacted()
}

// redisConfig is the redis.conf written to dir on every start.
//
// Durability: appendonly with appendfsync everysec, so a crash loses at most
// about one second of writes and a clean stop (SIGTERM) none; save "" turns
// off the RDB snapshot schedule, because with AOF on Redis loads only the AOF
// at start and a second, older copy would just use disk and fork time. AOF
// rewrites still compact the file (with an RDB preamble) on Redis's defaults.
//
// Reach: a unix socket with mode 0700 and port 0 (no TCP at all), so there is
// no clash with another Redis on 6379 and only this user can connect; or, for
// a too-long path, 127.0.0.1 on a free port with a random password.
func redisConfig(dir string, l listener) string {
	var b strings.Builder
	line := func(key string, values ...string) {
		b.WriteString(key)
		for _, v := range values {
			b.WriteByte(' ')
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	b.WriteString("# Written by voorrang (package embedredis) on every start: edits are lost.\n")
	line("daemonize", "no")
	line("dir", quoteConf(dir))
	line("pidfile", quoteConf(filepath.Join(dir, pidFile)))
	line("logfile", quoteConf(filepath.Join(dir, logFile)))
	line("loglevel", "notice")
	line("appendonly", "yes")
	line("appendfsync", "everysec")
	line("save", `""`)
	if l.socket != "" {
		line("port", "0")
		line("unixsocket", quoteConf(l.socket))
		line("unixsocketperm", "700")
	} else {
		line("bind", "127.0.0.1")
		line("port", strconv.Itoa(l.port))
		line("protected-mode", "yes")
		line("requirepass", quoteConf(l.password))
	}
	return b.String()
}

// quoteConf quotes s for redis.conf, whose lines are split like a shell's:
// inside double quotes it understands \\, \" and \xHH.
func quoteConf(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
