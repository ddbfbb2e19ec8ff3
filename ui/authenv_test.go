package ui

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/access"
	accessredis "github.com/voorrang/voorrang/access/redisstore"
	"github.com/voorrang/voorrang/audit"
	auditredis "github.com/voorrang/voorrang/audit/redisstore"
	statsredis "github.com/voorrang/voorrang/stats/redisstore"
)

// The tokens of the tests, one per role and one with every role (the
// default of do, for tests of other things than access).
var testTokens = map[string]string{
	"jansen":     "radiologist-token-0123456789abcdefghij",
	"pietersen":  "radiologist-token-2-0123456789abcdefgh",
	"aios":       "resident-token-0123456789abcdefghijklm",
	"manager":    "manager-token-0123456789abcdefghijklmn",
	"beheer":     "admin-token-0123456789abcdefghijklmnopq",
	"aiplatform": "integration-token-0123456789abcdefghij",
	"tester":     "every-role-token-0123456789abcdefghijk",
}

func testTokenSet() *access.Tokens {
	t, err := access.ParseTokens(strings.NewReader(
		"jansen:radiologist:" + testTokens["jansen"] + "\n" +
			"pietersen:radiologist:" + testTokens["pietersen"] + "\n" +
			"aios:resident:" + testTokens["aios"] + "\n" +
			"manager:manager:" + testTokens["manager"] + "\n" +
			"beheer:admin:" + testTokens["beheer"] + "\n" +
			"aiplatform:integration:" + testTokens["aiplatform"] + "\n" +
			"tester:radiologist+manager+admin+integration:" + testTokens["tester"] + "\n"))
	if err != nil {
		panic(err)
	}
	return t
}

// testAccess lets the test tokens in, nothing else, and as many live
// connections as a test of the hub opens.
func testAccess() Access {
	return Access{Tokens: testTokenSet(), MaxWS: 1 << 20, MaxWSPerPrincipal: 1 << 20}
}

// testPseudonymKey is the key of the export's pseudonyms in the tests.
var testPseudonymKey = []byte("the test site's pseudonym key")

// cheap keeps password hashing fast in tests; the costs are in each hash.
var cheap = access.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

// An authEnv is a served Server with everything of sign-in: sessions and
// accounts in Redis, the test tokens, the audit trail, on a clock the test
// moves.
type authEnv struct {
	*wsEnv
	srv      *wsServer
	clk      *clock
	accounts *accessredis.Store
	trail    *auditredis.Trail
	log      *lockedBuffer // the service's log
}

// newAuthEnv serves the env; mod, when not nil, may change the
// configuration first, knowing the address it will serve on.
func newAuthEnv(t *testing.T, mod func(c *Config, addr string)) *authEnv {
	t.Helper()
	ws := newWSEnv(t)
	clk := &clock{t: time.Now()}
	rules := access.SessionRules{Idle: 15 * time.Minute, Lifetime: 12 * time.Hour}
	accounts := accessredis.New(ws.rdb, accessredis.Options{Prefix: ws.prefix, Now: clk.Now, Sessions: rules})
	trail := auditredis.New(ws.rdb, auditredis.Options{Prefix: ws.prefix, Now: clk.Now})
	pv, err := access.NewPasswordVerifier(cheap, 2)
	if err != nil {
		t.Fatal(err)
	}
	pilots := statsredis.New(ws.rdb, statsredis.Options{Prefix: ws.prefix, Now: clk.Now})
	log := &lockedBuffer{}
	cfg := Config{Store: ws.store, WhatIf: ws.store, Pilots: pilots, PseudonymKey: testPseudonymKey, Now: clk.Now, Audit: trail, AuditTrail: trail,
		Logger: slog.New(slog.NewTextHandler(log, nil)),
		Access: Access{Sessions: accounts, Accounts: accounts, Passwords: pv, Tokens: testTokenSet(), Rules: rules,
			SessionCheck: 20 * time.Millisecond}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(&cfg, ln.Addr().String())
	}
	e := &authEnv{wsEnv: ws, clk: clk, accounts: accounts, trail: trail, log: log}
	e.srv = ws.serve(cfg, ln)
	return e
}

func (e *authEnv) url(path string) string { return "http://" + e.srv.addr + path }

func (e *authEnv) origin() string { return "http://" + e.srv.addr }

// addAccount makes a local account with the password "a good password!".
func (e *authEnv) addAccount(name string, roles []access.Role, sections ...string) {
	e.t.Helper()
	hash, err := access.HashPassword("a good password!", cheap)
	if err != nil {
		e.t.Fatal(err)
	}
	a := access.Account{Name: name, Display: "Dr. " + name, Roles: roles, Sections: sections, Password: hash}
	if err := e.accounts.AddAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
}

// A browser is an HTTP client with a cookie jar that sends this service's
// Origin, as a page of it would, and the session's CSRF token once it knows
// it.
type browser struct {
	e      *authEnv
	c      *http.Client
	origin string
	csrf   string
}

func (e *authEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, origin: e.origin(), c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; a body is sent as JSON.
func (b *browser) do(method, path, body string, header ...string) (int, string) {
	b.e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.e.url(path), r)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if method != "GET" {
		req.Header.Set("Content-Type", "application/json")
		if b.origin != "" {
			req.Header.Set("Origin", b.origin)
		}
		if b.csrf != "" {
			req.Header.Set(headerCSRF, b.csrf)
		}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		return res.StatusCode, res.Header.Get("Location")
	}
	return res.StatusCode, string(data)
}

// signIn signs in a local account and keeps the CSRF token.
func (b *browser) signIn(name string) {
	b.e.t.Helper()
	status, body := b.do("POST", "/auth/login", `{"name":"`+name+`","password":"a good password!"}`)
	if status != 200 {
		b.e.t.Fatalf("sign-in of %s: %d %s", name, status, body)
	}
	var me struct{ CSRF string }
	json.Unmarshal([]byte(body), &me)
	b.csrf = me.CSRF
}

// cookie is the browser's session cookie ("" when none).
func (b *browser) cookie() string {
	u, _ := url.Parse(b.e.url("/"))
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "voorrang-session" {
			return c.Value
		}
	}
	return ""
}

// entries returns the audit trail's entries of action.
func (e *authEnv) entries(action string) []audit.Entry {
	e.t.Helper()
	es, _, err := e.trail.Entries(context.Background(), audit.Query{Action: action, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

// bearerDo sends a request with the token of name.
func (e *authEnv) bearerDo(name, method, path, body string) (int, string) {
	e.t.Helper()
	b := e.browser()
	b.origin = ""
	return b.do(method, path, body, "Authorization", "Bearer "+testTokens[name])
}

// set moves the clock to t.
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
