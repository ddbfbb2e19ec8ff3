package ui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// seedReports seeds the corpus, the PE found in W26000101 (received at
// 12:30) and four final reports; W26000106 and E26000202 still wait.
func seedReports(t *testing.T, s *Server, store *redisstore.Store) {
	t.Helper()
	seed(t, store)
	postAI(t, s, "pe_positive.json")
	for _, r := range []struct {
		site, acc string
		at        time.Time
	}{
		{"ZHOOST", "E26000201", at(8, 0, 0)},   // 15 min after the exam; due 08:15
		{"ZHWEST", "W26000107", at(9, 55, 0)},  // 2 h; due 08:55
		{"ZHWEST", "W26000103", at(12, 5, 0)},  // 3 h; due in 72 h
		{"ZHWEST", "W26000101", at(12, 40, 0)}, // 3 h 49 min 5 s; flagged at 12:30, due 09:20:55
	} {
		mustApply(t, store, worklist.Event{Kind: worklist.ReportFinal, Site: r.site, Accession: r.acc, At: r.at,
			Source: "HIS|" + r.site + "|rep-" + r.acc, Report: &worklist.Report{Reader: "dr. Jansen"}})
	}
}

func TestStatsTurnaround(t *testing.T) {
	s, store := newTestServer(t)
	seedReports(t, s, store)
	var got struct {
		Period     period
		Turnaround struct {
			All    map[string]any
			Groups []map[string]any
		}
	}
	do(t, s, "GET", "/api/v1/stats/turnaround?from=2026-11-23&to=2026-11-23&by=band", nil).wantOK(t, 200, &got)
	if got.Period.TimeZone != "Europe/Amsterdam" || !got.Period.From.Equal(time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC)) ||
		!got.Period.To.Equal(time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("period %+v, want 23 November in Amsterdam", got.Period)
	}
	// 900, 7200, 10800, 13745 s
	row := func(m map[string]any) string {
		b, _ := json.Marshal(m)
		return string(b)
	}
	if want := `{"max":13745,"median":9000,"n":4,"p90":12862,"p95":13303}`; row(got.Turnaround.All) != want {
		t.Errorf("all %s, want %s", row(got.Turnaround.All), want)
	}
	wantGroups := []string{
		`{"key":"critical","max":13745,"median":13745,"n":1,"p90":13745,"p95":13745}`,
		`{"key":"urgent","max":7200,"median":4050,"n":2,"p90":6570,"p95":6885}`,
		`{"key":"routine","max":10800,"median":10800,"n":1,"p90":10800,"p95":10800}`,
	}
	for i, g := range got.Turnaround.Groups {
		if i >= len(wantGroups) || row(g) != wantGroups[i] {
			t.Errorf("group %d %s, want %v", i, row(g), wantGroups)
		}
	}

	// AI flag → final: only W26000101, 10 min.
	do(t, s, "GET", "/api/v1/stats/turnaround?from=2026-11-23&to=2026-11-23&interval=flag-final", nil).wantOK(t, 200, &got)
	if row(got.Turnaround.All) != `{"max":600,"median":600,"n":1,"p90":600,"p95":600}` {
		t.Errorf("flag-final %s", row(got.Turnaround.All))
	}
	// The day before: nothing.
	do(t, s, "GET", "/api/v1/stats/turnaround?from=2026-11-22&to=2026-11-22", nil).wantOK(t, 200, &got)
	if row(got.Turnaround.All) != `{"max":null,"median":null,"n":0,"p90":null,"p95":null}` {
		t.Errorf("22 November %s", row(got.Turnaround.All))
	}
	// One site, filtered.
	do(t, s, "GET", "/api/v1/stats/turnaround?from=2026-11-23&to=2026-11-23&site=ZHOOST", nil).wantOK(t, 200, &got)
	if row(got.Turnaround.All) != `{"max":900,"median":900,"n":1,"p90":900,"p95":900}` {
		t.Errorf("ZHOOST %s", row(got.Turnaround.All))
	}
	do(t, s, "GET", "/api/v1/stats/turnaround?from=2026-11-23&to=2026-11-23&modality=DX&ai=none", nil).wantOK(t, 200, &got)
	if row(got.Turnaround.All) != `{"max":7200,"median":7200,"n":1,"p90":7200,"p95":7200}` {
		t.Errorf("DX without AI %s", row(got.Turnaround.All))
	}
}

func TestStatsOverview(t *testing.T) {
	s, store := newTestServer(t)
	seedReports(t, s, store)
	r := do(t, s, "GET", "/api/v1/stats/overview?from=2026-11-23&to=2026-11-23", nil)
	var got struct {
		Sites      []string
		Compliance struct {
			All    struct{ N, Met int }
			Groups []struct {
				Key    string
				N, Met int
			}
		}
		Backlog struct {
			Open, Overdue int
		}
		Trend []struct {
			Date     string
			Reported int
		}
		ReadsByHour struct{ Mean [7][24]float64 }
	}
	r.wantOK(t, 200, &got)
	if strings.Join(got.Sites, ",") != "ZHOOST,ZHWEST" {
		t.Errorf("sites %v", got.Sites)
	}
	if c := got.Compliance; c.All.N != 4 || c.All.Met != 2 || len(c.Groups) != 3 || c.Groups[1].Key != "urgent" || c.Groups[1].Met != 1 {
		t.Errorf("compliance %+v: want 2 of 4 in time, 1 of 2 urgent", c)
	}
	// E26000202 (urgent, due 12:10) and W26000106 wait at 12:30.
	if got.Backlog.Open != 2 || got.Backlog.Overdue != 1 {
		t.Errorf("backlog %+v, want 2 open, 1 overdue", got.Backlog)
	}
	if len(got.Trend) != 1 || got.Trend[0].Date != "2026-11-23" || got.Trend[0].Reported != 4 {
		t.Errorf("trend %+v", got.Trend)
	}
	// Monday: a report at 08:00, 09:55 and 12:05, 12:40 (two at noon).
	if m := got.ReadsByHour.Mean[0]; m[8] != 1 || m[9] != 1 || m[12] != 2 || m[10] != 0 {
		t.Errorf("reads by hour on Monday %v", m)
	}
	for _, secret := range []string{"Berg", "7012345", "1958"} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("the statistics show patient data (%q)", secret)
		}
	}
}

func TestStatsRefusesBadQueries(t *testing.T) {
	s, _ := newTestServer(t)
	tests := []struct {
		path, field string
	}{
		{"/api/v1/stats/turnaround?by=colour", "by"},
		{"/api/v1/stats/turnaround?interval=order-claim", "interval"},
		{"/api/v1/stats/turnaround?from=yesterday", "from"},
		{"/api/v1/stats/turnaround?to=2026-13-01", "to"},
		{"/api/v1/stats/compliance?from=2026-11-24&to=2026-11-22", "from"},
		{"/api/v1/stats/trend?from=2024-01-01&to=2026-11-23", "from"},
		{"/api/v1/stats/overview?band=purple", "band"},
		{"/api/v1/stats/backlog?ai=maybe", "ai"},
		{"/api/v1/stats/reads?hours=lunch", "hours"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			do(t, s, "GET", tt.path, nil).wantError(t, 400, "invalid", tt.field)
		})
	}
}

// TestStatsAI: the AI table from studies flagged, read and judged through
// the API.
func TestStatsAI(t *testing.T) {
	s, store := newTestServer(t)
	seedReports(t, s, store)
	// The reader agreed with the PE after the report.
	do(t, s, "POST", "/api/v1/ai-results/aidoc-20261123-0001/feedback",
		mustJSON(t, map[string]any{"site": "ZHWEST", "accession": "W26000101", "agree": true})).wantOK(t, 200, nil)
	var got struct {
		Algorithms []struct {
			Algorithm, Site             string
			Results, Positive, Critical int
			CriticalInTime              int
			PPV                         *struct {
				Value float64
				N     int
			}
			Flagged struct{ Median *int64 }
		}
	}
	do(t, s, "GET", "/api/v1/stats/ai?from=2026-11-23&to=2026-11-23", nil).wantOK(t, 200, &got)
	if len(got.Algorithms) != 2 {
		t.Fatalf("rows %+v, want aidoc-pe in all and at ZHWEST", got.Algorithms)
	}
	a := got.Algorithms[0]
	if a.Algorithm != "aidoc-pe" || a.Site != "all" || a.Results != 1 || a.Positive != 1 || a.PPV == nil || a.PPV.Value != 1 || a.PPV.N != 1 ||
		a.Critical != 1 || a.CriticalInTime != 0 || a.Flagged.Median == nil || *a.Flagged.Median != 13745 {
		t.Errorf("aidoc-pe %+v", a)
	}
}
