package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// Turnarounds returns the turnaround records of the studies of sites (all
// sites when empty) that closed in [from, to): one per study, its latest.
// The records of a site and day are one string, so a year of 20 sites is
// read in one round trip of 7,300 GETs.
func (s *Store) Turnarounds(ctx context.Context, sites []string, from, to time.Time) ([]worklist.Turnaround, error) {
	if len(sites) == 0 {
		var err error
		if sites, err = s.Sites(ctx); err != nil {
			return nil, err
		}
	}
	sites = slices.DeleteFunc(slices.Clone(sites), func(s string) bool { return !validID(s) })
	// Nothing is kept longer than the retention; a record dated ahead of
	// the clock (a sender's clock wrong) is read up to a month ahead.
	now := s.opts.Now()
	from = later(from, now.Add(-s.opts.Retention-48*time.Hour))
	if limit := now.Add(31 * 24 * time.Hour); to.After(limit) {
		to = limit
	}
	if !from.Before(to) || len(sites) == 0 {
		return nil, nil
	}
	days := factDays(from, to)
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, 0, len(sites)*len(days))
	for _, site := range sites {
		for _, day := range days {
			cmds = append(cmds, pipe.Get(ctx, s.keys.facts(site, day)))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read turnaround records: %w", err)
	}
	var out []worklist.Turnaround
	d := newFactDecoder()
	for i, c := range cmds {
		data, err := c.Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read turnaround records: %w", err)
		}
		d.site = sites[i/len(days)]
		start := len(out)
		if out, err = d.decodeDay(data, out); err != nil {
			return nil, fmt.Errorf("read turnaround records of %s: %w", d.site, err)
		}
		// The first and last day hold records outside the period.
		if i%len(days) == 0 || i%len(days) == len(days)-1 {
			kept := slices.DeleteFunc(out[start:], func(t worklist.Turnaround) bool {
				c := t.ClosedAt()
				return c.Before(from) || !c.Before(to)
			})
			out = out[:start+len(kept)]
		}
	}
	return out, nil
}

// factDays returns the UTC days that hold the records of studies closed
// in [from, to).
func factDays(from, to time.Time) []time.Time {
	var days []time.Time
	for d := utcDay(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	return days
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Waiting returns the studies on the reading lists of sites (all sites
// when empty), with their rank and since when they wait, read from the
// rankings and waiting indexes in one round trip (no study is read).
func (s *Store) Waiting(ctx context.Context, sites []string) ([]worklist.Waiting, error) {
	if len(sites) == 0 {
		var err error
		if sites, err = s.Sites(ctx); err != nil {
			return nil, err
		}
	}
	sites = slices.DeleteFunc(slices.Clone(sites), func(s string) bool { return !validID(s) })
	pipe := s.rdb.Pipeline()
	ranks := make([]*redis.ZSliceCmd, len(sites))
	ready := make([]*redis.ZSliceCmd, len(sites))
	for i, site := range sites {
		ranks[i] = pipe.ZRangeWithScores(ctx, s.keys.ranking(site), 0, -1)
		ready[i] = pipe.ZRangeWithScores(ctx, s.keys.waiting(site), 0, -1)
	}
	if len(sites) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("read the reading lists: %w", err)
		}
	}
	var out []worklist.Waiting
	for i, site := range sites {
		readyAt := make(map[string]time.Time, len(ready[i].Val()))
		for _, z := range ready[i].Val() {
			acc, _ := z.Member.(string)
			readyAt[acc] = time.UnixMilli(int64(z.Score)).UTC()
		}
		for _, z := range ranks[i].Val() {
			acc, _ := z.Member.(string)
			band, due := triage.SplitScore(int64(z.Score))
			out = append(out, worklist.Waiting{Site: site, Accession: acc, Band: band, Due: due, ReadyAt: readyAt[acc]})
		}
	}
	return out, nil
}
