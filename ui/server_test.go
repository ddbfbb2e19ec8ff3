package ui

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// brokenStores returns stores whose Redis fails: a client that is closed,
// and one for a port where nothing listens.
func brokenStores(t *testing.T) map[string]*redisstore.Store {
	t.Helper()
	closed := redistest.Client(t)
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	nobody := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second,
		DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { nobody.Close() })
	clk := &clock{t: now}
	return map[string]*redisstore.Store{
		"closed client": redisstore.New(closed, redisstore.Options{Prefix: "test:closed:", Now: clk.Now}),
		"no Redis":      redisstore.New(nobody, redisstore.Options{Prefix: "test:nobody:", Now: clk.Now}),
	}
}

func TestHealthz(t *testing.T) {
	s, _ := newTestServer(t)
	var got struct{ Status, Version string }
	do(t, s, "GET", "/healthz", nil).wantOK(t, 200, &got)
	if got.Status != "ok" || got.Version != "test" {
		t.Errorf("healthz %+v, want status ok, version test", got)
	}
}

func TestReadyz(t *testing.T) {
	up, _ := newTestServer(t)
	servers := map[string]*Server{"store up": up}
	for name, store := range brokenStores(t) {
		servers[name] = New(Config{Store: store, Logger: discard(), Access: testAccess()})
	}
	tests := []struct {
		name       string
		wantStatus int
		want       string
	}{
		{"store up", 200, "ready"},
		{"closed client", 503, "unavailable"},
		{"no Redis", 503, "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got struct{ Status string }
			do(t, servers[tt.name], "GET", "/readyz", nil).wantOK(t, tt.wantStatus, &got)
			if got.Status != tt.want {
				t.Errorf("status %q, want %q", got.Status, tt.want)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounter(prometheus.CounterOpts{Name: "voorrang_test_requests_total", Help: "Requests in the test."})
	reg.MustRegister(requests)
	requests.Add(3)
	rdb := redistest.Client(t)
	s := New(Config{Store: redisstore.New(rdb, redisstore.Options{Prefix: redistest.Prefix(t, rdb)}), Metrics: reg, Logger: discard(), Access: testAccess()})
	res := do(t, s, "GET", "/metrics", nil)
	if res.status != 200 {
		t.Fatalf("status %d, want 200", res.status)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	if want := "voorrang_test_requests_total 3\n"; !strings.Contains(string(res.body), want) {
		t.Errorf("body\n%s\nwants %q", res.body, want)
	}
	if !strings.Contains(string(res.body), "# TYPE voorrang_test_requests_total counter") {
		t.Errorf("body\n%s\nhas no TYPE line", res.body)
	}
}

func TestSections(t *testing.T) {
	s, _ := newTestServer(t)
	var got []Section
	do(t, s, "GET", "/api/v1/sections", nil).wantOK(t, 200, &got)
	var names []string
	for _, sec := range got {
		names = append(names, sec.Name)
	}
	if strings.Join(names, ",") != "neuro,chest,abdomen,msk" {
		t.Errorf("sections %v, want neuro, chest, abdomen, msk", names)
	}
}

func TestUnknownRoute(t *testing.T) {
	s, _ := newTestServer(t)
	do(t, s, "GET", "/api/v1/nothing-here", nil).wantError(t, 404, "not_found", "")
}

// TestInternalErrorsHidden makes the store fail and checks every route
// answers 500 "internal" with nothing of the cause, which is logged.
func TestInternalErrorsHidden(t *testing.T) {
	routes := []struct {
		name, method, path, body string
	}{
		{"worklist", "GET", "/api/v1/worklist", ""},
		{"study", "GET", "/api/v1/studies/ZHWEST/W26000101", ""},
		{"claim", "POST", "/api/v1/studies/ZHWEST/W26000101/claim", `{}`},
		{"release", "POST", "/api/v1/studies/ZHWEST/W26000101/release", `{}`},
		{"ai result", "POST", "/api/v1/ai-results", ""}, // the body is pe_positive.json
		{"feedback", "POST", "/api/v1/ai-results/aidoc-20261123-0001/feedback", `{"site":"ZHWEST","accession":"W26000101","agree":true}`},
		{"dead letters", "GET", "/api/v1/dead-letters", ""},
	}
	for storeName, store := range brokenStores(t) {
		var log bytes.Buffer
		s := New(Config{Store: store, Logger: slog.New(slog.NewTextHandler(&log, nil)), Now: (&clock{t: now}).Now, Access: testAccess()})
		for _, r := range routes {
			t.Run(storeName+"/"+r.name, func(t *testing.T) {
				log.Reset()
				var body []byte
				if r.method == "POST" {
					body = []byte(r.body)
					if r.body == "" {
						body = readFile(t, "ai/pe_positive.json")
					}
				}
				res := do(t, s, r.method, r.path, body)
				res.wantError(t, 500, "internal", "")
				for _, leak := range []string{"redis", "dial", "closed", "127.0.0.1", "connect", "refused"} {
					if bytes.Contains(bytes.ToLower(res.body), []byte(leak)) {
						t.Errorf("body %s holds %q", res.body, leak)
					}
				}
				if got := strings.Count(log.String(), "http: request failed"); got != 1 {
					t.Errorf("logged %d times, want once:\n%s", got, log.String())
				}
				if !strings.Contains(log.String(), "redis") && !strings.Contains(log.String(), "dial") {
					t.Errorf("the log does not say what failed:\n%s", log.String())
				}
				if strings.Contains(log.String(), "W26000101") {
					t.Errorf("the log holds the accession number:\n%s", log.String())
				}
			})
		}
	}
}

// serve serves s on an in-memory listener: app.Test returns no answer
// when fasthttp refuses to read a request.
func serve(t *testing.T, s *Server) *fasthttputil.InmemoryListener {
	t.Helper()
	ln := fasthttputil.NewInmemoryListener()
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		ln.Close()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln
}

// post sends a JSON body on a connection of its own to ln and reads the
// answer. The body is written while the answer is read: a server that
// refuses a body answers and closes without reading it all, which an
// http.Client may report as a failed write instead of the answer.
func post(t *testing.T, ln *fasthttputil.InmemoryListener, path string, body []byte) response {
	t.Helper()
	conn, err := ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req, err := http.NewRequest("POST", "http://localhost"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testTokens["tester"])
	written := make(chan struct{})
	go func() {
		defer close(written)
		req.Write(conn) // fails when the server closes first; its answer tells
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("POST %s: reading the body: %v", path, err)
	}
	conn.Close()
	<-written
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func TestBodyLimit(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store, "W26000101")
	ln := serve(t, s)
	tests := []struct {
		name   string
		size   int // of the "note" value
		status int
		code   string
		field  string
	}{
		{name: "just under 1 MiB", size: 1<<20 - 100, status: 400, code: "invalid", field: "note"},
		{name: "over 1 MiB", size: 1 << 20, status: 413, code: "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"note":"` + strings.Repeat("x", tt.size) + `"}`
			post(t, ln, "/api/v1/studies/ZHWEST/W26000101/claim", []byte(body)).wantError(t, tt.status, tt.code, tt.field)
			if st := mustGet(t, store, "ZHWEST", "W26000101"); st.Claim != nil {
				t.Errorf("claimed by a refused request: %+v", st.Claim)
			}
		})
	}
}
