package stats

import (
	"math"
	"time"
)

// A Calendar says what time it is at each site: its time zone and its
// working hours.
type Calendar struct {
	// Zones are the sites' time zones; a site not named has Default.
	Zones map[string]*time.Location
	// Default is the time zone of other sites; nil means Europe/Amsterdam
	// (UTC if the system has no zone database: import time/tzdata).
	Default *time.Location
	// WorkStart and WorkEnd are the hours of the working day, Monday to
	// Friday: [WorkStart, WorkEnd). Both zero means 8 and 17.
	WorkStart, WorkEnd int
}

// amsterdam is Europe/Amsterdam, or UTC without a zone database.
var amsterdam = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// Zone returns the time zone of site.
func (c *Calendar) Zone(site string) *time.Location {
	if loc := c.Zones[site]; loc != nil {
		return loc
	}
	if c.Default != nil {
		return c.Default
	}
	return amsterdam
}

func (c *Calendar) hours() (int, int) {
	if c.WorkStart == 0 && c.WorkEnd == 0 {
		return 8, 17
	}
	return c.WorkStart, c.WorkEnd
}

// Working reports whether t falls in the working hours of site.
func (c *Calendar) Working(site string, t time.Time) bool { return c.clock().working(site, t) }

// Day returns the start of t's day at site, as a date in the site's zone.
func (c *Calendar) Day(site string, t time.Time) time.Time {
	y, m, d := t.In(c.Zone(site)).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.Zone(site))
}

// A clock reads times on the sites' clocks of a Calendar: local day,
// weekday and hour. It keeps the offset of the zone period it last looked
// up (the months between two clock changes), so that a query over a
// year's studies asks the zone database a few times a site rather than
// formatting every study's time in its zone. Each query has its own: a
// clock is not safe for concurrent use.
type clock struct {
	cal  *Calendar
	site string
	loc  *time.Location
	// [start, end) in Unix seconds is the zone period with offset; empty
	// when none was looked up yet.
	start, end, offset int64
}

func (c *Calendar) clock() *clock { return &clock{cal: c} }

// local returns t's wall-clock time at site, as seconds since 1970-01-01
// 00:00 on that clock.
func (k *clock) local(site string, t time.Time) int64 { return k.localUnix(site, t.Unix()) }

// localUnix is local for a time given in Unix seconds.
func (k *clock) localUnix(site string, s int64) int64 {
	if site != k.site || k.loc == nil {
		k.site = site
		if loc := k.cal.Zone(site); loc != k.loc {
			k.loc, k.start, k.end = loc, 0, 0
		}
	}
	if s < k.start || s >= k.end {
		lt := time.Unix(s, 0).In(k.loc)
		_, off := lt.Zone()
		k.offset, k.start, k.end = int64(off), math.MinInt64, math.MaxInt64
		// Zero bounds: the period began at the beginning of time, or
		// goes on forever (UTC has one period).
		from, to := lt.ZoneBounds()
		if !from.IsZero() {
			k.start = from.Unix()
		}
		if !to.IsZero() {
			k.end = to.Unix()
		}
	}
	return s + k.offset
}

// day returns the number of t's date at site, counted from 1970-01-01:
// the same date has the same number in every zone.
func (k *clock) day(site string, t time.Time) int64 { return floorDiv(k.local(site, t), secondsPerDay) }

// weekHour returns t's weekday (Monday 0) and hour at site.
func (k *clock) weekHour(site string, t time.Time) (int, int) { return k.weekHourUnix(site, t.Unix()) }

// weekHourUnix is weekHour for a time given in Unix seconds.
func (k *clock) weekHourUnix(site string, s int64) (int, int) {
	l := k.localUnix(site, s)
	day := floorDiv(l, secondsPerDay)
	// 1970-01-01 was a Thursday (3 counted from Monday).
	return int(((day+3)%7 + 7) % 7), int((l - day*secondsPerDay) / 3600)
}

// working reports whether t falls in the working hours of site.
func (k *clock) working(site string, t time.Time) bool {
	wd, h := k.weekHour(site, t)
	start, end := k.cal.hours()
	return wd < 5 && h >= start && h < end
}

const secondsPerDay = 24 * 60 * 60

// floorDiv is a/b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
