package ui

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/ingest"
)

// Sign-in, sign-out and who-am-I:
//
//	GET  /signin                 the sign-in page (public)
//	GET  /auth/methods           which sign-ins this service offers (public)
//	POST /auth/login             {"name": ..., "password": ...}: a local account (public, rate-limited)
//	GET  /auth/oidc              start signing in with the identity provider (public)
//	GET  /auth/oidc/callback     where the identity provider sends the browser back (public)
//	POST /auth/logout            end this session
//	GET  /api/v1/me              who is signed in, the CSRF token, the session's limits

// loginBody is the JSON of POST /auth/login.
type loginBody struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// getMethods says which sign-ins the page should offer.
func (s *Server) getMethods(c *fiber.Ctx) error {
	m := fiber.Map{"password": s.access.Accounts != nil && s.access.Sessions != nil}
	if s.oidc != nil {
		m["oidc"] = fiber.Map{"label": s.oidc.label()}
	}
	return c.JSON(m)
}

// postLogin signs in a local account. Every failure takes as long and
// answers the same, whether the name exists or not.
func (s *Server) postLogin(c *fiber.Ctx) error {
	if s.access.Accounts == nil || s.access.Sessions == nil || s.access.Passwords == nil {
		return &apiError{Code: "not_found", Message: "local accounts are not enabled here", status: fiber.StatusNotFound}
	}
	if !s.sameOrigin(c, c.Get(fiber.HeaderOrigin)) {
		// A page elsewhere must not sign a browser in under its own account.
		return &apiError{Code: "csrf", Message: "sign in from this service's own page", status: fiber.StatusForbidden}
	}
	var b loginBody
	if err := ingest.DecodeJSON(c.Body(), &b); err != nil {
		return err
	}
	name := strings.ToLower(strings.TrimSpace(b.Name))
	acct, err := s.access.Accounts.Account(c.UserContext(), name)
	if err != nil && !errors.Is(err, access.ErrNotFound) {
		return err
	}
	p, err := s.access.Passwords.Verify(c.UserContext(), acct, b.Password)
	if err != nil {
		if errors.Is(err, access.ErrDenied) {
			s.auditSignIn(c, name, access.ByPassword, audit.Denied)
			return unauthenticated("wrong_credentials", "wrong name or password, or the account is disabled")
		}
		return err
	}
	return s.startSession(c, p, func(me fiber.Map) error { return c.JSON(me) })
}

// startSession signs p in: the session that the browser held (if any)
// ends, a new one starts under a new ID, the browser gets its cookie, and
// done answers.
func (s *Server) startSession(c *fiber.Ctx, p *access.Principal, done func(fiber.Map) error) error {
	ctx := c.UserContext()
	if old := c.Cookies(s.cookieName()); old != "" {
		if prev, err := s.access.Sessions.Session(ctx, strings.Clone(old)); err == nil {
			if err := s.access.Sessions.EndSession(ctx, strings.Clone(old), prev.Principal.Name); err != nil {
				return err
			}
		}
	}
	sess := access.NewSession(*p, s.now())
	id, err := s.access.Sessions.CreateSession(ctx, sess)
	if err != nil {
		return err
	}
	s.setCookie(c, id)
	s.auditSignIn(c, p.Name, p.Method, audit.OK)
	return done(s.me(p, sess))
}

// postLogout ends the session of the request.
func (s *Server) postLogout(c *fiber.Ctx) error {
	si := sessionOf(c)
	if si == nil { // a token: there is no session to end
		return c.JSON(fiber.Map{"status": "no session"})
	}
	if err := s.access.Sessions.EndSession(c.UserContext(), si.id, si.sess.Principal.Name); err != nil {
		return err
	}
	s.clearCookie(c)
	s.record(c, audit.Entry{Action: audit.SignOut, Outcome: audit.OK})
	return c.JSON(fiber.Map{"status": "signed out"})
}

// getMe says who is signed in.
func (s *Server) getMe(c *fiber.Ctx) error {
	p := principalOf(c)
	var sess *access.Session
	if si := sessionOf(c); si != nil {
		sess = si.sess
	}
	return c.JSON(s.me(p, sess))
}

// me is the JSON of who is signed in: name, roles, sections, and for a
// browser session its CSRF token and limits.
func (s *Server) me(p *access.Principal, sess *access.Session) fiber.Map {
	m := fiber.Map{"name": p.Name, "display": p.DisplayName(), "roles": p.Roles, "method": p.Method}
	if lim := p.SectionLimit(); len(lim) > 0 {
		m["sections"] = lim
	}
	if sess != nil {
		m["csrf"] = sess.CSRF
		m["idleLock"] = int(s.access.Rules.Idle / time.Second)
		m["expires"] = sess.Created.Add(s.access.Rules.Lifetime)
	}
	return m
}
