package redisstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/voorrang/voorrang/worklist"
)

// maxDeadLetters bounds the dead-letter list; the oldest go first.
const maxDeadLetters = 10_000

// AddDeadLetter keeps a refused message: its head, size and hash when it
// is larger than worklist.MaxDeadLetterHead.
func (s *Store) AddDeadLetter(ctx context.Context, d worklist.DeadLetter) error {
	if d.At.IsZero() {
		d.At = s.opts.Now()
	}
	d = d.Capped()
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode dead letter: %w", err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.LPush(ctx, s.keys.deadLetters(), data)
	pipe.LTrim(ctx, s.keys.deadLetters(), 0, maxDeadLetters-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("keep dead letter: %w", err)
	}
	return nil
}

// deadLetterPageBytes bounds the messages of one page of DeadLetters, and
// deadLetterChunk how many are read at a time to stay near that bound.
const (
	deadLetterPageBytes = 1 << 20
	deadLetterChunk     = 8
)

// DeadLetters returns refused messages, newest first: from offset, at
// most limit of them and, past the first, at most about a megabyte of
// messages, so that a page of large messages cannot swell the service.
// The second result is how many there are in all.
func (s *Store) DeadLetters(ctx context.Context, offset, limit int) ([]worklist.DeadLetter, int64, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var out []worklist.DeadLetter
	var total int64
	size := 0
	for len(out) < limit && size < deadLetterPageBytes {
		from := int64(offset + len(out))
		n := min(deadLetterChunk, limit-len(out))
		pipe := s.rdb.Pipeline()
		r := pipe.LRange(ctx, s.keys.deadLetters(), from, from+int64(n)-1)
		count := pipe.LLen(ctx, s.keys.deadLetters())
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, 0, fmt.Errorf("read dead letters: %w", err)
		}
		total = count.Val()
		for _, raw := range r.Val() {
			if len(out) > 0 && size+len(raw) > deadLetterPageBytes {
				return out, total, nil
			}
			var d worklist.DeadLetter
			if err := json.Unmarshal([]byte(raw), &d); err != nil {
				return nil, 0, fmt.Errorf("read dead letter: %w", err)
			}
			out = append(out, d.Capped()) // kept before heads were: cut now
			size += len(raw)
		}
		if len(r.Val()) < n {
			break
		}
	}
	if out == nil {
		out = []worklist.DeadLetter{}
	}
	return out, total, nil
}
