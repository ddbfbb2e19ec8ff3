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
func Trend(facts []worklist.Turnaround, from, to time.Time, f Filter, c *Calendar) []Day {
	loc := c.Zone("")
	days := []Day{}
	index := map[string]int{}
	for d := c.Day("", from); d.Before(to); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		key := d.Format(time.DateOnly)
		index[key] = len(days)
		days = append(days, Day{Date: key})
	}
	durations := make([][]float64, len(days))
	for i := range facts {
		t := &facts[i]
		if !f.Keeps(c, t) {
			continue
		}
		k, ok := index[t.ClosedAt().In(c.Zone(t.Site)).Format(time.DateOnly)]
		if !ok {
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
