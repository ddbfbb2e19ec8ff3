package ui

import (
	"bufio"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/stats"
)

// getExport answers the per-study facts of the period as CSV,
// pseudonymised: no patient data, the accession number and the reader as
// keyed hashes (stats.WriteCSV). The export is audited.
func (s *Server) getExport(c *fiber.Ctx) error {
	if len(s.pseudonyms.Key) == 0 {
		return &apiError{Code: "not_found", Message: "the export needs a pseudonym key, which this service has not", status: fiber.StatusNotFound}
	}
	q, facts, err := s.readFacts(c)
	if err != nil {
		return err
	}
	day := func(t time.Time) string { return t.In(s.calendar.Zone("")).Format("20060102") }
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="voorrang-studies-%s-%s.csv"`, day(q.From), day(q.To.Add(-time.Second))))
	c.Set(fiber.HeaderCacheControl, "no-store")
	s.record(c, audit.Entry{Action: audit.StatsExport, Outcome: audit.OK,
		Detail: fmt.Sprintf("%s to %s, %s", q.From.UTC().Format(time.RFC3339), q.To.UTC().Format(time.RFC3339), c.Request().URI().QueryArgs().String())})
	cal, filter, ps, log := s.calendar, q.Filter, s.pseudonyms, s.logger
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := stats.WriteCSV(w, facts, filter, cal, ps); err != nil {
			log.Warn("stats: the export was cut short", "err", err)
			return
		}
		w.Flush()
	})
	return nil
}
