package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/hl7/mllp"
)

// logEvents passes each log record's message to a channel and on to next,
// so that a test can wait for what the service logs.
type logEvents struct {
	slog.Handler
	msgs chan string
}

func (h logEvents) Handle(ctx context.Context, r slog.Record) error {
	select {
	case h.msgs <- r.Message:
	default:
	}
	return h.Handler.Handle(ctx, r)
}

func (h logEvents) WithAttrs(as []slog.Attr) slog.Handler {
	return logEvents{h.Handler.WithAttrs(as), h.msgs}
}

// TestEmbeddedStoreComesBack kills the embedded redis-server under a
// running serve: while it is down HL7 messages get AE and /readyz says 503;
// serve starts it again on the same data folder, /readyz recovers, and the
// engine's resend is accepted with nothing lost.
func TestEmbeddedStoreComesBack(t *testing.T) {
	dir := t.TempDir()
	waits, release := make(chan time.Duration, 1), make(chan struct{})
	events := logEvents{slog.NewTextHandler(t.Output(), nil), make(chan string, 64)}
	cfg := serveConfig{httpAddr: "127.0.0.1:0", mllpAddr: "127.0.0.1:0", shutdownTimeout: 5 * time.Second,
		dataDir: dir, accession: "OBR-18,ORC-3.1,OBR-3.1,IPC-1.1", aiSenders: "AIPLATFORM", claimTTL: 20 * time.Minute,
		embedSleep: func(ctx context.Context, d time.Duration) error {
			waits <- d
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}
	srv, err := newService(context.Background(), cfg, slog.New(events))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		srv.close()
	})
	store := filepath.Join(dir, "redis")
	direct := redis.NewClient(&redis.Options{Network: "unix", Addr: filepath.Join(store, "redis.sock")})
	t.Cleanup(func() { direct.Close() })
	// Every write on disk at once, so that SIGKILL loses none of them.
	if err := direct.ConfigSet(ctx, "appendfsync", "always").Err(); err != nil {
		t.Fatal(err)
	}

	client := &mllp.Client{Addr: srv.mllpLn.Addr().String(), Timeout: 10 * time.Second, Retries: -1}
	t.Cleanup(func() { client.Close() })
	send := func(file string) string {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join("../../testdata/hl7", file))
		if err != nil {
			t.Fatal(err)
		}
		ack, err := client.Send(ctx, raw)
		if err != nil {
			t.Fatalf("send %s: %v", file, err)
		}
		return ackCode(t, ack)[1:] // A accepted, E error (original or enhanced mode)
	}
	ready := func() int {
		t.Helper()
		res, err := http.Get("http://" + srv.httpLn.Addr().String() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	if code := send("zhwest_orm_nw_ct_oncology.hl7"); code != "A" {
		t.Fatalf("before the crash: %s, want accepted", code)
	}
	pidText, err := os.ReadFile(filepath.Join(store, "redis.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidText)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill redis-server %d: %v", pid, err)
	}
	<-waits // the supervisor noticed, and holds the restart until release

	if code := send("zhoost_omi_o23_mr_knee_routine.hl7"); code != "E" {
		t.Errorf("with the store down: %s, want an application error (AE)", code)
	}
	if code := ready(); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the store down: %d, want 503", code)
	}

	close(release)
	for msg := range events.msgs {
		if strings.Contains(msg, "redis-server started again") {
			break
		}
	}
	// The client dials again on its own; after the failures while the
	// store was down it waits up to a second or so between dials, so
	// readiness and the engine's resends (on AE) come a moment later.
	deadline := time.Now().Add(15 * time.Second)
	for ready() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz after the restart: still 503, want 200")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for code := send("zhoost_omi_o23_mr_knee_routine.hl7"); code != "A"; code = send("zhoost_omi_o23_mr_knee_routine.hl7") {
		if time.Now().After(deadline) {
			t.Fatalf("resend after the restart: %s, want accepted", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n, err := direct.Exists(ctx, "{ZHWEST}:study:W26000101").Result(); err != nil || n != 1 {
		t.Errorf("the study stored before the crash: exists %d, %v; want it kept in the same data folder", n, err)
	}
}
