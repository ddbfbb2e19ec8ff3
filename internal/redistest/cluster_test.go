package redistest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestCluster forms a cluster of three primaries with a replica each,
// spreads keys over the primaries, kills the primary of one key and sees
// its replica take over with the key's value, then brings the old primary
// back as a replica.
func TestCluster(t *testing.T) {
	c, err := StartCluster(ClusterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx := t.Context()
	rdb := c.Client()
	t.Cleanup(func() { rdb.Close() })
	if got := len(c.Nodes()); got != 6 {
		t.Fatalf("%d nodes, want 6", got)
	}
	// The keys of three sites land on different primaries, and a command
	// spanning them is refused, as on any real cluster.
	holders := map[string]bool{}
	for _, site := range []string{"A", "B", "C", "D", "E", "F"} {
		key := "{" + site + "}:k"
		if err := rdb.Set(ctx, key, site, 0).Err(); err != nil {
			t.Fatal(err)
		}
		p, err := c.Primary(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		holders[p.Addr()] = true
	}
	if len(holders) < 2 {
		t.Errorf("six sites' keys all on %v: the slots are not spread", holders)
	}
	if err := rdb.MGet(ctx, "{A}:k", "{B}:k").Err(); err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Errorf("MGET over two slots: %v, want CROSSSLOT", err)
	}
	// WAIT finds the primary's replica.
	node, err := rdb.MasterForKey(ctx, "{A}:k")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := waitOn(ctx, node, "{A}:k", "A"); err != nil || n != 1 {
		t.Errorf("WAIT 1 after a write: %d replicas, %v; want 1", n, err)
	}

	old, err := c.Primary(ctx, "{A}:k")
	if err != nil {
		t.Fatal(err)
	}
	old.Kill()
	wctx, cancel := context.WithTimeout(ctx, formTimeout)
	defer cancel()
	if err := c.WaitHealthy(wctx); err != nil {
		t.Fatal(err)
	}
	now, err := c.Primary(ctx, "{A}:k")
	if err != nil {
		t.Fatal(err)
	}
	if now == old {
		t.Fatalf("the killed node %s still serves the slot", old.Addr())
	}
	rdb.ReloadState(ctx)
	if got, err := rdb.Get(ctx, "{A}:k").Result(); err != nil || got != "A" {
		t.Errorf("after the failover: %q, %v; want the value written before", got, err)
	}
	if err := old.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitHealthy(wctx); err != nil {
		t.Fatal(err)
	}
	if n, err := waitOn(ctx, mustNode(t, rdb, "{A}:k"), "{A}:k", "A"); err != nil || n != 1 {
		t.Errorf("WAIT 1 once the old primary is back as a replica: %d, %v", n, err)
	}
}

func mustNode(t *testing.T, rdb *redis.ClusterClient, key string) *redis.Client {
	t.Helper()
	rdb.ReloadState(t.Context())
	node, err := rdb.MasterForKey(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return node
}

// waitOn writes key and waits for one replica on the same connection.
func waitOn(ctx context.Context, node *redis.Client, key, value string) (int64, error) {
	pipe := node.Pipeline()
	pipe.Set(ctx, key, value, 0)
	wait := pipe.Do(ctx, "wait", 1, 2000)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return wait.Int64()
}

// TestSentinel starts a primary, a replica and three sentinels, kills the
// primary, and sees the sentinels promote the replica, with what was
// written, and a failover client follow.
func TestSentinel(t *testing.T) {
	s, err := StartSentinel(SentinelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	rdb := s.Client()
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := waitOn(ctx, rdb, "k", "v"); err != nil || n != 1 {
		t.Errorf("WAIT 1: %d, %v", n, err)
	}
	old, err := s.Primary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if old != s.Nodes()[0] {
		t.Errorf("the primary is %s, want the first node %s", old.Addr(), s.Nodes()[0].Addr())
	}
	old.Kill()
	wctx, cancel := context.WithTimeout(ctx, formTimeout)
	defer cancel()
	if err := s.WaitHealthy(wctx); err != nil {
		t.Fatal(err)
	}
	now, _ := s.Primary(ctx)
	if now == old {
		t.Fatal("the killed primary is still named the primary")
	}
	// The client finds the new primary (it may take a retry or two).
	var got string
	for range 50 {
		if got, err = rdb.Get(ctx, "k").Result(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got != "v" {
		t.Errorf("after the failover: %q, %v", got, err)
	}
	if err := old.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitHealthy(wctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(s.URL()), "master_name="+SentinelMaster) {
		t.Errorf("URL %s", s.URL())
	}
}
