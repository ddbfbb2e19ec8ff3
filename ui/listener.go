package ui

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// A guardedListener keeps accepting through errors that pass, and holds
// each client address (an IPv6 client's /64 network) to a number of open
// connections.
//
// fasthttp's Serve returns on any accept error but a timeout, and with it
// the whole service stopped when the process ran out of file descriptors
// ("accept4: too many open files"). Here such an error is logged (at most
// every ten seconds), waited out with a growing pause, as net/http does,
// and accepting goes on. (fasthttp's own MaxConnsPerIP counts every IPv6
// client as one address, and races when the server shuts down.)
type guardedListener struct {
	net.Listener
	log   *slog.Logger
	perIP int // 0: no limit

	mu       sync.Mutex
	open     map[netip.Addr]int
	logged   map[string]time.Time
	unlogged map[string]int
}

const (
	maxAcceptDelay = time.Second
	warnEvery      = 10 * time.Second
)

func (l *guardedListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			var te interface{ Temporary() bool }
			if errors.Is(err, net.ErrClosed) || !errors.As(err, &te) || !te.Temporary() {
				return nil, err
			}
			delay = min(max(2*delay, 5*time.Millisecond), maxAcceptDelay)
			l.warn("http: accepting a connection failed; retrying", "err", err, "delay", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		if l.perIP <= 0 {
			return c, nil
		}
		ip := sourceOf(remoteAddr(c))
		if lc := l.admit(c, ip); lc != nil {
			return lc, nil
		}
		c.Close()
		l.warn("http: too many connections from one address; closing new ones", "remote", ip.String(), "max_conns_per_ip", l.perIP)
	}
}

func remoteAddr(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	return netip.Addr{}
}

// admit counts a connection from ip in, or returns nil when ip has perIP
// open.
func (l *guardedListener) admit(c net.Conn, ip netip.Addr) net.Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open == nil {
		l.open = map[netip.Addr]int{}
	}
	if l.open[ip] >= l.perIP {
		return nil
	}
	l.open[ip]++
	return &countedConn{Conn: c, release: func() { l.release(ip) }}
}

func (l *guardedListener) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// warn logs msg at most every warnEvery, with how many were not logged.
func (l *guardedListener) warn(msg string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.logged == nil {
		l.logged, l.unlogged = map[string]time.Time{}, map[string]int{}
	}
	if now := time.Now(); now.Sub(l.logged[msg]) >= warnEvery {
		l.log.Warn(msg, append(args, "unlogged", l.unlogged[msg])...)
		l.logged[msg], l.unlogged[msg] = now, 0
		return
	}
	l.unlogged[msg]++
}

// A countedConn gives its place back once, however often it is closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
