package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/sim/readingroom"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// newWhatIfServer returns a server whose store holds a morning of 40 CT
// studies, each claimed 2 minutes after its exam and reported 10 minutes
// later.
func newWhatIfServer(t *testing.T) *Server {
	t.Helper()
	rdb := redistest.Client(t)
	clk := &clock{t: now}
	store := redisstore.New(rdb, redisstore.Options{Prefix: redistest.Prefix(t, rdb), Now: clk.Now})
	base := at(7, 0, 0)
	for i := range 40 {
		acc := fmt.Sprintf("W%d", i)
		done := base.Add(time.Duration(i) * 8 * time.Minute)
		clk.t = done
		o := &worklist.Order{PatientClass: []string{"O", "I", "E"}[i%3], Priority: "R", Modality: "CT", ProcedureCode: "CTTHAB", OrderedAt: done.Add(-time.Hour)}
		for _, e := range []worklist.Event{
			{Kind: worklist.ExamCompleted, Site: "ZHWEST", Accession: acc, At: done, Order: o, Source: "cm-" + acc},
		} {
			if _, err := store.Apply(t.Context(), e, nil); err != nil {
				t.Fatal(err)
			}
		}
		clk.t = done.Add(2 * time.Minute)
		if _, err := store.Claim(t.Context(), "ZHWEST", acc, "jansen", false); err != nil {
			t.Fatal(err)
		}
		clk.t = done.Add(12 * time.Minute)
		e := worklist.Event{Kind: worklist.ReportFinal, Site: "ZHWEST", Accession: acc, At: clk.t, Source: "f-" + acc, Report: &worklist.Report{Reader: "jansen"}}
		if _, err := store.Apply(t.Context(), e, nil); err != nil {
			t.Fatal(err)
		}
	}
	clk.t = now
	return New(Config{Store: store, Now: clk.Now, Logger: discard(), Version: "test", WhatIf: store, Access: testAccess()})
}

func TestWhatIfFromRecords(t *testing.T) {
	s := newWhatIfServer(t)
	r := do(t, s, "GET", "/api/v1/whatif?days=1&horizon=3d&replications=2", nil)
	if r.status != 200 {
		t.Fatalf("GET /api/v1/whatif: %d %s", r.status, r.body)
	}
	var got struct {
		Scenario readingroom.Scenario
		Report   readingroom.Report
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Scenario.Mix) != 3 || got.Scenario.Reading["*"].Median != readingroom.Duration(10*time.Minute) {
		t.Errorf("scenario: mix %+v, reading %+v; want 3 kinds read in 10 minutes", got.Scenario.Mix, got.Scenario.Reading)
	}
	if got.Report.Version != 1 || got.Report.Replications != 2 || len(got.Report.Policies) != 5 ||
		got.Report.Result("rules", "patient-class:E") == nil {
		t.Errorf("report: version %d, %d replications, %d policies", got.Report.Version, got.Report.Replications, len(got.Report.Policies))
	}
}

func TestWhatIfPost(t *testing.T) {
	s := newWhatIfServer(t)
	scenario := `{"scenario": {"horizon": "10d", "replications": 3, "arrivals": {"perDay": 100},
		"mix": [{"share": 1, "modality": "CT", "priority": "S"}, {"share": 3, "modality": "CT", "priority": "R"}],
		"reading": {"*": {"dist": "exponential", "mean": "10m"}}, "readers": [{"count": 1}], "policies": ["fifo", "priority"]}}`
	r := do(t, s, "POST", "/api/v1/whatif", []byte(scenario))
	if r.status != 200 || !strings.Contains(string(r.body), `"class":"urgent"`) || !strings.Contains(string(r.body), `"vsBaseline"`) {
		t.Fatalf("POST /api/v1/whatif: %d %.300s", r.status, r.body)
	}
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{"unknown field", `{"scenario": {"arivals": {}}}`, 400, `unknown field`},
		{"no scenario", `{}`, 400, `scenario is required`},
		{"invalid", strings.Replace(scenario, `"perDay": 100`, `"perDay": -1`, 1), 400, `arrivals.perDay -1`},
		{"too much work", strings.Replace(scenario, `"perDay": 100`, `"perDay": 900000`, 1), 400, `million studies`},
		{"unknown policy", strings.Replace(scenario, `"priority"]`, `"magic"]`, 1), 400, `unknown policy`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "POST", "/api/v1/whatif", []byte(tt.body))
			if r.status != tt.status || !strings.Contains(string(r.body), tt.want) {
				t.Errorf("%d %s, want %d with %q", r.status, r.body, tt.status, tt.want)
			}
		})
	}
	// One simulation at a time.
	s.whatIfSlot <- struct{}{}
	if r := do(t, s, "POST", "/api/v1/whatif", []byte(scenario)); r.status != 429 || !strings.Contains(string(r.body), `"busy"`) {
		t.Errorf("while another runs: %d %s, want 429 busy", r.status, r.body)
	}
	<-s.whatIfSlot
}

func TestWhatIfQuery(t *testing.T) {
	s := newWhatIfServer(t)
	for _, q := range []string{"days=0", "days=x", "replications=1", "horizon=1h", "horizon=1000d"} {
		if r := do(t, s, "GET", "/api/v1/whatif?"+q, nil); r.status != 400 {
			t.Errorf("?%s: %d %s, want 400", q, r.status, r.body)
		}
	}
	off := New(Config{Store: s.store, Logger: discard(), Access: testAccess()})
	if r := do(t, off, "GET", "/api/v1/whatif", nil); r.status != 404 {
		t.Errorf("without a source: %d, want 404", r.status)
	}
}

// brokenRecords is a store that cannot be read.
type brokenRecords struct{}

func (brokenRecords) Turnarounds(context.Context, []string, time.Time, time.Time) (worklist.Facts, error) {
	return worklist.Facts{}, errors.New("dial tcp 10.1.2.3:6379: connection refused")
}

func (brokenRecords) Rules() *triage.Rules { return triage.DefaultRules() }

// TestWhatIfStoreDown: a store that cannot be read is the service's fault
// (500, the reason in the log only), not records of which no scenario can
// be made (422).
func TestWhatIfStoreDown(t *testing.T) {
	_, store := newTestServer(t)
	s := New(Config{Store: store, Now: func() time.Time { return now }, Logger: discard(), Version: "test", WhatIf: brokenRecords{}, Access: testAccess()})
	r := do(t, s, "GET", "/api/v1/whatif?days=1", nil)
	if r.status != 500 || strings.Contains(string(r.body), "10.1.2.3") {
		t.Errorf("%d %s; want 500 without the store's error", r.status, r.body)
	}
}
