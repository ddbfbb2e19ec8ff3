package redisstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// getCounter counts the GET commands a client sends: the reads of whole
// days of turnaround records.
type getCounter struct{ n atomic.Int64 }

func (g *getCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (g *getCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		g.count(cmd)
		return next(ctx, cmd)
	}
}

func (g *getCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			g.count(c)
		}
		return next(ctx, cmds)
	}
}

func (g *getCounter) count(cmd redis.Cmder) {
	if cmd.Name() == "get" {
		g.n.Add(1)
	}
}

// TestWarmTurnarounds: an instance that read the records ahead answers
// the statistics without reading a day again; a day another instance
// appended to is read again (and only that day), so no instance serves
// stale figures.
func TestWarmTurnarounds(t *testing.T) {
	a, _ := newTestStore(t)
	gets := &getCounter{}
	a.rdb.AddHook(gets)
	b := New(a.rdb, a.opts) // another instance on the same Redis
	ctx := context.Background()
	rec := func(site, acc string, reported time.Time) worklist.Turnaround {
		return worklist.Turnaround{Site: site, Accession: acc, Version: 3, Status: worklist.StatusFinal, Modality: "CT",
			Band: triage.Routine, CompletedAt: reported.Add(-time.Hour), ReportedAt: reported}
	}
	day := 24 * time.Hour
	if err := a.ImportTurnarounds(ctx, []worklist.Turnaround{
		rec("ZHWEST", "A1", t0.Add(-3*day)), rec("ZHWEST", "A2", t0.Add(-2*day)), rec("ZHOOST", "A3", t0.Add(-2*day)),
	}); err != nil {
		t.Fatal(err)
	}
	n, err := a.WarmTurnarounds(ctx)
	if err != nil || n != 3 {
		t.Fatalf("read ahead %d records (%v), want 3", n, err)
	}
	read := func(want int) {
		t.Helper()
		facts, err := a.Turnarounds(ctx, nil, t0.Add(-10*day), t0)
		if err != nil || facts.Len() != want {
			t.Fatalf("%d records (%v), want %d", facts.Len(), err, want)
		}
	}
	gets.n.Store(0)
	read(3)
	if n := gets.n.Load(); n != 0 {
		t.Errorf("a read after the read ahead sent %d GETs, want none", n)
	}
	// Another instance closes a study on one of the days.
	if err := b.ImportTurnarounds(ctx, []worklist.Turnaround{rec("ZHWEST", "B1", t0.Add(-2*day+time.Hour))}); err != nil {
		t.Fatal(err)
	}
	gets.n.Store(0)
	read(4)
	if n := gets.n.Load(); n != 1 {
		t.Errorf("after another instance appended to one day: %d GETs, want 1", n)
	}
}

// TestTurnaroundsManyDays: a cold read of a season, its days decoded side
// by side, gives every record once, the same as read again warm.
func TestTurnaroundsManyDays(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	var facts []worklist.Turnaround
	for d := range 120 {
		for _, site := range []string{"ZHWEST", "ZHOOST"} {
			at := t0.Add(-time.Duration(d)*24*time.Hour - time.Hour)
			facts = append(facts, worklist.Turnaround{Site: site, Accession: fmt.Sprintf("S%03d", d), Version: 1,
				Status: worklist.StatusFinal, Band: triage.Routine, CompletedAt: at.Add(-time.Hour), ReportedAt: at})
		}
	}
	if err := s.ImportTurnarounds(ctx, facts); err != nil {
		t.Fatal(err)
	}
	for _, read := range []string{"cold", "warm"} {
		got, err := s.Turnarounds(ctx, nil, t0.Add(-200*24*time.Hour), t0)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for r := range got.All() {
			k := r.Site + "/" + r.Accession
			if seen[k] {
				t.Errorf("%s: %s twice", read, k)
			}
			seen[k] = true
		}
		if len(seen) != len(facts) {
			t.Errorf("%s: %d records, want %d", read, len(seen), len(facts))
		}
	}
}
