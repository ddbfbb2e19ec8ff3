package main

import (
	"context"
	"fmt"
	"log/slog"
	neturl "net/url"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/embedredis"
	"github.com/voorrang/voorrang/triage"
)

// openRedis connects to the Redis at url, or, when url is empty, starts
// the embedded store as embedded says (which restarts its redis-server
// whenever that exits). The returned close function stops whatever was
// started.
func openRedis(ctx context.Context, url string, embedded embedredis.Options, log *slog.Logger) (redis.UniversalClient, func(), error) {
	var emb *embedredis.Server
	if url == "" {
		var err error
		emb, err = embedredis.Start(ctx, embedded)
		if err != nil {
			return nil, nil, fmt.Errorf("embedded store: %w", err)
		}
		url = emb.Addr()
	}
	rdb, err := newRedisClient(url)
	if err != nil {
		if emb != nil {
			emb.Close()
		}
		return nil, nil, fmt.Errorf("--redis: %w", err)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		log.Warn("store: Redis does not answer yet; messages get AE until it does", "err", err)
	}
	closeFn := func() {
		rdb.Close()
		if emb != nil {
			emb.Close()
		}
	}
	return rdb, closeFn, nil
}

// newRedisClient connects by URL: redis://, rediss:// or unix:// for a
// standalone server; with master_name=NAME in the query, through Sentinel
// (the URL's host and each addr= are sentinels); with addr= but no
// master_name, a Cluster of those nodes.
func newRedisClient(raw string) (redis.UniversalClient, error) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	switch {
	case q.Has("master_name"):
		o, err := redis.ParseFailoverURL(raw)
		if err != nil {
			return nil, err
		}
		return redis.NewFailoverClient(o), nil
	case q.Has("addr"):
		o, err := redis.ParseClusterURL(raw)
		if err != nil {
			return nil, err
		}
		return redis.NewClusterClient(o), nil
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(o), nil
}

// loadRules reads the triage rules file, or the defaults when name is empty.
func loadRules(name string) (*triage.Rules, error) {
	if name == "" {
		return triage.DefaultRules(), nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	r, err := triage.ParseRules(data)
	if err != nil {
		return nil, fmt.Errorf("rules %s: %w", name, err)
	}
	return r, nil
}
