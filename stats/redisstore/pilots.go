// Package redisstore keeps the definitions of AI pilots (stats.Pilot) in
// Redis, where every instance of the service reads the same.
package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/stats"
)

// Pilots are the pilot definitions in one Redis hash, by ID, as JSON.
// Safe for concurrent use, also by several instances on one Redis: a
// change is a WATCH transaction, so two admins changing one pilot at once
// cannot lose either's check.
type Pilots struct {
	rdb redis.UniversalClient
	key string
	now func() time.Time
}

// Options tune Pilots; the zero value of each field is a sensible default.
type Options struct {
	// Prefix is put before the key, to separate stores in one database.
	Prefix string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns the pilots on rdb.
func New(rdb redis.UniversalClient, opts Options) *Pilots {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Pilots{rdb: rdb, key: opts.Prefix + "{pilots}:defs", now: opts.Now}
}

// Pilots returns every pilot, by start (the latest first), then ID.
func (s *Pilots) Pilots(ctx context.Context) ([]stats.Pilot, error) {
	all, err := s.rdb.HGetAll(ctx, s.key).Result()
	if err != nil {
		return nil, fmt.Errorf("read pilots: %w", err)
	}
	out := make([]stats.Pilot, 0, len(all))
	for id, data := range all {
		var p stats.Pilot
		if err := json.Unmarshal([]byte(data), &p); err != nil {
			return nil, fmt.Errorf("read pilot %q: %w", id, err)
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b stats.Pilot) int {
		if c := b.Start.Compare(a.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Pilot returns the pilot id, or stats.ErrNoPilot.
func (s *Pilots) Pilot(ctx context.Context, id string) (stats.Pilot, error) {
	var p stats.Pilot
	data, err := s.rdb.HGet(ctx, s.key, id).Bytes()
	if errors.Is(err, redis.Nil) {
		return p, stats.ErrNoPilot
	}
	if err != nil {
		return p, fmt.Errorf("read pilot: %w", err)
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("read pilot: %w", err)
	}
	return p, nil
}

// UpdatePilot changes the pilot id, or defines it: change gets the stored
// definition (its zero value and exists false when there is none) and
// edits it, or returns an error that leaves it as it was. The ID stays
// id; Created and Changed are set here.
func (s *Pilots) UpdatePilot(ctx context.Context, id string, change func(p *stats.Pilot, exists bool) error) (stats.Pilot, error) {
	var out stats.Pilot
	txf := func(tx *redis.Tx) error {
		var p stats.Pilot
		data, err := tx.HGet(ctx, s.key, id).Bytes()
		exists := err == nil
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return fmt.Errorf("read pilot: %w", err)
		default:
			if err := json.Unmarshal(data, &p); err != nil {
				return fmt.Errorf("read pilot: %w", err)
			}
		}
		created := p.Created
		if err := change(&p, exists); err != nil {
			return err
		}
		now := s.now().UTC()
		p.ID, p.Created, p.Changed = id, created, now
		if !exists {
			p.Created = now
		}
		if data, err = json.Marshal(p); err != nil {
			return fmt.Errorf("encode pilot: %w", err)
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.HSet(ctx, s.key, id, data)
			return nil
		})
		out = p
		return err
	}
	for range 20 {
		err := s.rdb.Watch(ctx, txf, s.key)
		if errors.Is(err, redis.TxFailedErr) {
			continue // changed meanwhile: read it again
		}
		return out, err
	}
	return out, fmt.Errorf("change pilot %q: too many concurrent changes", id)
}
