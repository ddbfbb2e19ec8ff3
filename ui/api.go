package ui

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// Store is what the HTTP side needs of the worklist.
type Store interface {
	Apply(ctx context.Context, e worklist.Event, ack []byte) (worklist.Outcome, error)
	Get(ctx context.Context, site, acc string) (*worklist.Study, error)
	List(ctx context.Context, q worklist.Query) (worklist.Page, error)
	ClaimFor(ctx context.Context, site, acc string, r worklist.Reader, override bool) (*worklist.Study, error)
	Release(ctx context.Context, site, acc, reader string, override bool) (*worklist.Study, error)
	Feedback(ctx context.Context, site, acc, resultID, reader, verdict, note string) (*worklist.Study, error)
	DeadLetters(ctx context.Context, offset, limit int) ([]worklist.DeadLetter, int64, error)
	Ping(ctx context.Context) error
	changeFeed // for the websocket hub
}

// param returns a path parameter, unescaped and copied: Fiber reuses the
// memory of its values once the handler returns.
func param(c *fiber.Ctx, name string) string {
	v := c.Params(name)
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	return strings.Clone(v)
}

func query(c *fiber.Ctx, name string) string { return strings.Clone(c.Query(name)) }

// list reads a filter that may be repeated or comma-separated.
func list(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Context().QueryArgs().PeekMulti(name) {
		for _, s := range strings.Split(string(v), ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func intQuery(c *fiber.Ctx, name string, def, limit int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > limit {
		return 0, invalid(name, name+" must be a whole number from 0 to "+strconv.Itoa(limit))
	}
	return n, nil
}

// getWorklist serves the reading list: ?site=&modality=&band=&claimedBy=&unclaimed=true&offset=&limit=
func (s *Server) getWorklist(c *fiber.Ctx) error {
	q := worklist.Query{Sites: list(c, "site"), Modalities: list(c, "modality"), ClaimedBy: query(c, "claimedBy")}
	var err error
	if q.Offset, err = intQuery(c, "offset", 0, 1_000_000); err != nil {
		return err
	}
	if q.Limit, err = intQuery(c, "limit", 50, 500); err != nil {
		return err
	}
	if b := c.Query("band"); b != "" {
		if q.Band, err = triage.ParseBand(b); err != nil {
			return invalid("band", "band must be critical, urgent or routine")
		}
	}
	switch c.Query("unclaimed") {
	case "", "false":
	case "true":
		q.Unclaimed = true
	default:
		return invalid("unclaimed", "unclaimed must be true or false")
	}
	if sec := c.Query("section"); sec != "" {
		match, ok := s.sections.matcher(sec)
		if !ok {
			return invalid("section", "no section "+strconv.Quote(sec)+"; sections are "+strings.Join(s.sections.names(), ", "))
		}
		q.Match = match
	}
	q.Match = both(q.Match, s.allowedSections(principalOf(c)))
	page, err := s.store.List(c.UserContext(), q)
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{Action: audit.WorklistView, Outcome: audit.OK,
		Detail: fmt.Sprintf("%s: %d of %d", c.Request().URI().QueryArgs().String(), len(page.Studies), page.Total)})
	return c.JSON(page)
}

// study reads the study of the route's site and accession, refusing one
// the principal may not see (a resident's other sections) as not found.
func (s *Server) study(c *fiber.Ctx) (*worklist.Study, error) {
	st, err := s.store.Get(c.UserContext(), param(c, "site"), param(c, "accession"))
	if err != nil {
		return nil, err
	}
	if !s.mayRead(principalOf(c), st) {
		return nil, fmt.Errorf("%w: no such study in your sections", worklist.ErrNotFound)
	}
	return st, nil
}

func (s *Server) getStudy(c *fiber.Ctx) error {
	st, err := s.study(c)
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{Action: audit.StudyView, Outcome: audit.OK, Site: st.Site, Accession: st.Accession})
	return c.JSON(st)
}

// claimBody is the JSON of claim and release. The reader is the principal
// signed in; a name in the body ("by", as before sign-in existed) is
// refused as an unknown field.
type claimBody struct {
	Override bool `json:"override"`
}

// readClaim reads the body (empty means {}) and checks that the principal
// may see the study.
func (s *Server) readClaim(c *fiber.Ctx) (claimBody, error) {
	var b claimBody
	if len(c.Body()) > 0 {
		if err := ingest.DecodeJSON(c.Body(), &b); err != nil {
			return b, err
		}
	}
	if s.allowedSections(principalOf(c)) != nil {
		if _, err := s.study(c); err != nil {
			return b, err
		}
	}
	return b, nil
}

// overridden returns, for an override, whose claim it is about to break
// (for the audit trail; the store's own record of it is exact), else "".
func (s *Server) overridden(c *fiber.Ctx, b claimBody, site, acc string, p *access.Principal) string {
	if !b.Override {
		return ""
	}
	before, err := s.store.Get(c.UserContext(), site, acc)
	if err != nil || before.Claim == nil || before.Claim.By == p.Name || !before.Claim.Until.After(s.now()) {
		return ""
	}
	return before.Claim.By
}

func (s *Server) postClaim(c *fiber.Ctx) error {
	b, err := s.readClaim(c)
	if err != nil {
		return err
	}
	p := principalOf(c)
	site, acc := param(c, "site"), param(c, "accession")
	previous := s.overridden(c, b, site, acc, p)
	st, err := s.store.ClaimFor(c.UserContext(), site, acc, worklist.Reader{Name: p.Name, Display: p.Display}, b.Override)
	if err != nil {
		return err
	}
	detail := "claim"
	switch {
	case previous != "":
		detail = "override of " + previous
	case st.Claim != nil && st.Claim.At.Before(s.now()):
		detail = "renew"
	}
	s.record(c, audit.Entry{Action: audit.Claim, Outcome: audit.OK, Site: site, Accession: acc, Detail: detail})
	return c.JSON(st)
}

func (s *Server) postRelease(c *fiber.Ctx) error {
	b, err := s.readClaim(c)
	if err != nil {
		return err
	}
	p := principalOf(c)
	site, acc := param(c, "site"), param(c, "accession")
	previous := s.overridden(c, b, site, acc, p)
	st, err := s.store.Release(c.UserContext(), site, acc, p.Name, b.Override)
	if err != nil {
		return err
	}
	detail := "release"
	if previous != "" {
		detail = "override of " + previous
	}
	s.record(c, audit.Entry{Action: audit.Release, Outcome: audit.OK, Site: site, Accession: acc, Detail: detail})
	return c.JSON(st)
}

// postAIResult takes an AI platform's result. It answers 200 when the
// result is stored (or was before: the same result twice is stored once)
// and 202 when it waits for its study's order.
func (s *Server) postAIResult(c *fiber.Ctx) error {
	e, err := ingest.DecodeAIResult(c.Body(), s.now())
	if err != nil {
		return err
	}
	out, err := s.store.Apply(c.UserContext(), e, []byte("applied"))
	if err != nil {
		return err
	}
	resp := fiber.Map{"id": e.AI.ID, "site": e.Site, "accession": e.Accession}
	switch {
	case out.Duplicate:
		resp["status"] = "duplicate"
	case out.Pending:
		resp["status"] = "pending"
		return c.Status(fiber.StatusAccepted).JSON(resp)
	case len(out.Discrepancies) > 0:
		// After the final report: to the discrepancy list, not the
		// reading list.
		resp["status"] = "discrepancy"
		texts := make([]string, len(out.Discrepancies))
		for i, d := range out.Discrepancies {
			texts[i] = d.Text
		}
		resp["discrepancies"] = texts
	default:
		resp["status"] = "applied"
		if out.Study != nil {
			resp["band"] = out.Study.Rank.Band
			resp["due"] = out.Study.Rank.Due
		}
	}
	return c.JSON(resp)
}

// feedbackBody is the JSON of feedback on an AI result; the reader is the
// principal signed in. Verdict is agree, disagree or not-assessable (IHE
// AIRAI's accept, reject, supplement); agree (true or false) is the older
// form of the first two.
type feedbackBody struct {
	Site      string `json:"site"`
	Accession string `json:"accession"`
	Verdict   string `json:"verdict"`
	Agree     *bool  `json:"agree"`
	Note      string `json:"note"`
}

func (s *Server) postFeedback(c *fiber.Ctx) error {
	var b feedbackBody
	if err := ingest.DecodeJSON(c.Body(), &b); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"site", b.Site}, {"accession", b.Accession}} {
		if strings.TrimSpace(f.v) == "" {
			return invalid(f.name, f.name+" is required")
		}
	}
	verdict := b.Verdict
	switch {
	case verdict == "" && b.Agree == nil:
		return invalid("verdict", "verdict is required: agree, disagree or not-assessable")
	case verdict == "" && *b.Agree:
		verdict = worklist.VerdictAgree
	case verdict == "":
		verdict = worklist.VerdictDisagree
	}
	v, ok := worklist.ParseVerdict(verdict)
	if !ok {
		return invalid("verdict", "verdict must be agree, disagree or not-assessable")
	}
	if len(b.Note) > maxNote {
		return invalid("note", "note is longer than 2,000 characters")
	}
	p := principalOf(c)
	if s.allowedSections(p) != nil {
		st, err := s.store.Get(c.UserContext(), b.Site, b.Accession)
		if err != nil {
			return err
		}
		if !s.mayRead(p, st) {
			return fmt.Errorf("%w: no such study in your sections", worklist.ErrNotFound)
		}
	}
	id := param(c, "id")
	st, err := s.store.Feedback(c.UserContext(), b.Site, b.Accession, id, p.Name, v, b.Note)
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{Action: audit.Feedback, Outcome: audit.OK, Site: b.Site, Accession: b.Accession, Target: id, Detail: v})
	return c.JSON(st)
}

// getDeadLetters lists refused messages, newest first: at most limit, and
// at most about a megabyte of messages (large ones are kept as their head,
// size and hash); "next" is the offset of the next page, when there is
// one. They hold patient data: this is for admins.
func (s *Server) getDeadLetters(c *fiber.Ctx) error {
	offset, err := intQuery(c, "offset", 0, 1_000_000)
	if err != nil {
		return err
	}
	limit, err := intQuery(c, "limit", 50, 500)
	if err != nil {
		return err
	}
	dl, total, err := s.store.DeadLetters(c.UserContext(), offset, limit)
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{Action: audit.DeadLettersRead, Outcome: audit.OK, Detail: fmt.Sprintf("offset %d: %d of %d", offset, len(dl), total)})
	resp := fiber.Map{"deadLetters": dl, "total": total}
	if next := offset + len(dl); int64(next) < total {
		resp["next"] = next
	}
	return c.JSON(resp)
}

func (s *Server) getReady(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "redis": "unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
