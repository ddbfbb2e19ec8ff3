package redisstore

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/triage"
)

//go:embed scripts/rules.lua
var rulesSource string

var rulesScript = redis.NewScript(rulesSource)

// PublishRules makes data, a rules file, the triage rules of every store
// on this Redis: it checks the file, stores it with a new version (the
// same version when it is the file published last), applies it here and
// announces it. The other stores apply it on the announcement, or within
// the interval of their WatchRules when they missed it.
func (s *Store) PublishRules(ctx context.Context, data []byte) (int64, error) {
	r, err := triage.ParseRules(data)
	if err != nil {
		return 0, err
	}
	s.rulesMu.Lock()
	v, err := rulesScript.Run(ctx, s.rdb, []string{s.keys.rules()}, data).Int64()
	if err == nil {
		s.useRules(r, v, sha256.Sum256(data))
	}
	s.rulesMu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("publish rules: %w", err)
	}
	if err := s.rdb.Publish(ctx, s.keys.rulesChanged(), v).Err(); err != nil {
		return v, fmt.Errorf("announce rules version %d: %w", v, err)
	}
	return v, nil
}

// LoadRules applies the published rules when they are not the rules in
// force here, and reports whether it did. The file is compared, not the
// version: rules restored with an older snapshot of Redis (a lower
// version) are applied too. Without published rules the store keeps the
// rules in force. A published file that does not parse (written by a
// newer Voorrang) leaves the rules in force and is an error.
func (s *Store) LoadRules(ctx context.Context) (bool, error) {
	// One at a time, and not while PublishRules writes: a file read
	// before another was published is not applied after it.
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	vals, err := s.rdb.HMGet(ctx, s.keys.rules(), "version", "yaml").Result()
	if err != nil {
		return false, fmt.Errorf("read published rules: %w", err)
	}
	vs, _ := vals[0].(string)
	data, _ := vals[1].(string)
	if vs == "" || data == "" {
		return false, nil
	}
	v, err := strconv.ParseInt(vs, 10, 64)
	if err != nil {
		return false, fmt.Errorf("published rules version %q: %w", vs, err)
	}
	sum := sha256.Sum256([]byte(data))
	if sum == s.rulesSum {
		s.rulesVersion = v
		return false, nil
	}
	r, err := triage.ParseRules([]byte(data))
	if err != nil {
		return false, fmt.Errorf("published rules version %d: %w", v, err)
	}
	s.useRules(r, v, sum)
	return true, nil
}

// useRules puts the rules of version v, whose file has the SHA-256 sum,
// in force. The caller holds rulesMu.
func (s *Store) useRules(r *triage.Rules, v int64, sum [sha256.Size]byte) {
	s.rulesVersion, s.rulesSum = v, sum
	s.SetRules(r) // with the algorithm registry's policies over them
}

// RulesVersion is the version of the published rules in force here; 0
// when the store's own rules are (none were published or loaded).
func (s *Store) RulesVersion() int64 {
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	return s.rulesVersion
}

// WatchRules applies rules published by any store on this Redis, and the
// algorithm registry's changes, until ctx ends: at once when announced,
// and every interval in case an announcement was missed (a subscription
// is lost with a failover).
// Zero means every 5 seconds.
func (s *Store) WatchRules(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 5 * time.Second
	}
	sub := s.rdb.Subscribe(ctx, s.keys.rulesChanged())
	defer sub.Close()
	announced := sub.Channel()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-announced:
		case <-tick.C:
		}
		changed, err := s.LoadRules(ctx)
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			s.opts.Logger.Warn("rules: the published rules were not applied; the rules in force stay", "err", err)
		case changed:
			s.opts.Logger.Info("rules: applied the published rules", "version", s.RulesVersion())
		}
		// The algorithm registry's changes are announced on the same
		// channel.
		if err == nil {
			if _, err := s.ReloadAlgorithms(ctx); err != nil && !errors.Is(err, context.Canceled) {
				s.opts.Logger.Warn("registry: the algorithms' records were not applied; the policies in force stay", "err", err)
			}
		}
	}
}
