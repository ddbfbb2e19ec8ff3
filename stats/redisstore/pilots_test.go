package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/stats"
)

var t0 = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)

func newPilots(t *testing.T, now *time.Time) *Pilots {
	t.Helper()
	rdb := redistest.Client(t)
	return New(rdb, Options{Prefix: redistest.Prefix(t, rdb), Now: func() time.Time { return *now }})
}

func definition(id string, start time.Time) stats.Pilot {
	return stats.Pilot{ID: id, Name: "pilot " + id, Algorithm: "pe-detect", Sites: []string{"ZHWEST"}, Start: start,
		Primary: stats.Measure{Statistic: stats.StatMedian, AI: stats.AIPositive}, Expected: -30, Minimum: -10}
}

// frozenAt changes a pilot as the admin route does: a definition that
// has started stays as it is.
func frozenAt(now time.Time, next stats.Pilot) func(p *stats.Pilot, exists bool) error {
	return func(p *stats.Pilot, exists bool) error {
		if exists {
			if err := stats.CheckChange(p, &next, now); err != nil {
				return err
			}
		}
		*p = next
		return nil
	}
}

func TestPilots(t *testing.T) {
	ctx := context.Background()
	now := t0
	s := newPilots(t, &now)
	if _, err := s.Pilot(ctx, "pe"); !errors.Is(err, stats.ErrNoPilot) {
		t.Fatalf("an unknown pilot: %v, want ErrNoPilot", err)
	}
	start := t0.AddDate(0, 0, 7)
	p := definition("pe", start)
	if _, err := s.UpdatePilot(ctx, "pe", frozenAt(now, p)); err != nil {
		t.Fatal(err)
	}
	// Before the start it may change.
	now = t0.Add(time.Hour)
	p.Expected = -45
	got, err := s.UpdatePilot(ctx, "pe", frozenAt(now, p))
	if err != nil || got.Expected != -45 || !got.Created.Equal(t0) || !got.Changed.Equal(now) {
		t.Fatalf("changed before the start: %+v %v", got, err)
	}
	// After, not.
	now = start.Add(time.Hour)
	p.Expected = -60
	if _, err := s.UpdatePilot(ctx, "pe", frozenAt(now, p)); !errors.Is(err, stats.ErrFrozen) {
		t.Fatalf("changed after the start: %v, want ErrFrozen", err)
	}
	if got, _ := s.Pilot(ctx, "pe"); got.Expected != -45 {
		t.Errorf("stored expected %v after a refused change, want -45", got.Expected)
	}
	if _, err := s.UpdatePilot(ctx, "late", frozenAt(now, definition("late", t0))); err != nil {
		t.Fatal(err)
	}
	all, err := s.Pilots(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "pe" || all[1].ID != "late" {
		t.Errorf("pilots %+v %v, want pe (later start) then late", all, err)
	}
}

// TestPilotsConcurrent: changes at once from several instances are each
// applied on what the one before left.
func TestPilotsConcurrent(t *testing.T) {
	ctx := context.Background()
	now := t0
	s := newPilots(t, &now)
	if _, err := s.UpdatePilot(ctx, "pe", frozenAt(now, definition("pe", t0.AddDate(0, 0, 7)))); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdatePilot(ctx, "pe", func(p *stats.Pilot, _ bool) error {
				p.Sites = append(p.Sites, fmt.Sprintf("S%d", i))
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got, _ := s.Pilot(ctx, "pe"); len(got.Sites) != 9 {
		t.Errorf("sites %v, want ZHWEST and 8 more: a change was lost", got.Sites)
	}
}
