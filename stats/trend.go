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
	clk := c.clock()
	loc := c.Zone("")
	days := []Day{}
	for d := c.Day("", from); d.Before(to); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		days = append(days, Day{Date: d.Format(time.DateOnly)})
	}
	// A study's day is its date on its site's clock, numbered from
	// 1970-01-01; the days are consecutive dates from the first.
	first := clk.day("", from)
	durations := make([][]float64, len(days))
	for t := range facts.All() {
		if !f.keeps(clk, t) {
			continue
		}
		k := clk.day(t.Site, t.ClosedAt()) - first
		if k < 0 || k >= int64(len(days)) {
			continue
		}
		d := &days[k]
		if t.Status == worklist.StatusCancelled {
			d.Cancelled++
			continue
		}
		d.Reported++
		if v, ok := ReadyToFinal.of(t); ok {
			durations[k] = append(durations[k], v)
		}
		if met, known := t.DueMet(); known {
			d.DueKnown++
			if met {
				d.DueMet++
			}
		}
	}
	for k := range days {
		days[k].Turnaround = summarise(durations[k])
	}
	return days
}
