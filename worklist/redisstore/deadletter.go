package redisstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/voorrang/voorrang/worklist"
)

// maxDeadLetters bounds the dead-letter list; the oldest go first.
const maxDeadLetters = 10_000

// AddDeadLetter keeps a refused message.
func (s *Store) AddDeadLetter(ctx context.Context, d worklist.DeadLetter) error {
	if d.At.IsZero() {
		d.At = s.opts.Now()
	}
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

// DeadLetters returns refused messages, newest first.
func (s *Store) DeadLetters(ctx context.Context, offset, limit int) ([]worklist.DeadLetter, int64, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	pipe := s.rdb.Pipeline()
	r := pipe.LRange(ctx, s.keys.deadLetters(), int64(offset), int64(offset+limit-1))
	n := pipe.LLen(ctx, s.keys.deadLetters())
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, 0, fmt.Errorf("read dead letters: %w", err)
	}
	out := make([]worklist.DeadLetter, 0, len(r.Val()))
	for _, raw := range r.Val() {
		var d worklist.DeadLetter
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return nil, 0, fmt.Errorf("read dead letter: %w", err)
		}
		out = append(out, d)
	}
	return out, n.Val(), nil
}
