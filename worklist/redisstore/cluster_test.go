package redisstore

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/worklist"
)

// startCluster runs a one-node Redis Cluster that holds every slot: enough
// to refuse, as a real cluster does, a command whose keys are on different
// slots.
func startCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	dir := t.TempDir()
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", port, "--cluster-enabled", "yes",
		"--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--dir", dir, "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server (make test installs it): %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	node := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port})
	defer node.Close()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for node.Ping(ctx).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the cluster node does not answer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := node.Do(ctx, "cluster", "addslotsrange", 0, 16383).Err(); err != nil {
		t.Fatal(err)
	}
	for {
		info, _ := node.ClusterInfo(ctx).Result()
		if strings.Contains(info, "cluster_state:ok") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster not ok: %s", info)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:" + port}})
	t.Cleanup(func() { c.Close() })
	return c
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
	s := New(rdb, Options{Now: func() time.Time { return t0 }})
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
