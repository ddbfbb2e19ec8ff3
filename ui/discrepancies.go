package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/worklist"
)

// The discrepancy list: present, prioritising AI findings that came after
// their study's final report, for the reporting radiologist (and the AI
// officer, who sees their count per algorithm in the registry).
//
//	GET  /api/v1/discrepancies                                   open ones (all=true: reviewed too), newest first
//	POST /api/v1/discrepancies/:site/:accession/:result/review   {"note": "..."}: reviewed, by the reader signed in

// DiscrepancyList is what the discrepancy routes need of the store.
type DiscrepancyList interface {
	Discrepancies(ctx context.Context, sites []string, open bool) ([]worklist.Discrepancy, error)
	ReviewDiscrepancy(ctx context.Context, site, acc, resultID, by, note string) ([]worklist.Discrepancy, error)
}

func (s *Server) discrepancyList() (DiscrepancyList, error) {
	d, ok := s.store.(DiscrepancyList)
	if !ok {
		return nil, &apiError{Code: "not_found", Message: "no discrepancy list is kept here", status: fiber.StatusNotFound}
	}
	return d, nil
}

func (s *Server) getDiscrepancies(c *fiber.Ctx) error {
	dl, err := s.discrepancyList()
	if err != nil {
		return err
	}
	ds, err := dl.Discrepancies(c.UserContext(), list(c, "site"), c.Query("all") != "true")
	if err != nil {
		return err
	}
	p := principalOf(c)
	if s.allowedSections(p) != nil {
		// A resident sees those of the sections they read.
		kept := ds[:0]
		for _, d := range ds {
			st, err := s.store.Get(c.UserContext(), d.Site, d.Accession)
			if err == nil && s.mayRead(p, st) {
				kept = append(kept, d)
			}
		}
		ds = kept
	}
	if ds == nil {
		ds = []worklist.Discrepancy{}
	}
	return c.JSON(fiber.Map{"discrepancies": ds})
}

// maxNote bounds a reader's note on an AI result or a discrepancy, in
// bytes.
const maxNote = 2000

// reviewBody is the JSON of a review; the reviewer is the principal.
type reviewBody struct {
	Note string `json:"note"`
}

func (s *Server) postReviewDiscrepancy(c *fiber.Ctx) error {
	dl, err := s.discrepancyList()
	if err != nil {
		return err
	}
	var b reviewBody
	if len(c.Body()) > 0 {
		if err := ingest.DecodeJSON(c.Body(), &b); err != nil {
			return err
		}
	}
	if len(b.Note) > maxNote {
		return invalid("note", "note is longer than 2,000 characters")
	}
	site, acc, result := param(c, "site"), param(c, "accession"), param(c, "result")
	p := principalOf(c)
	if s.allowedSections(p) != nil {
		st, err := s.store.Get(c.UserContext(), site, acc)
		if err != nil {
			return err
		}
		if !s.mayRead(p, st) {
			return fmt.Errorf("%w: no such study in your sections", worklist.ErrNotFound)
		}
	}
	ds, err := dl.ReviewDiscrepancy(c.UserContext(), site, acc, result, p.Name, strings.TrimSpace(b.Note))
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{Action: audit.DiscrepancyReview, Outcome: audit.OK, Site: site, Accession: acc, Target: result, Detail: strings.TrimSpace(b.Note)})
	return c.JSON(fiber.Map{"discrepancies": ds})
}
