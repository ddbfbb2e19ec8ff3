package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/worklist"
)

// A study's rank is written when an event changes the study; an escalation
// rule changes it later, at a time known when it is written, with no event
// (triage.Rank.EscalatesAt). No single score could hold that: before the
// time an overdue routine study reads after a fresh urgent one, and after
// it before, so the order of the two changes while neither changes. The
// store therefore keeps each site's coming escalations in a sorted set
// (written with the study, in the same script), and EscalateDue ranks a
// study again when its time comes, as an event would: the study moves in
// the reading order and every panel is told. Nothing is re-scored
// periodically; each escalation costs one write, at its time.

// escalateBatch is how many due escalations of a site are read at once.
const escalateBatch = 100

// EscalateDue ranks again every study whose escalation has fallen due at
// the store's clock, so that it takes its escalated place in the reading
// order. It returns when the next escalation the store holds falls due,
// or the zero time when none is waiting.
func (s *Store) EscalateDue(ctx context.Context) (time.Time, error) {
	sites, err := s.Sites(ctx)
	if err != nil {
		return time.Time{}, err
	}
	now := strconv.FormatInt(s.opts.Now().UnixMilli(), 10)
	for _, site := range sites {
		if !validID(site) {
			continue
		}
		// Each study ranked again leaves the set or moves to a later time,
		// so every round reads new ones; the bound guards against a bug.
		for range 10_000 {
			accs, err := s.rdb.ZRangeByScore(ctx, s.keys.escalations(site),
				&redis.ZRangeBy{Min: "-inf", Max: now, Count: escalateBatch}).Result()
			if err != nil {
				return time.Time{}, fmt.Errorf("read escalations: %w", err)
			}
			for _, acc := range accs {
				if err := s.escalate(ctx, site, acc); err != nil {
					return time.Time{}, err
				}
			}
			if len(accs) < escalateBatch {
				break
			}
		}
	}
	return s.nextEscalation(ctx, sites)
}

// escalate ranks one study again at the store's clock. The write keeps the
// escalation set right, as every write does; a study that is gone leaves it.
func (s *Store) escalate(ctx context.Context, site, acc string) error {
	err := worklist.ErrNotFound
	if validID(acc) {
		m := mutation{site: site, acc: acc}
		m.edit = func(*worklist.Study, time.Time) (bool, *worklist.AuditRecord, error) { return true, nil, nil }
		_, err = s.mutate(ctx, m)
	}
	if errors.Is(err, worklist.ErrNotFound) {
		err = s.rdb.ZRem(ctx, s.keys.escalations(site), acc).Err()
	}
	if err != nil {
		return fmt.Errorf("escalate a study at %s: %w", site, err)
	}
	return nil
}

// nextEscalation returns the earliest escalation time held for sites.
func (s *Store) nextEscalation(ctx context.Context, sites []string) (time.Time, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, 0, len(sites))
	for _, site := range sites {
		if validID(site) {
			cmds = append(cmds, pipe.ZRangeWithScores(ctx, s.keys.escalations(site), 0, 0))
		}
	}
	if len(cmds) == 0 {
		return time.Time{}, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return time.Time{}, fmt.Errorf("read escalations: %w", err)
	}
	var next time.Time
	for _, c := range cmds {
		for _, z := range c.Val() {
			if at := time.UnixMilli(int64(z.Score)); next.IsZero() || at.Before(next) {
				next = at
			}
		}
	}
	return next, nil
}

// RunEscalations calls EscalateDue whenever an escalation falls due, and at
// least every poll (zero means a minute: escalations that other instances,
// or this one, wrote since are found then), until ctx ends. Errors are
// logged, and it tries again after a poll.
func (s *Store) RunEscalations(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = time.Minute
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wait := poll
		next, err := s.EscalateDue(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.opts.Logger.Warn("worklist: escalations not applied; trying again", "err", err)
		case !next.IsZero():
			wait = min(wait, max(next.Sub(s.opts.Now()), 0))
		}
		t.Reset(wait)
	}
}
