package ui

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// The HTTP edge, tried as an attacker would: each case ends with the
// service still answering a valid request.

// get sends a GET with the given Host (and headers) on a connection of
// its own, from src (a loopback address; "" for the default).
func get(t *testing.T, addr, src, host, path string, header map[string]string) *http.Response {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Host = host
	req.Header.Set("Authorization", "Bearer "+testTokens["tester"])
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if err := req.Write(c); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(strings.NewReader(string(body)))
	return res
}

func bodyOf(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// stillServes checks that the service answers /api/v1/sections.
func stillServes(t *testing.T, addr string) {
	t.Helper()
	if r := get(t, addr, "", "localhost", "/api/v1/sections", nil); r.StatusCode != 200 {
		t.Fatalf("a valid request afterwards: %d %s", r.StatusCode, bodyOf(r))
	}
}

// failingListener fails its first Accepts as a process out of file
// descriptors does.
type failingListener struct {
	net.Listener
	fails int
}

type emfile struct{}

func (emfile) Error() string   { return "accept4: too many open files" }
func (emfile) Temporary() bool { return true }
func (emfile) Timeout() bool   { return false }

func (l *failingListener) Accept() (net.Conn, error) {
	if l.fails > 0 {
		l.fails--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: emfile{}}
	}
	return l.Listener.Accept()
}

func TestAcceptErrorsDoNotStopServing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ws := newWSEnv(t).serve(Config{}, &failingListener{Listener: ln, fails: 8})
	stillServes(t, ws.addr)
}

func TestMaxConns(t *testing.T) {
	ws := newWSEnv(t).serve(Config{Edge: Edge{MaxConns: 3}}, nil)
	var idle []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", ws.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	// Each idle connection holds a worker once it is accepted: a
	// request on each makes sure of that.
	for _, c := range idle {
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
	}
	r := get(t, ws.addr, "", "localhost", "/api/v1/sections", nil)
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a fourth connection: %d, want 503", r.StatusCode)
	}
	for _, c := range idle {
		c.Close()
	}
	for { // until the server has seen the closes
		if r := get(t, ws.addr, "", "localhost", "/api/v1/sections", nil); r.StatusCode == 200 {
			break
		}
	}
}

func TestMaxConnsPerIP(t *testing.T) {
	ws := newWSEnv(t).serve(Config{Edge: Edge{MaxConnsPerIP: 2}}, nil)
	for range 2 {
		c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}}).Dial("tcp", ws.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
	}
	c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}}).Dial("tcp", ws.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
	if got, err := io.ReadAll(c); len(got) != 0 {
		t.Errorf("a third connection from one address got %q (%v), want it closed", got, err)
	}
	if r := get(t, ws.addr, "127.0.0.2", "localhost", "/api/v1/sections", nil); r.StatusCode != 200 {
		t.Errorf("another address: %d", r.StatusCode)
	}
}

func TestAmbiguousLengthRefused(t *testing.T) {
	ws := newWSEnv(t).serve(Config{}, nil)
	c, err := net.Dial("tcp", ws.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// A proxy that frames by Content-Length would pass the smuggled GET
	// on as part of this request's body.
	io.WriteString(c, "POST /api/v1/ai-results HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"+
		"Content-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/v1/worklist HTTP/1.1\r\nHost: localhost\r\n\r\n")
	all, _ := io.ReadAll(c) // until the server closes
	if !strings.HasPrefix(string(all), "HTTP/1.1 400") {
		t.Errorf("answer %q, want 400", all)
	}
	if n := strings.Count(string(all), "HTTP/1.1 "); n != 1 {
		t.Errorf("%d answers on the connection, want 1 (the smuggled request not served):\n%s", n, all)
	}
	stillServes(t, ws.addr)
}

func TestHostChecked(t *testing.T) {
	local := newWSEnv(t).serve(Config{}, nil)
	public := newWSEnv(t).serve(Config{Edge: Edge{PublicURL: "https://voorrang.example.org", AllowedHosts: []string{"voorrang"}}}, nil)
	tests := []struct {
		name, addr, host, path string
		want                   int
	}{
		{"localhost", local.addr, "localhost:8080", "/api/v1/sections", 200},
		{"127.0.0.1", local.addr, "127.0.0.1", "/api/v1/sections", 200},
		{"[::1]", local.addr, "[::1]:8080", "/api/v1/sections", 200},
		{"a rebound name", local.addr, "attacker.example", "/api/v1/sections", 421},
		{"a name ending in localhost", local.addr, "evil.localhost.example", "/", 421},
		{"health under any name", local.addr, "10.1.2.3:8080", "/healthz", 200},
		{"readiness under any name", local.addr, "10.1.2.3:8080", "/readyz", 200},
		{"the public name", public.addr, "voorrang.example.org", "/api/v1/sections", 200},
		{"the public name, capitals", public.addr, "Voorrang.Example.Org:443", "/api/v1/sections", 200},
		{"an allowed name", public.addr, "voorrang", "/api/v1/sections", 200},
		{"localhost, with a public URL", public.addr, "localhost", "/api/v1/sections", 421},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, tt.addr, "", tt.host, tt.path, nil)
			if r.StatusCode != tt.want {
				t.Errorf("Host %s: %d, want %d: %s", tt.host, r.StatusCode, tt.want, bodyOf(r))
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	plain := newWSEnv(t).serve(Config{}, nil)
	framed := newWSEnv(t).serve(Config{Edge: Edge{FrameAncestors: []string{"https://pacs.example.org"}, Secure: true}}, nil)
	tests := []struct {
		name, addr, path string
		csp, cache, xfo  string
		hsts             bool
	}{
		{"the page", plain.addr, "/", "frame-ancestors 'self'", "no-cache", "SAMEORIGIN", false},
		{"the API", plain.addr, "/api/v1/sections", "default-src 'none'; frame-ancestors 'self'", "no-store", "SAMEORIGIN", false},
		{"an unknown path", plain.addr, "/nothing", "default-src 'none'", "no-store", "SAMEORIGIN", false},
		{"the page in a PACS frame", framed.addr, "/", "frame-ancestors 'self' https://pacs.example.org", "no-cache", "", true},
		{"the API over TLS", framed.addr, "/api/v1/sections", "frame-ancestors 'self' https://pacs.example.org", "no-store", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, tt.addr, "", "localhost", tt.path, nil)
			h := r.Header
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("nosniff %q, referrer %q", h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
			}
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, tt.csp) || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q, want %q and nothing inline", csp, tt.csp)
			}
			if got := h.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			if got := h.Get("X-Frame-Options"); got != tt.xfo {
				t.Errorf("X-Frame-Options %q, want %q", got, tt.xfo)
			}
			if got := h.Get("Strict-Transport-Security") != ""; got != tt.hsts {
				t.Errorf("HSTS %v, want %v", got, tt.hsts)
			}
		})
	}
}

func TestNotFoundDoesNotEchoThePath(t *testing.T) {
	s, _ := newTestServer(t)
	for _, path := range []string{"/api/v1/studies/ZHWEST/W26000101/nothing", "/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/api/v1/W26000101"} {
		res := do(t, s, "GET", path, nil)
		if res.status != 404 || strings.Contains(string(res.body), "W26000101") || strings.Contains(string(res.body), "script") {
			t.Errorf("GET %s: %d %s; want 404 without the path", path, res.status, res.body)
		}
	}
	res := do(t, s, "DELETE", "/api/v1/worklist", nil)
	if strings.Contains(string(res.body), "worklist") {
		t.Errorf("DELETE /api/v1/worklist: %s echoes the path", res.body)
	}
}

func TestJSONOnly(t *testing.T) {
	ws := newWSEnv(t).serve(Config{}, nil)
	form := "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n{}\r\n--x--\r\n"
	for ct, body := range map[string]string{"text/plain": `{}`, "application/x-www-form-urlencoded": "a=1",
		"multipart/form-data; boundary=x": form, "": `{}`} {
		req, _ := http.NewRequest("POST", "http://"+ws.addr+"/api/v1/ai-results", strings.NewReader(body))
		req.Host = "localhost"
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("Content-Type %q: %d, want 415", ct, res.StatusCode)
		}
	}
	stillServes(t, ws.addr)
}

func TestRateLimit(t *testing.T) {
	proxy := netip.MustParsePrefix("127.0.0.9/32")
	ws := newWSEnv(t).serve(Config{Edge: Edge{RateLimit: 3, TrustedProxies: []netip.Prefix{proxy}}}, nil)
	for i := range 3 {
		if r := get(t, ws.addr, "127.0.0.1", "localhost", "/api/v1/sections", nil); r.StatusCode != 200 {
			t.Fatalf("request %d: %d", i+1, r.StatusCode)
		}
	}
	r := get(t, ws.addr, "127.0.0.1", "localhost", "/api/v1/sections", nil)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Errorf("a fourth request in the minute: %d, Retry-After %q; want 429 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	// X-Forwarded-For from a client that is not a proxy changes nothing.
	spoofed := get(t, ws.addr, "127.0.0.1", "localhost", "/api/v1/sections", map[string]string{"X-Forwarded-For": "10.9.9.9"})
	if spoofed.StatusCode != http.StatusTooManyRequests {
		t.Errorf("with a forged X-Forwarded-For: %d, want 429", spoofed.StatusCode)
	}
	if r := get(t, ws.addr, "127.0.0.1", "localhost", "/healthz", nil); r.StatusCode != 200 {
		t.Errorf("/healthz while limited: %d", r.StatusCode)
	}
	// Through the proxy, each client is counted by its own address: the
	// last one not a proxy, whatever the client put before it.
	for i := range 3 {
		h := map[string]string{"X-Forwarded-For": "127.0.0.1, 10.0.0." + string(rune('1'+i))}
		if r := get(t, ws.addr, "127.0.0.9", "localhost", "/api/v1/sections", h); r.StatusCode != 200 {
			t.Errorf("client %d through the proxy: %d", i, r.StatusCode)
		}
	}
	if r := get(t, ws.addr, "127.0.0.2", "localhost", "/api/v1/sections", nil); r.StatusCode != 200 {
		t.Errorf("another address: %d", r.StatusCode)
	}
}
