package embedredis

import (
	"context"
	"log/slog"
	"time"
)

// Backoff between restarts of a redis-server that keeps exiting.
const (
	restartMin = 100 * time.Millisecond
	restartMax = 10 * time.Second
	// restartReset is how long a redis-server must have run for its exit
	// to start the backoff over.
	restartReset = time.Minute
)

// supervisor keeps a redis-server running until the store's life ends.
type supervisor struct {
	s        *Server
	life     context.Context // done on Close or when Start's ctx is done
	binary   string
	listener listener // clients know this address: every restart keeps it
	sleep    func(context.Context, time.Duration) error
}

// run waits for c to exit and starts redis-server again, on the same
// folder and listener, whenever it exits on its own. It returns once the
// store's life has ended and no redis-server runs: nil after a clean stop,
// else why the last one did not stop cleanly.
func (sv *supervisor) run(c *child) error {
	log := sv.s.log.With(slog.String("kind", KindRedisServer), slog.String("dir", sv.s.dir))
	backoff := restartMin
	for {
		started := time.Now()
		<-c.exited
		if c.stopped() {
			return c.exitError()
		}
		if time.Since(started) >= restartReset {
			backoff = restartMin
		}
		log.Error("embedded redis: redis-server exited on its own; starting it again",
			slog.Any("err", c.exitError()), slog.Duration("in", backoff))
		next, ok := sv.restart(log, &backoff)
		if !ok {
			return nil
		}
		c = next
	}
}

// restart waits out the backoff and starts redis-server, again and again
// until it answers or the store's life ends (false).
func (sv *supervisor) restart(log *slog.Logger, backoff *time.Duration) (*child, bool) {
	for {
		if sv.sleep(sv.life, *backoff) != nil {
			return nil, false
		}
		*backoff = min(*backoff*2, restartMax)
		c, _, err := launchRedisServer(sv.life, log, sv.binary, sv.s.dir, &sv.listener)
		if err == nil {
			sv.s.mu.Lock()
			sv.s.pid = c.cmd.Process.Pid
			sv.s.mu.Unlock()
			log.Warn("embedded redis: redis-server started again", slog.Int("pid", c.cmd.Process.Pid))
			return c, true
		}
		if sv.life.Err() != nil {
			return nil, false
		}
		log.Error("embedded redis: redis-server did not start again; trying later",
			slog.Any("err", err), slog.Duration("in", *backoff))
	}
}

// sleepCtx waits d, or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
