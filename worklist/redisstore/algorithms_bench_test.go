package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// BenchmarkModeSwitch measures a mode switch from the admin's request to
// the moment a second instance ranks by it: the change (record, version,
// history), the first instance re-ranking the 100 open studies that hold
// the algorithm's results, and the second instance hearing of it
// (WatchRules). Its baseline, BenchmarkModeSwitch/redis-get, is
// one GET round trip of the same Redis; the bar is under a second.
func BenchmarkModeSwitch(b *testing.B) {
	rdb := redistest.Client(b)
	prefix := redistest.Prefix(b, rdb)
	clk := &clock{t: t0}
	a := New(rdb, Options{Prefix: prefix, Now: clk.Now})
	other := New(redistest.Client(b), Options{Prefix: prefix, Now: clk.Now})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		other.WatchRules(ctx, 0)
	}()
	defer func() { cancel(); <-done }()
	for i := range 100 {
		acc := fmt.Sprintf("W%03d", i)
		if _, err := a.Apply(ctx, order(worklist.ExamCompleted, "ZHWEST", acc, t0, nil), nil); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Apply(ctx, snomedPE("ZHWEST", acc, "nl-"+acc, 0.9), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("redis-get", func(b *testing.B) {
		for b.Loop() {
			rdb.Get(ctx, prefix+"nothing")
		}
	})
	b.Run("switch", func(b *testing.B) {
		modes := []triage.Mode{triage.Prioritise, triage.DisplayOnly}
		i := 0
		for b.Loop() {
			i++
			ch, err := a.ChangeAlgorithm(ctx, "nordlicht-ctpa", "bench", worklist.AlgorithmPatch{Approved: ptr(true), Mode: ptr(modes[i%2]), Why: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			for other.Rules().PoliciesVersion() != ch.Version {
				time.Sleep(time.Millisecond)
			}
		}
	})
}
