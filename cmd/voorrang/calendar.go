package main

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/voorrang/voorrang/stats"
)

// loadCalendar reads the statistics' calendar: the default time zone,
// sites in other zones ("SITE=Zone,..."), and the working hours ("08-17").
// Empty values are the defaults: Europe/Amsterdam, 08-17.
func loadCalendar(zone, siteZones, hours string) (*stats.Calendar, error) {
	c := &stats.Calendar{Zones: map[string]*time.Location{}}
	zone, hours = cmp.Or(zone, "Europe/Amsterdam"), cmp.Or(hours, "08-17")
	var err error
	if c.Default, err = time.LoadLocation(zone); err != nil {
		return nil, fmt.Errorf("--time-zone: %w", err)
	}
	for _, kv := range splitList(siteZones) {
		site, name, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(site) == "" {
			return nil, fmt.Errorf("--site-time-zones: %q is not SITE=Zone", kv)
		}
		loc, err := time.LoadLocation(strings.TrimSpace(name))
		if err != nil {
			return nil, fmt.Errorf("--site-time-zones: %w", err)
		}
		c.Zones[strings.TrimSpace(site)] = loc
	}
	from, to, ok := strings.Cut(hours, "-")
	start, err1 := strconv.Atoi(strings.TrimSpace(from))
	end, err2 := strconv.Atoi(strings.TrimSpace(to))
	if !ok || err1 != nil || err2 != nil || start < 0 || end > 24 || start >= end {
		return nil, fmt.Errorf("--working-hours: %q is not from-to in whole hours, e.g. 08-17", hours)
	}
	c.WorkStart, c.WorkEnd = start, end
	return c, nil
}
