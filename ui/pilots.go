package ui

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/stats"
	"github.com/voorrang/voorrang/worklist"
)

// Pilots of AI algorithms: admins define them, managers read their
// reports.
//
//	GET  /api/v1/pilots          every pilot's definition, in words too
//	GET  /api/v1/pilots/:id      one pilot: its definition and its report (before vs during, verdict)
//	POST /api/v1/pilots/:id      define a pilot, or change it before it starts (admins)
//	POST /api/v1/pilots/:id/end  end a pilot, now or at {"end": time} (admins)

// PilotStore keeps the pilots' definitions (stats/redisstore).
type PilotStore interface {
	Pilots(ctx context.Context) ([]stats.Pilot, error)
	Pilot(ctx context.Context, id string) (stats.Pilot, error)
	UpdatePilot(ctx context.Context, id string, change func(p *stats.Pilot, exists bool) error) (stats.Pilot, error)
}

// pilotView is a pilot's definition with its sentence.
type pilotView struct {
	stats.Pilot
	Description string `json:"description"`
	Started     bool   `json:"started"`
}

func (s *Server) viewPilot(p stats.Pilot) pilotView {
	return pilotView{Pilot: p, Description: stats.Describe(&p), Started: p.Started(s.now())}
}

func (s *Server) pilotStore() (PilotStore, error) {
	if s.pilots == nil {
		return nil, &apiError{Code: "not_found", Message: "pilots are not kept on this store", status: fiber.StatusNotFound}
	}
	return s.pilots, nil
}

func pilotError(err error) error {
	switch {
	case errors.Is(err, stats.ErrNoPilot):
		return &apiError{Code: "not_found", Message: "no such pilot", status: fiber.StatusNotFound}
	case errors.Is(err, stats.ErrFrozen):
		return &apiError{Code: "frozen", Message: err.Error() + "; only its end may be set", status: fiber.StatusConflict}
	case errors.Is(err, stats.ErrPilot):
		return invalid("pilot", err.Error())
	}
	return err
}

func (s *Server) getPilots(c *fiber.Ctx) error {
	store, err := s.pilotStore()
	if err != nil {
		return err
	}
	ps, err := store.Pilots(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]pilotView, len(ps))
	for i, p := range ps {
		out[i] = s.viewPilot(p)
	}
	return c.JSON(fiber.Map{"pilots": out})
}

// getPilot answers a pilot's definition and its report: each measure
// before and during, and the verdict.
func (s *Server) getPilot(c *fiber.Ctx) error {
	store, err := s.pilotStore()
	if err != nil {
		return err
	}
	p, err := store.Pilot(c.UserContext(), param(c, "id"))
	if err != nil {
		return pilotError(err)
	}
	now := s.now()
	var facts worklist.Facts
	if p.Started(now) {
		before, during := p.Periods(now)
		if facts, err = s.facts(c.UserContext(), statsQuery{From: before.From, To: during.To, Sites: p.Sites}); err != nil {
			return err
		}
	}
	ev := stats.Evaluate(&p, facts, now, s.calendar)
	return c.JSON(fiber.Map{"pilot": s.viewPilot(p), "report": ev})
}

// postPilot defines a pilot or changes one that has not started. The
// change, and a change refused because the pilot has started, are
// audited.
func (s *Server) postPilot(c *fiber.Ctx) error {
	store, err := s.pilotStore()
	if err != nil {
		return err
	}
	id := param(c, "id")
	var next stats.Pilot
	if err := ingest.DecodeJSON(c.Body(), &next); err != nil {
		return err
	}
	if next.ID != "" && next.ID != id {
		return invalid("id", "the id in the body is not the pilot's of the path")
	}
	next.ID = id
	next.Created, next.Changed, next.ChangedBy = time.Time{}, time.Time{}, ""
	if err := next.Check(); err != nil {
		return pilotError(err)
	}
	actor := ""
	if p := principalOf(c); p != nil {
		actor = p.Name
	}
	now := s.now()
	verb := "defined"
	p, err := store.UpdatePilot(c.UserContext(), id, func(p *stats.Pilot, exists bool) error {
		if exists {
			verb = "changed"
			if err := stats.CheckChange(p, &next, now); err != nil {
				return err
			}
		}
		*p = next
		p.ChangedBy = actor
		return nil
	})
	if errors.Is(err, stats.ErrFrozen) {
		s.record(c, audit.Entry{Action: audit.PilotChange, Outcome: audit.Denied, Target: id, Detail: "refused, started: " + stats.Describe(&next)})
	}
	if err != nil {
		return pilotError(err)
	}
	s.record(c, audit.Entry{Action: audit.PilotChange, Outcome: audit.OK, Target: id, Detail: verb + ": " + stats.Describe(&p)})
	return c.JSON(fiber.Map{"pilot": s.viewPilot(p)})
}

// postPilotEnd ends a pilot at {"end": time}, or now.
func (s *Server) postPilotEnd(c *fiber.Ctx) error {
	store, err := s.pilotStore()
	if err != nil {
		return err
	}
	var body struct {
		End time.Time `json:"end"`
	}
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := ingest.DecodeJSON(c.Body(), &body); err != nil {
			return invalid("end", "the body must be {\"end\": \"2026-12-01T00:00:00Z\"} or empty: "+err.Error())
		}
	}
	end := body.End
	if end.IsZero() {
		end = s.now()
	}
	actor := ""
	if p := principalOf(c); p != nil {
		actor = p.Name
	}
	p, err := store.UpdatePilot(c.UserContext(), param(c, "id"), func(p *stats.Pilot, exists bool) error {
		if !exists {
			return stats.ErrNoPilot
		}
		if !end.After(p.Start) {
			return invalid("end", "the end must come after the pilot's start")
		}
		p.End, p.ChangedBy = end, actor
		return nil
	})
	if err != nil {
		return pilotError(err)
	}
	s.record(c, audit.Entry{Action: audit.PilotChange, Outcome: audit.OK, Target: p.ID, Detail: "ended " + end.UTC().Format(time.RFC3339)})
	return c.JSON(fiber.Map{"pilot": s.viewPilot(p)})
}
