package mllp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// A conn is one accepted connection. Its goroutine reads a message, hands it
// to the Handler, writes the ACK, and only then reads the next.
type conn struct {
	srv    *Server
	rwc    net.Conn
	remote string
	source netip.Addr      // the remote IP, for MaxConnsPerSource
	ctx    context.Context // the handlers' context
	cancel context.CancelFunc

	mu      sync.Mutex
	busy    bool // a frame (or TLS handshake) has started and its ACK is not yet written
	closing bool // Shutdown asked the connection to close once it is not busy
	// idleSince is when the connection opened or last delivered a
	// message: the idle timeout runs from it. An empty frame, bytes
	// outside frames or a frame that restarts do not move it, so that
	// they cannot keep a connection open.
	idleSince time.Time

	// The reader's counters already added to the server's stats.
	skipped, restarts, missingCR int64
}

func newConn(ctx context.Context, s *Server, rwc net.Conn) *conn {
	ctx, cancel := context.WithCancel(ctx)
	return &conn{srv: s, rwc: rwc, remote: rwc.RemoteAddr().String(), ctx: ctx, cancel: cancel, idleSince: time.Now()}
}

// serve runs the connection until it ends, then closes it.
func (c *conn) serve() {
	s := c.srv
	log := s.logger().With("remote", c.remote)
	start := time.Now()
	var messages, bytes int64
	log.Info("mllp: connection opened")
	defer func() {
		c.cancel()
		c.rwc.Close()
		log.Info("mllp: connection closed", "messages", messages, "bytes", bytes,
			"duration", time.Since(start).Round(time.Millisecond))
		s.forget(c)
	}()

	if err := c.handshake(); err != nil {
		log.Warn("mllp: TLS handshake failed", "err", err)
		return
	}
	if tc, ok := c.rwc.(*tls.Conn); ok {
		if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 {
			log = log.With("client", certs[0].Subject.CommonName)
			log.Info("mllp: client certificate accepted")
		}
	}
	r := NewReader(c.rwc)
	r.MaxSize = s.MaxSize
	r.onFrame = c.frameStarted
	for {
		if !c.waitFrame() {
			log.Info("mllp: closing connection for shutdown")
			return
		}
		msg, err := r.ReadMessage()
		c.count(r)
		if err != nil {
			c.readFailed(log, err)
			return
		}
		if len(msg) == 0 {
			continue
		}
		messages++
		bytes += int64(len(msg))
		s.stats.messages.Add(1)
		s.stats.bytes.Add(int64(len(msg)))
		log.Debug("mllp: message received", "bytes", len(msg))

		ack, ok := c.handle(log, msg)
		if !ok {
			return
		}
		if ack == nil {
			c.delivered()
			continue
		}
		c.rwc.SetWriteDeadline(deadline(orDefault(s.WriteTimeout, DefaultWriteTimeout)))
		if err := WriteMessage(c.rwc, ack); err != nil {
			log.Warn("mllp: writing ACK failed; closing connection", "err", err)
			return
		}
		c.delivered()
	}
}

// delivered restarts the idle timeout: a message was handled.
func (c *conn) delivered() {
	c.mu.Lock()
	c.idleSince = time.Now()
	c.mu.Unlock()
}

// handshake runs the TLS handshake, if any, within the frame timeout.
func (c *conn) handshake() error {
	tc, ok := c.rwc.(*tls.Conn)
	if !ok {
		return nil
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return errors.New("server shutting down")
	}
	c.busy = true
	c.rwc.SetDeadline(deadline(orDefault(c.srv.FrameTimeout, DefaultFrameTimeout)))
	c.mu.Unlock()
	return tc.HandshakeContext(c.ctx)
}

// waitFrame marks the connection idle and gives the next frame until
// IdleTimeout after the last message (or the connection's start) to
// start. It reports false if the connection is to close for shutdown.
func (c *conn) waitFrame() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.busy = false
	var d time.Time
	if idle := orDefault(c.srv.IdleTimeout, DefaultIdleTimeout); idle >= 0 {
		d = c.idleSince.Add(idle)
	}
	c.rwc.SetReadDeadline(d)
	return true
}

// frameStarted marks the connection busy and gives the frame FrameTimeout to
// finish. The Reader calls it at each 0x0B.
func (c *conn) frameStarted() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy = true
	if !c.closing {
		c.rwc.SetReadDeadline(deadline(orDefault(c.srv.FrameTimeout, DefaultFrameTimeout)))
	}
}

// closeWhenIdle asks the connection to close once its current message is
// answered, and wakes it at once if it is waiting for a frame.
func (c *conn) closeWhenIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closing = true
	if !c.busy {
		c.rwc.SetReadDeadline(aLongTimeAgo)
	}
}

// closeNow closes the connection and cancels its handler's context. It may
// be called from any goroutine.
func (c *conn) closeNow() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.cancel()
	c.rwc.Close()
}

func (c *conn) state() (busy, closing bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.busy, c.closing
}

// handle calls the Handler. It reports false if the Handler panicked: the
// message gets no ACK and the connection is closed, as the sender will then
// send it again, but the server goes on serving other connections.
func (c *conn) handle(log *slog.Logger, msg []byte) (ack []byte, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			log.Error("mllp: handler panicked; closing connection without ACK",
				"panic", panicSummary(v), "stack", string(debug.Stack()))
			ack, ok = nil, false
		}
	}()
	return c.srv.Handler.ServeMLLP(c.ctx, msg), true
}

// panicSummary describes a panic value without its text unless it is a
// runtime error: a handler's own panic message may quote the message.
func panicSummary(v any) string {
	if re, ok := v.(runtime.Error); ok {
		return re.Error()
	}
	return fmt.Sprintf("%T", v)
}

// readFailed logs why reading ended and counts frame errors.
func (c *conn) readFailed(log *slog.Logger, err error) {
	s := c.srv
	busy, closing := c.state()
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF):
		// The sender closed the connection between frames.
	case errors.Is(err, ErrTooLarge):
		s.stats.frameErrors.Add(1)
		log.Error("mllp: message too large; closing connection", "max_size", c.maxSize())
	case errors.Is(err, io.ErrUnexpectedEOF):
		s.stats.frameErrors.Add(1)
		log.Warn("mllp: connection closed inside a frame")
	case closing:
		log.Info("mllp: closing connection for shutdown")
	case errors.As(err, &ne) && ne.Timeout() && busy:
		s.stats.frameErrors.Add(1)
		log.Warn("mllp: frame not finished in time; closing connection",
			"frame_timeout", orDefault(s.FrameTimeout, DefaultFrameTimeout))
	case errors.As(err, &ne) && ne.Timeout():
		log.Info("mllp: idle timeout", "idle_timeout", orDefault(s.IdleTimeout, DefaultIdleTimeout))
	default:
		log.Warn("mllp: read failed; closing connection", "err", err)
	}
}

// count adds the reader's new counts to the server's stats.
func (c *conn) count(r *Reader) {
	st := &c.srv.stats
	st.skipped.Add(r.Skipped() - c.skipped)
	st.restarts.Add(r.Restarts() - c.restarts)
	st.missingCR.Add(r.MissingCR() - c.missingCR)
	c.skipped, c.restarts, c.missingCR = r.Skipped(), r.Restarts(), r.MissingCR()
}

func (c *conn) maxSize() int {
	if c.srv.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return c.srv.MaxSize
}
