package mllp

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A script plays a receiver on one connection.
type script func(t *testing.T, rc *receiver, c net.Conn, r *Reader)

// receiver accepts connections on a loopback port and plays the i-th script
// on the i-th connection. It counts the connections and sends every message
// it reads on got.
type receiver struct {
	addr     string
	accepted atomic.Int32
	got      chan string
}

func newReceiver(t *testing.T, scripts ...script) *receiver {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{addr: l.Addr().String(), got: make(chan string, 100)}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			i := int(rc.accepted.Add(1)) - 1
			if i >= len(scripts) {
				t.Errorf("unexpected connection %d", i+1)
				c.Close()
				continue
			}
			c.SetDeadline(time.Now().Add(time.Minute)) // against hangs only
			wg.Go(func() {
				defer c.Close()
				scripts[i](t, rc, c, NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	return rc
}

// read reads one message and reports it on got.
func (rc *receiver) read(t *testing.T, r *Reader) bool {
	msg, err := r.ReadMessage()
	if err != nil {
		t.Errorf("receiver: %v", err)
		return false
	}
	rc.got <- string(msg)
	return true
}

// ack reads n messages and acknowledges each, then closes the connection.
func ack(n int) script {
	return func(t *testing.T, rc *receiver, c net.Conn, r *Reader) {
		for range n {
			if !rc.read(t, r) {
				return
			}
			if err := WriteMessage(c, []byte("ACK")); err != nil {
				t.Errorf("receiver: %v", err)
			}
		}
	}
}

// drop reads a message and closes the connection without an ACK.
func drop() script {
	return func(t *testing.T, rc *receiver, c net.Conn, r *Reader) { rc.read(t, r) }
}

// silent reads a message, never answers, and waits for the client to close.
func silent() script {
	return func(t *testing.T, rc *receiver, c net.Conn, r *Reader) {
		if !rc.read(t, r) {
			return
		}
		if _, err := r.ReadMessage(); err != io.EOF {
			t.Errorf("receiver: after no ACK, got %v, want the client to close", err)
		}
	}
}

// answer reads a message and answers with ack.
func answer(ack string) script {
	return func(t *testing.T, rc *receiver, c net.Conn, r *Reader) {
		if rc.read(t, r) {
			io.WriteString(c, frame(ack))
		}
	}
}

func TestClientReconnects(t *testing.T) {
	tests := []struct {
		name    string
		scripts []script
		sends   int
		conns   int32
		got     []string // messages the receiver read, in order
	}{
		{
			name:    "connection dropped before the ACK",
			scripts: []script{drop(), ack(1)},
			sends:   1,
			conns:   2,
			got:     []string{"MSH|0", "MSH|0"},
		},
		{
			name:    "idle connection closed by the receiver",
			scripts: []script{ack(1), ack(1)},
			sends:   2,
			conns:   2,
			got:     []string{"MSH|0", "MSH|1"},
		},
		{
			name:    "one connection for all",
			scripts: []script{ack(3)},
			sends:   3,
			conns:   1,
			got:     []string{"MSH|0", "MSH|1", "MSH|2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.scripts...)
			c := &Client{Addr: rc.addr, Logger: discard}
			defer c.Close()
			for i := range tt.sends {
				msg := []byte("MSH|" + string(rune('0'+i)))
				ack, err := c.Send(context.Background(), msg)
				if err != nil {
					t.Fatalf("Send(%q): %v", msg, err)
				}
				if string(ack) != "ACK" {
					t.Errorf("Send(%q) = %q, want %q", msg, ack, "ACK")
				}
			}
			if got := rc.accepted.Load(); got != tt.conns {
				t.Errorf("client opened %d connections, want %d", got, tt.conns)
			}
			for i, want := range tt.got {
				if got := <-rc.got; got != want {
					t.Errorf("receiver read %q as message %d, want %q", got, i, want)
				}
			}
		})
	}
}

func TestClientErrors(t *testing.T) {
	closedAddr := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		return l.Addr().String()
	}
	tests := []struct {
		name    string
		client  func(t *testing.T) *Client
		msg     string
		check   func(t *testing.T, err error)
		wantErr error
	}{
		{
			name:   "receiver down",
			client: func(t *testing.T) *Client { return &Client{Addr: closedAddr(t), Retries: -1} },
			check:  wantConnError("dial", 1),
		},
		{
			name: "retries used up",
			client: func(t *testing.T) *Client {
				rc := newReceiver(t, drop(), drop(), drop())
				return &Client{Addr: rc.addr, Retries: 2}
			},
			check: wantConnError("read", 3),
		},
		{
			name: "no ACK",
			client: func(t *testing.T) *Client {
				rc := newReceiver(t, silent())
				return &Client{Addr: rc.addr, Timeout: 50 * time.Millisecond}
			},
			wantErr: ErrNoACK,
		},
		{
			name: "ACK too large",
			client: func(t *testing.T) *Client {
				rc := newReceiver(t, answer("MSH|^~\\&|ACK that is far too long"))
				return &Client{Addr: rc.addr, MaxSize: 8}
			},
			wantErr: ErrTooLarge,
		},
		{
			name:    "framing byte in message",
			client:  func(t *testing.T) *Client { return &Client{Addr: closedAddr(t)} },
			msg:     "MSH|\x1c",
			wantErr: ErrFramingByte,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.client(t)
			c.Logger = discard
			defer c.Close()
			msg := tt.msg
			if msg == "" {
				msg = "MSH|1"
			}
			ack, err := c.Send(context.Background(), []byte(msg))
			if ack != nil {
				t.Errorf("Send returned ACK %q with error %v", ack, err)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Send error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// wantConnError checks for a *ConnError of op after attempts.
func wantConnError(op string, attempts int) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var ce *ConnError
		if !errors.As(err, &ce) {
			t.Fatalf("Send error = %v, want a *ConnError", err)
		}
		if ce.Op != op || ce.Attempts != attempts {
			t.Errorf("ConnError op %q after %d attempts, want %q after %d", ce.Op, ce.Attempts, op, attempts)
		}
		if errors.Is(err, ErrNoACK) {
			t.Errorf("a connection failure matches ErrNoACK")
		}
	}
}

func TestClientContextCancelled(t *testing.T) {
	rc := newReceiver(t, silent())
	c := &Client{Addr: rc.addr, Logger: discard}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-rc.got // the message has arrived
		cancel()
	}()
	if _, err := c.Send(ctx, []byte("MSH|1")); !errors.Is(err, context.Canceled) {
		t.Errorf("Send error = %v, want context.Canceled", err)
	}
	if got := rc.accepted.Load(); got != 1 {
		t.Errorf("client opened %d connections, want 1", got)
	}
}

func TestClientDial(t *testing.T) {
	rc := newReceiver(t, ack(1))
	c := &Client{Addr: rc.addr, Logger: discard}
	defer c.Close()
	if err := c.Dial(context.Background()); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if err := c.Dial(context.Background()); err != nil {
		t.Fatalf("second Dial: %v", err)
	}
	if _, err := c.Send(context.Background(), []byte("MSH|1")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := rc.accepted.Load(); got != 1 {
		t.Errorf("client opened %d connections, want 1", got)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 0},
		{2, 100 * time.Millisecond},
		{3, 200 * time.Millisecond},
		{6, 1600 * time.Millisecond},
		{7, 2 * time.Second},
		{100, 2 * time.Second},
	}
	for _, tt := range tests {
		if got := backoff(tt.attempt); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}
