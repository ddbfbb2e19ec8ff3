package stats

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestClock: the clock's day, weekday and hour are the zone database's,
// for times jumping between sites of different zones and across clock
// changes (the hours around each change in Amsterdam included).
func TestClock(t *testing.T) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	cal := &Calendar{Zones: map[string]*time.Location{
		"NY":      load("America/New_York"),
		"KOLKATA": load("Asia/Kolkata"),    // +05:30
		"CHATHAM": load("Pacific/Chatham"), // +12:45 and +13:45
		"UTC":     time.UTC,
	}}
	sites := []string{"ZHWEST", "NY", "KOLKATA", "CHATHAM", "UTC", ""}
	var times []time.Time
	// Every 10 minutes around the changes of 2026 in Amsterdam.
	for _, change := range []time.Time{at("2026-03-29 01:00"), at("2026-10-25 02:00")} {
		for m := -180; m <= 180; m += 10 {
			times = append(times, change.Add(time.Duration(m)*time.Minute))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(1965, 1, 1, 0, 0, 0, 0, time.UTC) // before 1970 too
	for range 5000 {
		times = append(times, base.Add(time.Duration(rng.Int64N(int64(75*365*24*time.Hour)))))
	}
	clk := cal.clock()
	for i, tm := range times {
		// Runs of one site, then a jump to another, as records come.
		site := sites[(i/7)%len(sites)]
		l := tm.In(cal.Zone(site))
		wd, h := clk.weekHour(site, tm)
		if want := (int(l.Weekday()) + 6) % 7; wd != want || h != l.Hour() {
			t.Fatalf("%s at %q: weekday %d hour %d, want %d %d", tm.Format(time.RFC3339), site, wd, h, want, l.Hour())
		}
		y, m, d := l.Date()
		if got, want := clk.day(site, tm), time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/secondsPerDay; got != want {
			t.Fatalf("%s at %q: day %d, want %d", tm.Format(time.RFC3339), site, got, want)
		}
		if got, want := clk.working(site, tm), wd < 5 && l.Hour() >= 8 && l.Hour() < 17; got != want {
			t.Fatalf("%s at %q: working %v", tm.Format(time.RFC3339), site, got)
		}
	}
}
