package redisstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// ImportTurnarounds adds the turnaround records of studies that closed
// before this store kept them: a department's history from an older
// system, the demo's, a benchmark's. Each record goes to the day its study
// closed and is kept for the retention from that day (a record already
// past it is left out); a study imported twice counts once, by its
// version, as any study's records do. It adds no study to any list.
func (s *Store) ImportTurnarounds(ctx context.Context, facts []worklist.Turnaround) error {
	type day struct {
		data   []byte
		expire time.Time
	}
	days := map[string]*day{}
	var sites []string
	oldest := s.opts.Now().Add(-s.opts.Retention)
	for i := range facts {
		t := &facts[i]
		closed := t.ClosedAt()
		switch {
		// Named by place, not accession number: no patient data in errors.
		case !validID(t.Site) || !validID(t.Accession):
			return fmt.Errorf("import turnaround records: %w: record %d: site and accession number must be 1 to 64 characters without braces", worklist.ErrInvalid, i)
		case !t.Status.Closed() || closed.IsZero():
			return fmt.Errorf("import turnaround records: %w: record %d (at %s) is not closed", worklist.ErrInvalid, i, t.Site)
		case closed.Before(oldest):
			continue
		}
		d := utcDay(closed)
		key := s.keys.facts(t.Site, d)
		if days[key] == nil {
			days[key] = &day{expire: d.Add(24*time.Hour + s.opts.Retention)}
		}
		days[key].data = appendFact(days[key].data, t, closed)
		if !slices.Contains(sites, t.Site) {
			sites = append(sites, t.Site)
		}
	}
	pipe := s.rdb.Pipeline()
	for key, d := range days {
		pipe.Append(ctx, key, string(d.data))
		pipe.PExpireAt(ctx, key, d.expire)
		if pipe.Len() >= 1000 {
			if _, err := pipe.Exec(ctx); err != nil {
				return fmt.Errorf("import turnaround records: %w", err)
			}
		}
	}
	for _, site := range sites {
		pipe.SAdd(ctx, s.keys.sites(), site)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("import turnaround records: %w", err)
	}
	return nil
}
