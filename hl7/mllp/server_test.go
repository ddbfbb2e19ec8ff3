package mllp

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// echo answers each message with "ACK|" and the message.
func echo(_ context.Context, msg []byte) []byte {
	return append([]byte("ACK|"), msg...)
}

var discard = slog.New(slog.DiscardHandler)

// serve starts s on a free loopback port and shuts it down gracefully when
// the test ends. The channel gives what Serve returned.
func serve(t *testing.T, s *Server) (addr string, served <-chan error) {
	t.Helper()
	if s.Logger == nil {
		s.Logger = discard
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		errc <- s.Serve(context.Background(), l)
		close(errc)
	}()
	t.Cleanup(func() {
		// The limit turns a server that never drains into a failure.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-errc; err != nil && !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String(), errc
}

// dial opens a raw connection to addr. Its deadline only keeps a broken test
// from hanging; no test relies on it.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(time.Minute))
	t.Cleanup(func() { c.Close() })
	return c
}

// write writes s to c.
func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// expectClosed reads c until the server closes it and fails if anything
// arrives.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	got, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("reading until close: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("got %q before the connection closed, want nothing", trim(string(got)))
	}
}

// send sends msg with c and checks the echo.
func send(t *testing.T, c *Client, msg string) {
	t.Helper()
	ack, err := c.Send(context.Background(), []byte(msg))
	if err != nil {
		t.Fatalf("Send(%q): %v", msg, err)
	}
	if got, want := string(ack), "ACK|"+msg; got != want {
		t.Errorf("Send(%q) = %q, want %q", msg, got, want)
	}
}

func TestServerManyConnections(t *testing.T) {
	s := &Server{Handler: HandlerFunc(echo)}
	addr, _ := serve(t, s)
	const conns, perConn = 32, 25
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c := &Client{Addr: addr, Logger: discard}
			defer c.Close()
			for j := range perConn {
				msg := fmt.Sprintf("MSH|%d|%d", i, j)
				ack, err := c.Send(context.Background(), []byte(msg))
				if err != nil {
					t.Errorf("Send(%q): %v", msg, err)
					return
				}
				if got, want := string(ack), "ACK|"+msg; got != want {
					t.Errorf("Send(%q) = %q, want %q", msg, got, want)
				}
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	if st.Messages != conns*perConn {
		t.Errorf("Stats().Messages = %d, want %d", st.Messages, conns*perConn)
	}
	if st.ConnsTotal != conns {
		t.Errorf("Stats().ConnsTotal = %d, want %d", st.ConnsTotal, conns)
	}
}

func TestServerOrderOnConnection(t *testing.T) {
	// The sender does not wait for ACKs; the server must still take the
	// messages one at a time, in order.
	var inFlight atomic.Int32
	s := &Server{Handler: HandlerFunc(func(ctx context.Context, msg []byte) []byte {
		if n := inFlight.Add(1); n != 1 {
			t.Errorf("%d messages of one connection handled at once", n)
		}
		defer inFlight.Add(-1)
		return echo(ctx, msg)
	})}
	addr, _ := serve(t, s)
	c := dial(t, addr)
	const n = 200
	var all strings.Builder
	for i := range n {
		all.WriteString(frame(fmt.Sprintf("MSH|%d", i)))
	}
	go func() {
		if _, err := io.WriteString(c, all.String()); err != nil {
			t.Errorf("write: %v", err)
		}
	}()
	r := NewReader(c)
	for i := range n {
		ack, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("ACK %d: %v", i, err)
		}
		if got, want := string(ack), fmt.Sprintf("ACK|MSH|%d", i); got != want {
			t.Fatalf("ACK %d = %q, want %q", i, got, want)
		}
	}
}

func TestServerTolerance(t *testing.T) {
	s := &Server{Handler: HandlerFunc(echo)}
	addr, _ := serve(t, s)
	c := dial(t, addr)
	// Line breaks around frames, an empty frame, a restart, a lost 0x0D.
	write(t, c, "\r\n"+frame("A")+"\n"+frame("")+"\x0bpart\x0bB\x1c"+frame("C"))
	r := NewReader(c)
	for _, want := range []string{"ACK|A", "ACK|B", "ACK|C"} {
		ack, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("ReadMessage: %v", err)
		}
		if string(ack) != want {
			t.Errorf("ACK = %q, want %q", ack, want)
		}
	}
	got := s.Stats()
	want := Stats{ConnsOpen: 1, ConnsTotal: 1, Messages: 3, Bytes: 3, Skipped: 3, Restarts: 1, MissingCR: 1}
	if got != want {
		t.Errorf("Stats() = %+v\nwant %+v", got, want)
	}
}

// lockedBuffer collects log output from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServerClosesBrokenFrames(t *testing.T) {
	const secret = "PID|1||123^^^HOSP||JANSEN^ANNA"
	tests := []struct {
		name            string
		srv             *Server
		send            string
		wantFrameErrors int64
	}{
		{
			name:            "too large",
			srv:             &Server{MaxSize: 16},
			send:            frame("MSH|1\r" + secret),
			wantFrameErrors: 1,
		},
		{
			name:            "not finished in time",
			srv:             &Server{FrameTimeout: 50 * time.Millisecond},
			send:            "\x0bMSH|1\r" + secret,
			wantFrameErrors: 1,
		},
		{
			name: "handler panics",
			srv: &Server{Handler: HandlerFunc(func(ctx context.Context, msg []byte) []byte {
				if bytes.Contains(msg, []byte("JANSEN")) {
					panic("cannot parse " + string(msg))
				}
				return echo(ctx, msg)
			})},
			send: frame("MSH|1\r" + secret),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs lockedBuffer
			t.Cleanup(func() { // runs after the server has shut down
				if strings.Contains(logs.String(), "JANSEN") {
					t.Errorf("log holds message content:\n%s", logs.String())
				}
			})
			s := tt.srv
			if s.Handler == nil {
				s.Handler = HandlerFunc(echo)
			}
			s.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			addr, _ := serve(t, s)

			c := dial(t, addr)
			write(t, c, tt.send)
			expectClosed(t, c)
			if got := s.Stats().FrameErrors; got != tt.wantFrameErrors {
				t.Errorf("Stats().FrameErrors = %d, want %d", got, tt.wantFrameErrors)
			}
			// Other connections are still served.
			cl := &Client{Addr: addr, Logger: discard}
			defer cl.Close()
			send(t, cl, "MSH|2")
		})
	}
}

func TestServerMaxConns(t *testing.T) {
	s := &Server{Handler: HandlerFunc(echo), MaxConns: 1}
	addr, _ := serve(t, s)
	first := &Client{Addr: addr, Logger: discard}
	defer first.Close()
	send(t, first, "MSH|1") // the first connection is now counted

	expectClosed(t, dial(t, addr))
	if got := s.Stats().ConnsRejected; got != 1 {
		t.Errorf("Stats().ConnsRejected = %d, want 1", got)
	}
	send(t, first, "MSH|2")
}

func TestServerShutdownWaitsForHandler(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	s := &Server{Handler: HandlerFunc(func(ctx context.Context, msg []byte) []byte {
		if string(msg) == "MSH|slow" {
			close(started)
			<-release
		}
		return echo(ctx, msg)
	})}
	addr, served := serve(t, s)

	// A connection that has been served and now waits for its next frame.
	idle := dial(t, addr)
	write(t, idle, frame("MSH|fast"))
	if _, err := NewReader(idle).ReadMessage(); err != nil {
		t.Fatalf("ACK on idle connection: %v", err)
	}
	// A connection whose message is being handled.
	busy := &Client{Addr: addr, Retries: -1, Logger: discard}
	defer busy.Close()
	acked := make(chan error, 1)
	go func() {
		ack, err := busy.Send(context.Background(), []byte("MSH|slow"))
		if err == nil && string(ack) != "ACK|MSH|slow" {
			err = fmt.Errorf("ACK = %q", ack)
		}
		acked <- err
	}()
	<-started

	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	expectClosed(t, idle) // at once, while the slow handler still runs
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v while a handler was running", err)
	default:
	}
	close(release)
	if err := <-acked; err != nil {
		t.Errorf("in-flight message: %v, want its ACK", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("a new connection was accepted after Shutdown")
	}
}

// blockUntilCancelled is a handler that returns only when its context is
// cancelled, and then closes the channel it returns.
func blockUntilCancelled() (h Handler, started, cancelled <-chan struct{}) {
	st, ca := make(chan struct{}), make(chan struct{})
	h = HandlerFunc(func(ctx context.Context, _ []byte) []byte {
		close(st)
		<-ctx.Done()
		close(ca)
		return nil
	})
	return h, st, ca
}

func TestServerShutdownDeadline(t *testing.T) {
	h, started, cancelled := blockUntilCancelled()
	s := &Server{Handler: h}
	addr, _ := serve(t, s)
	c := dial(t, addr)
	write(t, c, frame("MSH|1"))
	<-started

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want context.Canceled", err)
	}
	<-cancelled
	expectClosed(t, c)
}

func TestServeContextCancelled(t *testing.T) {
	// Cancelling Serve's context shuts down gracefully, as signals do in main.
	started := make(chan struct{})
	release := make(chan struct{})
	handlerErr := make(chan error, 1)
	s := &Server{Logger: discard, Handler: HandlerFunc(func(ctx context.Context, msg []byte) []byte {
		close(started)
		<-release
		handlerErr <- ctx.Err()
		return echo(ctx, msg)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()

	busy := dial(t, l.Addr().String())
	write(t, busy, frame("MSH|1"))
	<-started
	cancel()
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v, want ErrServerClosed", err)
	}
	close(release)
	if err := <-handlerErr; err != nil {
		t.Errorf("handler context ended with the Serve context: %v", err)
	}
	ack, err := NewReader(busy).ReadMessage()
	if err != nil || string(ack) != "ACK|MSH|1" {
		t.Errorf("in-flight message answered with %q, %v; want its ACK", ack, err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	expectClosed(t, busy)
}

// selfSigned returns TLS configurations for a server with a new
// self-signed certificate for 127.0.0.1, and for a client that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "voorrang test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	return server, &tls.Config{RootCAs: roots}
}

func TestServerTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	s := &Server{Handler: HandlerFunc(echo), TLSConfig: serverTLS}
	addr, _ := serve(t, s)
	c := &Client{Addr: addr, TLSConfig: clientTLS, Logger: discard}
	defer c.Close()
	send(t, c, "MSH|1")
	send(t, c, "MSH|2\r"+strings.Repeat("OBX|1|ED|^AP^PDF^Base64^JVBERi0xLjQK\r", 5000))
	if got := s.Stats().Messages; got != 2 {
		t.Errorf("Stats().Messages = %d, want 2", got)
	}
}

func BenchmarkServerRoundTrip(b *testing.B) {
	ack := []byte("MSH|^~\\&|VOORRANG|SITE|RIS|SITE|20240101120000||ACK^O01|2|P|2.5.1\rMSA|AA|1")
	s := &Server{Handler: HandlerFunc(func(context.Context, []byte) []byte { return ack }), Logger: discard}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(context.Background(), l)
	defer s.Shutdown(context.Background())

	msg := []byte("MSH|^~\\&|RIS|SITE|VOORRANG|SITE|20240101120000||ORM^O01|1|P|2.5.1\r" +
		"PID|1||123^^^HOSP||DOE^JOHN\rORC|NW|A1\rOBR|1|A1||CT^CT THORAX")
	c := &Client{Addr: l.Addr().String(), Logger: discard}
	defer c.Close()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Send(context.Background(), msg); err != nil {
			b.Fatal(err)
		}
	}
}
