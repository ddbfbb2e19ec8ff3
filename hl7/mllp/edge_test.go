package mllp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// The edge: what a broken or hostile sender can do to the server, and that
// it goes on serving others afterwards.

// closedWithin keeps writing each of writes to c, paced by every, until the
// server closes c; it fails when c is still open after all of them.
func closedWithin(t *testing.T, c net.Conn, every time.Duration, writes ...string) {
	t.Helper()
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c)
		close(closed)
	}()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for _, w := range writes {
		select {
		case <-closed:
			return
		case <-tick.C:
			io.WriteString(c, w)
		}
	}
	select {
	case <-closed:
	case <-time.After(every * 4):
		t.Fatalf("the connection is still open after %d writes of %q", len(writes), writes[0])
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestEmptyFramesDoNotKeepAConnectionOpen(t *testing.T) {
	tests := []struct {
		name  string
		write string
	}{
		{"empty frames", "\x0b\x1c\r"},
		{"bytes outside frames", "\r\n"},
		{"a frame restarted again and again", "\x0bMSH|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{Handler: HandlerFunc(echo), IdleTimeout: 200 * time.Millisecond, FrameTimeout: 200 * time.Millisecond}
			addr, _ := serve(t, s)
			// Ten times the idle timeout of writes, one every quarter of it.
			closedWithin(t, dial(t, addr), 50*time.Millisecond, repeat(tt.write, 40)...)
			if got := s.Stats().Messages; got != 0 {
				t.Errorf("Stats().Messages = %d, want 0", got)
			}
			c := &Client{Addr: addr, Logger: discard}
			defer c.Close()
			send(t, c, "MSH|after")
		})
	}
}

func TestMessagesKeepAConnectionOpen(t *testing.T) {
	s := &Server{Handler: HandlerFunc(echo), IdleTimeout: time.Second}
	addr, _ := serve(t, s)
	c := &Client{Addr: addr, Logger: discard}
	defer c.Close()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for range 25 { // 2.5 idle timeouts
		<-tick.C
		send(t, c, "MSH|1")
	}
	if got := s.Stats().ConnsTotal; got != 1 {
		t.Errorf("Stats().ConnsTotal = %d, want 1: the connection was dropped while messages came", got)
	}
}

// dialFrom opens a connection to addr from the loopback address src.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(time.Minute))
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends a message on c and reads its ACK.
func roundTrip(c net.Conn, msg string) (string, error) {
	if _, err := io.WriteString(c, frame(msg)); err != nil {
		return "", err
	}
	a, err := NewReader(c).ReadMessage()
	return string(a), err
}

func TestAllowedSources(t *testing.T) {
	var logs lockedBuffer
	s := &Server{Handler: HandlerFunc(echo), Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		AllowedSources: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32"), netip.MustParsePrefix("10.0.0.0/8")}}
	addr, _ := serve(t, s)
	for range 3 {
		c := dialFrom(t, "127.0.0.1", addr)
		io.WriteString(c, frame("MSH|1\rPID|1||123^^^HOSP||JANSEN^ANNA"))
		expectClosed(t, c)
	}
	if got, err := roundTrip(dialFrom(t, "127.0.0.2", addr), "MSH|2"); err != nil || got != "ACK|MSH|2" {
		t.Errorf("from an allowed source: %q, %v", got, err)
	}
	if got := s.Stats().ConnsRejected; got != 3 {
		t.Errorf("Stats().ConnsRejected = %d, want 3", got)
	}
	log := logs.String()
	if strings.Count(log, "connection refused") != 1 || !strings.Contains(log, "remote=127.0.0.1 ") ||
		!strings.Contains(log, "source not in the allowed networks") {
		t.Errorf("want one line for three refusals, with the source and the reason; log:\n%s", log)
	}
	if strings.Contains(log, "JANSEN") || strings.Contains(log, "MSH|") {
		t.Errorf("the log holds message content:\n%s", log)
	}
}

func TestMaxConnsPerSource(t *testing.T) {
	s := &Server{Handler: HandlerFunc(echo), MaxConnsPerSource: 2}
	addr, _ := serve(t, s)
	var held []net.Conn
	for range 2 {
		c := dialFrom(t, "127.0.0.1", addr)
		if _, err := roundTrip(c, "MSH|1"); err != nil { // now counted
			t.Fatal(err)
		}
		held = append(held, c)
	}
	expectClosed(t, dialFrom(t, "127.0.0.1", addr))
	if got, err := roundTrip(dialFrom(t, "127.0.0.3", addr), "MSH|other"); err != nil || got != "ACK|MSH|other" {
		t.Errorf("another source: %q, %v; want it served", got, err)
	}
	// A slot freed is a slot to use again.
	held[0].Close()
	for {
		c := dialFrom(t, "127.0.0.1", addr)
		if got, err := roundTrip(c, "MSH|3"); err == nil {
			if got != "ACK|MSH|3" {
				t.Errorf("ACK %q", got)
			}
			break
		}
		// The server has not seen the close yet: try again.
	}
	if got, err := roundTrip(held[1], "MSH|4"); err != nil || got != "ACK|MSH|4" {
		t.Errorf("a held connection after the refusals: %q, %v", got, err)
	}
}

// testCA makes a CA and a certificate it signs for a client.
func testCA(t *testing.T, cn string) (*x509.CertPool, tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hospital CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestServerMutualTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	pool, clientCert := testCA(t, "interface-engine")
	serverTLS.ClientCAs = pool
	serverTLS.ClientAuth = tls.RequireAndVerifyClientCert
	var logs lockedBuffer
	s := &Server{Handler: HandlerFunc(echo), TLSConfig: serverTLS, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	addr, _ := serve(t, s)

	_, strangerCert := testCA(t, "stranger") // signed by another CA
	for name, certs := range map[string][]tls.Certificate{"no certificate": nil, "a certificate of another CA": {strangerCert}} {
		t.Run(name, func(t *testing.T) {
			cfg := clientTLS.Clone()
			cfg.Certificates = certs
			c := &Client{Addr: addr, TLSConfig: cfg, Logger: discard, Timeout: 5 * time.Second}
			defer c.Close()
			if _, err := c.Send(context.Background(), []byte("MSH|1")); err == nil {
				t.Error("a message was acknowledged")
			}
		})
	}
	if got := s.Stats().Messages; got != 0 {
		t.Errorf("Stats().Messages = %d, want 0", got)
	}
	cfg := clientTLS.Clone()
	cfg.Certificates = []tls.Certificate{clientCert}
	c := &Client{Addr: addr, TLSConfig: cfg, Logger: discard}
	defer c.Close()
	send(t, c, "MSH|2")
	if !strings.Contains(logs.String(), "client=interface-engine") {
		t.Errorf("the log does not name the client certificate:\n%s", logs.String())
	}
}

// A listener whose Accept fails as when the process is out of file
// descriptors, a few times, then works.
type failingListener struct {
	net.Listener
	fails int
}

type tempErr struct{}

func (tempErr) Error() string   { return "accept4: too many open files" }
func (tempErr) Temporary() bool { return true }
func (tempErr) Timeout() bool   { return false }

func (l *failingListener) Accept() (net.Conn, error) {
	if l.fails > 0 {
		l.fails--
		return nil, tempErr{}
	}
	return l.Listener.Accept()
}

func TestAcceptErrorsDoNotStopTheServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: HandlerFunc(echo), Logger: discard}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(context.Background(), &failingListener{Listener: l, fails: 5}) }()
	c := &Client{Addr: l.Addr().String(), Logger: discard}
	send(t, c, "MSH|1")
	c.Close()
	s.Shutdown(context.Background())
	if err := <-errc; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v, want ErrServerClosed", err)
	}
}
