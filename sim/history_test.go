package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/voorrang/voorrang/stats"
	"github.com/voorrang/voorrang/worklist"
)

// TestHistory: the synthetic history is the same for the same seed, has
// the volumes asked, and its pilot is one the evaluation scales up.
func TestHistory(t *testing.T) {
	zone := amsterdam
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, zone)
	opts := HistoryOptions{Seed: 3, From: start.AddDate(0, 0, -56), To: start.AddDate(0, 0, 28), Zone: zone, PilotStart: start}
	facts := History(opts)
	if again := History(opts); fmt.Sprint(again[:50]) != fmt.Sprint(facts[:50]) || len(again) != len(facts) {
		t.Error("the same options gave another history")
	}
	// 12 weeks of 5 × 150 + 2 × 75 studies a site, less the last 6 hours.
	if n := len(facts); n < 2*12*900*95/100 || n > 2*12*900 {
		t.Errorf("%d studies, want about %d", n, 2*12*900)
	}
	for _, f := range facts[:200] {
		if !f.Status.Closed() || f.ReportedAt.Before(f.CompletedAt) || f.Accession == "" {
			t.Fatalf("record %+v is not a reported study", f)
		}
	}
	p := DemoPilot(start, 56)
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	e := stats.Evaluate(&p, worklist.Facts{facts}, start.AddDate(0, 0, 28), &stats.Calendar{})
	if e.Verdict != stats.ScaleUp {
		t.Errorf("the demo pilot: %s; %v", e.Text, e.Reasons)
	}
}
