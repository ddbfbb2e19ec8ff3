package redisstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// TestImportTurnarounds: imported records read back as they were, once
// each however often imported, from the day their study closed; a record
// past the retention is left out, and one of an open study refused.
func TestImportTurnarounds(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	h := time.Hour
	rec := func(site, acc string, reported time.Time) worklist.Turnaround {
		return worklist.Turnaround{Site: site, Accession: acc, Version: 4, Status: worklist.StatusFinal, Modality: "CT",
			Priority: "R", Band: triage.Routine, Reader: "dr. Jansen", OrderedAt: reported.Add(-3 * h),
			CompletedAt: reported.Add(-2 * h), ReportedAt: reported, Due: reported.Add(h),
			AI: []worklist.AIOutcome{{Algorithm: "aidoc-pe", Version: "2.1", Positive: true, Band: triage.Critical,
				At: reported.Add(-h), FlagAt: reported.Add(-h), Agree: 1}}}
	}
	facts := []worklist.Turnaround{
		rec("ZHWEST", "H1", t0.Add(-30*24*h)),
		rec("ZHWEST", "H2", t0.Add(-2*h)),
		rec("HISTORIC", "H3", t0.Add(-24*h)),
		rec("ZHWEST", "OLD", t0.Add(-500*24*h)),
	}
	facts[1].FirstFlagAt = facts[1].AI[0].FlagAt
	for range 2 {
		if err := s.ImportTurnarounds(ctx, facts); err != nil {
			t.Fatal(err)
		}
	}
	got := turnarounds(t, s, t0.Add(-600*24*h), t0.Add(h))
	if len(got) != 3 {
		t.Fatalf("%d records, want 3 (the old one past the retention left out): %v", len(got), got)
	}
	for _, want := range facts[:3] {
		g := got[want.Site+"/"+want.Accession]
		if !g.ReportedAt.Equal(want.ReportedAt) || !g.FirstFlagAt.Equal(want.FirstFlagAt) || g.Reader != want.Reader ||
			len(g.AI) != 1 || g.AI[0].Agree != 1 || g.Band != triage.Routine {
			t.Errorf("%s read back as %+v, want %+v", want.Accession, g, want)
		}
	}
	if sites, _ := s.Sites(ctx); len(sites) != 2 {
		t.Errorf("sites %v, want HISTORIC and ZHWEST", sites)
	}
	open := rec("ZHWEST", "W26000999", t0)
	open.Status = worklist.StatusCompleted
	// Refused, and the error names the record without its accession number.
	for name, r := range map[string]worklist.Turnaround{"open": open, "braces": rec("ZHWEST", "W{26000998}", t0)} {
		err := s.ImportTurnarounds(ctx, []worklist.Turnaround{r})
		if !errors.Is(err, worklist.ErrInvalid) || strings.Contains(err.Error(), "2600099") || !strings.Contains(err.Error(), "record 0") {
			t.Errorf("%s: %v, want ErrInvalid naming record 0, not the accession number", name, err)
		}
	}
}
