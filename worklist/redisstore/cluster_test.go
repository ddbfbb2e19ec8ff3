package redisstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/worklist"
)

// startCluster runs a Redis Cluster of three primaries with a replica
// each, which refuses, as any real cluster does, a command whose keys are
// on different slots.
func startCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	c, err := redistest.StartCluster(redistest.ClusterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rdb := c.Client()
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// TestCluster runs the store and the change feed on Redis Cluster, where
// each site's keys are on their own slot.
func TestCluster(t *testing.T) {
	rdb := startCluster(t)
	ctx := context.Background()
	if err := rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{"{A}:x", "{B}:x", "0", "0"}, Block: -1}).Err(); err == nil ||
		!strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("the test cluster must refuse keys on different slots; got %v", err)
	}
	// Every input waits for a replica of its site's primary.
	s := New(rdb, Options{Now: func() time.Time { return t0 }, WaitReplicas: 1})
	for _, site := range []string{"ZHWEST", "ZHOOST"} {
		mustApply(t, s, order(worklist.ExamCompleted, site, site+"1", t0, nil))
	}
	mustApply(t, s, aiResult("ZHOOST", "ZHOOST1", "r1", "PE", true, 0.9))
	if got := listAccessions(t, s, worklist.Query{}); fmt.Sprint(got) != "[ZHOOST1 ZHWEST1]" {
		t.Errorf("list %v", got)
	}
	changes, err := s.WaitChanges(ctx, map[string]string{"ZHWEST": "0-0", "ZHOOST": "0-0"}, 100, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 3 {
		t.Errorf("%d changes over two sites, want 3", len(changes))
	}
	// Nothing new: the wait ends empty after block.
	pos := map[string]string{}
	for _, c := range changes {
		pos[c.Site] = c.ID
	}
	if more, err := s.WaitChanges(ctx, pos, 100, 150*time.Millisecond); err != nil || len(more) != 0 {
		t.Errorf("no new changes: %v %v", more, err)
	}
}
