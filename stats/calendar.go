package stats

import (
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
func (c *Calendar) Working(site string, t time.Time) bool {
	l := t.In(c.Zone(site))
	if l.Weekday() == time.Saturday || l.Weekday() == time.Sunday {
		return false
	}
	start, end := c.hours()
	return l.Hour() >= start && l.Hour() < end
}

// Day returns the start of t's day at site, as a date in the site's zone.
func (c *Calendar) Day(site string, t time.Time) time.Time {
	y, m, d := t.In(c.Zone(site)).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.Zone(site))
}

// weekHour returns t's weekday (Monday 0) and hour at site.
func (c *Calendar) weekHour(site string, t time.Time) (int, int) {
	l := t.In(c.Zone(site))
	return (int(l.Weekday()) + 6) % 7, l.Hour()
}
