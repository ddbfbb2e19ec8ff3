package redisstore

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// A doorbell hears the changes announced on Redis Cluster: the apply
// script publishes the key of the change stream it wrote to, and the
// change feed (WaitChanges) of every store reads that site's stream at
// once instead of waiting for its next poll. Pub/sub delivers at most
// once (a message is lost while a subscription reconnects), so the feed
// still polls every site, less often: the doorbell makes changes come
// sooner, the poll makes sure none is missed.
//
// The subscription is opened by the first waiter and closed a while
// after the last one left, so that a store whose feed nobody reads holds
// no connection, and one read in a loop (the websocket hub) keeps it.
type doorbell struct {
	rdb     redis.UniversalClient
	channel string
	prefix  string

	mu      sync.Mutex
	sub     *redis.PubSub // nil when not subscribed
	waiters map[*bellWaiter]struct{}
	linger  *time.Timer // closes sub once no waiter came back
}

// A bellWaiter is one WaitChanges listening: the sites rung since it
// began, and a wake-up.
type bellWaiter struct {
	rung map[string]struct{} // guarded by the doorbell's mu
	wake chan struct{}       // capacity 1
}

// bellLinger is how long the subscription stays after its last waiter.
const bellLinger = time.Minute

func newDoorbell(rdb redis.UniversalClient, channel, prefix string) *doorbell {
	return &doorbell{rdb: rdb, channel: channel, prefix: prefix, waiters: map[*bellWaiter]struct{}{}}
}

// listen registers a waiter, subscribing first (and waiting for Redis to
// confirm it) when the doorbell is not subscribed: a change announced
// after listen returns rings the waiter, unless the message is lost.
func (b *doorbell) listen(ctx context.Context) (*bellWaiter, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.linger != nil {
		b.linger.Stop()
		b.linger = nil
	}
	if b.sub == nil {
		// The subscription outlives this call: it is closed by linger.
		sub := b.rdb.Subscribe(context.WithoutCancel(ctx), b.channel)
		if _, err := sub.Receive(ctx); err != nil {
			sub.Close()
			return nil, err
		}
		b.sub = sub
		go b.hear(sub.Channel())
	}
	w := &bellWaiter{rung: map[string]struct{}{}, wake: make(chan struct{}, 1)}
	b.waiters[w] = struct{}{}
	return w, nil
}

// leave unregisters w; the last waiter to leave starts the linger.
func (b *doorbell) leave(w *bellWaiter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.waiters, w)
	if len(b.waiters) == 0 && b.sub != nil && b.linger == nil {
		b.linger = time.AfterFunc(bellLinger, b.quiet)
	}
}

// quiet closes the subscription when no waiter came back.
func (b *doorbell) quiet() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.waiters) > 0 || b.sub == nil {
		return
	}
	b.sub.Close()
	b.sub, b.linger = nil, nil
}

// hear rings the waiters for each announcement until the subscription
// is closed. go-redis reconnects and subscribes again by itself after a
// lost connection; what was announced meanwhile is lost, and found by
// the poll.
func (b *doorbell) hear(msgs <-chan *redis.Message) {
	for m := range msgs {
		site := siteOfKey(m.Payload, b.prefix)
		if site == "" {
			continue
		}
		b.mu.Lock()
		for w := range b.waiters {
			w.rung[site] = struct{}{}
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
		b.mu.Unlock()
	}
}

// take returns the sites rung for w since the last take, of those in
// positions.
func (b *doorbell) take(w *bellWaiter, positions map[string]string) map[string]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]string, len(w.rung))
	for site := range w.rung {
		if pos, ok := positions[site]; ok {
			out[site] = pos
		}
		delete(w.rung, site)
	}
	return out
}

// listening returns how many waiters listen (for tests).
func (b *doorbell) listening() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.waiters)
}
