package embedredis

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/alicebob/miniredis/v2"
)

// startMiniredis runs an in-process miniredis on 127.0.0.1 and a free port.
// why says why redis-server is not used; it goes into the warning.
func startMiniredis(ctx context.Context, log *slog.Logger, why string) (*Server, error) {
	m := miniredis.NewMiniRedis()
	// Without this, TTLs only move on FastForward: claims (leases) would never
	// expire. With it they expire by the wall clock, lazily on access.
	m.ClockTTL(true)
	if err := m.Start(); err != nil {
		return nil, fmt.Errorf("start miniredis: %w", err)
	}
	s := &Server{
		kind: KindMiniredis,
		addr: "redis://" + m.Addr() + "/0",
		log:  log,
		done: make(chan struct{}),
	}
	s.stop = func() {
		m.Close()
		close(s.done)
	}
	stopWatch := context.AfterFunc(ctx, func() { s.stopOnce.Do(s.stop) })
	go func() { <-s.done; stopWatch() }()

	log.Warn("embedded redis: NOTHING IS PERSISTED — using in-process miniredis because "+why+
		"; every study, claim and result is lost when voorrang stops. For persistence install "+
		"redis-server (Debian/Ubuntu: apt install redis-server) or pass --redis redis://HOST:6379/0",
		slog.String("kind", KindMiniredis), slog.String("reason", why))
	s.logReady()
	return s, nil
}
