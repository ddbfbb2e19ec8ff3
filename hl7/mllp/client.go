package mllp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Defaults of the Client's options.
const (
	// DefaultTimeout bounds one attempt to send a message and read its ACK.
	// Receivers acknowledge only what they have stored, which can take a
	// while when their database is busy.
	DefaultTimeout = 30 * time.Second
	// DefaultDialTimeout bounds connecting (and the TLS handshake).
	DefaultDialTimeout = 10 * time.Second
	// DefaultRetries is how many times Send reconnects after a connection
	// failure: enough to ride out a receiver that dropped an idle connection
	// or is restarting.
	DefaultRetries = 3
)

// ErrNoACK is returned (wrapped) by Send when no ACK arrived within the
// Client's Timeout. The message may or may not have been processed; sending
// it again is safe, as receivers deduplicate on MSH-10.
var ErrNoACK = errors.New("mllp: no ACK within timeout")

// A ConnError is returned by Send and Dial when the connection could not be
// made or broke before the ACK came.
type ConnError struct {
	Op       string // "dial", "write" or "read"
	Addr     string // the receiver's address
	Attempts int    // connections tried; at least 1
	Err      error
}

func (e *ConnError) Error() string {
	return fmt.Sprintf("mllp: %s %s (attempt %d): %v", e.Op, e.Addr, e.Attempts, e.Err)
}

func (e *ConnError) Unwrap() error { return e.Err }

// A Client sends messages to one MLLP receiver over one connection, each
// message only after the previous one was acknowledged. It connects on first
// use and reconnects after a connection failure. Its methods may be called
// from several goroutines; Sends then take turns. Options must not be changed
// once it is in use.
type Client struct {
	// Addr is the receiver's host:port.
	Addr string
	// TLSConfig, if not nil, makes the client speak TLS. An empty ServerName
	// is taken from Addr.
	TLSConfig *tls.Config
	// Timeout bounds one attempt: writing the message and reading its ACK.
	// Zero means DefaultTimeout; negative means no limit but ctx's.
	Timeout time.Duration
	// DialTimeout bounds connecting. Zero means DefaultDialTimeout; negative
	// means no limit but ctx's.
	DialTimeout time.Duration
	// Retries is how many times Send reconnects and sends the same bytes
	// again after a connection failure: when connecting fails, or when the
	// connection breaks before the ACK comes. It never resends after a
	// timeout. Zero means DefaultRetries; negative means never.
	Retries int
	// MaxSize is the largest ACK accepted; zero means DefaultMaxSize.
	MaxSize int
	// Logger receives a warning for each reconnect. Nil means slog.Default().
	Logger *slog.Logger

	mu   sync.Mutex
	conn net.Conn
	r    *Reader
}

// Dial connects to Addr now, once, so a caller can report an unreachable
// receiver before it reads its input. Send dials by itself when it must.
// Dial does nothing if the client is connected.
func (c *Client) Dial(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		return nil
	}
	err := c.dial(ctx)
	var ce *ConnError
	if errors.As(err, &ce) {
		ce.Attempts = 1
	}
	return err
}

// Send sends msg as one frame and returns the payload of the frame that
// answers it, normally an HL7 ACK, which the caller must check.
//
// A connection failure makes Send reconnect and send msg again, up to
// Retries times; the error is then a *ConnError. No ACK within Timeout gives
// an error wrapping ErrNoACK, and the connection is closed so a late ACK
// cannot be taken for the answer to the next message.
func (c *Client) Send(ctx context.Context, msg []byte) ([]byte, error) {
	if len(msg) == 0 {
		return nil, errors.New("mllp: send: empty message")
	}
	if err := checkPayload(msg); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for attempt := 1; ; attempt++ {
		ack, err := c.roundTrip(ctx, msg)
		if err == nil {
			return ack, nil
		}
		c.closeLocked()
		var ce *ConnError
		if !errors.As(err, &ce) {
			return nil, err
		}
		ce.Attempts = attempt
		if attempt > c.retries() || ctx.Err() != nil {
			return nil, err
		}
		c.logger().Warn("mllp: connection failed; sending again", "addr", c.Addr, "err", err)
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return nil, fmt.Errorf("mllp: send to %s: %w", c.Addr, err)
		}
	}
}

// Close closes the connection, if any, after a Send in progress ends. A
// later Send connects again.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeLocked()
}

// roundTrip sends msg on the current connection, dialling first if there is
// none, and reads the answer.
func (c *Client) roundTrip(ctx context.Context, msg []byte) (ack []byte, err error) {
	if c.conn == nil {
		if err := c.dial(ctx); err != nil {
			return nil, err
		}
	}
	conn := c.conn
	timeout := orDefault(c.Timeout, DefaultTimeout)
	conn.SetDeadline(deadline(timeout))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(aLongTimeAgo) })
	defer func() {
		if !stop() && err == nil {
			// ctx ended as the ACK came; the deadline may be spoilt.
			c.closeLocked()
		}
	}()

	if err := writeFrame(conn, msg); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("mllp: send to %s: %w", c.Addr, context.Cause(ctx))
		}
		return nil, &ConnError{Op: "write", Addr: c.Addr, Err: err}
	}
	ack, err = c.r.ReadMessage()
	var ne net.Error
	switch {
	case err == nil:
		return ack, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("mllp: send to %s: %w", c.Addr, context.Cause(ctx))
	case errors.As(err, &ne) && ne.Timeout():
		return nil, fmt.Errorf("%w (%s from %s)", ErrNoACK, timeout, c.Addr)
	case errors.Is(err, ErrTooLarge):
		return nil, fmt.Errorf("mllp: ACK from %s: %w", c.Addr, err)
	default:
		return nil, &ConnError{Op: "read", Addr: c.Addr, Err: err}
	}
}

func (c *Client) dial(ctx context.Context) error {
	if c.Addr == "" {
		return errors.New("mllp: Client.Addr is empty")
	}
	d := &net.Dialer{}
	if t := orDefault(c.DialTimeout, DefaultDialTimeout); t > 0 {
		d.Timeout = t
	}
	var conn net.Conn
	var err error
	if c.TLSConfig != nil {
		td := &tls.Dialer{NetDialer: d, Config: c.TLSConfig}
		conn, err = td.DialContext(ctx, "tcp", c.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", c.Addr)
	}
	if err != nil {
		return &ConnError{Op: "dial", Addr: c.Addr, Err: err}
	}
	c.conn = conn
	c.r = NewReader(conn)
	c.r.MaxSize = c.MaxSize
	return nil
}

func (c *Client) closeLocked() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.r = nil, nil
	return err
}

func (c *Client) retries() int {
	switch {
	case c.Retries == 0:
		return DefaultRetries
	case c.Retries < 0:
		return 0
	}
	return c.Retries
}

func (c *Client) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.Default()
	}
	return c.Logger
}

// backoff is the wait before the attempt after attempt. The first retry is
// immediate, as the usual failure is a receiver that dropped an idle
// connection; later ones wait longer, up to 2 s.
func backoff(attempt int) time.Duration {
	const first, most = 100 * time.Millisecond, 2 * time.Second
	switch {
	case attempt <= 1:
		return 0
	case attempt > 6:
		return most
	}
	return min(first<<(attempt-2), most)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
