package mllp

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Defaults of the Server's options.
const (
	// DefaultAddr is the port IANA assigned to HL7 over MLLP.
	DefaultAddr = ":2575"
	// DefaultIdleTimeout is long because quiet night feeds keep their
	// connections open between messages minutes apart, and many interface
	// engines raise an alarm when the receiver drops them.
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultFrameTimeout bounds a frame that has started: even a report
	// with a large PDF arrives in well under a second on a hospital network,
	// so a frame that stalls for longer means a broken sender.
	DefaultFrameTimeout = 10 * time.Second
	// DefaultWriteTimeout bounds writing one ACK.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultMaxConns is far more than the handful of interface engine
	// connections a department has, and low enough that a runaway sender
	// cannot exhaust file descriptors or memory (each connection holds a
	// read buffer and may hold a message of up to MaxSize).
	DefaultMaxConns = 1024
	// DefaultMaxConnsPerSource lets one host (an interface engine opens a
	// few connections, one per feed) hold only a small share of
	// DefaultMaxConns, so that one broken or hostile host cannot take them
	// all.
	DefaultMaxConnsPerSource = 32
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown.
var ErrServerClosed = errors.New("mllp: server closed")

// A Handler answers one message. The Server calls it with each message in the
// order the connection delivered it, never with two messages of one
// connection at a time, and frames and writes the ACK it returns before
// reading the connection's next message. A nil ACK writes nothing.
//
// msg is the handler's to keep. ctx carries the values of the context given
// to Serve but not its cancellation, so a graceful shutdown lets the handler
// finish; it is cancelled when the server stops hard (Shutdown's context ends
// first). The handler should then give up; the sender gets no ACK and will
// send the message again, so the handler must acknowledge only what it has
// stored.
type Handler interface {
	ServeMLLP(ctx context.Context, msg []byte) []byte
}

// HandlerFunc lets an ordinary function be a Handler.
type HandlerFunc func(ctx context.Context, msg []byte) []byte

// ServeMLLP returns f(ctx, msg).
func (f HandlerFunc) ServeMLLP(ctx context.Context, msg []byte) []byte { return f(ctx, msg) }

// A Server accepts MLLP connections and hands each message to its Handler.
// The zero values of its options are useful defaults; options must not be
// changed once serving has begun.
//
// An empty frame is skipped without calling the Handler: there is nothing to
// acknowledge, and some senders use it to keep a connection alive.
//
// A frame larger than MaxSize, a frame not finished within FrameTimeout, and
// the end of the connection inside a frame are logged and counted as frame
// errors, and the connection is closed without an ACK: the receiver cannot
// acknowledge a message it did not read, and it cannot trust the sender's
// framing after a torn frame. The sender's interface engine then reports the
// error (and usually resends), where an operator sees it, instead of the
// message being dropped quietly.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on; empty means
	// DefaultAddr.
	Addr string
	// Handler answers messages. It must not be nil.
	Handler Handler
	// TLSConfig, if not nil, makes the server speak TLS: ListenAndServe and
	// Serve wrap their listener with it.
	TLSConfig *tls.Config
	// MaxSize is the largest message accepted; zero means DefaultMaxSize.
	MaxSize int
	// IdleTimeout is how long a connection may wait for its next frame to
	// start. Zero means DefaultIdleTimeout; negative means no limit.
	IdleTimeout time.Duration
	// FrameTimeout is how long a frame (and a TLS handshake) may take from
	// its first byte to its last. Zero means DefaultFrameTimeout; negative
	// means no limit.
	FrameTimeout time.Duration
	// WriteTimeout is how long writing one ACK may take. Zero means
	// DefaultWriteTimeout; negative means no limit.
	WriteTimeout time.Duration
	// Logger receives connection events and frame errors, never message
	// content. Nil means slog.Default().
	Logger *slog.Logger
	// MaxConns is how many connections may be open at once; one more is
	// accepted, logged and closed at once, so the sender sees an error
	// instead of hanging in the listen backlog. Zero means DefaultMaxConns;
	// negative means no limit.
	MaxConns int
	// MaxConnsPerSource is how many connections one source address may
	// have open at once; one more is refused as one over MaxConns is.
	// Zero means DefaultMaxConnsPerSource; negative means no limit.
	MaxConnsPerSource int
	// AllowedSources, when not empty, are the networks connections may
	// come from. A connection from elsewhere is closed at once, before
	// any byte of it is read (or a TLS handshake starts), and logged with
	// its address and nothing else.
	AllowedSources []netip.Prefix

	mu        sync.Mutex
	closing   bool // Shutdown has begun, or a Serve context was cancelled
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	sources   map[netip.Addr]int // open connections per source address
	refusals  refusalLog
	drained   chan struct{} // closed once closing and no connection is left

	stats counters
}

// ListenAndServe listens on Addr and serves until Shutdown or until ctx is
// cancelled; see Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", cmp.Or(s.Addr, DefaultAddr))
	if err != nil {
		return fmt.Errorf("mllp: %w", err)
	}
	return s.Serve(ctx, l)
}

// Serve accepts connections on l, wrapped in TLS if TLSConfig is set, and
// serves each in its own goroutine. It always closes l, and returns
// ErrServerClosed once the server is shutting down.
//
// Cancelling ctx begins a graceful shutdown of the whole server, as Shutdown
// does, and Serve returns without waiting for it to finish. To bound how long
// the connections may take, call Shutdown with a deadline after ctx is
// cancelled, and wait for it.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	if s.Handler == nil {
		l.Close()
		return errors.New("mllp: Server.Handler is nil")
	}
	if s.TLSConfig != nil {
		l = tls.NewListener(l, s.TLSConfig)
	}
	if !s.trackListener(&l) {
		l.Close()
		return ErrServerClosed
	}
	defer s.forgetListener(&l)
	stop := context.AfterFunc(ctx, func() { s.beginShutdown() })
	defer stop()
	connCtx := context.WithoutCancel(ctx)

	log := s.logger()
	log.Info("mllp: listening", "addr", l.Addr().String(), "tls", s.TLSConfig != nil)
	var delay time.Duration
	for {
		rwc, err := l.Accept()
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				// Out of file descriptors or the like: wait, as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				log.Warn("mllp: accept failed; retrying", "addr", l.Addr().String(), "delay", delay, "err", err)
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
				}
				continue
			}
			return fmt.Errorf("mllp: accept on %s: %w", l.Addr(), err)
		}
		delay = 0
		if c := s.admit(connCtx, rwc); c != nil {
			go c.serve()
		}
	}
}

// Shutdown stops the server gracefully: it closes the listeners, closes the
// connections waiting for a frame at once, and lets each connection that is
// receiving or handling a message finish it and write its ACK before closing.
// It returns when every connection is closed.
//
// If ctx ends first, Shutdown closes the remaining connections, cancels their
// handlers' contexts and returns ctx's error without waiting for the
// handlers.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.beginShutdown()
	s.mu.Lock()
	drained := s.drainedLocked()
	s.mu.Unlock()

	select {
	case <-drained:
		return err
	case <-ctx.Done():
		s.closeNow()
		return ctx.Err()
	}
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// beginShutdown stops accepting and tells each connection to close once it
// has answered the message it is receiving or handling.
func (s *Server) beginShutdown() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	err := s.closeListenersLocked()
	for c := range s.conns {
		c.closeWhenIdle()
	}
	return err
}

// closeNow stops the server hard.
func (s *Server) closeNow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	s.closeListenersLocked()
	for c := range s.conns {
		c.closeNow()
	}
}

func (s *Server) closeListenersLocked() error {
	var errs []error
	for l := range s.listeners {
		if err := (*l).Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
		delete(s.listeners, l)
	}
	return errors.Join(errs...)
}

// drainedLocked returns the channel closed once the last connection is gone.
// Call it only once closing is set, so no connection can be added after it.
func (s *Server) drainedLocked() <-chan struct{} {
	if s.drained == nil {
		s.drained = make(chan struct{})
		if len(s.conns) == 0 {
			close(s.drained)
		}
	}
	return s.drained
}

func (s *Server) trackListener(l *net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if s.listeners == nil {
		s.listeners = make(map[*net.Listener]struct{})
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) forgetListener(l *net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.listeners[l]; ok {
		(*l).Close()
		delete(s.listeners, l)
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// admit registers a new connection, or closes it and returns nil when the
// server is closing or full, or the source is not allowed or has too many
// connections open.
func (s *Server) admit(ctx context.Context, rwc net.Conn) *conn {
	src := sourceAddr(rwc.RemoteAddr())
	if !s.allowed(src) {
		s.refuse(rwc, refusedSource, src)
		return nil
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		rwc.Close()
		return nil
	}
	if n := s.maxConns(); n > 0 && len(s.conns) >= n {
		s.mu.Unlock()
		s.refuse(rwc, refusedFull, src)
		return nil
	}
	if n := s.maxConnsPerSource(); n > 0 && s.sources[src] >= n {
		s.mu.Unlock()
		s.refuse(rwc, refusedSourceFull, src)
		return nil
	}
	c := newConn(ctx, s, rwc)
	c.source = src
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
		s.sources = make(map[netip.Addr]int)
	}
	s.conns[c] = struct{}{}
	s.sources[src]++
	s.mu.Unlock()
	s.stats.connsOpen.Add(1)
	s.stats.connsTotal.Add(1)
	return c
}

// forget removes a closed connection.
func (s *Server) forget(c *conn) {
	s.stats.connsOpen.Add(-1)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.sources[c.source]--; s.sources[c.source] <= 0 {
		delete(s.sources, c.source)
	}
	if s.drained != nil && len(s.conns) == 0 {
		close(s.drained)
	}
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Server) maxConns() int {
	if s.MaxConns == 0 {
		return DefaultMaxConns
	}
	return s.MaxConns
}

func (s *Server) maxConnsPerSource() int {
	if s.MaxConnsPerSource == 0 {
		return DefaultMaxConnsPerSource
	}
	return s.MaxConnsPerSource
}

// allowed reports whether a connection from src may be served.
func (s *Server) allowed(src netip.Addr) bool {
	if len(s.AllowedSources) == 0 {
		return true
	}
	for _, p := range s.AllowedSources {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// sourceAddr is the IP address a connection comes from, IPv4 in IPv6
// unmapped, so that one host is one source.
func sourceAddr(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// orDefault returns d, or def if d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// deadline returns the time d from now, or no deadline if d is negative.
func deadline(d time.Duration) time.Time {
	if d < 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}
