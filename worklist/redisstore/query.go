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

// Get returns a study, re-ranked at the store's clock so that its reasons
// ("waiting 3 h") are current. A study that does not exist is worklist.ErrNotFound.
func (s *Store) Get(ctx context.Context, site, acc string) (*worklist.Study, error) {
	if !validID(site) || !validID(acc) {
		return nil, fmt.Errorf("%w: no such study", worklist.ErrNotFound)
	}
	data, err := s.rdb.HGet(ctx, s.keys.study(site, acc), "d").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: no such study", worklist.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get study: %w", err)
	}
	var st worklist.Study
	if err := unmarshalStudy(data, &st); err != nil {
		return nil, fmt.Errorf("get study: %w", err)
	}
	st.Rerank(s.rules.Load(), s.opts.Now())
	return &st, nil
}

// Sites returns the sites the store has seen, sorted.
func (s *Store) Sites(ctx context.Context) ([]string, error) {
	sites, err := s.rdb.SMembers(ctx, s.keys.sites()).Result()
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	slices.Sort(sites)
	return sites, nil
}

// List returns the studies waiting to be read, in reading order (band,
// then due time, then site and accession), re-ranked for display.
func (s *Store) List(ctx context.Context, q worklist.Query) (worklist.Page, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	q.Offset = max(q.Offset, 0)
	sites := q.Sites
	if len(sites) == 0 {
		var err error
		if sites, err = s.Sites(ctx); err != nil {
			return worklist.Page{}, err
		}
	}
	sites = slices.DeleteFunc(slices.Clone(sites), func(s string) bool { return !validID(s) })
	lo, hi := "-inf", "+inf"
	if q.Band != 0 {
		lo = fmt.Sprint(triage.Score(triage.Rank{Band: q.Band, Due: time.Unix(0, 0)}))
		// Score caps due times far ahead at the band's highest score.
		hi = fmt.Sprint(triage.Score(triage.Rank{Band: q.Band, Due: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}))
	}
	want := q.Offset + q.Limit + 1 // one more tells whether there is more
	// Each site's share of the page, twice over, is read first: sites
	// that hold more of the page are read again as the merge needs them.
	chunk := int64(min(want, max(16, 2*want/max(1, len(sites)))))
	if q.Filtered() {
		chunk = int64(max(want, 64)) // filters drop studies: read ahead
	}
	l := &lister{s: s, q: q, sites: sites, min: lo, max: hi, chunk: chunk,
		cursor: make([]int64, len(sites)), done: make([]bool, len(sites))}
	page := worklist.Page{}
	total, err := l.total(ctx)
	if err != nil {
		return worklist.Page{}, err
	}
	page.Total = total
	var matched []*worklist.Study
	for len(matched) < want {
		batch, err := l.next(ctx, want-len(matched))
		if err != nil {
			return worklist.Page{}, err
		}
		if batch == nil {
			break
		}
		for _, st := range batch {
			if l.keep(st) {
				matched = append(matched, st)
			}
		}
	}
	now := s.opts.Now()
	rules := s.rules.Load()
	if q.Offset < len(matched) {
		end := min(len(matched), q.Offset+q.Limit)
		page.Studies = matched[q.Offset:end]
	}
	page.More = len(matched) > q.Offset+q.Limit
	for _, st := range page.Studies {
		st.Rerank(rules, now)
	}
	if page.Studies == nil {
		page.Studies = []*worklist.Study{}
	}
	return page, nil
}

// lister merges the rankings of several sites in reading order, a chunk
// at a time.
type lister struct {
	s        *Store
	q        worklist.Query
	sites    []string
	min, max string
	chunk    int64
	cursor   []int64
	done     []bool
	heads    []worklist.Place // loaded, not yet emitted, in reading order
	last     []int64          // the last score loaded per site
}

func (l *lister) total(ctx context.Context) (int64, error) {
	pipe := l.s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(l.sites))
	for i, site := range l.sites {
		cmds[i] = pipe.ZCount(ctx, l.s.keys.ranking(site), l.min, l.max)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("count worklist: %w", err)
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}

// next returns up to need next studies in reading order, or nil at the end.
func (l *lister) next(ctx context.Context, need int) ([]*worklist.Study, error) {
	if l.last == nil {
		l.last = make([]int64, len(l.sites))
	}
	// Load a chunk for every site that has nothing loaded beyond the heads.
	pipe := l.s.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, len(l.sites))
	for i, site := range l.sites {
		if l.done[i] || l.hasHead(site) {
			continue
		}
		cmds[i] = pipe.ZRangeByScoreWithScores(ctx, l.s.keys.ranking(site), &redis.ZRangeBy{
			Min: l.min, Max: l.max, Offset: l.cursor[i], Count: l.chunk})
	}
	if pipe.Len() > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("read worklist: %w", err)
		}
	}
	for i, c := range cmds {
		if c == nil {
			continue
		}
		zs := c.Val()
		l.cursor[i] += int64(len(zs))
		if int64(len(zs)) < l.chunk {
			l.done[i] = true
		}
		for _, z := range zs {
			acc, _ := z.Member.(string)
			// Scores are integers below 2^53: the float64 holds them exactly.
			l.heads = append(l.heads, worklist.Place{Score: int64(z.Score), Site: l.sites[i], Accession: acc})
		}
		if len(zs) > 0 {
			l.last[i] = int64(zs[len(zs)-1].Score)
		}
	}
	if len(l.heads) == 0 {
		return nil, nil
	}
	slices.SortFunc(l.heads, worklist.Place.Compare)
	// Emit what is certainly in order: up to the lowest last-loaded score of
	// the sites that may hold more.
	limit := len(l.heads)
	for i := range l.sites {
		if l.done[i] {
			continue
		}
		bound := worklist.Place{Score: l.last[i], Site: l.sites[i], Accession: "\U0010FFFF"}
		k, _ := slices.BinarySearchFunc(l.heads, bound, worklist.Place.Compare)
		limit = min(limit, k)
	}
	limit = min(limit, need)
	emit := l.heads[:limit]
	l.heads = slices.Clone(l.heads[limit:])
	return l.load(ctx, emit)
}

func (l *lister) hasHead(site string) bool {
	for _, h := range l.heads {
		if h.Site == site {
			return true
		}
	}
	return false
}

// load reads the studies of entries, skipping any that vanished meanwhile.
func (l *lister) load(ctx context.Context, es []worklist.Place) ([]*worklist.Study, error) {
	pipe := l.s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(es))
	for i, e := range es {
		cmds[i] = pipe.HGet(ctx, l.s.keys.study(e.Site, e.Accession), "d")
	}
	if len(es) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("read studies: %w", err)
		}
	}
	out := make([]*worklist.Study, 0, len(es))
	for _, c := range cmds {
		b, err := c.Bytes()
		if err != nil {
			continue
		}
		st := new(worklist.Study)
		if err := unmarshalStudy(b, st); err != nil {
			return nil, fmt.Errorf("read study: %w", err)
		}
		if st.OnList {
			out = append(out, st)
		}
	}
	return out, nil
}

func (l *lister) keep(st *worklist.Study) bool { return l.q.Keeps(st, l.s.opts.Now()) }
