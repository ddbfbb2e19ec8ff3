package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/sim"
	"github.com/voorrang/voorrang/worklist"
)

// TestDemoFeedsTheService runs serve --demo over 45 simulated minutes on a
// clock the test drives: every message goes over MLLP to the service and
// must be accepted, and the readers' claims land in the store.
func TestDemoFeedsTheService(t *testing.T) {
	rdb := redistest.Client(t)
	done := make(chan sim.LiveStats, 1)
	var printed lockedBuffer
	cfg := serveConfig{httpAddr: "127.0.0.1:0", mllpAddr: "127.0.0.1:0", shutdownTimeout: 5 * time.Second,
		redisURL: redistest.URL(t), keyPrefix: redistest.Prefix(t, rdb),
		accession: "OBR-18,ORC-3.1,OBR-3.1,IPC-1.1", aiSenders: "AIPLATFORM", claimTTL: 20 * time.Minute,
		demo: demoConfig{enabled: true, seed: 5, speed: 10, clock: sim.NewManualClock(time.Now()), window: 45 * time.Minute,
			done: func(st sim.LiveStats) { done <- st }, out: &printed}}
	cfg.access.localAccounts = true
	cfg.access.passwords = access.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	srv, err := newService(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- srv.run(ctx) }()
	defer func() {
		cancel()
		if err := <-stopped; err != nil {
			t.Errorf("run: %v", err)
		}
		srv.close()
	}()

	var st sim.LiveStats
	select {
	case st = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the demo did not finish 45 simulated minutes in 2 minutes")
	}
	if st.Sent == 0 || st.Accepted != st.Sent || st.Refused != 0 || st.Failed != 0 {
		t.Errorf("demo ACKs: %+v, want every message AA", st)
	}
	page, err := srv.store.List(context.Background(), worklist.Query{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	claimed := 0
	for _, s := range page.Studies {
		if s.Claim != nil {
			claimed++
		}
	}
	if len(page.Studies) == 0 || claimed == 0 {
		t.Errorf("after the demo: %d studies on the list, %d claimed; want some of each", len(page.Studies), claimed)
	}

	// The demo printed an account per role; the radiologist's signs in
	// and reads the list: start, then sign in.
	var pw string
	for _, line := range strings.Split(printed.String(), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[1] == "demo-radioloog" {
			pw = f[2]
		}
	}
	for _, name := range []string{"demo-radioloog", "demo-aios", "demo-manager", "demo-admin"} {
		if !strings.Contains(printed.String(), name) {
			t.Errorf("the demo accounts printed lack %s:\n%s", name, printed.String())
		}
	}
	base := "http://" + srv.httpLn.Addr().String()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	req, _ := http.NewRequest("POST", base+"/auth/login", strings.NewReader(`{"name":"demo-radioloog","password":"`+pw+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("sign-in with the printed password %q: %s", pw, res.Status)
	}
	res, err = client.Get(base + "/api/v1/worklist")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("the demo radiologist's list: %s", res.Status)
	}
}

// lockedBuffer collects output written from another goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

func TestDemoFlags(t *testing.T) {
	var cfg serveConfig
	fs := newFlagSet("voorrang serve", io.Discard)
	cfg.register(fs)
	env := map[string]string{"VOORRANG_DEMO_SPEED": "60"}
	if err := parseFlags(fs, []string{"--demo", "--seed", "42"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if got := cfg.demo; !got.enabled || got.seed != 42 || got.speed != 60 {
		t.Errorf("demo config %+v, want enabled, seed 42, speed 60", got)
	}
	dir := t.TempDir()
	old := filepath.Join(dir, "demo", "redis", "appendonly.aof")
	if err := os.MkdirAll(filepath.Dir(old), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(old, []byte("a previous demo"), 0o600)
	got, err := cfg.demo.storeDir(dir, "")
	if err != nil || got != filepath.Join(dir, "demo") {
		t.Fatalf("storeDir = %q, %v; want %q", got, err, filepath.Join(dir, "demo"))
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the previous demo's store is still there: %v", err)
	}
	if got, _ := cfg.demo.storeDir(dir, "redis://elsewhere:6379"); got != dir {
		t.Errorf("with --redis, storeDir = %q, want the data dir", got)
	}
}

// TestSimulateThenSend writes a simulated morning with `voorrang simulate`
// and sends it with `voorrang send`: every message must be accepted.
func TestSimulateThenSend(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"simulate", "--seed", "8", "--out", dir, "--duration", "1h"},
		func(string) string { return "" }, &out, &errOut)
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, errOut.String())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.hl7"))
	if len(files) != 2 || !strings.Contains(out.String(), " messages") {
		t.Fatalf("simulate wrote %v and said %q", files, out.String())
	}
	n := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		n += len(hl7.Split(data))
	}

	srv := startService(t)
	out.Reset()
	errOut.Reset()
	args := append([]string{"send", "--to", srv.mllpLn.Addr().String()}, files...)
	if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("send: %v\n%s", err, errOut.String())
	}
	if got := strings.Count(out.String(), "\tAA\t") + strings.Count(out.String(), "\tCA\t"); got != n {
		t.Errorf("send: %d AA or CA for %d messages:\n%s", got, n, out.String())
	}

	if err := run(context.Background(), []string{"simulate", "--seed", "8"}, func(string) string { return "" }, &out, io.Discard); err != errUsage {
		t.Errorf("simulate without --out: %v, want a usage error", err)
	}
}
