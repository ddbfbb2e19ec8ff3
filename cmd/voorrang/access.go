package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"runtime"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/access"
	accessredis "github.com/voorrang/voorrang/access/redisstore"
	"github.com/voorrang/voorrang/audit"
	auditredis "github.com/voorrang/voorrang/audit/redisstore"
	"github.com/voorrang/voorrang/ui"
)

// accessConfig holds the flags of sign-in, sessions, tokens and the audit
// trail.
type accessConfig struct {
	localAccounts    bool
	tokens           string
	tokensFile       string
	sessionIdle      time.Duration
	sessionLifetime  time.Duration
	residentSections string
	wsMax            int
	wsPerPrincipal   int
	auditFile        string
	auditRetention   time.Duration

	oidcIssuer, oidcClientID, oidcSecret, oidcRedirect string
	oidcScopes, oidcNameClaim, oidcDisplayClaim        string
	oidcRolesClaim, oidcRoleMap, oidcLabel             string

	passwords access.PasswordParams // tests: cheaper hashes; zero: the defaults
}

func (a *accessConfig) register(fs *flag.FlagSet) {
	fs.BoolVar(&a.localAccounts, "local-accounts", true, "allow sign-in with local accounts (voorrang user add); false with an identity provider")
	fs.StringVar(&a.tokens, "api-tokens", "", "integration tokens, name:role:secret (or name:role:sha256:HEX), comma-separated; better in the environment (VOORRANG_API_TOKENS)")
	fs.StringVar(&a.tokensFile, "api-tokens-file", "", "file of integration tokens, one name:role:secret a line")
	fs.DurationVar(&a.sessionIdle, "session-idle", access.DefaultSessionRules().Idle, "a browser session is locked after this long without activity")
	fs.DurationVar(&a.sessionLifetime, "session-lifetime", access.DefaultSessionRules().Lifetime, "a browser session ends this long after sign-in, however active")
	fs.StringVar(&a.residentSections, "resident-sections", "", "the sections residents see, comma-separated, unless their account names its own; empty: all")
	fs.IntVar(&a.wsMax, "ws-max", 5000, "live connections (websockets) open at once")
	fs.IntVar(&a.wsPerPrincipal, "ws-max-per-principal", 10, "live connections open at once of one principal")
	fs.StringVar(&a.auditFile, "audit-file", "", "also append the audit trail to this file, as JSON lines")
	fs.DurationVar(&a.auditRetention, "audit-retention", 400*24*time.Hour, "how long the audit trail keeps entries in Redis")
	fs.StringVar(&a.oidcIssuer, "oidc-issuer", "", "OpenID Connect issuer URL of the hospital's identity provider; empty: no OIDC sign-in")
	fs.StringVar(&a.oidcClientID, "oidc-client-id", "", "the client ID registered at the identity provider")
	fs.StringVar(&a.oidcSecret, "oidc-client-secret", "", "its client secret; better in the environment (VOORRANG_OIDC_CLIENT_SECRET)")
	fs.StringVar(&a.oidcRedirect, "oidc-redirect-url", "", "the redirect URL registered; empty: --public-url + /auth/oidc/callback")
	fs.StringVar(&a.oidcScopes, "oidc-scopes", "profile,email", "scopes asked for besides openid, comma-separated")
	fs.StringVar(&a.oidcNameClaim, "oidc-name-claim", "preferred_username", "the ID token claim that names the user")
	fs.StringVar(&a.oidcDisplayClaim, "oidc-display-claim", "name", "the claim with the name colleagues see")
	fs.StringVar(&a.oidcRolesClaim, "oidc-roles-claim", "roles", "the claim with the user's roles or groups (a dotted name reaches into an object: realm_access.roles)")
	fs.StringVar(&a.oidcRoleMap, "oidc-role-map", "", "claim values to roles, e.g. Radiologen=radiologist,AIOS=resident,Beheer=admin; empty: the values are role names")
	fs.StringVar(&a.oidcLabel, "oidc-label", "", "the sign-in button's text")
}

// tokenSet reads the integration tokens of --api-tokens and
// --api-tokens-file.
func (a *accessConfig) tokenSet() (*access.Tokens, error) {
	var r []io.Reader
	if a.tokens != "" {
		r = append(r, strings.NewReader(a.tokens+"\n"))
	}
	if a.tokensFile != "" {
		f, err := os.Open(a.tokensFile)
		if err != nil {
			return nil, fmt.Errorf("--api-tokens-file: %w", err)
		}
		defer f.Close()
		r = append(r, f)
	}
	t, err := access.ParseTokens(io.MultiReader(r...))
	if err != nil {
		return nil, fmt.Errorf("API tokens: %w", err)
	}
	return t, nil
}

// oidc returns the identity provider's configuration, or nil.
func (a *accessConfig) oidc(publicURL string) (*ui.OIDC, error) {
	if a.oidcIssuer == "" {
		return nil, nil
	}
	if a.oidcClientID == "" {
		return nil, fmt.Errorf("--oidc-issuer needs --oidc-client-id")
	}
	if a.oidcRedirect == "" && publicURL == "" {
		return nil, fmt.Errorf("--oidc-issuer needs --public-url (or --oidc-redirect-url): the identity provider sends browsers back there")
	}
	o := &ui.OIDC{Issuer: a.oidcIssuer, ClientID: a.oidcClientID, ClientSecret: a.oidcSecret, RedirectURL: a.oidcRedirect,
		Scopes: splitList(a.oidcScopes), NameClaim: a.oidcNameClaim, DisplayClaim: a.oidcDisplayClaim,
		RolesClaim: a.oidcRolesClaim, Label: a.oidcLabel}
	if a.oidcRoleMap != "" {
		o.RoleMap = map[string]access.Role{}
		for _, pair := range splitList(a.oidcRoleMap) {
			v, role, ok := strings.Cut(pair, "=")
			r, err := access.ParseRole(role)
			if !ok || err != nil {
				return nil, fmt.Errorf("--oidc-role-map %q: want VALUE=ROLE", pair)
			}
			o.RoleMap[strings.TrimSpace(v)] = r
		}
	}
	return o, nil
}

// build makes the HTTP side's access and the audit trail on rdb. The
// returned function closes the audit file.
func (a *accessConfig) build(rdb redis.UniversalClient, prefix, publicURL string, now func() time.Time) (ui.Access, ui.Auditor, *auditredis.Trail, *accessredis.Store, func(), error) {
	rules := access.SessionRules{Idle: a.sessionIdle, Lifetime: a.sessionLifetime}
	none := func() {}
	if rules.Idle < 0 || rules.Lifetime < 0 {
		return ui.Access{}, nil, nil, nil, none, fmt.Errorf("--session-idle and --session-lifetime must be positive")
	}
	def := access.DefaultSessionRules()
	if rules.Idle == 0 {
		rules.Idle = def.Idle
	}
	if rules.Lifetime == 0 {
		rules.Lifetime = def.Lifetime
	}
	tokens, err := a.tokenSet()
	if err != nil {
		return ui.Access{}, nil, nil, nil, none, err
	}
	oidc, err := a.oidc(publicURL)
	if err != nil {
		return ui.Access{}, nil, nil, nil, none, err
	}
	store := accessredis.New(rdb, accessredis.Options{Prefix: prefix, Now: now, Sessions: rules})
	acc := ui.Access{Sessions: store, Tokens: tokens, OIDC: oidc, Rules: rules, ResidentSections: splitList(a.residentSections),
		MaxWS: a.wsMax, MaxWSPerPrincipal: a.wsPerPrincipal}
	if a.localAccounts {
		params := a.passwords
		if params == (access.PasswordParams{}) {
			params = access.DefaultPasswordParams()
		}
		pv, err := access.NewPasswordVerifier(params, runtime.GOMAXPROCS(0))
		if err != nil {
			return ui.Access{}, nil, nil, nil, none, err
		}
		acc.Accounts, acc.Passwords = store, pv
	}
	trail := auditredis.New(rdb, auditredis.Options{Prefix: prefix, Retention: a.auditRetention, Now: now})
	var rec ui.Auditor = trail
	closeFile := none
	if a.auditFile != "" {
		f, err := audit.OpenFile(a.auditFile)
		if err != nil {
			return ui.Access{}, nil, nil, nil, none, err
		}
		rec, closeFile = audit.Tee{trail, f}, func() { f.Close() }
	}
	return acc, rec, trail, store, closeFile, nil
}

// cliActor names who runs a command, for the audit trail.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}
