package embedredis

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// heldSleep stands in for the restart backoff: each wait reports its
// duration on waits and lasts until the test sends on release.
type heldSleep struct {
	waits   chan time.Duration
	release chan struct{}
}

func newHeldSleep() *heldSleep {
	return &heldSleep{waits: make(chan time.Duration, 1), release: make(chan struct{})}
}

func (h *heldSleep) sleep(ctx context.Context, d time.Duration) error {
	h.waits <- d
	select {
	case <-h.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// logEvents is a slog.Handler that passes each record's message to a
// channel (and on to next), so a test can wait for what the store logs.
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

// waitLog waits for a log message containing want.
func waitLog(t *testing.T, msgs <-chan string, want string) {
	t.Helper()
	timeout := time.After(startTimeout)
	for {
		select {
		case m := <-msgs:
			if strings.Contains(m, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no log %q within %s", want, startTimeout)
		}
	}
}

// TestRedisServerIsRestarted kills redis-server twice and checks that the
// store starts it again, after a growing backoff, on the same data folder
// and address (so the data and the clients' URL stay valid), and that
// Close during a backoff stops cleanly.
func TestRedisServerIsRestarted(t *testing.T) {
	requireRedisServer(t)
	tests := []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"unix socket", func(t *testing.T) string { return t.TempDir() }},
		{"TCP port (folder path too long for a socket)", func(t *testing.T) string {
			return filepath.Join(t.TempDir(), strings.Repeat("d", 100))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			held := newHeldSleep()
			text, _ := testLogger(t)
			events := logEvents{text.Handler(), make(chan string, 16)}
			s, err := Start(t.Context(), Options{Dir: dir, Logger: slog.New(events), Sleep: held.sleep})
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, s)
			ctx := t.Context()
			// Every write on disk at once, so that SIGKILL loses none.
			if err := c.ConfigSet(ctx, "appendfsync", "always").Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.Set(ctx, "study", "W26000101", 0).Err(); err != nil {
				t.Fatal(err)
			}
			addr := s.Addr()
			opt, _ := redis.ParseURL(addr)
			opt.MaxRetries, opt.DialerRetries = -1, 1
			probe := redis.NewClient(opt) // one try, no retries
			t.Cleanup(func() { probe.Close() })

			for i, want := range []time.Duration{restartMin, 2 * restartMin} {
				pid := s.childPid()
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				if got := <-held.waits; got != want {
					t.Errorf("crash %d: backoff %s, want %s", i+1, got, want)
				}
				if err := probe.Ping(ctx).Err(); err == nil {
					t.Errorf("crash %d: PING answered while redis-server is down", i+1)
				}
				held.release <- struct{}{}
				waitLog(t, events.msgs, "started again")
				if got := s.childPid(); got == pid {
					t.Errorf("crash %d: pid %d, want a new redis-server", i+1, got)
				}
				if s.Addr() != addr {
					t.Errorf("crash %d: address changed to %s", i+1, s.Addr())
				}
				if got, err := c.Get(ctx, "study").Result(); err != nil || got != "W26000101" {
					t.Errorf("crash %d: GET after the restart = %q, %v; want the data written before", i+1, got, err)
				}
			}

			// Close while the store waits to restart: a clean stop.
			if err := syscall.Kill(s.childPid(), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-held.waits
			if err := s.Close(); err != nil {
				t.Errorf("Close during the backoff: %v", err)
			}
			select {
			case <-s.Done():
			default:
				t.Error("Done is open after Close")
			}
		})
	}
}
