package ui

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/audit"
)

// Auditor appends to the audit trail (audit/redisstore, an audit.File, or
// an audit.Tee of them).
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// AuditReader reads the trail back, for admins.
type AuditReader interface {
	Entries(ctx context.Context, q audit.Query) ([]audit.Entry, string, error)
}

// record completes e with the time, the principal of the request and the
// client's address, and appends it to the trail. A trail that cannot be
// written is logged, not answered: the action it records has happened.
func (s *Server) record(c *fiber.Ctx, e audit.Entry) {
	if p := principalOf(c); p != nil && e.Actor == "" {
		e.Actor, e.Method = p.Name, p.Method
	}
	e.Remote = s.clientIP(c)
	s.recordEntry(c.UserContext(), e)
}

func (s *Server) recordEntry(ctx context.Context, e audit.Entry) {
	if s.auditor == nil {
		return
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	if err := s.auditor.Record(context.WithoutCancel(ctx), e); err != nil {
		s.logger.Error("audit: an entry was not written", "action", e.Action, "err", err)
	}
}

// auditSignIn records a sign-in or a failed one; name is what the caller
// claimed to be (for a failure, maybe no one).
func (s *Server) auditSignIn(c *fiber.Ctx, name, method, outcome string) {
	if len(name) > 64 {
		name = name[:64]
	}
	s.record(c, audit.Entry{Action: audit.SignIn, Actor: strings.Clone(name), Method: method, Outcome: outcome})
}

// auditDenied records a principal refused a route: the route's pattern,
// never its path (which may hold an accession number of a study the
// principal may not see).
func (s *Server) auditDenied(c *fiber.Ctx, p *access.Principal) {
	s.record(c, audit.Entry{Action: audit.AccessDenied, Outcome: audit.Denied, Actor: p.Name, Method: p.Method,
		Detail: c.Method() + " " + c.Route().Path})
}
