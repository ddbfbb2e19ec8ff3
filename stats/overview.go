package stats

import (
	"sync"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// An Overview is all a manager's page shows of a period, from one read
// of the records.
type Overview struct {
	// Turnaround holds each interval's summary, grouped by the
	// overview's dimension.
	Turnaround    map[Interval]TurnaroundReport
	Distribution  Distribution     // completed → final, by the dimension
	Compliance    ComplianceReport // by band
	BacklogByHour HourGrid
	ReadsByHour   HourGrid
	Trend         []Day
	AI            []AIPerformance
}

// Summarise computes the overview of the facts f keeps in [from, to),
// grouped by; open are the studies waiting now. Its parts read the same
// records and are computed side by side, each on a goroutine of its own,
// so that the page's one request takes about as long as its slowest
// part on a machine with cores to spare.
func Summarise(facts worklist.Facts, open []worklist.Waiting, from, to time.Time, by Dimension, f Filter, c *Calendar) Overview {
	o := Overview{Turnaround: map[Interval]TurnaroundReport{}}
	ivs := Intervals()
	reports := make([]TurnaroundReport, len(ivs))
	var wg sync.WaitGroup
	for i, iv := range ivs {
		wg.Go(func() { reports[i] = Turnarounds(facts, iv, by, f, c) })
	}
	wg.Go(func() { o.Distribution = Distribute(facts, ReadyToFinal, by, f, c) })
	wg.Go(func() { o.Compliance = DueCompliance(facts, ByBand, f, c) })
	wg.Go(func() { o.BacklogByHour = BacklogByHour(facts, open, from, to, c) })
	wg.Go(func() { o.ReadsByHour = ReadsByHour(facts, from, to, c) })
	wg.Go(func() { o.Trend = Trend(facts, from, to, f, c) })
	wg.Go(func() { o.AI = AIPerformances(facts, f, c) })
	wg.Wait()
	for i, iv := range ivs {
		o.Turnaround[iv] = reports[i]
	}
	return o
}
