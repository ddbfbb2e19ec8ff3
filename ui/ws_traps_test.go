package ui

// Tests of the known traps of Fiber v2 with gofiber/contrib/websocket:
// origins, pooled connections, shutdown, panics; and the plain GET.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"

	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

func TestWSOrigins(t *testing.T) {
	e := newWSEnv(t)
	s := e.serve(Config{AllowedOrigins: []string{"https://pacs.example.org"}}, nil)
	tests := []struct {
		name, origin string
		ok           bool
	}{
		{"no origin (not a browser)", "", true},
		{"same host", "http://" + s.addr, true},
		{"allowed origin", "https://pacs.example.org", true},
		{"allowed origin, other case", "https://PACS.example.org", true},
		{"other site", "https://evil.example.com", false},
		{"other port of the same host", "http://127.0.0.1:1", false},
		{"allowed host, other scheme", "http://pacs.example.org", false},
		{"not a URL", "::", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Authorization": {"Bearer " + testTokens["tester"]}}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			c, err := wsTryDial(s.addr, "", h, nil)
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				(&wsConn{t: t, c: c}).next()
				c.Close()
				return
			}
			var r *wsRefused
			if !errors.As(err, &r) || r.status != 403 {
				if c != nil {
					c.Close()
				}
				t.Errorf("dial: %v, want 403", err)
			}
		})
	}
}

func TestWSPlainGET(t *testing.T) {
	e := newWSEnv(t)
	s := e.serve(Config{}, nil)
	req, _ := http.NewRequest("GET", "http://"+s.addr+"/ws", nil)
	req.Header.Set("Authorization", "Bearer "+testTokens["tester"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ Error apiError }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 426 || body.Error.Code != "upgrade_required" {
		t.Errorf("got %d %+v, want 426 upgrade_required", res.StatusCode, body.Error)
	}
}

// TestWSConnectionsNotCrossed connects and drops clients of two sites many
// times while changes of both flow: the middleware reuses each connection
// object for the next client, so a writer that outlived its handler would
// send one site's studies to the other's client.
func TestWSConnectionsNotCrossed(t *testing.T) {
	e := newWSEnv(t)
	e.seed()
	s := e.serve(Config{}, nil)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			for _, acc := range []string{"W1", "E1"} {
				if _, err := e.claimToggle(map[string]string{"W1": "ZHWEST", "E1": "ZHOOST"}[acc], acc, i); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	defer func() {
		close(done)
		wg.Wait()
	}()
	var cwg sync.WaitGroup
	for w := range 8 {
		site := []string{"ZHWEST", "ZHOOST"}[w%2]
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for range 25 {
				c, err := wsTryDial(s.addr, "site="+site, nil, nil)
				if err != nil {
					t.Error(err)
					return
				}
				conn := &wsConn{t: t, c: c}
				for range 4 {
					m, err := conn.read()
					if err != nil {
						t.Errorf("client of %s: %v", site, err)
						break
					}
					for _, st := range append(m.Studies, m.Study) {
						if st != nil && st.Site != site {
							t.Errorf("client of %s got a study of %s", site, st.Site)
						}
					}
				}
				c.Close() // without a close handshake
			}
		}()
	}
	cwg.Wait()
}

func TestWSShutdownClosesClients(t *testing.T) {
	e := newWSEnv(t)
	e.seed()
	s := e.serve(Config{}, nil)
	var clients []*wsConn
	for range 5 {
		c := wsDial(t, s.addr, "")
		c.next()
		clients = append(clients, c)
	}
	codes := make(chan int, len(clients))
	for _, c := range clients {
		go func() { codes <- c.closeCode() }()
	}
	// Shutdown must end the sessions itself: the clients only read.
	if err := s.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for range clients {
		if code := <-codes; code != fws.CloseGoingAway {
			t.Errorf("client closed with %d, want 1001 going away", code)
		}
	}
	if n := s.hub.count(); n != 0 {
		t.Errorf("%d clients still subscribed after shutdown", n)
	}
}

// panicStore panics, with patient data in the panic, when listing.
type panicStore struct{ *redisstore.Store }

func (panicStore) List(context.Context, worklist.Query) (worklist.Page, error) {
	panic("cannot list Bakker, Anna 7012345")
}

// lockedBuffer is a log that several goroutines write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestWSPanicClosesWith1011(t *testing.T) {
	e := newWSEnv(t)
	e.seed()
	var log lockedBuffer
	s := e.serve(Config{Store: panicStore{e.store}, Logger: slog.New(slog.NewTextHandler(&log, nil))}, nil)
	c := wsDial(t, s.addr, "")
	_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := c.c.ReadMessage()
	var ce *fws.CloseError
	if !errors.As(err, &ce) || ce.Code != fws.CloseInternalServerErr {
		t.Fatalf("got %q, %v; want close 1011", data, err)
	}
	if strings.Contains(ce.Text, "Bakker") {
		t.Errorf("close reason %q holds the panic", ce.Text)
	}
	s.stop()
	if l := log.String(); !strings.Contains(l, "panicked") || strings.Contains(l, "Bakker") || strings.Contains(l, "7012345") {
		t.Errorf("log\n%s\nmust say a session panicked, without patient data", l)
	}
}
