package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/audit"
)

func TestLocalSignIn(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.addAccount("jansen", []access.Role{access.Radiologist})
	e.addAccount("visser", []access.Role{access.Resident})
	if _, err := e.accounts.UpdateAccount(context.Background(), "visser", func(a *access.Account) error { a.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body string
		status     int
	}{
		{"right password", `{"name":"jansen","password":"a good password!"}`, 200},
		{"name in capitals, with spaces", `{"name":" Jansen ","password":"a good password!"}`, 200},
		{"wrong password", `{"name":"jansen","password":"a good password?"}`, 401},
		{"no such account", `{"name":"pietersen","password":"a good password!"}`, 401},
		{"disabled account", `{"name":"visser","password":"a good password!"}`, 401},
		{"a field too many", `{"name":"jansen","password":"a good password!","role":"admin"}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser()
			status, body := b.do("POST", "/auth/login", tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.status == 401 && !strings.Contains(body, "wrong name or password") {
				t.Errorf("a failed sign-in says %s; want the same words whatever failed", body)
			}
			if (b.cookie() != "") != (tt.status == 200) {
				t.Errorf("cookie %q after status %d", b.cookie(), status)
			}
		})
	}
	if got := len(e.entries(audit.SignIn)); got != 5 {
		t.Errorf("%d sign-in entries in the trail, want 5 (2 ok, 3 denied)", got)
	}
	denied := 0
	for _, en := range e.entries(audit.SignIn) {
		if en.Outcome == audit.Denied {
			denied++
		}
		if en.Remote == "" || en.Method != access.ByPassword {
			t.Errorf("entry %+v lacks the address or method", en)
		}
	}
	if denied != 3 {
		t.Errorf("%d denied sign-ins recorded, want 3", denied)
	}
}

func TestSignInRegeneratesTheSession(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.addAccount("jansen", []access.Role{access.Radiologist})
	b := e.browser()
	b.signIn("jansen")
	first := b.cookie()
	b.signIn("jansen")
	second := b.cookie()
	if first == "" || first == second {
		t.Fatalf("session IDs %q then %q: a sign-in must get a new one", first, second)
	}
	if _, err := e.accounts.Session(context.Background(), first); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("the session before sign-in: %v, want ended", err)
	}
	if status, body := b.do("GET", "/api/v1/me", ""); status != 200 || !strings.Contains(body, `"name":"jansen"`) {
		t.Errorf("GET /api/v1/me: %d %s", status, body)
	}
}

func TestSignInFromAnotherSiteRefused(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.addAccount("jansen", []access.Role{access.Radiologist})
	b := e.browser()
	b.origin = "https://attacker.example"
	if status, _ := b.do("POST", "/auth/login", `{"name":"jansen","password":"a good password!"}`); status != 403 {
		t.Errorf("sign-in posted from another site: %d, want 403", status)
	}
	if b.cookie() != "" {
		t.Error("a session was started")
	}
}

func TestSignInRateLimited(t *testing.T) {
	e := newAuthEnv(t, func(c *Config, addr string) { c.Edge.SignInRateLimit = 3 })
	e.addAccount("jansen", []access.Role{access.Radiologist})
	b := e.browser()
	for i := range 3 {
		if status, _ := b.do("POST", "/auth/login", `{"name":"jansen","password":"guess"}`); status != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, status)
		}
	}
	if status, _ := b.do("POST", "/auth/login", `{"name":"jansen","password":"a good password!"}`); status != 429 {
		t.Errorf("a fourth attempt in the minute: %d, want 429 even with the right password", status)
	}
	if status, _ := b.do("GET", "/api/v1/sections", "", "Authorization", "Bearer "+testTokens["jansen"]); status != 200 {
		t.Errorf("other requests of the address meanwhile: %d", status)
	}
}

func TestBearerTokens(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.seed()
	ai := string(readFile(t, "ai/pe_positive.json"))
	tests := []struct {
		name, token, method, path, body string
		status                          int
	}{
		{"the AI platform posts a result", testTokens["aiplatform"], "POST", "/api/v1/ai-results", ai, 202},
		{"the AI platform reads the list", testTokens["aiplatform"], "GET", "/api/v1/worklist", "", 403},
		{"a reader's token reads the list", testTokens["jansen"], "GET", "/api/v1/worklist", "", 200},
		{"a reader's token posts an AI result", testTokens["jansen"], "POST", "/api/v1/ai-results", ai, 403},
		{"an unknown token", "not-a-token-0123456789abcdefghijklmno", "GET", "/api/v1/worklist", "", 401},
		{"no token", "", "GET", "/api/v1/worklist", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser()
			b.origin = ""
			var h []string
			if tt.token != "" {
				h = []string{"Authorization", "Bearer " + tt.token}
			}
			if status, body := b.do(tt.method, tt.path, tt.body, h...); status != tt.status {
				t.Errorf("%d, want %d: %s", status, tt.status, body)
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.seed()
	e.addAccount("jansen", []access.Role{access.Radiologist})
	b := e.browser()
	b.signIn("jansen")
	token := b.csrf
	tests := []struct {
		name, origin, csrf string
		status             int
	}{
		{"token and own origin", b.origin, token, 200},
		{"no token", b.origin, "", 403},
		{"another session's token", b.origin, otherToken(token), 403},
		{"another origin", "https://attacker.example", token, 403},
		{"no origin", "", token, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.origin, b.csrf = tt.origin, tt.csrf
			status, body := b.do("POST", "/api/v1/studies/ZHWEST/W1/release", `{}`)
			if status != tt.status {
				t.Errorf("%d, want %d: %s", status, tt.status, body)
			}
		})
	}
	// A GET needs no token; a bearer request needs none either.
	b.origin, b.csrf = "", ""
	if status, _ := b.do("GET", "/api/v1/worklist", ""); status != 200 {
		t.Errorf("GET with the cookie: %d", status)
	}
	if status, _ := e.bearerDo("jansen", "POST", "/api/v1/studies/ZHWEST/W1/release", `{}`); status != 200 {
		t.Errorf("POST with a bearer token: %d", status)
	}
}

// otherToken returns token with its first character changed (always:
// "x" + token[1:] was the same token when it began with x, 1 in 64).
func otherToken(token string) string {
	if token[0] == 'x' {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}

func TestSessionLifetimeAndIdleLock(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.addAccount("jansen", []access.Role{access.Radiologist})
	b := e.browser()

	b.signIn("jansen")
	for range 10 { // active every 10 minutes: never locked
		e.clk.set(e.clk.Now().Add(10 * time.Minute))
		if status, body := b.do("GET", "/api/v1/me", ""); status != 200 {
			t.Fatalf("active every 10 minutes: %d %s", status, body)
		}
	}
	// Requests the panel makes by itself do not count as activity.
	for range 2 {
		e.clk.set(e.clk.Now().Add(10 * time.Minute))
		status, body := b.do("GET", "/api/v1/worklist", "", headerBackground, "1")
		if status == 401 {
			if !strings.Contains(body, "session_locked") {
				t.Errorf("locked with %s, want session_locked", body)
			}
			break
		}
	}
	if status, body := b.do("GET", "/api/v1/me", ""); status != 401 || !strings.Contains(body, "unauthenticated") {
		t.Errorf("after the idle lock: %d %s; want 401, the session gone", status, body)
	}
	if b.cookie() != "" {
		t.Error("the cookie of a locked session was not cleared")
	}
	// The panel's page sends a browser without a session to sign in.
	if status, to := b.do("GET", "/", ""); status != 303 || !strings.HasPrefix(to, "/signin") {
		t.Errorf("GET / signed out: %d %s; want 303 to /signin", status, to)
	}

	b.signIn("jansen")
	e.clk.set(e.clk.Now().Add(12 * time.Hour))
	if status, body := b.do("GET", "/api/v1/me", ""); status != 401 || !strings.Contains(body, "session_ended") {
		t.Errorf("12 hours after sign-in: %d %s; want 401 session_ended", status, body)
	}
}

func TestSignOut(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.addAccount("jansen", []access.Role{access.Radiologist})
	b := e.browser()
	b.signIn("jansen")
	if status, body := b.do("POST", "/auth/logout", `{}`); status != 200 {
		t.Fatalf("sign out: %d %s", status, body)
	}
	if status, _ := b.do("GET", "/api/v1/me", ""); status != 401 {
		t.Errorf("after signing out: %d, want 401", status)
	}
	if n := len(e.entries(audit.SignOut)); n != 1 {
		t.Errorf("%d sign-out entries, want 1", n)
	}
}

// wsDialAs opens /ws with the browser's cookie and origin.
func (b *browser) wsDial(query string) (*fws.Conn, error) {
	h := http.Header{}
	if b.origin != "" {
		h.Set("Origin", b.origin)
	}
	if c := b.cookie(); c != "" {
		h.Set("Cookie", "voorrang-session="+c)
	}
	return wsTryDial(b.e.srv.addr, query, h, nil)
}

// closedWith reads c until the server closes it and returns the close code
// and reason.
func closedWith(t *testing.T, c *fws.Conn) (int, string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			var ce *fws.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Text
			}
			t.Fatalf("the websocket ended without a close frame: %v", err)
		}
	}
}

func TestWebsocketAccess(t *testing.T) {
	e := newAuthEnv(t, func(c *Config, addr string) { c.Access.MaxWSPerPrincipal = 2 })
	e.seed()
	e.addAccount("jansen", []access.Role{access.Radiologist})
	e.addAccount("beheer", []access.Role{access.Admin})
	b := e.browser()

	_, err := b.wsDial("")
	if r := (*wsRefused)(nil); !errors.As(err, &r) || r.status != 401 {
		t.Errorf("without credentials: %v, want 401", err)
	}
	b.signIn("jansen")
	b.origin = "https://attacker.example"
	_, err = b.wsDial("")
	if r := (*wsRefused)(nil); !errors.As(err, &r) || r.status != 403 {
		t.Errorf("from another origin: %v, want 403", err)
	}
	b.origin = e.origin()
	c1, err := b.wsDial("")
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	var snap wsMsg
	c1.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c1.ReadJSON(&snap); err != nil || snap.Type != "snapshot" || len(snap.Studies) != 3 {
		t.Fatalf("first message %+v, %v; want a snapshot of 3 studies", snap, err)
	}
	c2, err := b.wsDial("")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	// The cap counts a websocket once its session runs: wait for c2's
	// snapshot so that the third is the one over the cap.
	c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c2.ReadJSON(&snap); err != nil || snap.Type != "snapshot" {
		t.Fatalf("second connection's first message %+v, %v; want a snapshot", snap, err)
	}
	_, err = b.wsDial("")
	if r := (*wsRefused)(nil); !errors.As(err, &r) || r.status != 429 {
		t.Errorf("a third live connection of one reader: %v, want 429", err)
	}
	admin := e.browser()
	admin.signIn("beheer")
	_, err = admin.wsDial("")
	if r := (*wsRefused)(nil); !errors.As(err, &r) || r.status != 403 {
		t.Errorf("an admin's websocket: %v, want 403 (no patient list)", err)
	}

	// Signed out everywhere by an admin: both websockets close, and the
	// panel is told why.
	if status, body := admin.do("POST", "/api/v1/users/jansen/signout", `{}`); status != 200 || !strings.Contains(body, `"ended":1`) {
		t.Fatalf("sign out everywhere: %d %s", status, body)
	}
	for _, c := range []*fws.Conn{c1, c2} {
		if code, why := closedWith(t, c); code != closeSessionEnded || why != "session_ended" {
			t.Errorf("closed with %d %q, want %d session_ended", code, why, closeSessionEnded)
		}
	}
	if status, _ := b.do("GET", "/api/v1/worklist", ""); status != 401 {
		t.Errorf("a request after sign-out everywhere: %d, want 401", status)
	}
	if es := e.entries(audit.SignOutAll); len(es) != 1 || es[0].Target != "jansen" || es[0].Actor != "beheer" {
		t.Errorf("trail %+v, want beheer signing out jansen", es)
	}
}

func TestWebsocketIdleLock(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.seed()
	e.addAccount("jansen", []access.Role{access.Radiologist})
	b := e.browser()
	b.signIn("jansen")
	c, err := b.wsDial("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e.clk.set(e.clk.Now().Add(16 * time.Minute)) // nobody touched the panel
	if code, why := closedWith(t, c); code != closeSessionEnded || why != "session_locked" {
		t.Errorf("closed with %d %q, want %d session_locked", code, why, closeSessionEnded)
	}
}

func TestResidentSeesTheirSections(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.seed() // W1 CT thorax-abdomen, W2 X-hand (ZHWEST), E1 CT hersenen (ZHOOST)
	e.addAccount("visser", []access.Role{access.Resident}, "neuro")
	b := e.browser()
	b.signIn("visser")
	status, body := b.do("GET", "/api/v1/worklist", "")
	var page struct {
		Studies []struct{ Accession string }
	}
	json.Unmarshal([]byte(body), &page)
	if status != 200 || len(page.Studies) != 1 || page.Studies[0].Accession != "E1" {
		t.Errorf("the list: %d %s; want E1 only", status, body)
	}
	if status, _ := b.do("GET", "/api/v1/studies/ZHWEST/W2", ""); status != 404 {
		t.Errorf("a study of another section: %d, want 404", status)
	}
	if status, _ := b.do("POST", "/api/v1/studies/ZHWEST/W2/claim", `{}`); status != 404 {
		t.Errorf("claiming a study of another section: %d, want 404", status)
	}
	if status, _ := b.do("POST", "/api/v1/studies/ZHOOST/E1/claim", `{}`); status != 200 {
		t.Errorf("claiming a study of their section: %d", status)
	}
	c, err := b.wsDial("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var snap wsMsg
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c.ReadJSON(&snap); err != nil || len(snap.Studies) != 1 || snap.Studies[0].Accession != "E1" {
		t.Errorf("the live snapshot %+v, %v; want E1 only", snap, err)
	}
}

func TestActorIsThePrincipal(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.seed()
	e.addAccount("jansen", []access.Role{access.Radiologist})
	e.addAccount("devries", []access.Role{access.Radiologist})
	j, d := e.browser(), e.browser()
	j.signIn("jansen")
	d.signIn("devries")
	if status, body := j.do("POST", "/api/v1/studies/ZHWEST/W1/claim", `{"by":"devries"}`); status != 400 || !strings.Contains(body, `"field":"by"`) {
		t.Errorf("a claim naming someone else: %d %s; want 400 for the field by", status, body)
	}
	status, body := j.do("POST", "/api/v1/studies/ZHWEST/W1/claim", `{}`)
	if status != 200 || !strings.Contains(body, `"by":"jansen"`) {
		t.Fatalf("claim: %d %s; want it held by jansen", status, body)
	}
	if status, _ := d.do("POST", "/api/v1/studies/ZHWEST/W1/claim", `{}`); status != 409 {
		t.Errorf("a colleague's claim: %d, want 409", status)
	}
	if status, body := d.do("POST", "/api/v1/studies/ZHWEST/W1/claim", `{"override":true}`); status != 200 || !strings.Contains(body, `"by":"devries"`) {
		t.Errorf("override: %d %s", status, body)
	}
	claims := e.entries(audit.Claim)
	if len(claims) != 2 || claims[0].Actor != "jansen" || claims[1].Actor != "devries" || claims[1].Detail != "override of jansen" ||
		claims[1].Accession != "W1" || claims[1].Site != "ZHWEST" {
		t.Errorf("claims in the trail: %+v", claims)
	}
}
