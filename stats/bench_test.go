package stats_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/voorrang/voorrang/sim"
	"github.com/voorrang/voorrang/stats"
	"github.com/voorrang/voorrang/worklist"
)

// year is a large hospital's year of reported studies: 20 sites, about
// 300,000 studies (the size of DESIGN.md's bar), made once.
var year = sync.OnceValues(func() ([]worklist.Turnaround, time.Time) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	sites := make([]string, 20)
	for i := range sites {
		sites[i] = fmt.Sprintf("SITE%02d", i+1)
	}
	return sim.History(sim.HistoryOptions{Seed: 1, Sites: sites, From: now.AddDate(-1, 0, 0), To: now,
		PerDay: 52, PilotStart: now.AddDate(0, 0, -28)}), now
})

// BenchmarkQueries is each query of the stats API on a year held in
// memory: the computing alone, without the read from Redis (bench/stats
// measures both).
func BenchmarkQueries(b *testing.B) {
	all, now := year()
	// In parts of a site and day's size, as the store hands them out.
	facts := worklist.Facts(slices.Collect(slices.Chunk(all, 40)))
	from := now.AddDate(-1, 0, 0)
	cal := &stats.Calendar{}
	pilot := sim.DemoPilot(now.AddDate(0, 0, -28), 56)
	pilot.Sites = []string{"SITE01"}
	queries := []struct {
		name string
		q    func()
	}{
		{"TurnaroundByBand", func() { stats.Turnarounds(facts, stats.ReadyToFinal, stats.ByBand, stats.Filter{}, cal) }},
		{"TurnaroundByHours", func() { stats.Turnarounds(facts, stats.ReadyToFinal, stats.ByHours, stats.Filter{}, cal) }},
		{"ComplianceByBand", func() { stats.DueCompliance(facts, stats.ByBand, stats.Filter{}, cal) }},
		{"DistributionByBand", func() { stats.Distribute(facts, stats.ReadyToFinal, stats.ByBand, stats.Filter{}, cal) }},
		{"BacklogByHour", func() { stats.BacklogByHour(facts, nil, from, now, cal) }},
		{"ReadsByHour", func() { stats.ReadsByHour(facts, from, now, cal) }},
		{"TrendByDay", func() { stats.Trend(facts, from, now, stats.Filter{}, cal) }},
		{"AIPerformance", func() { stats.AIPerformances(facts, stats.Filter{}, cal) }},
		{"PilotEvaluation", func() { stats.Evaluate(&pilot, facts, now, cal) }},
		{"Overview", func() { stats.Summarise(facts, nil, from, now, stats.ByBand, stats.Filter{}, cal) }},
	}
	b.Logf("%d studies", len(facts))
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				q.q()
			}
		})
	}
}
