package ui

import (
	"bufio"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/audit"
)

// Admins' routes: the local accounts and the sessions of any principal,
// and the audit trail.
//
//	GET  /api/v1/users                      local accounts (never their password hashes)
//	POST /api/v1/users/:name/signout        end every session of a principal (any sign-in method)
//	POST /api/v1/users/:name/disable        disable a local account, ending its sessions
//	POST /api/v1/users/:name/enable         enable it again
//	GET  /api/v1/audit                      the trail, oldest first, paged (from, to, actor, action, after, limit)
//	GET  /api/v1/audit/export               the same entries, all of them, as JSON lines

// accountView is an account as admins see it: no password hash.
type accountView struct {
	Name     string        `json:"name"`
	Display  string        `json:"display,omitempty"`
	Roles    []access.Role `json:"roles"`
	Sections []string      `json:"sections,omitempty"`
	Disabled bool          `json:"disabled"`
	Created  time.Time     `json:"created"`
	Changed  time.Time     `json:"changed"`
}

func viewOf(a access.Account) accountView {
	return accountView{Name: a.Name, Display: a.Display, Roles: a.Roles, Sections: a.Sections, Disabled: a.Disabled,
		Created: a.Created, Changed: a.Changed}
}

func (s *Server) getUsers(c *fiber.Ctx) error {
	if s.access.Accounts == nil {
		return c.JSON(fiber.Map{"users": []accountView{}})
	}
	accts, err := s.access.Accounts.Accounts(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]accountView, len(accts))
	for i, a := range accts {
		out[i] = viewOf(a)
	}
	return c.JSON(fiber.Map{"users": out})
}

// postSignOutUser ends every session of the principal of the route.
func (s *Server) postSignOutUser(c *fiber.Ctx) error {
	name := param(c, "name")
	if err := access.CheckName(name); err != nil {
		return invalid("name", err.Error())
	}
	if s.access.Sessions == nil {
		return c.JSON(fiber.Map{"name": name, "ended": 0})
	}
	n, err := s.access.Sessions.EndSessionsOf(c.UserContext(), name)
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{Action: audit.SignOutAll, Outcome: audit.OK, Target: name, Detail: fmt.Sprintf("%d sessions", n)})
	return c.JSON(fiber.Map{"name": name, "ended": n})
}

// setDisabled disables or enables the local account of the route.
func (s *Server) setDisabled(disabled bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		name := param(c, "name")
		if s.access.Accounts == nil {
			return &apiError{Code: "not_found", Message: "no local accounts here", status: fiber.StatusNotFound}
		}
		a, err := s.access.Accounts.UpdateAccount(c.UserContext(), name, func(a *access.Account) error {
			a.Disabled = disabled
			return nil
		})
		if err != nil {
			return err
		}
		detail := "enabled"
		if disabled {
			detail = "disabled; sessions ended"
		}
		s.record(c, audit.Entry{Action: audit.UserChange, Outcome: audit.OK, Target: name, Detail: detail})
		return c.JSON(viewOf(*a))
	}
}

// auditQuery reads the query string of the audit routes.
func auditQuery(c *fiber.Ctx) (audit.Query, error) {
	q := audit.Query{Actor: query(c, "actor"), Action: query(c, "action"), After: query(c, "after")}
	for _, f := range []struct {
		name string
		t    *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := c.Query(f.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return q, invalid(f.name, f.name+" must be an RFC 3339 time such as 2026-11-23T00:00:00+01:00")
			}
			*f.t = t
		}
	}
	var err error
	if q.Limit, err = intQuery(c, "limit", 100, 1000); err != nil {
		return q, err
	}
	return q, nil
}

// getAudit serves a page of the trail: {"entries": [...], "next": ID}.
func (s *Server) getAudit(c *fiber.Ctx) error {
	if s.trail == nil {
		return &apiError{Code: "not_found", Message: "no audit trail is kept here", status: fiber.StatusNotFound}
	}
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	entries, next, err := s.trail.Entries(c.UserContext(), q)
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{Action: audit.AuditRead, Outcome: audit.OK, Detail: c.Request().URI().QueryArgs().String()})
	resp := fiber.Map{"entries": entries}
	if next != "" {
		resp["next"] = next
	}
	return c.JSON(resp)
}

// getAuditExport streams every entry of the query as JSON lines, page by
// page, so that an export of a year holds only a page in memory.
func (s *Server) getAuditExport(c *fiber.Ctx) error {
	if s.trail == nil {
		return &apiError{Code: "not_found", Message: "no audit trail is kept here", status: fiber.StatusNotFound}
	}
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	q.Limit = 1000
	ctx := c.UserContext()
	first, next, err := s.trail.Entries(ctx, q)
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{Action: audit.AuditRead, Outcome: audit.OK, Detail: "export " + c.Request().URI().QueryArgs().String()})
	c.Set(fiber.HeaderContentType, "application/x-ndjson")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="voorrang-audit.jsonl"`)
	trail := s.trail
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		page := first
		for {
			for _, e := range page {
				line, _ := json.Marshal(e)
				w.Write(line)
				w.WriteByte('\n')
			}
			if next == "" || w.Flush() != nil {
				return
			}
			q.After = next
			if page, next, err = trail.Entries(ctx, q); err != nil {
				w.WriteString(`{"error":"the export stopped: the store failed"}` + "\n")
				return
			}
		}
	})
	return nil
}
