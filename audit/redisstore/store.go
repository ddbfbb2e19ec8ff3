// Package redisstore keeps Voorrang's audit trail in a Redis stream.
package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/audit"
)

// A Trail is the audit trail in one Redis stream. Entries older than the
// retention are trimmed as new ones are added. Safe for concurrent use,
// also by several service instances on one Redis.
type Trail struct {
	rdb       redis.UniversalClient
	key       string
	retention time.Duration
	now       func() time.Time
}

// Options tune a Trail; the zero value of each field is a sensible default.
type Options struct {
	// Prefix is put before the key, to separate trails in one database.
	Prefix string
	// Retention is how long entries are kept; zero means 400 days.
	Retention time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns the Trail on rdb.
func New(rdb redis.UniversalClient, opts Options) *Trail {
	if opts.Retention == 0 {
		opts.Retention = 400 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Trail{rdb: rdb, key: opts.Prefix + "{audit}:trail", retention: opts.Retention, now: opts.Now}
}

// Record appends e and trims entries older than the retention (exactly:
// the trail is small, and a test of the retention must see it). The
// stream ID is taken from e.At (milliseconds), so that the trail is in the
// order of the clock that stamped it, and reads by time need no scan.
func (t *Trail) Record(ctx context.Context, e audit.Entry) error {
	if err := e.Check(); err != nil {
		return err
	}
	e.ID = ""
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit: encode: %w", err)
	}
	minID := strconv.FormatInt(t.now().Add(-t.retention).UnixMilli(), 10)
	err = t.rdb.XAdd(ctx, &redis.XAddArgs{Stream: t.key, MinID: minID,
		ID: strconv.FormatInt(e.At.UnixMilli(), 10) + "-*", Values: []any{"e", data}}).Err()
	if err != nil && isIDTooSmall(err) {
		// An entry stamped earlier than the last one (another instance's
		// clock ahead of this one): let Redis choose the ID.
		err = t.rdb.XAdd(ctx, &redis.XAddArgs{Stream: t.key, MinID: minID, Values: []any{"e", data}}).Err()
	}
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

func isIDTooSmall(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.Contains(re.Error(), "equal or smaller")
}

// Entries returns the entries of q, oldest first, and the ID to pass as
// After for the next page ("" when there is none).
func (t *Trail) Entries(ctx context.Context, q audit.Query) ([]audit.Entry, string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	start, end := "-", "+"
	if !q.From.IsZero() {
		start = strconv.FormatInt(q.From.UnixMilli(), 10)
	}
	if q.After != "" {
		if !validID(q.After) {
			return nil, "", fmt.Errorf("audit: after %q is not an entry ID", q.After)
		}
		start = "(" + q.After
	}
	if !q.To.IsZero() {
		end = "(" + strconv.FormatInt(q.To.UnixMilli(), 10)
	}
	out := []audit.Entry{}
	const batch = 500
	for len(out) < limit {
		msgs, err := t.rdb.XRangeN(ctx, t.key, start, end, batch).Result()
		if err != nil {
			return nil, "", fmt.Errorf("audit: read: %w", err)
		}
		for i, m := range msgs {
			e, err := decode(m)
			if err != nil {
				return nil, "", err
			}
			if (q.Actor == "" || e.Actor == q.Actor) && (q.Action == "" || e.Action == q.Action) {
				out = append(out, e)
			}
			if len(out) == limit {
				if i == len(msgs)-1 && len(msgs) < batch {
					return out, "", nil
				}
				return out, m.ID, nil
			}
		}
		if len(msgs) < batch {
			return out, "", nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	return out, "", nil
}

func decode(m redis.XMessage) (audit.Entry, error) {
	var e audit.Entry
	s, _ := m.Values["e"].(string)
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return e, fmt.Errorf("audit: decode %s: %w", m.ID, err)
	}
	e.ID = m.ID
	return e, nil
}

// validID reports whether s is a stream ID: digits, '-', digits.
func validID(s string) bool {
	dash := false
	if s == "" || len(s) > 41 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '-' && !dash && i > 0 && i < len(s)-1:
			dash = true
		default:
			return false
		}
	}
	return dash
}
