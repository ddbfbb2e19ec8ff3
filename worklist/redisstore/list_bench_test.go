package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// BenchmarkListFirstPage reads the first page of 5,000 open studies over
// 20 sites on the real Redis: merge, read and decode, re-rank.
func BenchmarkListFirstPage(b *testing.B) {
	s, _ := newTestStore(b)
	ctx := context.Background()
	for i := range 5000 {
		site := fmt.Sprintf("S%02d", i%20)
		e := order(worklist.ExamCompleted, site, fmt.Sprintf("X%05d", i), t0.Add(-time.Duration(i)*time.Minute), nil)
		if _, err := s.Apply(ctx, e, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.List(ctx, worklist.Query{Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}
