package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name the sentinels of a Sentinel set-up know the
// primary by.
const SentinelMaster = "voorrang"

// SentinelConfig says how to start a Sentinel set-up. The zero value is a
// primary, one replica and three sentinels.
type SentinelConfig struct {
	// Replicas is the number of replicas; zero means one.
	Replicas int
	// Sentinels is the number of sentinels (a majority of them must agree
	// on a failover); zero means three.
	Sentinels int
	// Binary is the redis-server executable; empty means the one on PATH.
	Binary string
	// Conf is appended to the primary's and the replicas' configuration.
	Conf string
}

// A Sentinel is a Redis primary with replicas watched by sentinels, all
// local redis-server processes. The sentinels call a primary down after
// a second without an answer and then promote a replica.
type Sentinel struct {
	data      []*Server // the primary as started, then the replicas
	sentinels []*Server
}

// StartSentinel starts the set-up and returns once every replica is in
// sync and every sentinel knows the replicas and the other sentinels, so
// that a failover can be agreed on.
func StartSentinel(cfg SentinelConfig) (*Sentinel, error) {
	replicas, sentinels := cfg.Replicas, cfg.Sentinels
	if replicas == 0 {
		replicas = 1
	}
	if sentinels == 0 {
		sentinels = 3
	}
	set := &Sentinel{}
	primary, err := Start(Config{Binary: cfg.Binary, TCP: true, Conf: cfg.Conf})
	if err != nil {
		return nil, fmt.Errorf("redis sentinel set-up: primary: %w", err)
	}
	set.data = append(set.data, primary)
	host, port, _ := net.SplitHostPort(primary.Addr())
	for range replicas {
		s, err := Start(Config{Binary: cfg.Binary, TCP: true, Conf: cfg.Conf + "replicaof " + host + " " + port + "\n"})
		if err != nil {
			set.Close()
			return nil, fmt.Errorf("redis sentinel set-up: replica: %w", err)
		}
		set.data = append(set.data, s)
	}
	quorum := sentinels/2 + 1
	conf := fmt.Sprintf("sentinel monitor %[1]s %[2]s %[3]s %[4]d\n"+
		"sentinel down-after-milliseconds %[1]s 1000\nsentinel failover-timeout %[1]s 5000\n",
		SentinelMaster, host, port, quorum)
	for range sentinels {
		s, err := Start(Config{Binary: cfg.Binary, TCP: true, Conf: conf, Args: []string{"--sentinel"}})
		if err != nil {
			set.Close()
			return nil, fmt.Errorf("redis sentinel set-up: sentinel: %w", err)
		}
		set.sentinels = append(set.sentinels, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), formTimeout)
	defer cancel()
	if err := set.WaitHealthy(ctx); err != nil {
		set.Close()
		return nil, err
	}
	return set, nil
}

// URL is a go-redis URL that connects through the sentinels
// (redis://sentinel?master_name=voorrang&addr=sentinel&...), as serve
// --redis takes it.
func (s *Sentinel) URL() string {
	q := url.Values{"master_name": {SentinelMaster}}
	for _, n := range s.sentinels[1:] {
		q.Add("addr", n.Addr())
	}
	return "redis://" + s.sentinels[0].Addr() + "?" + q.Encode()
}

// Client connects a failover client through the sentinels; the caller
// closes it.
func (s *Sentinel) Client() *redis.Client {
	addrs := make([]string, len(s.sentinels))
	for i, n := range s.sentinels {
		addrs[i] = n.Addr()
	}
	return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: SentinelMaster, SentinelAddrs: addrs})
}

// Nodes returns the data nodes: the primary as started, then the replicas.
func (s *Sentinel) Nodes() []*Server { return s.data }

// Sentinels returns the sentinels.
func (s *Sentinel) Sentinels() []*Server { return s.sentinels }

// Primary returns the data node a running sentinel names the primary now.
func (s *Sentinel) Primary(ctx context.Context) (*Server, error) {
	var last error
	for _, n := range s.sentinels {
		if !n.Running() {
			continue
		}
		var addr []string
		last = withClient(ctx, n, func(rdb *redis.Client) error {
			var err error
			addr, err = redis.NewSentinelClient(rdb.Options()).GetMasterAddrByName(ctx, SentinelMaster).Result()
			return err
		})
		if last != nil {
			continue
		}
		for _, d := range s.data {
			if d.Addr() == net.JoinHostPort(addr[0], addr[1]) {
				return d, nil
			}
		}
		return nil, fmt.Errorf("redis sentinel: primary %v is none of the set-up's nodes", addr)
	}
	return nil, fmt.Errorf("redis sentinel: no sentinel names the primary: %v", last)
}

// WaitHealthy waits until the sentinels agree on a running primary, every
// other running data node replicates it in sync, and every sentinel knows
// those replicas and the other sentinels; or until ctx ends. After a
// failover it tells when the set-up is whole again.
func (s *Sentinel) WaitHealthy(ctx context.Context) error {
	var last error
	for {
		if last = s.healthy(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redis sentinel set-up not healthy: %w", last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Sentinel) healthy(ctx context.Context) error {
	primary, err := s.Primary(ctx)
	if err != nil {
		return err
	}
	if !primary.Running() {
		return fmt.Errorf("the primary %s does not run", primary.Addr())
	}
	replicas := 0
	for _, d := range s.data {
		if d == primary || !d.Running() {
			continue
		}
		replicas++
		err := withClient(ctx, d, func(rdb *redis.Client) error {
			info, err := rdb.Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if !containsLine(info, "master_port:"+portOf(primary)) {
				return errors.New("does not replicate the primary")
			}
			return replicaInSync(ctx, rdb)
		})
		if err != nil {
			return fmt.Errorf("replica %s: %w", d.Addr(), err)
		}
	}
	for _, n := range s.sentinels {
		if !n.Running() {
			continue
		}
		err := withClient(ctx, n, func(rdb *redis.Client) error {
			m, err := redis.NewSentinelClient(rdb.Options()).Master(ctx, SentinelMaster).Result()
			if err != nil {
				return err
			}
			if m["port"] != portOf(primary) || m["flags"] != "master" {
				return fmt.Errorf("sees the primary at port %s, flags %s", m["port"], m["flags"])
			}
			if got, _ := strconv.Atoi(m["num-slaves"]); got < replicas {
				return fmt.Errorf("knows %d of %d replicas", got, replicas)
			}
			if got, _ := strconv.Atoi(m["num-other-sentinels"]); got < len(s.sentinels)-1 {
				return fmt.Errorf("knows %d of %d other sentinels", got, len(s.sentinels)-1)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("sentinel %s: %w", n.Addr(), err)
		}
	}
	return nil
}

func portOf(s *Server) string {
	_, port, _ := net.SplitHostPort(s.Addr())
	return port
}

// containsLine reports whether the INFO text holds the line.
func containsLine(info, line string) bool {
	for _, l := range strings.Split(info, "\n") {
		if strings.TrimRight(l, "\r") == line {
			return true
		}
	}
	return false
}

// Close stops every sentinel and data node and removes their folders.
func (s *Sentinel) Close() error {
	var errs []error
	for _, n := range append(s.sentinels, s.data...) {
		errs = append(errs, n.Close())
	}
	return errors.Join(errs...)
}
