package stats

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

func TestWilson(t *testing.T) {
	tests := []struct {
		k, n      int
		low, high float64
	}{
		{8, 10, 0.4902, 0.9433},
		{0, 5, 0, 0.4345},
		{5, 5, 0.5655, 1},
		{1, 2, 0.0945, 0.9055},
		{50, 100, 0.4038, 0.5962},
	}
	for _, tt := range tests {
		p := Wilson(tt.k, tt.n)
		if math.Abs(p.Low-tt.low) > 5e-5 || math.Abs(p.High-tt.high) > 5e-5 || p.Value != float64(tt.k)/float64(tt.n) {
			t.Errorf("Wilson(%d, %d) = %.4f [%.4f, %.4f], want [%.4f, %.4f]", tt.k, tt.n, p.Value, p.Low, p.High, tt.low, tt.high)
		}
	}
	if Wilson(0, 0) != nil {
		t.Error("Wilson(0, 0) is not nil")
	}
}

// aiFeed: aidoc-pe read six studies at ZHWEST and one at ZHOOST;
// lunit-cxr flagged one at ZHOOST (informational: no band).
func aiFeed() []worklist.Turnaround {
	m := time.Minute
	ready := at("2026-11-23 10:00")
	pe := func(positive bool, band triage.Band, agree, disagree, na int, discrepancy bool) func(*worklist.Turnaround) {
		return func(t *worklist.Turnaround) {
			o := worklist.AIOutcome{Algorithm: "aidoc-pe", Version: "2.1", Positive: positive, Band: band, At: ready,
				Agree: agree, Disagree: disagree, NotAssessable: na, Discrepancy: discrepancy}
			if positive {
				o.FlagAt = ready.Add(time.Minute)
				if discrepancy {
					o.FlagAt = t.ReportedAt.Add(time.Hour)
				} else {
					t.FirstFlagAt = o.FlagAt
				}
			}
			t.AI, t.FirstAIAt = append(t.AI, o), ready
			if band == triage.Critical {
				t.Band, t.Due = triage.Critical, ready.Add(30*m)
			}
		}
	}
	return []worklist.Turnaround{
		reported("ZHWEST", "S1", triage.Routine, ready, 20*m, pe(true, triage.Critical, 2, 0, 0, false)), // confirmed, in time
		reported("ZHWEST", "S2", triage.Routine, ready, 40*m, pe(true, triage.Critical, 0, 1, 0, false)), // refuted, late
		reported("ZHWEST", "S3", triage.Routine, ready, 120*m, pe(false, 0, 1, 0, 0, false)),             // unflagged
		reported("ZHWEST", "S4", triage.Routine, ready, 240*m, pe(false, 0, 0, 0, 0, false)),             // unflagged
		reported("ZHWEST", "S5", triage.Routine, ready, 180*m, pe(true, triage.Critical, 0, 0, 0, true)), // after the report
		reported("ZHWEST", "S6", triage.Routine, ready, 10*m, pe(true, triage.Critical, 1, 1, 1, false)), // a tie
		reported("ZHOOST", "O1", triage.Routine, ready, 60*m, pe(false, 0, 0, 0, 0, false)),
		reported("ZHOOST", "O2", triage.Routine, ready, 60*m, func(t *worklist.Turnaround) {
			t.AI = []worklist.AIOutcome{{Algorithm: "lunit-cxr", Version: "1", Positive: true, At: ready, FlagAt: ready, Agree: 1}}
			t.FirstAIAt, t.FirstFlagAt = ready, ready
		}),
		reported("ZHOOST", "N", triage.Routine, ready, 60*m, nil), // no AI
		{Site: "ZHOOST", Accession: "X", Status: worklist.StatusCancelled, AI: []worklist.AIOutcome{{Algorithm: "aidoc-pe"}}},
	}
}

func TestAIPerformances(t *testing.T) {
	rows := AIPerformances(worklist.Facts{aiFeed()}, Filter{}, &Calendar{})
	type row struct {
		Algorithm, Site                   string
		Results, Positive                 int
		Rate                              string
		Confirmed, Refuted, NotAssessable int
		PPV                               string
		Discrepancies                     int
		Flagged, Unflagged, Difference    any
		Critical, CriticalInTime          int
	}
	f := func(p *float64) string {
		if p == nil {
			return "-"
		}
		b, _ := json.Marshal(math.Round(*p*1000) / 1000)
		return string(b)
	}
	ppv := func(p *Proportion) string {
		if p == nil {
			return "-"
		}
		b, _ := json.Marshal([]float64{p.Value, math.Round(p.Low*1000) / 1000, math.Round(p.High*1000) / 1000, float64(p.N)})
		return string(b)
	}
	var got []row
	for _, p := range rows {
		got = append(got, row{p.Algorithm, p.Site, p.Results, p.Positive, f(p.PositiveRate), p.Confirmed, p.Refuted, p.NotAssessable,
			ppv(p.PPV), p.Discrepancies, secs(p.Flagged.Median), secs(p.Unflagged.Median), secs(p.Difference), p.Critical, p.CriticalInTime})
	}
	want := []row{
		// Flagged before the report: 20, 40, 10 min (median 20 min); unflagged 2 h, 4 h, 1 h (median 2 h).
		{"aidoc-pe", "all", 7, 4, "0.571", 1, 1, 1, "[0.5,0.095,0.905,2]", 1, int64(1200), int64(7200), int64(-6000), 3, 2},
		{"aidoc-pe", "ZHOOST", 1, 0, "0", 0, 0, 0, "-", 0, nil, int64(3600), nil, 0, 0},
		{"aidoc-pe", "ZHWEST", 6, 4, "0.667", 1, 1, 1, "[0.5,0.095,0.905,2]", 1, int64(1200), int64(10800), int64(-9600), 3, 2},
		{"lunit-cxr", "all", 1, 1, "1", 1, 0, 0, "[1,0.207,1,1]", 0, int64(3600), nil, nil, 0, 0},
		{"lunit-cxr", "ZHOOST", 1, 1, "1", 1, 0, 0, "[1,0.207,1,1]", 0, int64(3600), nil, nil, 0, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if crit := rows[0].CriticalShare; crit == nil || math.Abs(*crit-2.0/3) > 1e-9 {
		t.Errorf("critical share %v, want 2/3", crit)
	}
	if len(AIPerformances(nil, Filter{}, &Calendar{})) != 0 {
		t.Error("rows without records")
	}
}
