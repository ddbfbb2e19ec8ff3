package ui

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/voorrang/voorrang/access"
)

// The callers of the route-policy test: nobody, and a token of each role.
var policyCallers = []struct{ name, token string }{
	{"nobody", ""},
	{"radiologist", "jansen"},
	{"resident", "aios"},
	{"manager", "manager"},
	{"admin", "beheer"},
	{"integration", "aiplatform"},
}

// admitted is who a policy lets through, by caller name.
func admitted(p access.Policy, caller string) bool {
	switch p {
	case access.Public:
		return true
	case access.SignedIn:
		return caller != "nobody"
	}
	for _, r := range p.Roles() {
		if string(r) == caller {
			return true
		}
	}
	return false
}

// A sample is a request to a route that succeeds (2xx, or for the
// sign-in flow's hops a redirect) when the caller is admitted.
type sample struct{ path, body string }

// TestRoutePolicies proves, for every route of the table and every kind
// of caller, who gets an answer and who gets 401 or 403: nobody gets 401
// from any route but the public ones (the panel's page sends them to sign
// in), a principal without the policy's role gets 403, and one with it
// gets its answer. A route without a sample here fails the test, so a new
// route cannot go unchecked.
func TestRoutePolicies(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	cfg := m.Config()
	e := newAuthEnv(t, func(c *Config, addr string) {
		c.Access.OIDC = &OIDC{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURL: "http://" + addr + "/auth/oidc/callback"}
		c.Access.MaxWSPerPrincipal = 100
		c.Edge.SignInRateLimit = 100
	})
	e.seed()
	e.apply(wsAIResult("ZHWEST", "W1", "r-1"))
	e.addAccount("lokaal", []access.Role{access.Radiologist})
	if status, body := e.bearerDo("beheer", "POST", "/api/v1/pilots/pe", pilotJSON("pe", "2026-01-05T00:00:00Z", -30)); status != 200 {
		t.Fatalf("define a pilot: %d %s", status, body)
	}
	status, page := e.browser().do("GET", "/signin", "")
	asset := regexp.MustCompile(`/static/signin\.[0-9a-f]{10}\.js`).FindString(page)
	if status != 200 || asset == "" {
		t.Fatalf("GET /signin: %d, no hashed script in %s", status, page)
	}
	scenario := `{"scenario": {"horizon": "2d", "replications": 2, "arrivals": {"perDay": 20},
		"mix": [{"share": 1, "modality": "CT", "priority": "R"}], "reading": {"*": {"dist": "exponential", "mean": "10m"}},
		"readers": [{"count": 1}], "policies": ["fifo"]}}`
	samples := map[string]sample{
		"GET /healthz":                         {path: "/healthz"},
		"GET /readyz":                          {path: "/readyz"},
		"GET /metrics":                         {path: "/metrics"},
		"GET /signin":                          {path: "/signin"},
		"GET /static/:name":                    {path: asset},
		"GET /auth/methods":                    {path: "/auth/methods"},
		"POST /auth/login":                     {path: "/auth/login", body: `{"name":"lokaal","password":"a good password!"}`},
		"GET /auth/oidc":                       {path: "/auth/oidc"},
		"GET /auth/oidc/callback":              {path: "/auth/oidc/callback?code=x&state=y"},
		"POST /auth/logout":                    {path: "/auth/logout", body: `{}`},
		"GET /api/v1/me":                       {path: "/api/v1/me"},
		"GET /":                                {path: "/"},
		"GET /api/v1/config":                   {path: "/api/v1/config"},
		"GET /stats":                           {path: "/stats"},
		"GET /api/v1/stats/export":             {path: "/api/v1/stats/export"},
		"GET /api/v1/worklist":                 {path: "/api/v1/worklist"},
		"GET /api/v1/sections":                 {path: "/api/v1/sections"},
		"GET /api/v1/studies/:site/:accession": {path: "/api/v1/studies/ZHWEST/W1"},
		"POST /api/v1/studies/:site/:accession/claim":   {path: "/api/v1/studies/ZHWEST/W1/claim", body: `{"override":true}`},
		"POST /api/v1/studies/:site/:accession/release": {path: "/api/v1/studies/ZHWEST/W2/release", body: `{}`},
		"POST /api/v1/ai-results/:id/feedback":          {path: "/api/v1/ai-results/r-1/feedback", body: `{"site":"ZHWEST","accession":"W1","agree":true}`},
		"GET /api/v1/discrepancies":                     {path: "/api/v1/discrepancies"},
		"POST /api/v1/ai-results":                       {path: "/api/v1/ai-results", body: string(readFile(t, "ai/pe_positive.json"))},
		"GET /fhir/metadata":                            {path: "/fhir/metadata"},
		"POST /fhir/Observation":                        {path: "/fhir/Observation", body: string(readFile(t, "ai/pe/aidoc.fhir.json"))},
		"POST /fhir/DiagnosticReport":                   {path: "/fhir/DiagnosticReport", body: string(readFile(t, "ai/pe/nordlicht.fhir.json"))},
		"POST /fhir":                                    {path: "/fhir", body: string(readFile(t, "ai/pe/umc.fhir.json"))},
		"GET /api/v1/stats/overview":                    {path: "/api/v1/stats/overview"},
		"GET /api/v1/stats/turnaround":                  {path: "/api/v1/stats/turnaround"},
		"GET /api/v1/stats/compliance":                  {path: "/api/v1/stats/compliance"},
		"GET /api/v1/stats/distribution":                {path: "/api/v1/stats/distribution"},
		"GET /api/v1/stats/backlog":                     {path: "/api/v1/stats/backlog"},
		"GET /api/v1/stats/reads":                       {path: "/api/v1/stats/reads"},
		"GET /api/v1/stats/trend":                       {path: "/api/v1/stats/trend"},
		"GET /api/v1/stats/ai":                          {path: "/api/v1/stats/ai"},
		"POST /api/v1/whatif":                           {path: "/api/v1/whatif", body: scenario},
		"GET /api/v1/pilots":                            {path: "/api/v1/pilots"},
		"GET /api/v1/pilots/:id":                        {path: "/api/v1/pilots/pe"},
		"POST /api/v1/pilots/:id":                       {path: "/api/v1/pilots/pe2", body: pilotJSON("pe2", "2030-01-01T00:00:00Z", -30)},
		"POST /api/v1/pilots/:id/end":                   {path: "/api/v1/pilots/pe/end", body: `{}`},
		"GET /api/v1/algorithms":                        {path: "/api/v1/algorithms"},
		"GET /api/v1/algorithms/:id":                    {path: "/api/v1/algorithms/aidoc-pe"},
		"GET /api/v1/algorithms/:id/history":            {path: "/api/v1/algorithms/aidoc-pe/history"},
		"GET /api/v1/algorithms/:id/feedback":           {path: "/api/v1/algorithms/aidoc-pe/feedback"},
		"POST /api/v1/algorithms/:id":                   {path: "/api/v1/algorithms/aidoc-pe", body: `{"minConfidence":0.6,"why":"policy test"}`},
		"GET /api/v1/dead-letters":                      {path: "/api/v1/dead-letters"},
		"GET /api/v1/users":                             {path: "/api/v1/users"},
		"POST /api/v1/users/:name/signout":              {path: "/api/v1/users/lokaal/signout", body: `{}`},
		"POST /api/v1/users/:name/disable":              {path: "/api/v1/users/lokaal/disable", body: `{}`},
		"POST /api/v1/users/:name/enable":               {path: "/api/v1/users/lokaal/enable", body: `{}`},
		"GET /api/v1/audit":                             {path: "/api/v1/audit"},
		"GET /api/v1/audit/export":                      {path: "/api/v1/audit/export"},
	}
	// Routes whose handler needs more than this test sets up: the guard
	// is proved (401 and 403 as for any route), the answer to an admitted
	// caller only to be neither.
	guardOnly := map[string]string{
		"GET /api/v1/whatif": "no turnaround records in this store",
		"POST /api/v1/discrepancies/:site/:accession/:result/review": "no discrepancy here (TestDiscrepancyAfterFinalReport reviews one)",
	}
	for _, r := range e.srv.table {
		key := r.method + " " + r.path
		if key == "GET /ws" {
			continue // below: a websocket is opened, not requested
		}
		smp, ok := samples[key]
		if _, only := guardOnly[key]; !ok && only {
			smp = sample{path: r.path}
		} else if !ok {
			t.Errorf("%s: no sample request in TestRoutePolicies; add one", key)
			continue
		}
		for _, caller := range policyCallers {
			t.Run(key+"/"+caller.name, func(t *testing.T) {
				b := e.browser() // sends this service's Origin, as its pages do
				var h []string
				if caller.token != "" {
					h = []string{"Authorization", "Bearer " + testTokens[caller.token]}
				}
				status, body := b.do(r.method, smp.path, smp.body, h...)
				want := admitted(r.policy, caller.name)
				switch {
				case !want && caller.token == "" && (key == "GET /" || key == "GET /stats"):
					if status != http.StatusSeeOther || !strings.HasPrefix(body, "/signin") {
						t.Errorf("%d %s, want 303 to /signin", status, body)
					}
				case !want && key == "GET /" && admitted(access.ManagerOnly, caller.name):
					if status != http.StatusSeeOther || body != "/stats" {
						t.Errorf("%d %s, want 303 to /stats: a manager has no reading list", status, body)
					}
				case !want && caller.token == "":
					if status != http.StatusUnauthorized {
						t.Errorf("%d %.200s, want 401", status, body)
					}
				case !want:
					if status != http.StatusForbidden {
						t.Errorf("%d %.200s, want 403", status, body)
					}
				case guardOnly[key] != "":
					if status == http.StatusUnauthorized || status == http.StatusForbidden {
						t.Errorf("%d %.200s, want to be admitted", status, body)
					}
				default:
					if status >= 400 {
						t.Errorf("%d %.200s, want an answer (2xx, or a redirect of the sign-in flow)", status, body)
					}
				}
			})
		}
	}
	for key := range samples {
		if !strings.Contains(fmt.Sprint(tableKeys(e.srv.table)), "["+key+"]") {
			t.Errorf("sample %s: no such route in the table", key)
		}
	}
	t.Run("GET /ws", func(t *testing.T) {
		for _, caller := range policyCallers {
			h := http.Header{}
			if caller.token != "" {
				h.Set("Authorization", "Bearer "+testTokens[caller.token])
			}
			c, err := wsTryDial(e.srv.addr, "", h, nil)
			want := admitted(access.Reader, caller.name)
			var refused *wsRefused
			switch {
			case want && err != nil:
				t.Errorf("%s: %v, want the websocket", caller.name, err)
			case !want && (!errors.As(err, &refused) || refused.status != map[bool]int{true: 401, false: 403}[caller.token == ""]):
				t.Errorf("%s: %v, want %d", caller.name, err, map[bool]int{true: 401, false: 403}[caller.token == ""])
			}
			if c != nil {
				c.Close()
			}
		}
	})
}

// tableKeys lists the table's routes as "[METHOD path]".
func tableKeys(table []route) []string {
	var out []string
	for _, r := range table {
		out = append(out, "["+r.method+" "+r.path+"]")
	}
	return out
}
