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

// doorbellSites are on different slots, so that on a cluster of three
// primaries some are announced from another node than the one the
// subscription is on.
var doorbellSites = []string{"ZHWEST", "ZHOOST", "AMC", "VUMC", "LUMC", "UMCU"}

// TestClusterAnnouncesChanges checks the doorbell: a change written by
// one store on Redis Cluster rings every store listening, for its site,
// from whichever primary holds the site.
func TestClusterAnnouncesChanges(t *testing.T) {
	rdb := startCluster(t)
	writer := New(rdb, Options{Now: func() time.Time { return t0 }})
	reader := New(rdb, Options{Now: func() time.Time { return t0 }})
	ctx := t.Context()
	w, err := reader.bell.listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.bell.leave(w)
	positions := map[string]string{}
	for _, site := range doorbellSites {
		positions[site] = "0-0"
	}
	for _, site := range doorbellSites {
		mustApply(t, writer, order(worklist.ExamCompleted, site, site+"1", t0, nil))
		select {
		case <-w.wake:
		case <-time.After(10 * time.Second):
			t.Fatalf("the change of %s was not announced", site)
		}
		if got := reader.bell.take(w, positions); len(got) != 1 || got[site] != "0-0" {
			t.Errorf("rung for a change of %s: %v", site, got)
		}
	}
	// A store that does not announce rings nobody: the poll is its feed's
	// only way.
	quiet := New(rdb, Options{Now: func() time.Time { return t0 }, NoAnnouncements: true})
	mustApply(t, quiet, order(worklist.ExamCompleted, "ZHWEST", "ZHWEST2", t0, nil))
	mustApply(t, writer, order(worklist.ExamCompleted, "ZHOOST", "ZHOOST2", t0, nil))
	<-w.wake
	if got := reader.bell.take(w, positions); len(got) != 1 || got["ZHOOST"] == "" {
		t.Errorf("rung after an unannounced change of ZHWEST and an announced one of ZHOOST: %v", got)
	}
}

// waitListening waits until n of s's change feeds listen for
// announcements.
func waitListening(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.bell.listening() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d change feeds listen, want %d", s.bell.listening(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestClusterFeedDelivers checks the change feed on Redis Cluster both
// ways: a change announced arrives without the poll (which here would
// take an hour), and a change whose announcement was lost (its writer
// announces nothing) still arrives, by the poll.
func TestClusterFeedDelivers(t *testing.T) {
	rdb := startCluster(t)
	for _, tc := range []struct {
		name     string
		poll     time.Duration
		announce bool
	}{
		{"announced", time.Hour, true},
		{"announcement lost", 50 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := strings.ReplaceAll(t.Name(), "/", ":") + ":"
			reader := New(rdb, Options{Prefix: prefix, Now: func() time.Time { return t0 }, ClusterPoll: tc.poll})
			writer := New(rdb, Options{Prefix: prefix, Now: func() time.Time { return t0 }, NoAnnouncements: !tc.announce})
			positions := map[string]string{}
			for _, site := range doorbellSites {
				positions[site] = "0-0"
			}
			type result struct {
				changes []worklist.Change
				err     error
			}
			done := make(chan result, 1)
			go func() {
				cs, err := reader.WaitChanges(t.Context(), positions, 100, time.Minute)
				done <- result{cs, err}
			}()
			waitListening(t, reader, 1)
			mustApply(t, writer, order(worklist.ExamCompleted, "UMCU", "UMCU1", t0, nil))
			r := <-done
			if r.err != nil || len(r.changes) != 1 || r.changes[0].Accession != "UMCU1" || r.changes[0].Study == nil {
				t.Fatalf("WaitChanges: %v %+v", r.err, r.changes)
			}
			// The last waiter gone, the subscription stays for the next.
			waitListening(t, reader, 0)
		})
	}
}
