package stats

import (
	"sync"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// A tally takes turnaround records one at a time, and gives its figures
// when the records are done: each query is one, and the overview feeds
// several from one walk.
type tally interface {
	add(t *worklist.Turnaround)
}

// walk hands each record of facts to every tally, in turn.
func walk(facts worklist.Facts, tallies ...tally) {
	for t := range facts.All() {
		for _, a := range tallies {
			a.add(t)
		}
	}
}

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
// grouped by; open are the studies waiting now. A year of a large
// hospital is some 160 MB of records, and a walk over them for each of
// the nine parts spent most of its time fetching them from memory; so
// the parts are tallied in two walks, side by side on two goroutines,
// each walk handing every record to the tallies of its parts while it is
// at hand.
func Summarise(facts worklist.Facts, open []worklist.Waiting, from, to time.Time, by Dimension, f Filter, c *Calendar) Overview {
	o := Overview{Turnaround: map[Interval]TurnaroundReport{}}
	ivs := Intervals()
	var wg sync.WaitGroup
	wg.Go(func() {
		// Each walk has a clock of its own: a clock is one goroutine's.
		clk := c.clock()
		turnarounds := newTurnaroundTally(ivs, by, f, clk, facts.Len())
		distribution := newDistributionTally(ReadyToFinal, by, f, clk)
		walk(facts, turnarounds, distribution)
		for i, r := range turnarounds.reports() {
			o.Turnaround[ivs[i]] = r
		}
		o.Distribution = distribution.report()
	})
	wg.Go(func() {
		clk := c.clock()
		compliance := newComplianceTally(ByBand, f, clk)
		backlog := newBacklogTally(from, to, clk)
		reads := newReadsTally(from, to, clk)
		trend := newTrendTally(from, to, f, c)
		ai := newAITally(f, clk)
		walk(facts, compliance, backlog, reads, trend, ai)
		o.Compliance, o.BacklogByHour, o.ReadsByHour = compliance.report(), backlog.report(open), reads.report()
		o.Trend, o.AI = trend.report(), ai.report()
	})
	wg.Wait()
	return o
}
