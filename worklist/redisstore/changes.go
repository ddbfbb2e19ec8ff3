package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/worklist"
)

// Position returns the ID of the newest change of site, "0-0" when none.
// Read it before a snapshot: changes after it may be in the snapshot too,
// and are told apart by study version.
func (s *Store) Position(ctx context.Context, site string) (string, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.keys.changes(site), "+", "-", 1).Result()
	if err != nil {
		return "", fmt.Errorf("read change position: %w", err)
	}
	if len(msgs) == 0 {
		return "0-0", nil
	}
	return msgs[0].ID, nil
}

// ChangesSince returns up to count changes of site after position after,
// or worklist.ErrGone when some of them were trimmed away.
func (s *Store) ChangesSince(ctx context.Context, site, after string, count int64) ([]worklist.Change, error) {
	key := s.keys.changes(site)
	if !worklist.ValidPosition(after) {
		return nil, fmt.Errorf("%w: position %q is not a stream ID", worklist.ErrInvalid, after)
	}
	if after != "0-0" && after != "0" {
		gone, err := s.trimmedAfter(ctx, key, after)
		if err != nil {
			return nil, err
		}
		if gone {
			return nil, worklist.ErrGone
		}
	}
	msgs, err := s.rdb.XRangeN(ctx, key, "("+after, "+", count).Result()
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	return s.decodeChanges(ctx, site, msgs)
}

// trimmedAfter reports whether the stream may have lost entries newer
// than after. Trimming removes the oldest entries first, so nothing newer
// than after is lost while after itself is kept; once after is gone and
// the oldest kept entry is newer, entries in between may be lost too.
func (s *Store) trimmedAfter(ctx context.Context, key, after string) (bool, error) {
	pipe := s.rdb.Pipeline()
	self := pipe.XRangeN(ctx, key, after, after, 1)
	first := pipe.XRangeN(ctx, key, "-", "+", 1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("read changes: %w", err)
	}
	if len(self.Val()) > 0 {
		return false, nil
	}
	f := first.Val()
	return len(f) > 0 && worklist.ComparePositions(f[0].ID, after) > 0, nil
}

// WaitChanges blocks up to block for changes of the sites after their
// positions (site -> stream ID) and returns them.
//
// On a standalone Redis (or behind Sentinel) it is one blocking XREAD over
// every site's stream. On Redis Cluster the sites' streams live on
// different slots, which one XREAD cannot span, and a blocking read per
// site would hold a connection each; there it reads every site's stream
// in one pipeline (which the cluster client spreads over the nodes), then
// reads a site's stream again as soon as a change of it is announced (the
// doorbell), and every site's every ClusterPoll in case an announcement
// was lost, until a change comes or block has passed.
func (s *Store) WaitChanges(ctx context.Context, positions map[string]string, count int64, block time.Duration) ([]worklist.Change, error) {
	if len(positions) == 0 {
		return nil, nil
	}
	if _, ok := s.rdb.(*redis.ClusterClient); ok {
		return s.waitClusterChanges(ctx, positions, count, block)
	}
	streams := make([]string, 0, 2*len(positions))
	sites := make([]string, 0, len(positions))
	for site := range positions {
		sites = append(sites, site)
		streams = append(streams, s.keys.changes(site))
	}
	for _, site := range sites {
		streams = append(streams, positions[site])
	}
	res, err := s.rdb.XRead(ctx, &redis.XReadArgs{Streams: streams, Count: count, Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wait for changes: %w", err)
	}
	return s.decodeStreams(ctx, res)
}

const (
	// clusterPoll is how often WaitChanges reads every site's stream on
	// Redis Cluster while it listens for announced changes;
	// clusterPollAlone while it cannot (Options.NoAnnouncements, or the
	// subscription failed).
	clusterPoll      = time.Second
	clusterPollAlone = 100 * time.Millisecond
)

func (s *Store) waitClusterChanges(ctx context.Context, positions map[string]string, count int64, block time.Duration) ([]worklist.Change, error) {
	var (
		w     *bellWaiter
		wake  <-chan struct{} // nil: never rings
		every = cmp.Or(s.opts.ClusterPoll, clusterPollAlone)
	)
	if s.bell != nil {
		// Listen before the first read: a change written after that read
		// is announced to this waiter.
		var err error
		switch w, err = s.bell.listen(ctx); {
		case err == nil:
			defer s.bell.leave(w)
			wake, every = w.wake, cmp.Or(s.opts.ClusterPoll, clusterPoll)
		case ctx.Err() != nil:
			return nil, ctx.Err()
		default:
			s.opts.Logger.Warn("change feed: not listening for announced changes; polling", "err", err)
		}
	}
	poll := time.NewTicker(every)
	defer poll.Stop()
	end := time.NewTimer(block)
	defer end.Stop()
	read := positions
	for {
		got, err := s.readStreams(ctx, read, count)
		if err != nil || len(got) > 0 {
			return got, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-end.C:
			return nil, nil
		case <-poll.C:
			read = positions
		case <-wake:
			read = s.bell.take(w, positions)
		}
	}
}

// readStreams reads the changes of the sites after their positions, in
// one pipeline of an XREAD per site (without blocking).
func (s *Store) readStreams(ctx context.Context, positions map[string]string, count int64) ([]worklist.Change, error) {
	if len(positions) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.XStreamSliceCmd, 0, len(positions))
	for site, pos := range positions {
		cmds = append(cmds, pipe.XRead(ctx, &redis.XReadArgs{
			Streams: []string{s.keys.changes(site), pos}, Count: count, Block: -1}))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("wait for changes: %w", err)
	}
	var res []redis.XStream
	for _, c := range cmds {
		res = append(res, c.Val()...)
	}
	if len(res) == 0 {
		return nil, nil
	}
	return s.decodeStreams(ctx, res)
}

func (s *Store) decodeStreams(ctx context.Context, res []redis.XStream) ([]worklist.Change, error) {
	var out []worklist.Change
	for _, st := range res {
		site := siteOfKey(st.Stream, s.keys.prefix)
		cs, err := s.decodeChanges(ctx, site, st.Messages)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// decodeChanges reads stream entries and the studies they name, in one
// round trip. An entry records only which study changed: each change
// carries the study as it is now, so a reader converges on the current
// list however many changes it reads at once (changes of one study read
// together carry the same study). Each study is re-ranked at the store's
// clock, as Get and List do, so that its reasons ("waiting 3 h") are
// current when a panel shows them.
func (s *Store) decodeChanges(ctx context.Context, site string, msgs []redis.XMessage) ([]worklist.Change, error) {
	out := make([]worklist.Change, 0, len(msgs))
	reads := make(map[string]*redis.SliceCmd, len(msgs))
	pipe := s.rdb.Pipeline()
	for _, m := range msgs {
		c := worklist.Change{Site: site, ID: m.ID}
		k, _ := m.Values["k"].(string)
		c.Kind = worklist.ChangeKind(k)
		c.Accession, _ = m.Values["a"].(string)
		v, _ := m.Values["v"].(string)
		c.Version, _ = strconv.ParseInt(v, 10, 64)
		if _, ok := reads[c.Accession]; !ok && c.Accession != "" {
			reads[c.Accession] = pipe.HMGet(ctx, s.keys.study(site, c.Accession), "d")
		}
		out = append(out, c)
	}
	if len(reads) == 0 {
		return out, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read changed studies: %w", err)
	}
	rules, now := s.rules.Load(), s.opts.Now()
	studies := make(map[string]*worklist.Study, len(reads))
	for acc, cmd := range reads {
		vals := cmd.Val()
		d, ok := "", len(vals) == 1
		if ok {
			d, ok = vals[0].(string)
		}
		if !ok {
			continue // the study is gone: the change stays a removal
		}
		st := new(worklist.Study)
		if err := unmarshalStudy([]byte(d), st); err != nil {
			return nil, fmt.Errorf("read changed study: %w", err)
		}
		st.Rerank(rules, now)
		studies[acc] = st
	}
	for i := range out {
		st, ok := studies[out[i].Accession]
		if !ok {
			out[i].Kind = worklist.ChangeRemove
			continue
		}
		out[i].Study, out[i].Version, out[i].Kind = st, st.Version, worklist.ChangeRemove
		if st.OnList {
			out[i].Kind = worklist.ChangeUpsert
		}
	}
	return out, nil
}

// siteOfKey returns the site in a key "prefix{site}:...".
func siteOfKey(key, prefix string) string {
	key = strings.TrimPrefix(key, prefix)
	if i := strings.IndexByte(key, '}'); len(key) > 0 && key[0] == '{' && i > 0 {
		return key[1:i]
	}
	return ""
}
