package ui

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/worklist"
)

// Sessions keeps signed-in sessions and the state of sign-ins under way
// (access/redisstore).
type Sessions interface {
	CreateSession(ctx context.Context, s *access.Session) (string, error)
	Session(ctx context.Context, id string) (*access.Session, error)
	Touch(ctx context.Context, id string, s *access.Session) error
	EndSession(ctx context.Context, id, name string) error
	EndSessionsOf(ctx context.Context, name string) (int, error)
	PutLoginState(ctx context.Context, state string, data []byte, ttl time.Duration) error
	TakeLoginState(ctx context.Context, state string) ([]byte, error)
}

// Accounts are the local accounts (access/redisstore).
type Accounts interface {
	Account(ctx context.Context, name string) (*access.Account, error)
	Accounts(ctx context.Context) ([]access.Account, error)
	UpdateAccount(ctx context.Context, name string, fn func(*access.Account) error) (*access.Account, error)
}

// Access says how the HTTP side knows who calls. The zero value lets
// nobody in: only public routes answer.
type Access struct {
	// Sessions keeps browser sessions; nil means no browser can sign in.
	Sessions Sessions
	// Accounts and Passwords sign in local accounts; nil Accounts means
	// none.
	Accounts  Accounts
	Passwords *access.PasswordVerifier
	// Tokens are the integration tokens (Authorization: Bearer).
	Tokens *access.Tokens
	// OIDC signs in with the hospital's identity provider; nil means not.
	OIDC *OIDC
	// Rules are the sessions' idle lock and lifetime, as the store
	// applies them; GET /api/v1/me reports them.
	Rules access.SessionRules
	// ResidentSections are the sections a resident sees who has none of
	// their own; empty means all.
	ResidentSections []string
	// SessionCheck is how often an open websocket checks that its
	// session is still valid; zero means 5 seconds.
	SessionCheck time.Duration
	// MaxWS and MaxWSPerPrincipal bound the open websockets in all and of
	// one principal; zero means 5,000 and 10.
	MaxWS, MaxWSPerPrincipal int
}

func (a *Access) defaults() {
	if a.Rules == (access.SessionRules{}) {
		a.Rules = access.DefaultSessionRules()
	}
	if a.SessionCheck == 0 {
		a.SessionCheck = 5 * time.Second
	}
	if a.MaxWS == 0 {
		a.MaxWS = 5000
	}
	if a.MaxWSPerPrincipal == 0 {
		a.MaxWSPerPrincipal = 10
	}
}

// Locals keys (strings survive the websocket upgrade).
const (
	principalLocal = "voorrang.principal"
	sessionLocal   = "voorrang.session"
	endedLocal     = "voorrang.ended" // why a session presented was refused
	// tokenRefusedLocal marks a request with an unknown bearer token.
	tokenRefusedLocal = "voorrang.token_refused"
)

// A signedIn is the session behind a request.
type signedIn struct {
	id   string
	sess *access.Session
}

// principalOf returns who makes the request; nil when nobody signed in.
func principalOf(c *fiber.Ctx) *access.Principal {
	p, _ := c.Locals(principalLocal).(*access.Principal)
	return p
}

func sessionOf(c *fiber.Ctx) *signedIn {
	s, _ := c.Locals(sessionLocal).(*signedIn)
	return s
}

// Header names the panel sends.
const (
	headerCSRF = "X-CSRF-Token"
	// headerBackground marks a request the panel makes by itself (a
	// poll, a claim renewal): it does not count as activity for the idle
	// lock.
	headerBackground = "X-Voorrang-Background"
)

// cookieName is the session cookie's name: with the __Host- prefix over
// HTTPS, which binds it to this host and path / and requires Secure.
func (s *Server) cookieName() string {
	if s.edge.Secure {
		return "__Host-voorrang-session"
	}
	return "voorrang-session"
}

func unsafeMethod(m string) bool {
	switch m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return false
	}
	return true
}

// authenticate finds who makes the request: the holder of a bearer token,
// or of a session cookie (whose state-changing requests must carry the
// session's CSRF token and an origin of this service). A session that is
// locked or ended is deleted and its cookie cleared; the request goes on
// without a principal, and the route's guard refuses it if it needs one.
func (s *Server) authenticate(c *fiber.Ctx) error {
	if exempt(c.Path()) {
		return c.Next()
	}
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		return s.bearer(c, h)
	}
	id := c.Cookies(s.cookieName())
	if id == "" || s.access.Sessions == nil {
		return c.Next()
	}
	id = strings.Clone(id)
	sess, err := s.access.Sessions.Session(c.UserContext(), id)
	switch {
	case errors.Is(err, access.ErrIdle):
		s.clearCookie(c)
		c.Locals(endedLocal, "session_locked")
		return c.Next()
	case errors.Is(err, access.ErrExpired), errors.Is(err, access.ErrNotFound):
		s.clearCookie(c)
		c.Locals(endedLocal, "session_ended")
		return c.Next()
	case err != nil:
		return err
	}
	if unsafeMethod(c.Method()) {
		if err := s.checkCSRF(c, sess); err != nil {
			return err
		}
	}
	if c.Get(headerBackground) == "" {
		if err := s.access.Sessions.Touch(c.UserContext(), id, sess); err != nil {
			return err
		}
	}
	p := sess.Principal
	s.applyResidentSections(&p)
	c.Locals(principalLocal, &p)
	c.Locals(sessionLocal, &signedIn{id: id, sess: sess})
	return c.Next()
}

// bearer authenticates an integration token. A wrong one is refused at
// once: the caller meant to be someone.
func (s *Server) bearer(c *fiber.Ctx, h string) error {
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || s.access.Tokens == nil {
		return unauthenticated("unauthenticated", "send Authorization: Bearer TOKEN")
	}
	p, err := s.access.Tokens.Authenticate(strings.TrimSpace(secret))
	if err != nil {
		c.Locals(tokenRefusedLocal, true) // refuseToken answers, unless tokenLimit does
		return c.Next()
	}
	c.Locals(principalLocal, p)
	return c.Next()
}

// tokenRefused reports whether the request carried an unknown token.
func tokenRefused(c *fiber.Ctx) bool {
	refused, _ := c.Locals(tokenRefusedLocal).(bool)
	return refused
}

// refuseToken answers a request with an unknown token: 401, and an entry
// in the audit trail. It stands behind the limit of sign-in attempts
// (Server.tokenLimit), which answers 429 beyond it without an entry: a
// wrong token is a failed sign-in, guessing tokens must be as slow as
// guessing passwords, and nobody may grow the trail (kept for months) by
// a thousand entries a minute.
func (s *Server) refuseToken(c *fiber.Ctx) error {
	if !tokenRefused(c) {
		return c.Next()
	}
	s.auditSignIn(c, "", access.ByToken, "denied")
	return unauthenticated("unauthenticated", "unknown token")
}

// applyResidentSections gives a resident without sections of their own
// the configured ones.
func (s *Server) applyResidentSections(p *access.Principal) {
	if len(p.Sections) == 0 && p.Has(access.Resident) {
		p.Sections = s.access.ResidentSections
	}
}

func unauthenticated(code, msg string) *apiError {
	return &apiError{Code: code, Message: msg, status: fiber.StatusUnauthorized}
}

// checkCSRF refuses a state-changing cookie request without the session's
// CSRF token, or from a page of another origin.
func (s *Server) checkCSRF(c *fiber.Ctx, sess *access.Session) error {
	tok := c.Get(headerCSRF)
	if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(sess.CSRF)) != 1 {
		return &apiError{Code: "csrf", Message: "the request lacks this session's CSRF token (X-CSRF-Token); reload the page",
			status: fiber.StatusForbidden}
	}
	if !s.sameOrigin(c, c.Get(fiber.HeaderOrigin)) {
		return &apiError{Code: "csrf", Message: "requests with a session cookie must come from a page of this service",
			status: fiber.StatusForbidden}
	}
	return nil
}

// sameOrigin reports whether origin is this service's: the origin of
// Edge.PublicURL, or, without one, the scheme and host the request came
// to (whose host the edge checked).
func (s *Server) sameOrigin(c *fiber.Ctx, origin string) bool {
	u, err := url.Parse(origin)
	if origin == "" || err != nil || u.Host == "" {
		return false
	}
	origin = strings.ToLower(u.Scheme + "://" + u.Host)
	if o := s.edge.publicOrigin(); o != "" {
		return origin == o
	}
	return strings.EqualFold(u.Host, string(c.Request().Host()))
}

// guardFor returns the middleware that admits to a route of policy p only
// those the policy allows: 401 for nobody (the panel's page sends a
// browser to the sign-in page instead), 403 for a principal without the
// role.
func (s *Server) guardFor(p access.Policy) fiber.Handler {
	return func(c *fiber.Ctx) error {
		pr := principalOf(c)
		if p.Allows(pr) {
			return c.Next()
		}
		page := c.Method() == fiber.MethodGet && (c.Path() == "/" || c.Path() == "/stats")
		if pr != nil {
			// A manager has no reading list: the panel's page sends them
			// to the statistics.
			if page && c.Path() == "/" && access.ManagerOnly.Allows(pr) {
				return c.Redirect("/stats", fiber.StatusSeeOther)
			}
			s.auditDenied(c, pr)
			return &apiError{Code: "forbidden", Message: "your role may not do this", status: fiber.StatusForbidden}
		}
		why, _ := c.Locals(endedLocal).(string)
		if page {
			q := url.Values{}
			if c.Path() != "/" {
				q.Set("next", c.Path())
			}
			if why != "" {
				q.Set("reason", why)
			}
			target := "/signin"
			if len(q) > 0 {
				target += "?" + q.Encode()
			}
			return c.Redirect(target, fiber.StatusSeeOther)
		}
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="voorrang"`)
		switch why {
		case "session_locked":
			return unauthenticated(why, "the session was locked after a time without activity; sign in again")
		case "session_ended":
			return unauthenticated(why, "the session has ended; sign in again")
		}
		return unauthenticated("unauthenticated", "sign in, or send Authorization: Bearer TOKEN")
	}
}

// setCookie gives the browser its session: HttpOnly, SameSite=Lax (sent
// when the identity provider sends the browser back), Secure over HTTPS,
// for the whole service and the browser's session only.
func (s *Server) setCookie(c *fiber.Ctx, id string) {
	c.Cookie(&fiber.Cookie{Name: s.cookieName(), Value: id, Path: "/", HTTPOnly: true, Secure: s.edge.Secure,
		SameSite: fiber.CookieSameSiteLaxMode})
}

func (s *Server) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: s.cookieName(), Value: "", Path: "/", HTTPOnly: true, Secure: s.edge.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
}

// allowedSections returns the filter of the sections p may see, or nil
// when p may see every study.
func (s *Server) allowedSections(p *access.Principal) func(*worklist.Study) bool {
	limit := p.SectionLimit()
	if len(limit) == 0 {
		return nil
	}
	var matches []func(*worklist.Study) bool
	for _, name := range limit {
		if m, ok := s.sections.matcher(name); ok {
			matches = append(matches, m)
		}
	}
	return func(st *worklist.Study) bool {
		return slices.ContainsFunc(matches, func(m func(*worklist.Study) bool) bool { return m(st) })
	}
}

// both returns a filter that holds when a and b hold; nil ones hold always.
func both(a, b func(*worklist.Study) bool) func(*worklist.Study) bool {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(st *worklist.Study) bool { return a(st) && b(st) }
}

// mayRead reports whether p may see st: a resident only the studies of
// their sections.
func (s *Server) mayRead(p *access.Principal, st *worklist.Study) bool {
	limit := s.allowedSections(p)
	return limit == nil || limit(st)
}
