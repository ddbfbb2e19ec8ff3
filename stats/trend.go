package stats

import (
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// A Day is one day of the trend.
type Day struct {
	Date      string `json:"date"` // YYYY-MM-DD
	Reported  int    `json:"reported"`
	Cancelled int    `json:"cancelled"`
	// Turnaround summarises completed → final of the day's reports.
	Turnaround Summary `json:"turnaround"`
	// DueMet of DueKnown reports came by their due time.
	DueMet   int `json:"dueMet"`
	DueKnown int `json:"dueKnown"`
}

// Trend returns one Day for each date from from to to (exclusive), in
// the default time zone: the studies that closed that day (by their own
// site's date), with the turnaround and compliance of those reported.
// Days without studies are there, with zeros.
func Trend(facts worklist.Facts, from, to time.Time, f Filter, c *Calendar) []Day {
	a := newTrendTally(from, to, f, c)
	walk(facts, a)
	return a.report()
}

// A trendTally counts the days of a trend, a record at a time.
type trendTally struct {
	f         Filter
	clk       *clock
	first     int64 // the first day's number
	days      []Day
	durations [][]float64
}

func newTrendTally(from, to time.Time, f Filter, c *Calendar) *trendTally {
	a := &trendTally{f: f, clk: c.clock(), days: []Day{}}
	loc := c.Zone("")
	for d := c.Day("", from); d.Before(to); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		a.days = append(a.days, Day{Date: d.Format(time.DateOnly)})
	}
	// A study's day is its date on its site's clock, numbered from
	// 1970-01-01; the days are consecutive dates from the first.
	a.first = a.clk.day("", from)
	a.durations = make([][]float64, len(a.days))
	return a
}

func (a *trendTally) add(t *worklist.Turnaround) {
	if !a.f.keeps(a.clk, t) {
		return
	}
	k := a.clk.day(t.Site, t.ClosedAt()) - a.first
	if k < 0 || k >= int64(len(a.days)) {
		return
	}
	d := &a.days[k]
	if t.Status == worklist.StatusCancelled {
		d.Cancelled++
		return
	}
	d.Reported++
	if v, ok := ReadyToFinal.of(t); ok {
		a.durations[k] = append(a.durations[k], v)
	}
	if met, known := t.DueMet(); known {
		d.DueKnown++
		if met {
			d.DueMet++
		}
	}
}

func (a *trendTally) report() []Day {
	for k := range a.days {
		a.days[k].Turnaround = summarise(a.durations[k])
	}
	return a.days
}
