package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/worklist"
)

// TestFailoverLosesNothingAcknowledged cuts the replica off, stores an
// order on the primary, and kills the primary, so that the replica the
// sentinels promote never had the order. Without WaitReplicas the order
// was acknowledged and is gone: what asynchronous replication loses. With
// WaitReplicas 1 it was not acknowledged (its sender sends it again), and
// once a replica is back the resend is stored and acknowledged.
func TestFailoverLosesNothingAcknowledged(t *testing.T) {
	tests := []struct {
		name     string
		replicas int
		wantLost bool // acknowledged, and gone after the failover
	}{
		{"without WAIT: an acknowledged order is lost", 0, true},
		{"with WAIT 1: nothing acknowledged is lost", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set, err := redistest.StartSentinel(redistest.SentinelConfig{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { set.Close() })
			ctx := t.Context()
			rdb := set.Client()
			t.Cleanup(func() { rdb.Close() })
			opts := Options{Now: func() time.Time { return t0 }, WaitReplicas: tt.replicas, WaitTimeout: 300 * time.Millisecond}
			s := New(rdb, opts)
			// The first order reaches the replica for sure.
			sure := New(rdb, Options{Now: opts.Now, WaitReplicas: 1})
			if _, err := sure.Apply(ctx, order(worklist.ExamCompleted, "ZHWEST", "A1", t0, nil), []byte("AA1")); err != nil {
				t.Fatal(err)
			}

			primary, err := set.Primary(ctx)
			if err != nil {
				t.Fatal(err)
			}
			replica := set.Nodes()[1]
			cutOff(t, primary, replica)
			second := order(worklist.ExamCompleted, "ZHWEST", "A2", t0, nil)
			_, err = s.Apply(ctx, second, []byte("AA2"))
			acked := err == nil
			if !acked && !errors.Is(err, ErrNotReplicated) {
				t.Fatalf("Apply with the replica cut off: %v, want nil or ErrNotReplicated", err)
			}
			if acked != (tt.replicas == 0) {
				t.Errorf("with the replica cut off, WaitReplicas %d: acknowledged = %v", tt.replicas, acked)
			}
			primary.Kill()
			if err := replica.Resume(); err != nil {
				t.Fatal(err)
			}
			waitHealthy(t, set)
			// The sender resends what was not acknowledged until it is,
			// and the replica promoted has A1 in any case.
			if _, err := getEventually(t, s, "A1"); err != nil {
				t.Fatalf("A1, confirmed before the failover: %v", err)
			}
			_, err = getEventually(t, s, "A2")
			lost := acked && errors.Is(err, worklist.ErrNotFound)
			if lost != tt.wantLost {
				t.Errorf("A2 acknowledged = %v, after the failover: %v; lost = %v, want %v", acked, err, lost, tt.wantLost)
			}
			if acked {
				return
			}
			// No replica: WAIT 1 cannot be met, and the resend is refused too.
			if _, err := s.Apply(ctx, second, []byte("AA2")); !errors.Is(err, ErrNotReplicated) {
				t.Errorf("a resend while no replica runs: %v, want ErrNotReplicated", err)
			}
			// The old primary comes back, as a replica of the new one.
			if err := primary.Restart(); err != nil {
				t.Fatal(err)
			}
			waitHealthy(t, set)
			// The interface engine resends until it gets AA: refused until
			// the old primary, a replica now, has synchronised and confirms
			// (on a loaded machine that takes longer than one WAIT).
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				_, err := s.Apply(ctx, second, []byte("AA2"))
				if err == nil {
					break
				}
				if !errors.Is(err, ErrNotReplicated) || time.Now().After(deadline) {
					t.Fatalf("the resend once a replica is back: %v", err)
				}
			}
			st, err := s.Get(ctx, "ZHWEST", "A2")
			if err != nil || st.Version != 1 {
				t.Errorf("A2 after the resend: %v, %v; want it stored once (version 1)", st, err)
			}
		})
	}
}

// cutOff freezes the replica and drops its link to the primary, so that
// what the primary writes next reaches no replica.
func cutOff(t *testing.T, primary, replica *redistest.Server) {
	t.Helper()
	if err := replica.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { replica.Resume() })
	p := redis.NewClient(&redis.Options{Addr: primary.Addr()})
	defer p.Close()
	if err := p.ClientKillByFilter(t.Context(), "TYPE", "replica").Err(); err != nil {
		t.Fatal(err)
	}
}

func waitHealthy(t *testing.T, set *redistest.Sentinel) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := set.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
}

// getEventually reads a study, retrying while the client finds the new
// primary; it returns worklist.ErrNotFound when the primary has none.
func getEventually(t *testing.T, s *Store, acc string) (*worklist.Study, error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := s.Get(t.Context(), "ZHWEST", acc)
		if err == nil || errors.Is(err, worklist.ErrNotFound) || time.Now().After(deadline) {
			return st, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
