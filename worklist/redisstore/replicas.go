package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed scripts/confirm.lua
var confirmSource string

var confirmScript = redis.NewScript(confirmSource)

// ErrNotReplicated means an input was stored on the primary but fewer
// replicas than Options.WaitReplicas confirmed it in time, or the write
// was lost in a failover: the input is not acknowledged, and its sender
// should send it again (a resend of a stored input is answered as a
// duplicate once the replicas hold it).
var ErrNotReplicated = errors.New("not confirmed by enough replicas")

// defaultWaitTimeout bounds a WAIT when Options.WaitTimeout is zero.
const defaultWaitTimeout = time.Second

// waitReplicas returns once Options.WaitReplicas replicas of the primary
// that holds key (an input's de-duplication key, written with the input)
// hold it too. Redis replicates asynchronously: without this wait a
// primary that fails right after a write may take the write with it,
// although its sender was told it was stored.
//
// WAIT counts the replicas that have every write of its own connection,
// so the confirmation and the WAIT go in one pipeline over one connection
// to the key's primary (on a cluster, the node of its slot). The
// confirmation writes too, so a resend answered from the de-duplication
// key is waited for as well.
func (s *Store) waitReplicas(ctx context.Context, key string) error {
	node, err := s.primaryOf(ctx, key)
	if err != nil {
		return fmt.Errorf("wait for replicas: %w", err)
	}
	timeout := s.opts.WaitTimeout
	if timeout <= 0 {
		timeout = defaultWaitTimeout
	}
	pipe := node.Pipeline()
	found := confirmScript.Eval(ctx, pipe, []string{key}, s.opts.DedupeTTL.Milliseconds())
	acked := pipe.Do(ctx, "wait", s.opts.WaitReplicas, timeout.Milliseconds())
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("wait for replicas: %w", err)
	}
	if n, _ := found.Int(); n != 1 {
		return fmt.Errorf("the input was lost with a failed primary: %w", ErrNotReplicated)
	}
	if n, _ := acked.Int(); n < s.opts.WaitReplicas {
		return fmt.Errorf("%d of %d replicas confirmed the input within %s: %w", n, s.opts.WaitReplicas, timeout, ErrNotReplicated)
	}
	return nil
}

// primaryOf returns a client of the primary that holds key: on a cluster
// the node of its slot, otherwise the one server (through Sentinel, the
// primary it names).
func (s *Store) primaryOf(ctx context.Context, key string) (*redis.Client, error) {
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		return c.MasterForKey(ctx, key)
	case *redis.Client:
		return c, nil
	}
	return nil, fmt.Errorf("a %T cannot name the primary of a key", s.rdb)
}
