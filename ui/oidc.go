package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/audit"
)

// OIDC configures sign-in with the hospital's identity provider by OpenID
// Connect: the authorization code flow with PKCE (S256) and a nonce.
type OIDC struct {
	// Issuer is the provider's issuer URL; its discovery document says
	// the rest.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is where the provider sends the browser back; empty
	// means Edge.PublicURL + "/auth/oidc/callback".
	RedirectURL string
	// Scopes asked for besides openid; nil means profile and email.
	Scopes []string
	// NameClaim names the principal (in claims and the audit trail);
	// empty means preferred_username. Its value is lower-cased and must
	// pass access.CheckName.
	NameClaim string
	// DisplayClaim is the name colleagues see; empty means name.
	DisplayClaim string
	// RolesClaim holds the roles: a list of strings, or one string of
	// them separated by spaces or commas; a dotted name reaches into an
	// object (realm_access.roles). Empty means roles.
	RolesClaim string
	// RoleMap maps the claim's values to roles ("Radiologen":
	// radiologist); values not in it are ignored. Nil means the values
	// are role names themselves.
	RoleMap map[string]access.Role
	// Label is the sign-in button's text; empty means "Sign in with your
	// hospital account".
	Label string
	// HTTPClient talks to the provider; nil means one with a 10 s timeout.
	HTTPClient *http.Client
}

// loginStateTTL is how long a sign-in at the provider may take.
const loginStateTTL = 10 * time.Minute

// oidcCookie binds a sign-in under way to the browser that started it.
const oidcCookie = "voorrang-oidc"

// An oidcClient runs the flow. It reads the provider's discovery document
// when first needed, and again after a failure, so that a provider down
// when the service starts does not need a restart.
type oidcClient struct {
	cfg OIDC

	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

// loginState is what a sign-in under way remembers, server-side.
type loginState struct {
	Verifier string `json:"verifier"`
	Nonce    string `json:"nonce"`
	Next     string `json:"next"`
}

func (o *oidcClient) label() string {
	if o.cfg.Label != "" {
		return o.cfg.Label
	}
	return "Sign in with your hospital account"
}

func (o *oidcClient) ctx(ctx context.Context) context.Context {
	hc := o.cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return oidc.ClientContext(ctx, hc)
}

// setup reads the discovery document once it can.
func (o *oidcClient) setup(ctx context.Context) (*oidc.Provider, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, o.verifier, nil
	}
	p, err := oidc.NewProvider(o.ctx(ctx), o.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc: discovery of %s: %w", o.cfg.Issuer, err)
	}
	o.provider = p
	o.verifier = p.VerifierContext(o.ctx(context.Background()), &oidc.Config{ClientID: o.cfg.ClientID})
	return o.provider, o.verifier, nil
}

func (o *oidcClient) oauth2(p *oidc.Provider) *oauth2.Config {
	scopes := o.cfg.Scopes
	if scopes == nil {
		scopes = []string{"profile", "email"}
	}
	return &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, scopes...)}
}

// signinError sends the browser back to the sign-in page with a code the
// page explains; details stay in the log.
func signinError(c *fiber.Ctx, code string) error {
	return c.Redirect("/signin?error="+code, fiber.StatusSeeOther)
}

// getOIDCStart sends the browser to the provider: a new state, nonce and
// PKCE verifier, kept server-side under the state for ten minutes, and
// the state in a cookie of this browser.
func (s *Server) getOIDCStart(c *fiber.Ctx) error {
	if s.oidc == nil || s.access.Sessions == nil {
		return &apiError{Code: "not_found", Message: "sign-in with an identity provider is not configured", status: fiber.StatusNotFound}
	}
	p, _, err := s.oidc.setup(c.UserContext())
	if err != nil {
		s.logger.Error("signin: identity provider unreachable", "err", err)
		return signinError(c, "provider_unavailable")
	}
	st := loginState{Verifier: oauth2.GenerateVerifier(), Nonce: access.NewSecret(), Next: safeNext(c.Query("next"))}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	state := access.NewSecret()
	if err := s.access.Sessions.PutLoginState(c.UserContext(), state, data, loginStateTTL); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: oidcCookie, Value: state, Path: "/auth/oidc", HTTPOnly: true, Secure: s.edge.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(loginStateTTL / time.Second)})
	to := s.oidc.oauth2(p).AuthCodeURL(state, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
	return c.Redirect(to, fiber.StatusSeeOther)
}

// getOIDCCallback finishes the sign-in: the state must be the one this
// browser started with, the code is exchanged with the PKCE verifier, the
// ID token verified (signature, issuer, audience, expiry) and its nonce
// checked; the principal's name and roles come from its claims.
func (s *Server) getOIDCCallback(c *fiber.Ctx) error {
	if s.oidc == nil || s.access.Sessions == nil {
		return &apiError{Code: "not_found", Message: "sign-in with an identity provider is not configured", status: fiber.StatusNotFound}
	}
	ctx := c.UserContext()
	state := c.Query("state")
	cookie := c.Cookies(oidcCookie)
	c.Cookie(&fiber.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc", HTTPOnly: true, Secure: s.edge.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(0, 0)})
	if state == "" || cookie == "" || state != cookie {
		return signinError(c, "state")
	}
	data, err := s.access.Sessions.TakeLoginState(ctx, strings.Clone(state))
	if errors.Is(err, access.ErrNotFound) {
		return signinError(c, "state")
	}
	if err != nil {
		return err
	}
	// Only now, for a sign-in this browser started (whose start is
	// rate-limited), is the provider's error worth a line in the log: a
	// bare callback URL must not let anyone write there at will.
	if e := c.Query("error"); e != "" {
		s.logger.Warn("signin: the identity provider refused", "error", strings.Clone(e[:min(len(e), 64)]))
		return signinError(c, "provider_refused")
	}
	var st loginState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("oidc: sign-in state: %w", err)
	}
	p, err := s.oidc.finish(ctx, strings.Clone(c.Query("code")), st)
	if err != nil {
		s.logger.Warn("signin: identity provider sign-in failed", "err", err)
		var ne noRoleError
		if errors.As(err, &ne) {
			s.auditSignIn(c, ne.name, access.ByOIDC, audit.Denied)
			return signinError(c, "no_role")
		}
		s.auditSignIn(c, "", access.ByOIDC, audit.Denied)
		return signinError(c, "provider_failed")
	}
	s.applyResidentSections(p)
	return s.startSession(c, p, func(fiber.Map) error { return c.Redirect(st.Next, fiber.StatusSeeOther) })
}

// A noRoleError is a sign-in whose claims map to no role.
type noRoleError struct{ name string }

func (e noRoleError) Error() string { return "no role in the claims of " + e.name }

// finish exchanges the code and makes the principal of the ID token.
func (o *oidcClient) finish(ctx context.Context, code string, st loginState) (*access.Principal, error) {
	if code == "" {
		return nil, errors.New("oidc: no code")
	}
	p, verifier, err := o.setup(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := o.oauth2(p).Exchange(o.ctx(ctx), code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, fmt.Errorf("oidc: exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return nil, errors.New("oidc: no id_token in the token response")
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	if idt.Nonce != st.Nonce {
		return nil, errors.New("oidc: the ID token's nonce is not this sign-in's")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("oidc: claims: %w", err)
	}
	return o.principal(claims)
}

// principal maps ID token claims to a principal.
func (o *oidcClient) principal(claims map[string]any) (*access.Principal, error) {
	nameClaim := or(o.cfg.NameClaim, "preferred_username")
	name, _ := claim(claims, nameClaim).(string)
	name = strings.ToLower(strings.TrimSpace(name))
	if err := access.CheckName(name); err != nil {
		return nil, fmt.Errorf("oidc: claim %s: %w", nameClaim, err)
	}
	display, _ := claim(claims, or(o.cfg.DisplayClaim, "name")).(string)
	var values []string
	switch v := claim(claims, or(o.cfg.RolesClaim, "roles")).(type) {
	case string:
		values = strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				values = append(values, s)
			}
		}
	}
	var roles []access.Role
	for _, v := range values {
		if o.cfg.RoleMap != nil {
			if r, ok := o.cfg.RoleMap[v]; ok {
				roles = append(roles, r)
			}
			continue
		}
		if r, err := access.ParseRole(v); err == nil {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		return nil, noRoleError{name: name}
	}
	joined := make([]string, len(roles))
	for i, r := range roles {
		joined[i] = string(r)
	}
	roles, _ = access.ParseRoles(strings.Join(joined, ",")) // sorted, no duplicates
	return &access.Principal{Name: name, Display: display, Roles: roles, Method: access.ByOIDC}, nil
}

// claim returns a claim, reaching into objects along a dotted name.
func claim(claims map[string]any, name string) any {
	var v any = claims
	for part := range strings.SplitSeq(name, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// safeNext returns where to go after signing in: a path of this service,
// never another site ("//evil.example", "https://...").
func safeNext(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}
