package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/worklist"
)

// addDiscrepancies keeps the discrepancies of one AI result (all of one
// study and result) on the site's list, once: a resend adds nothing, and
// counts each in its algorithm's registry entry.
func (s *Store) addDiscrepancies(ctx context.Context, ds []worklist.Discrepancy) error {
	if len(ds) == 0 {
		return nil
	}
	d := ds[0]
	data, err := json.Marshal(ds)
	if err != nil {
		return fmt.Errorf("encode discrepancy: %w", err)
	}
	added, err := s.rdb.HSetNX(ctx, s.keys.discrepancies(d.Site), d.Accession+"|"+d.ResultID, data).Result()
	if err != nil {
		return fmt.Errorf("keep discrepancy at %s: %w", d.Site, err)
	}
	if added && validID(d.Algorithm.ID) {
		if err := s.rdb.HIncrBy(ctx, s.keys.algorithmSeen(d.Algorithm.ID), "discrepancies", int64(len(ds))).Err(); err != nil {
			s.opts.Logger.Warn("registry: a discrepancy was not counted", "err", err)
		}
	}
	return nil
}

// Discrepancies returns the AI findings after the final report at the
// sites (every site when none are named), newest first; with open, only
// those nobody reviewed yet.
func (s *Store) Discrepancies(ctx context.Context, sites []string, open bool) ([]worklist.Discrepancy, error) {
	if len(sites) == 0 {
		var err error
		if sites, err = s.Sites(ctx); err != nil {
			return nil, err
		}
	}
	var out []worklist.Discrepancy
	for _, site := range sites {
		if !validID(site) {
			continue
		}
		raw, err := s.rdb.HGetAll(ctx, s.keys.discrepancies(site)).Result()
		if err != nil {
			return nil, fmt.Errorf("read discrepancies at %s: %w", site, err)
		}
		for _, v := range raw {
			var ds []worklist.Discrepancy
			if err := json.Unmarshal([]byte(v), &ds); err != nil {
				return nil, fmt.Errorf("read discrepancies at %s: %w", site, err)
			}
			for _, d := range ds {
				if !open || d.ReviewedBy == "" {
					out = append(out, d)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b worklist.Discrepancy) int {
		if c := b.ReceivedAt.Compare(a.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Accession+a.ResultID+a.Finding, b.Accession+b.ResultID+b.Finding)
	})
	return out, nil
}

// ReviewDiscrepancy records that by reviewed the discrepancies of the AI
// result resultID of a study, with a note; reviewing again replaces it.
func (s *Store) ReviewDiscrepancy(ctx context.Context, site, acc, resultID, by, note string) ([]worklist.Discrepancy, error) {
	if !validID(site) {
		return nil, fmt.Errorf("%w: no such discrepancy", worklist.ErrNotFound)
	}
	key, field := s.keys.discrepancies(site), acc+"|"+resultID
	for attempt := 0; attempt < maxAttempts; attempt++ {
		var ds []worklist.Discrepancy
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			raw, err := tx.HGet(ctx, key, field).Bytes()
			if errors.Is(err, redis.Nil) {
				return fmt.Errorf("%w: no such discrepancy", worklist.ErrNotFound)
			}
			if err != nil {
				return err
			}
			if err := json.Unmarshal(raw, &ds); err != nil {
				return err
			}
			now := s.opts.Now()
			for i := range ds {
				ds[i].ReviewedBy, ds[i].ReviewedAt, ds[i].Note = by, now, note
			}
			data, err := json.Marshal(ds)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, key, field, data)
				return nil
			})
			return err
		}, key)
		switch {
		case errors.Is(err, redis.TxFailedErr):
			continue
		case errors.Is(err, worklist.ErrNotFound):
			return nil, err
		case err != nil:
			return nil, fmt.Errorf("review discrepancy at %s: %w", site, err)
		}
		return ds, nil
	}
	return nil, fmt.Errorf("%w: the discrepancy changed while being reviewed; try again", worklist.ErrConflict)
}
