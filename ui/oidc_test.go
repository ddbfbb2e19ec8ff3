package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/audit"
)

// An identity provider started in the test (mockoidc: authorization code
// flow with PKCE, signed ID tokens), and the service signing in with it.
func newOIDCEnv(t *testing.T, roleMap map[string]access.Role) (*authEnv, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	cfg := m.Config()
	e := newAuthEnv(t, func(c *Config, addr string) {
		c.Access.OIDC = &OIDC{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURL: "http://" + addr + "/auth/oidc/callback",
			Scopes:      []string{"profile", "email", "groups"}, RolesClaim: "groups", RoleMap: roleMap, Label: "Sign in with ZH-ID"}
	})
	return e, m
}

// follow sends GETs along redirects, by hand, until one leaves the chain;
// it returns the last status and the Location (or body).
func (b *browser) get(u string) (int, string) {
	b.e.t.Helper()
	res, err := b.c.Get(u)
	if err != nil {
		b.e.t.Fatalf("GET %s: %v", u, err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// oidcSignIn runs the flow: the service sends the browser to the provider,
// which signs the user in and sends it back with a code.
func (b *browser) oidcSignIn(next string) (int, string) {
	b.e.t.Helper()
	status, toProvider := b.get(b.e.url("/auth/oidc?next=" + url.QueryEscape(next)))
	if status != http.StatusSeeOther {
		b.e.t.Fatalf("GET /auth/oidc: %d, want 303 to the provider", status)
	}
	u, _ := url.Parse(toProvider)
	q := u.Query()
	for _, p := range []string{"state", "nonce", "code_challenge"} {
		if q.Get(p) == "" {
			b.e.t.Errorf("the authorization request lacks %s: %s", p, toProvider)
		}
	}
	if q.Get("code_challenge_method") != "S256" {
		b.e.t.Errorf("code_challenge_method %q, want S256", q.Get("code_challenge_method"))
	}
	status, back := b.get(toProvider)
	if status != http.StatusFound {
		b.e.t.Fatalf("the provider answered %d, want 302 back to the service", status)
	}
	return b.get(back)
}

func TestOIDCSignIn(t *testing.T) {
	e, m := newOIDCEnv(t, map[string]access.Role{"radiologen": access.Radiologist, "aios": access.Resident})
	status, body := e.browser().do("GET", "/auth/methods", "")
	if status != 200 || !strings.Contains(body, "Sign in with ZH-ID") {
		t.Errorf("GET /auth/methods: %d %s", status, body)
	}

	m.QueueUser(&mockoidc.MockUser{Subject: "s-1", PreferredUsername: "J.Jansen@ZH.nl", Email: "j.jansen@zh.nl",
		Groups: []string{"radiologen", "iedereen"}})
	b := e.browser()
	status, to := b.oidcSignIn("/?band=critical")
	if status != http.StatusSeeOther || to != "/?band=critical" {
		t.Fatalf("the callback: %d to %q; want 303 to where the reader was going", status, to)
	}
	status, body = b.do("GET", "/api/v1/me", "")
	if status != 200 || !strings.Contains(body, `"name":"j.jansen@zh.nl"`) || !strings.Contains(body, `"roles":["radiologist"]`) ||
		!strings.Contains(body, `"method":"oidc"`) {
		t.Errorf("GET /api/v1/me: %d %s", status, body)
	}
	if es := e.entries(audit.SignIn); len(es) != 1 || es[0].Outcome != audit.OK || es[0].Method != access.ByOIDC {
		t.Errorf("trail %+v, want one sign-in by oidc", es)
	}
}

func TestOIDCRefusals(t *testing.T) {
	e, m := newOIDCEnv(t, map[string]access.Role{"radiologen": access.Radiologist})

	// A user with no mapped role is not signed in.
	m.QueueUser(&mockoidc.MockUser{Subject: "s-2", PreferredUsername: "kok", Groups: []string{"keuken"}})
	b := e.browser()
	if status, to := b.oidcSignIn("/"); status != http.StatusSeeOther || to != "/signin?error=no_role" {
		t.Errorf("no role: %d to %q; want /signin?error=no_role", status, to)
	}
	if b.cookie() != "" {
		t.Error("a session was started without a role")
	}

	// A callback whose state this browser did not start (login CSRF), a
	// state used twice, and an unknown state are all refused.
	m.QueueUser(&mockoidc.MockUser{Subject: "s-3", PreferredUsername: "jansen", Groups: []string{"radiologen"}})
	victim, attacker := e.browser(), e.browser()
	_, toProvider := attacker.get(e.url("/auth/oidc"))
	_, back := attacker.get(toProvider)
	if status, to := victim.get(back); status != http.StatusSeeOther || to != "/signin?error=state" {
		t.Errorf("another browser's callback: %d to %q; want /signin?error=state", status, to)
	}
	if victim.cookie() != "" {
		t.Error("the victim was signed in as the attacker")
	}
	if status, to := attacker.get(back); status != http.StatusSeeOther || to != "/" {
		t.Errorf("the attacker's own callback: %d to %q; want signed in", status, to)
	}
	if status, to := attacker.get(back); status != http.StatusSeeOther || to != "/signin?error=state" {
		t.Errorf("the same callback again: %d to %q; want /signin?error=state", status, to)
	}

	// The provider refusing (the user cancelled) comes back as an error,
	// and is logged; the same callback of a sign-in this browser did not
	// start is refused unlogged (anyone could fill the log with it).
	refusing := e.browser()
	_, toProvider = refusing.get(e.url("/auth/oidc"))
	u, err := url.Parse(toProvider)
	if err != nil {
		t.Fatal(err)
	}
	cb := "/auth/oidc/callback?error=access_denied&state=" + url.QueryEscape(u.Query().Get("state"))
	logged := len(e.log.String())
	if status, to := e.browser().get(e.url(cb)); status != http.StatusSeeOther || to != "/signin?error=state" {
		t.Errorf("an error for a sign-in another browser started: %d to %q", status, to)
	}
	if len(e.log.String()) != logged {
		t.Errorf("an error for a sign-in this browser did not start was logged: %s", e.log.String()[logged:])
	}
	if status, to := refusing.get(e.url(cb)); status != http.StatusSeeOther || to != "/signin?error=provider_refused" {
		t.Errorf("an error from the provider: %d to %q", status, to)
	}
	if !strings.Contains(e.log.String()[logged:], "access_denied") {
		t.Errorf("the provider's refusal was not logged: %q", e.log.String()[logged:])
	}
	// A next that leaves the site is replaced by the panel.
	m.QueueUser(&mockoidc.MockUser{Subject: "s-4", PreferredUsername: "devries", Groups: []string{"radiologen"}})
	if _, to := e.browser().oidcSignIn("//attacker.example/x"); to != "/" {
		t.Errorf("next //attacker.example/x: sent to %q, want /", to)
	}
}

func TestOIDCPrincipal(t *testing.T) {
	o := &oidcClient{cfg: OIDC{RolesClaim: "realm_access.roles"}}
	tests := []struct {
		name   string
		claims map[string]any
		want   string // name:roles, or the error's start
	}{
		{"nested list", map[string]any{"preferred_username": "Jansen", "realm_access": map[string]any{"roles": []any{"radiologist", "offline_access"}}}, "jansen:radiologist"},
		{"several roles", map[string]any{"preferred_username": "j", "realm_access": map[string]any{"roles": []any{"admin", "radiologist", "admin"}}}, "j:admin,radiologist"},
		{"no roles", map[string]any{"preferred_username": "j", "realm_access": map[string]any{"roles": []any{"offline_access"}}}, "error"},
		{"name with a space", map[string]any{"preferred_username": "J Jansen", "realm_access": map[string]any{"roles": []any{"admin"}}}, "error"},
		{"no name", map[string]any{"realm_access": map[string]any{"roles": []any{"admin"}}}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := o.principal(tt.claims)
			got := "error"
			if err == nil {
				var roles []string
				for _, r := range p.Roles {
					roles = append(roles, string(r))
				}
				got = p.Name + ":" + strings.Join(roles, ",")
			}
			if got != tt.want {
				t.Errorf("principal = %s (%v), want %s", got, err, tt.want)
			}
		})
	}
	o = &oidcClient{cfg: OIDC{}}
	p, err := o.principal(map[string]any{"preferred_username": "j", "roles": "resident manager"})
	if err != nil || !p.Has(access.Resident) || !p.Has(access.Manager) {
		t.Errorf("roles as one string: %+v, %v", p, err)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/": "/", "/?band=critical": "/?band=critical", "//evil.example": "/", "https://evil.example/": "/",
		"/\\evil.example": "/", "javascript:alert(1)": "/", "relative": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
