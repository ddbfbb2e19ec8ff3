package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/worklist"
)

// on makes a test service use the Redis at url, without a key prefix
// (it is the set-up's only user), waiting for replicas as asked.
func on(url string, waitReplicas int) func(*serveConfig) {
	return func(c *serveConfig) {
		c.redisURL, c.keyPrefix = url, ""
		c.waitReplicas, c.waitTimeout = waitReplicas, 300*time.Millisecond
	}
}

// completedOrder is the corpus's completed CT under another accession
// number and control ID.
func completedOrder(t *testing.T, acc string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../testdata/hl7/zhwest_orm_sc_cm_ct_oncology.hl7")
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.ReplaceAll(string(hl7.Split(data)[0]), "W26000101", acc)
	return []byte(strings.Replace(msg, "HIX26112300003", "CTL"+acc, 1))
}

// An interfaceEngine sends messages over MLLP one after the other, as an
// interface engine does: each until it is accepted (AA, or CA in enhanced mode), resending after AE or a
// broken connection.
type interfaceEngine struct {
	client *mllp.Client
	mu     sync.Mutex
	acked  []string // accession numbers, in the order they were accepted
	errors int      // AE answers and failed sends
}

func (e *interfaceEngine) send(t *testing.T, acc string) {
	t.Helper()
	msg := completedOrder(t, acc)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ack, err := e.client.Send(t.Context(), msg)
		if err == nil && accepted([]string{ackCode(t, ack)}) {
			e.mu.Lock()
			e.acked = append(e.acked, acc)
			e.mu.Unlock()
			return
		}
		e.mu.Lock()
		e.errors++
		e.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("%s: not accepted within a minute", acc)
}

// A failingPrimary is a Redis set-up whose primary a test kills: kill
// stops it and returns once a replica has taken over; restore brings it
// back as a replica.
type failingPrimary struct {
	url     string
	kill    func(t *testing.T) (restore func())
	healthy func(ctx context.Context) error
}

// TestFailoverMidFeed kills the Redis primary while an interface engine
// feeds orders to a service that waits for one replica (the
// --redis-wait-replicas 1 option) before AA. The service answers AE while
// no primary with a replica is there, the engine resends, and once the
// old primary is back as a replica every order that got AA is on the
// worklist, written once.
func TestFailoverMidFeed(t *testing.T) {
	setups := map[string]func(t *testing.T) failingPrimary{
		"Sentinel": func(t *testing.T) failingPrimary {
			set, err := redistest.StartSentinel(redistest.SentinelConfig{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { set.Close() })
			return failingPrimary{url: set.URL(), healthy: set.WaitHealthy, kill: func(t *testing.T) func() {
				p, err := set.Primary(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				p.Kill()
				return func() { p.Restart() }
			}}
		},
		"Cluster": func(t *testing.T) failingPrimary {
			c, err := redistest.StartCluster(redistest.ClusterConfig{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return failingPrimary{url: c.URL(), healthy: c.WaitHealthy, kill: func(t *testing.T) func() {
				p, err := c.Primary(t.Context(), "{ZHWEST}:changes")
				if err != nil {
					t.Fatal(err)
				}
				p.Kill()
				return func() { p.Restart() }
			}}
		},
	}
	for name, setup := range setups {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := setup(t)
			srv := startService(t, on(r.url, 1))
			engine := &interfaceEngine{client: &mllp.Client{Addr: srv.mllpLn.Addr().String(), Timeout: 5 * time.Second}}
			t.Cleanup(func() { engine.client.Close() })
			const n, killAt = 30, 10
			var recovered chan error
			for i := range n {
				if i == killAt {
					restore := r.kill(t)
					recovered = make(chan error, 1)
					go func() {
						// A replica takes over, then the old primary comes
						// back as its replica.
						ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
						defer cancel()
						err := r.healthy(ctx)
						if err == nil {
							restore()
							err = r.healthy(ctx)
						}
						recovered <- err
					}()
				}
				engine.send(t, fmt.Sprintf("F%04d", i))
			}
			if err := <-recovered; err != nil {
				t.Fatal(err)
			}
			if len(engine.acked) != n {
				t.Fatalf("%d of %d orders got AA", len(engine.acked), n)
			}
			if engine.errors == 0 {
				t.Error("no AE while the primary was down: the service acknowledged what no replica held")
			}
			checkOnce(t, srv.store, engine.acked)
		})
	}
}

// checkOnce checks that each accession is on the worklist and was
// written once: one change in the site's stream.
func checkOnce(t *testing.T, store interface {
	Get(ctx context.Context, site, acc string) (*worklist.Study, error)
	ChangesSince(ctx context.Context, site, after string, count int64) ([]worklist.Change, error)
}, accs []string) {
	t.Helper()
	changes, err := store.ChangesSince(t.Context(), "ZHWEST", "0-0", 10_000)
	if err != nil {
		t.Fatal(err)
	}
	writes := map[string]int{}
	for _, c := range changes {
		writes[c.Accession]++
	}
	for _, acc := range accs {
		st, err := store.Get(t.Context(), "ZHWEST", acc)
		if err != nil || !st.OnList {
			t.Errorf("%s got AA and is not on the worklist: %v", acc, err)
			continue
		}
		if writes[acc] != 1 || st.Version != 1 {
			t.Errorf("%s written %d times, version %d; want once", acc, writes[acc], st.Version)
		}
	}
}
