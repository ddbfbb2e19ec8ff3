package ui

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/stats"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// StatsStore is what the statistics need of the store: the turnaround
// records of closed studies and the studies waiting now.
type StatsStore interface {
	Turnarounds(ctx context.Context, sites []string, from, to time.Time) (worklist.Facts, error)
	Waiting(ctx context.Context, sites []string) ([]worklist.Waiting, error)
}

// maxPeriod bounds a statistics query; longer than the records are kept.
const maxPeriod = 400 * 24 * time.Hour

// A statsQuery is what a statistics request asks: the period, the sites
// and the filter.
type statsQuery struct {
	From, To time.Time
	Sites    []string
	Filter   stats.Filter
}

// period is how the answer names the period asked.
type period struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	TimeZone string    `json:"timeZone"`
}

func (q statsQuery) period(c *stats.Calendar) period {
	return period{From: q.From, To: q.To, TimeZone: c.Zone("").String()}
}

// readStatsQuery reads ?from=&to=&site=&band=&priority=&patientClass=
// &modality=&section=&ai=&hours=&algorithm=. from and to are dates
// (YYYY-MM-DD, in the default time zone; to is the last day counted) or
// RFC 3339 times (to exclusive); the default is the last 7 days up to now.
func (s *Server) readStatsQuery(c *fiber.Ctx) (statsQuery, error) {
	now := s.now()
	q := statsQuery{To: now, Sites: list(c, "site")}
	day := func(t time.Time) time.Time { return s.calendar.Day("", t) }
	q.From = day(now).AddDate(0, 0, -6)
	var err error
	if v := c.Query("from"); v != "" {
		if q.From, err = s.parseTime(v, false); err != nil {
			return q, invalid("from", "from must be a date (2026-11-23) or an RFC 3339 time")
		}
	}
	if v := c.Query("to"); v != "" {
		if q.To, err = s.parseTime(v, true); err != nil {
			return q, invalid("to", "to must be a date (2026-11-29) or an RFC 3339 time")
		}
	}
	switch {
	case !q.From.Before(q.To):
		return q, invalid("from", "from must be before to")
	case q.To.Sub(q.From) > maxPeriod:
		return q, invalid("from", "the period may be at most 400 days")
	}
	f := &q.Filter
	for _, b := range list(c, "band") {
		band, err := triage.ParseBand(b)
		if err != nil {
			return q, invalid("band", "band must be critical, urgent or routine")
		}
		f.Bands = append(f.Bands, band)
	}
	f.Priorities, f.PatientClasses = list(c, "priority"), list(c, "patientClass")
	f.Modalities, f.Sections = list(c, "modality"), list(c, "section")
	f.Algorithm = query(c, "algorithm")
	switch f.AI = query(c, "ai"); f.AI {
	case "", stats.AIPositive, stats.AINegative, stats.AINone:
	default:
		return q, invalid("ai", "ai must be positive, negative or none")
	}
	switch f.Hours = query(c, "hours"); f.Hours {
	case "", stats.Working, stats.OutOfHours:
	default:
		return q, invalid("hours", "hours must be working or out-of-hours")
	}
	return q, nil
}

// parseTime reads a date (its start; the next day's start when end is
// set, so that the day counts) or an RFC 3339 time.
func (s *Server) parseTime(v string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, s.calendar.Zone(""))
	if err != nil {
		return time.Time{}, err
	}
	if end {
		d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, d.Location())
	}
	return d, nil
}

func readInterval(c *fiber.Ctx) (stats.Interval, error) {
	v := c.Query("interval", string(stats.ReadyToFinal))
	iv, err := stats.ParseInterval(v)
	if err != nil {
		return "", invalid("interval", err.Error())
	}
	return iv, nil
}

func readDimension(c *fiber.Ctx) (stats.Dimension, error) {
	d, err := stats.ParseDimension(c.Query("by"))
	if err != nil {
		return "", invalid("by", err.Error())
	}
	return d, nil
}

// readFacts reads the statistics query of c and the turnaround records of
// its period and sites. A handler reads its own parameters (interval, by)
// first, so that a bad request costs no read of the store.
func (s *Server) readFacts(c *fiber.Ctx) (statsQuery, worklist.Facts, error) {
	q, err := s.readStatsQuery(c)
	if err != nil {
		return q, nil, err
	}
	facts, err := s.facts(c.UserContext(), q)
	return q, facts, err
}

// facts reads the turnaround records of q's period and sites.
func (s *Server) facts(ctx context.Context, q statsQuery) (worklist.Facts, error) {
	if s.statsStore == nil {
		return nil, fiber.NewError(fiber.StatusServiceUnavailable, "statistics are not available on this store")
	}
	return s.statsStore.Turnarounds(ctx, q.Sites, q.From, q.To)
}

func (s *Server) getTurnaround(c *fiber.Ctx) error {
	iv, err := readInterval(c)
	if err != nil {
		return err
	}
	by, err := readDimension(c)
	if err != nil {
		return err
	}
	q, facts, err := s.readFacts(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"period": q.period(s.calendar), "turnaround": stats.Turnarounds(facts, iv, by, q.Filter, s.calendar)})
}

func (s *Server) getCompliance(c *fiber.Ctx) error {
	by, err := readDimension(c)
	if err != nil {
		return err
	}
	q, facts, err := s.readFacts(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"period": q.period(s.calendar), "compliance": stats.DueCompliance(facts, by, q.Filter, s.calendar)})
}

func (s *Server) getDistribution(c *fiber.Ctx) error {
	iv, err := readInterval(c)
	if err != nil {
		return err
	}
	by, err := readDimension(c)
	if err != nil {
		return err
	}
	q, facts, err := s.readFacts(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"period": q.period(s.calendar), "distribution": stats.Distribute(facts, iv, by, q.Filter, s.calendar)})
}

// getBacklog answers the reading list now, and the mean backlog by hour
// of the week over the period.
func (s *Server) getBacklog(c *fiber.Ctx) error {
	q, facts, err := s.readFacts(c)
	if err != nil {
		return err
	}
	open, err := s.statsStore.Waiting(c.UserContext(), q.Sites)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"period": q.period(s.calendar), "now": stats.BacklogAt(open, s.now()),
		"byHour": stats.BacklogByHour(facts, open, q.From, q.To, s.calendar)})
}

func (s *Server) getReads(c *fiber.Ctx) error {
	q, facts, err := s.readFacts(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"period": q.period(s.calendar), "byHour": stats.ReadsByHour(facts, q.From, q.To, s.calendar)})
}

func (s *Server) getTrend(c *fiber.Ctx) error {
	q, facts, err := s.readFacts(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"period": q.period(s.calendar), "days": stats.Trend(facts, q.From, q.To, q.Filter, s.calendar)})
}

// getAI answers the performance of each AI algorithm, per site and in
// all.
func (s *Server) getAI(c *fiber.Ctx) error {
	q, facts, err := s.readFacts(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"period": q.period(s.calendar), "algorithms": stats.AIPerformances(facts, q.Filter, s.calendar)})
}

// getOverview answers all a manager's page shows, from one read of the
// records: turnaround of each interval (grouped by ?by=, band by
// default), its distribution, compliance by band, the backlog now and by
// hour, reads per hour, the trend by day and the AI table.
func (s *Server) getOverview(c *fiber.Ctx) error {
	by := stats.ByBand
	if c.Query("by") != "" {
		var err error
		if by, err = readDimension(c); err != nil {
			return err
		}
	}
	q, facts, err := s.readFacts(c)
	if err != nil {
		return err
	}
	open, err := s.statsStore.Waiting(c.UserContext(), q.Sites)
	if err != nil {
		return err
	}
	cal := s.calendar
	o := stats.Summarise(facts, open, q.From, q.To, by, q.Filter, cal)
	sites := q.Sites
	if len(sites) == 0 {
		sites = siteNames(facts, open)
	}
	return c.JSON(fiber.Map{
		"period":        q.period(cal),
		"sites":         sites,
		"turnaround":    o.Turnaround,
		"distribution":  o.Distribution,
		"compliance":    o.Compliance,
		"backlog":       stats.BacklogAt(open, s.now()),
		"backlogByHour": o.BacklogByHour,
		"readsByHour":   o.ReadsByHour,
		"trend":         o.Trend,
		"ai":            o.AI,
	})
}

// siteNames returns the sites the records and the list name, sorted.
func siteNames(facts worklist.Facts, open []worklist.Waiting) []string {
	seen := map[string]bool{}
	for t := range facts.All() {
		seen[t.Site] = true
	}
	for _, w := range open {
		seen[w.Site] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
