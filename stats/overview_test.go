package stats_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/voorrang/voorrang/sim"
	"github.com/voorrang/voorrang/stats"
	"github.com/voorrang/voorrang/worklist"
)

// TestSummarise: the overview's one walk gives each part exactly what
// its own query gives, for every grouping and with a filter.
func TestSummarise(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	from := now.AddDate(0, 0, -28)
	all := sim.History(sim.HistoryOptions{Seed: 7, Sites: []string{"ZHWEST", "ZHOOST"}, From: from, To: now, PerDay: 40, PilotStart: now.AddDate(0, 0, -14)})
	facts := worklist.Facts{all[:len(all)/3], all[len(all)/3:]}
	open := []worklist.Waiting{{Site: "ZHWEST", Accession: "W1", ReadyAt: now.Add(-3 * time.Hour)}}
	cal := &stats.Calendar{}
	same := func(what string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s differs from its own query:\n got %.300s\nwant %.300s", what, g, w)
		}
	}
	for _, f := range []stats.Filter{{}, {Modalities: []string{"CT"}, AI: stats.AIPositive}} {
		for _, by := range stats.Dimensions() {
			o := stats.Summarise(facts, open, from, now, by, f, cal)
			for _, iv := range stats.Intervals() {
				same("turnaround "+string(iv)+" by "+string(by), o.Turnaround[iv], stats.Turnarounds(facts, iv, by, f, cal))
			}
			same("distribution by "+string(by), o.Distribution, stats.Distribute(facts, stats.ReadyToFinal, by, f, cal))
			same("compliance", o.Compliance, stats.DueCompliance(facts, stats.ByBand, f, cal))
			same("backlog by hour", o.BacklogByHour, stats.BacklogByHour(facts, open, from, now, cal))
			same("reads by hour", o.ReadsByHour, stats.ReadsByHour(facts, from, now, cal))
			same("trend", o.Trend, stats.Trend(facts, from, now, f, cal))
			same("AI", o.AI, stats.AIPerformances(facts, f, cal))
		}
	}
	if o := stats.Summarise(facts, nil, from, now, stats.ByBand, stats.Filter{}, cal); o.Turnaround[stats.ReadyToFinal].All.N == 0 || len(o.AI) == 0 {
		t.Error("the overview of a month of two sites is empty")
	}
}
