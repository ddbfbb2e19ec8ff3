package redistest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// formTimeout bounds the wait for a Cluster or a Sentinel set-up to be
// whole: every node agreeing, every replica in sync.
const formTimeout = 30 * time.Second

// ClusterConfig says how to start a Cluster. The zero value is three
// primaries with one replica each, as a small production cluster runs.
type ClusterConfig struct {
	// Primaries is the number of primaries (at least three, as
	// redis-cli --cluster create asks); zero means three.
	Primaries int
	// Replicas is the number of replicas of each primary; negative means
	// none, zero means one.
	Replicas int
	// Binary is the redis-server executable; empty means the one on PATH.
	// redis-cli is taken from PATH.
	Binary string
	// Conf is appended to every node's configuration.
	Conf string
}

// A Cluster is a Redis Cluster of local redis-server processes, formed by
// redis-cli --cluster create. Its nodes detect a failed primary within a
// second (cluster-node-timeout 1000), and a replica takes over however
// long it was cut off from its primary (cluster-replica-validity-factor 0),
// so that tests of a failover do not wait long.
type Cluster struct {
	nodes []*Server
}

// StartCluster starts the nodes, forms the cluster and returns once every
// node sees every slot served and every replica is in sync with its
// primary.
func StartCluster(cfg ClusterConfig) (*Cluster, error) {
	primaries, replicas := cfg.Primaries, cfg.Replicas
	if primaries == 0 {
		primaries = 3
	}
	switch {
	case replicas < 0:
		replicas = 0
	case replicas == 0:
		replicas = 1
	}
	if primaries < 3 {
		return nil, fmt.Errorf("redis cluster: %d primaries; redis-cli --cluster create needs three or more", primaries)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, fmt.Errorf("redis-cli is not installed (Debian: apt-get install redis-tools): %w", err)
	}
	c := &Cluster{}
	conf := "cluster-enabled yes\ncluster-config-file nodes.conf\ncluster-node-timeout 1000\n" +
		"cluster-replica-validity-factor 0\n" + cfg.Conf
	for range primaries * (1 + replicas) {
		s, err := Start(Config{Binary: cfg.Binary, TCP: true, Conf: conf})
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("redis cluster node: %w", err)
		}
		c.nodes = append(c.nodes, s)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", fmt.Sprint(replicas), "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), formTimeout)
	defer cancel()
	if err := c.WaitHealthy(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Nodes returns every node, primaries first as the cluster was formed
// (a failover changes which is which; see Primary).
func (c *Cluster) Nodes() []*Server { return c.nodes }

// Addrs returns the host:port of every node.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.nodes))
	for i, s := range c.nodes {
		out[i] = s.Addr()
	}
	return out
}

// URL is a go-redis cluster URL naming every node
// (redis://first?addr=second&addr=...), as serve --redis takes it.
func (c *Cluster) URL() string { return clusterURL(c.Addrs()) }

func clusterURL(addrs []string) string {
	q := url.Values{}
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	return "redis://" + addrs[0] + "?" + q.Encode()
}

// Client connects a cluster client to the nodes; the caller closes it.
func (c *Cluster) Client() *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
}

// Node returns the node at addr (host:port), nil if none.
func (c *Cluster) Node(addr string) *Server {
	for _, s := range c.nodes {
		if s.Addr() == addr {
			return s
		}
	}
	return nil
}

// Primary returns the node that serves key's slot now.
func (c *Cluster) Primary(ctx context.Context, key string) (*Server, error) {
	rdb := c.Client()
	defer rdb.Close()
	node, err := rdb.MasterForKey(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("redis cluster: primary of %s: %w", key, err)
	}
	s := c.Node(node.Options().Addr)
	if s == nil {
		return nil, fmt.Errorf("redis cluster: primary of %s at %s is not one of the cluster's nodes", key, node.Options().Addr)
	}
	return s, nil
}

// WaitHealthy waits until every running node says cluster_state:ok and
// knows every other node, and every running replica's link to its primary
// is up, or ctx ends. After a failover it tells when the cluster is whole
// again.
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	var last error
	for {
		if last = c.healthy(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redis cluster not healthy: %w", last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *Cluster) healthy(ctx context.Context) error {
	running := 0
	for _, s := range c.nodes {
		if s.Running() {
			running++
		}
	}
	for _, s := range c.nodes {
		if !s.Running() {
			continue
		}
		err := withClient(ctx, s, func(rdb *redis.Client) error {
			info, err := rdb.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") {
				return errors.New("cluster_state is not ok")
			}
			nodes, err := rdb.ClusterNodes(ctx).Result()
			if err != nil {
				return err
			}
			if n := countConnected(nodes); n < running {
				return fmt.Errorf("sees %d of %d running nodes connected", n, running)
			}
			return replicaInSync(ctx, rdb)
		})
		if err != nil {
			return fmt.Errorf("node %s: %w", s.Addr(), err)
		}
	}
	return nil
}

// countConnected counts the lines of CLUSTER NODES of nodes neither
// failing nor disconnected.
func countConnected(nodes string) int {
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(nodes), "\n") {
		f := strings.Fields(line)
		if len(f) >= 8 && f[7] == "connected" && !strings.Contains(f[2], "fail") {
			n++
		}
	}
	return n
}

// replicaInSync returns nil for a primary, and for a replica whose link
// to its primary is up.
func replicaInSync(ctx context.Context, rdb *redis.Client) error {
	info, err := rdb.Info(ctx, "replication").Result()
	if err != nil {
		return err
	}
	if strings.Contains(info, "role:master") {
		return nil
	}
	if !strings.Contains(info, "master_link_status:up") || strings.Contains(info, "master_sync_in_progress:1") {
		return errors.New("replica not in sync with its primary")
	}
	return nil
}

// withClient runs f with a client of the node s.
func withClient(ctx context.Context, s *Server, f func(*redis.Client) error) error {
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: time.Second})
	defer rdb.Close()
	return f(rdb)
}

// Close stops every node and removes its folder.
func (c *Cluster) Close() error {
	var errs []error
	for _, s := range c.nodes {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
