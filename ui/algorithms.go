package ui

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/worklist"
)

// The algorithm registry's routes: the AI officer (a manager) reads it,
// an admin changes it.
//
//	GET  /api/v1/algorithms              every algorithm seen, recorded or in the rules file
//	GET  /api/v1/algorithms/:id          one
//	GET  /api/v1/algorithms/:id/history  its record's changes, newest first
//	GET  /api/v1/algorithms/:id/feedback the readers' verdicts on its results, newest first
//	POST /api/v1/algorithms/:id          change its record (approval, modes, threshold, intended use, regulatory status)

// Registry is what the registry's routes need of the store.
type Registry interface {
	Algorithms(ctx context.Context) ([]worklist.Algorithm, error)
	Algorithm(ctx context.Context, id string) (worklist.Algorithm, error)
	AlgorithmHistory(ctx context.Context, id string) ([]worklist.AlgorithmChange, error)
	ChangeAlgorithm(ctx context.Context, id, by string, patch worklist.AlgorithmPatch) (worklist.AlgorithmChange, error)
	AlgorithmFeedback(ctx context.Context, id string, offset, limit int) ([]worklist.Feedback, int64, error)
}

// registry returns the store's registry, or an error answer when the store
// keeps none.
func (s *Server) registry() (Registry, error) {
	r, ok := s.store.(Registry)
	if !ok {
		return nil, &apiError{Code: "not_found", Message: "no algorithm registry is kept here", status: fiber.StatusNotFound}
	}
	return r, nil
}

func (s *Server) getAlgorithms(c *fiber.Ctx) error {
	r, err := s.registry()
	if err != nil {
		return err
	}
	all, err := r.Algorithms(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"algorithms": all})
}

func (s *Server) getAlgorithm(c *fiber.Ctx) error {
	r, err := s.registry()
	if err != nil {
		return err
	}
	a, err := r.Algorithm(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) getAlgorithmHistory(c *fiber.Ctx) error {
	r, err := s.registry()
	if err != nil {
		return err
	}
	h, err := r.AlgorithmHistory(c.UserContext(), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"changes": h})
}

// postAlgorithm changes an algorithm's record as the admin signed in,
// applies it on every instance, ranks the open studies it affects again,
// and audits who, when, why, before and after.
func (s *Server) postAlgorithm(c *fiber.Ctx) error {
	r, err := s.registry()
	if err != nil {
		return err
	}
	var patch worklist.AlgorithmPatch
	if err := ingest.DecodeJSON(c.Body(), &patch); err != nil {
		return err
	}
	if strings.TrimSpace(patch.Why) == "" {
		return invalid("why", "why is required: say why the algorithm changes (it is audited)")
	}
	id := param(c, "id")
	ch, err := r.ChangeAlgorithm(c.UserContext(), id, principalOf(c).Name, patch)
	if err != nil {
		return err
	}
	detail, err := json.Marshal(struct {
		Why    string                    `json:"why"`
		Before *worklist.AlgorithmRecord `json:"before"`
		After  worklist.AlgorithmRecord  `json:"after"`
	}{ch.Why, ch.Before, ch.After})
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{At: ch.At, Action: audit.AlgorithmChange, Outcome: audit.OK, Target: id, Detail: string(detail)})
	return c.JSON(ch)
}

// getAlgorithmFeedback pages through the readers' verdicts on an
// algorithm's results: {"feedback": [...], "total": N, "next": offset}.
func (s *Server) getAlgorithmFeedback(c *fiber.Ctx) error {
	r, err := s.registry()
	if err != nil {
		return err
	}
	offset, err := intQuery(c, "offset", 0, 1_000_000)
	if err != nil {
		return err
	}
	limit, err := intQuery(c, "limit", 100, 1000)
	if err != nil {
		return err
	}
	fb, total, err := r.AlgorithmFeedback(c.UserContext(), param(c, "id"), offset, limit)
	if err != nil {
		return err
	}
	resp := fiber.Map{"feedback": fb, "total": total}
	if next := offset + len(fb); int64(next) < total {
		resp["next"] = next
	}
	return c.JSON(resp)
}
