package redisstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// Turnarounds returns the turnaround records of the studies of sites (all
// sites when empty) that closed in [from, to): one per study, its latest.
// The records of a site and day are one string, only ever appended to, so
// a day's length says whether it changed: the store keeps the days it
// decoded (dayCache) and asks Redis only for their lengths, in one round
// trip, reading and decoding again only the days that grew (or are new).
// Safe with several instances: each checks the lengths in Redis, where
// every instance appends. The records returned are the cache's own, in a
// part a site and day (no copy of a year's records for every query):
// read them, never change them.
func (s *Store) Turnarounds(ctx context.Context, sites []string, from, to time.Time) (worklist.Facts, error) {
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
	keys := make([]string, 0, len(sites)*len(days))
	for _, site := range sites {
		for _, day := range days {
			keys = append(keys, s.keys.facts(site, day))
		}
	}
	got, err := s.readDays(ctx, keys, func(i int) string { return sites[i/len(days)] })
	if err != nil {
		return nil, err
	}
	out := make(worklist.Facts, 0, len(got))
	for i, d := range got {
		// The first and last day hold records outside the period: those
		// in it are copied, the cached day stays whole.
		if i%len(days) == 0 || i%len(days) == len(days)-1 {
			var in []worklist.Turnaround
			for _, t := range d {
				if c := t.ClosedAt(); !c.Before(from) && c.Before(to) {
					in = append(in, t)
				}
			}
			d = in
		}
		if len(d) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// WarmTurnarounds reads (and so decodes and keeps) the turnaround
// records of the whole retention period, and returns how many there are:
// called when an instance starts, it makes a manager's first query of
// the statistics as quick as every later one, instead of the one that
// decodes a year.
func (s *Store) WarmTurnarounds(ctx context.Context) (int, error) {
	facts, err := s.Turnarounds(ctx, nil, time.Time{}, s.opts.Now().Add(31*24*time.Hour))
	return facts.Len(), err
}

// readDays returns the decoded records of each day key, from the cache
// when the day's length in Redis is the one decoded, else read and
// decoded (and cached); site(i) is the site of keys[i].
func (s *Store) readDays(ctx context.Context, keys []string, site func(i int) string) ([][]worklist.Turnaround, error) {
	out := make([][]worklist.Turnaround, len(keys))
	pipe := s.rdb.Pipeline()
	lens := make([]*redis.IntCmd, len(keys))
	for i, k := range keys {
		lens[i] = pipe.StrLen(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read turnaround records: %w", err)
	}
	var stale []int
	for i, k := range keys {
		n := lens[i].Val()
		if n == 0 {
			continue
		}
		if d, ok := s.days.get(k, n); ok {
			out[i] = d
			continue
		}
		stale = append(stale, i)
	}
	if len(stale) == 0 {
		return out, nil
	}
	gets := make([]*redis.StringCmd, len(stale))
	for j, i := range stale {
		gets[j] = pipe.Get(ctx, keys[i])
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read turnaround records: %w", err)
	}
	// The days decode apart, so a cold read of a year (a fresh instance's
	// read-ahead) decodes on every core, each worker with a decoder of
	// its own, taking every workers-th day.
	workers := max(1, min(runtime.GOMAXPROCS(0), 4, len(stale)/32))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			d := newFactDecoder()
			for j := w; j < len(stale); j += workers {
				i := stale[j]
				data, err := gets[j].Bytes()
				if errors.Is(err, redis.Nil) {
					continue // expired meanwhile
				}
				if err != nil {
					errs[w] = fmt.Errorf("read turnaround records: %w", err)
					return
				}
				d.site = site(i)
				day, err := d.decodeDay(data, nil)
				if err != nil {
					errs[w] = fmt.Errorf("read turnaround records of %s: %w", d.site, err)
					return
				}
				day = slices.Clip(day)
				s.days.put(keys[i], int64(len(data)), day)
				out[i] = day
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
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
