package sim

import (
	"context"
	"sync"
	"time"
)

// A Clock tells the simulated time and waits for it.
type Clock interface {
	Now() time.Time
	// Wait returns once the clock reads t or later, or with ctx's error
	// when ctx ends first.
	Wait(ctx context.Context, t time.Time) error
}

// A CompressedClock runs Speed simulated seconds per real second from the
// moment it is made, so that a demo shows an hour of a department in a few
// minutes.
type CompressedClock struct {
	start  time.Time // simulated time at origin
	origin time.Time // real time at start, with its monotonic reading
	speed  float64
}

// NewCompressedClock returns a clock that reads start now and then runs
// speed times faster than real time. A speed of zero or less means 1.
func NewCompressedClock(start time.Time, speed float64) *CompressedClock {
	if speed <= 0 {
		speed = 1
	}
	return &CompressedClock{start: start, origin: time.Now(), speed: speed}
}

// Speed returns the simulated seconds per real second.
func (c *CompressedClock) Speed() float64 { return c.speed }

// Now returns the simulated time.
func (c *CompressedClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.origin)) * c.speed))
}

// Real returns the real time at which the clock reads t.
func (c *CompressedClock) Real(t time.Time) time.Time {
	return c.origin.Add(time.Duration(float64(t.Sub(c.start)) / c.speed)).Round(0)
}

// Wait waits in real time until the clock reads t.
func (c *CompressedClock) Wait(ctx context.Context, t time.Time) error {
	d := time.Duration(float64(t.Sub(c.Now())) / c.speed)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A ManualClock is a clock for tests: it reads what it was set to, and
// Wait moves it forward to the time waited for at once, so a simulation
// driven by it runs as fast as the machine allows and never sleeps.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock that reads t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t; it never goes back.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

// Wait sets the clock to t (if it is later) and returns.
func (c *ManualClock) Wait(ctx context.Context, t time.Time) error {
	c.Set(t)
	return ctx.Err()
}
