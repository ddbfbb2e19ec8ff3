package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// cet is the corpus's time zone: every timestamp is on 2026-11-23 +0100.
var cet = time.FixedZone("CET", 3600)

// at returns hh:mm:ss on the corpus's day.
func at(h, m, s int) time.Time { return time.Date(2026, 11, 23, h, m, s, 0, cet) }

// now is the test clock's time: after every exam and AI result of the corpus.
var now = at(12, 30, 0)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newTestServer returns a Server on a store of its own prefix on the real
// Redis, and the store for seeding.
func newTestServer(t *testing.T) (*Server, *redisstore.Store) {
	t.Helper()
	rdb := redistest.Client(t)
	clk := &clock{t: now}
	store := redisstore.New(rdb, redisstore.Options{Prefix: redistest.Prefix(t, rdb), Now: clk.Now})
	return New(Config{Store: store, Now: clk.Now, Logger: discard(), Version: "test", Access: testAccess()}), store
}

// response is what a request got.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request through the app without a network. A non-nil body is
// sent as JSON.
func do(t *testing.T, s *Server, method, target string, body []byte) response {
	t.Helper()
	return doAs(t, s, "tester", method, target, body)
}

// doAs is do with the test token of name (testTokens).
func doAs(t *testing.T, s *Server, name, method, target string, body []byte) response {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	req.Host = "localhost" // the host name a service without Edge.PublicURL answers to
	req.Header.Set("Authorization", "Bearer "+testTokens[name])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(t, s, req)
}

// send sends req through the app without a network.
func send(t *testing.T, s *Server, req *http.Request) response {
	t.Helper()
	res, err := s.app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// decode unmarshals the response body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

// apiErr is the error body every failure carries.
type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// wantError checks a failed request's status, code and field.
func (r response) wantError(t *testing.T, status int, code, field string) apiErr {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	var b struct {
		Error *apiErr `json:"error"`
	}
	r.decode(t, &b)
	if b.Error == nil {
		t.Fatalf("body %s has no error", r.body)
	}
	if b.Error.Code != code || b.Error.Field != field {
		t.Errorf("error code %q field %q, want %q and %q (message %q)", b.Error.Code, b.Error.Field, code, field, b.Error.Message)
	}
	if b.Error.Message == "" {
		t.Errorf("error without a message: %s", r.body)
	}
	return *b.Error
}

// wantOK checks a request answered with status and decodes its body into v
// (when not nil).
func (r response) wantOK(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if v != nil {
		r.decode(t, v)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corpusStudy is an order of testdata/README.md's study table, as a
// completed exam waiting to be read.
type corpusStudy struct {
	site, acc                 string
	modality, code, procedure string
	class, priority           string
	completed                 time.Time
}

// Without AI results, by the default rules: E26000201 urgent, due 08:15 (CT
// head in ED); W26000107 urgent, 08:55 (timing critical); E26000202 urgent,
// 12:10 (ED); the three outpatients routine, due 72 h after completion.
var corpus = []corpusStudy{
	{"ZHWEST", "W26000101", "CT", "CTTHAB", "CT thorax-abdomen", "O", "R", at(8, 50, 55)},
	{"ZHWEST", "W26000103", "CT", "CTTHO", "CT thorax", "O", "R", at(9, 5, 0)},
	{"ZHWEST", "W26000106", "DX", "DXHANDBA", "X-hand botleeftijd", "O", "R", at(9, 40, 0)},
	{"ZHWEST", "W26000107", "DX", "DXTHBED", "X-thorax bed", "I", "T", at(7, 55, 0)},
	{"ZHOOST", "E26000201", "CT", "CTHEAD", "CT hersenen", "E", "S", at(7, 45, 0)},
	{"ZHOOST", "E26000202", "DX", "DXPOLS", "X-pols rechts", "E", "A", at(11, 10, 0)},
}

func (c corpusStudy) event() worklist.Event {
	return completedOrder(c.site, c.acc, c.modality, c.code, c.procedure, c.class, c.priority, c.completed)
}

func completedOrder(site, acc, modality, code, procedure, class, priority string, done time.Time) worklist.Event {
	return worklist.Event{Kind: worklist.ExamCompleted, Site: site, Accession: acc, At: done,
		Source: fmt.Sprintf("HIS|%s|%s-CM", site, acc),
		Order: &worklist.Order{
			Patient:      worklist.Patient{MRN: "7012345", Family: "van den Berg", Prefix: "van den", Surname: "Berg", Given: "Jan", BirthDate: "1958-04-12", Sex: "M"},
			PatientClass: class, Priority: priority, Modality: modality, ProcedureCode: code, ProcedureText: procedure,
			OrderedAt: done.Add(-2 * time.Hour), CompletedAt: done,
		}}
}

// seed applies the orders of the corpus studies named (all when none are).
func seed(t *testing.T, store *redisstore.Store, accs ...string) {
	t.Helper()
	for _, c := range corpus {
		if len(accs) > 0 && !slices.Contains(accs, c.acc) {
			continue
		}
		mustApply(t, store, c.event())
	}
}

func mustApply(t *testing.T, store *redisstore.Store, e worklist.Event) worklist.Outcome {
	t.Helper()
	out, err := store.Apply(context.Background(), e, []byte("applied"))
	if err != nil {
		t.Fatalf("apply %s %s: %v", e.Kind, e.Accession, err)
	}
	return out
}

func mustGet(t *testing.T, store *redisstore.Store, site, acc string) *worklist.Study {
	t.Helper()
	st, err := store.Get(context.Background(), site, acc)
	if err != nil {
		t.Fatalf("get %s/%s: %v", site, acc, err)
	}
	return st
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postAI posts a file of testdata/ai and checks it is applied.
func postAI(t *testing.T, s *Server, name string) {
	t.Helper()
	do(t, s, "POST", "/api/v1/ai-results", readFile(t, filepath.Join("ai", name))).wantOK(t, 200, nil)
}

// page is the JSON of GET /api/v1/worklist.
type page struct {
	Studies []worklist.Study `json:"studies"`
	Total   int64            `json:"total"`
	More    bool             `json:"more"`
}

func (p page) accessions() []string {
	accs := []string{}
	for _, st := range p.Studies {
		accs = append(accs, st.Accession)
	}
	return accs
}

func TestWorklist(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store)
	postAI(t, s, "pe_positive.json") // W26000101 becomes critical
	if _, err := store.Claim(context.Background(), "ZHOOST", "E26000202", "jansen", false); err != nil {
		t.Fatal(err)
	}
	all := []string{"W26000101", "E26000201", "W26000107", "E26000202", "W26000103", "W26000106"}
	tests := []struct {
		name      string
		query     string
		want      []string
		wantTotal int64
		wantMore  bool
	}{
		{name: "reading order", query: "", want: all, wantTotal: 6},
		{name: "critical band", query: "band=critical", want: []string{"W26000101"}, wantTotal: 1},
		{name: "urgent band", query: "band=urgent", want: []string{"E26000201", "W26000107", "E26000202"}, wantTotal: 3},
		{name: "routine band", query: "band=routine", want: []string{"W26000103", "W26000106"}, wantTotal: 2},
		{name: "band in any case", query: "band=URGENT", want: []string{"E26000201", "W26000107", "E26000202"}, wantTotal: 3},
		{name: "one site", query: "site=ZHOOST", want: []string{"E26000201", "E26000202"}, wantTotal: 2},
		{name: "repeated site", query: "site=ZHOOST&site=ZHWEST", want: all, wantTotal: 6},
		{name: "comma-separated sites", query: "site=ZHWEST,ZHOOST", want: all, wantTotal: 6},
		{name: "unknown site", query: "site=ZHNOORD", want: []string{}, wantTotal: 0},
		{name: "modality", query: "modality=CT", want: []string{"W26000101", "E26000201", "W26000103"}, wantTotal: 6},
		{name: "two modalities", query: "modality=DX&modality=CT", want: all, wantTotal: 6},
		{name: "site and modality", query: "site=ZHWEST&modality=DX", want: []string{"W26000107", "W26000106"}, wantTotal: 4},
		{name: "neuro section", query: "section=neuro", want: []string{"E26000201"}, wantTotal: 6},
		{name: "chest section", query: "section=chest", want: []string{"W26000101", "W26000107", "W26000103"}, wantTotal: 6},
		{name: "section name in any case", query: "section=MSK", want: []string{"E26000202", "W26000106"}, wantTotal: 6},
		{name: "first page", query: "limit=2", want: all[:2], wantTotal: 6, wantMore: true},
		{name: "middle page", query: "offset=2&limit=3", want: all[2:5], wantTotal: 6, wantMore: true},
		{name: "last page", query: "offset=4&limit=2", want: all[4:], wantTotal: 6},
		{name: "past the end", query: "offset=6&limit=2", want: []string{}, wantTotal: 6},
		{name: "page of a filter", query: "band=urgent&offset=1&limit=1", want: []string{"W26000107"}, wantTotal: 3, wantMore: true},
		{name: "claimed by jansen", query: "claimedBy=jansen", want: []string{"E26000202"}, wantTotal: 6},
		{name: "claimed by nobody known", query: "claimedBy=pietersen", want: []string{}, wantTotal: 6},
		{name: "unclaimed", query: "unclaimed=true", want: []string{"W26000101", "E26000201", "W26000107", "W26000103", "W26000106"}, wantTotal: 6},
		{name: "unclaimed false", query: "unclaimed=false", want: all, wantTotal: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p page
			do(t, s, "GET", "/api/v1/worklist?"+tt.query, nil).wantOK(t, 200, &p)
			got := p.accessions()
			if !slices.Equal(got, tt.want) {
				t.Errorf("studies %v, want %v", got, tt.want)
			}
			if p.Total != tt.wantTotal || p.More != tt.wantMore {
				t.Errorf("total %d more %v, want %d and %v", p.Total, p.More, tt.wantTotal, tt.wantMore)
			}
		})
	}

	t.Run("rank and reasons", func(t *testing.T) {
		var p page
		do(t, s, "GET", "/api/v1/worklist?limit=1", nil).wantOK(t, 200, &p)
		if len(p.Studies) != 1 {
			t.Fatalf("%d studies, want 1", len(p.Studies))
		}
		r := p.Studies[0].Rank
		if r.Band != triage.Critical || !r.Due.Equal(at(9, 20, 55)) {
			t.Errorf("band %s due %v, want critical, due 09:20:55", r.Band, r.Due)
		}
		if len(r.Reasons) == 0 || r.Reasons[0].Text != "AI: incidental PE 94% (Incidental PE v2.1)" {
			t.Errorf("reasons %+v, want the PE first", r.Reasons)
		}
	})

	t.Run("every study carries its sort key, in reading order", func(t *testing.T) {
		var p page
		do(t, s, "GET", "/api/v1/worklist?limit=500", nil).wantOK(t, 200, &p)
		keys := make([]string, len(p.Studies))
		for i, st := range p.Studies {
			keys[i] = st.SortKey
		}
		if len(keys) != len(all) || slices.Contains(keys, "") || !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
			t.Errorf("sort keys %q, want %d distinct keys in ascending order", keys, len(all))
		}
		var one worklist.Study
		do(t, s, "GET", "/api/v1/studies/ZHWEST/W26000101", nil).wantOK(t, 200, &one)
		if one.SortKey != keys[0] {
			t.Errorf("GET study: sort key %q, the list's %q", one.SortKey, keys[0])
		}
	})

	t.Run("paging covers the list once", func(t *testing.T) {
		var got []string
		for offset := 0; ; offset += 4 {
			var p page
			do(t, s, "GET", fmt.Sprintf("/api/v1/worklist?offset=%d&limit=4", offset), nil).wantOK(t, 200, &p)
			got = append(got, p.accessions()...)
			if !p.More {
				break
			}
			if offset > 100 {
				t.Fatal("more never ends")
			}
		}
		if !slices.Equal(got, all) {
			t.Errorf("pages give %v, want %v", got, all)
		}
	})
}

func TestWorklistRefusesBadQueries(t *testing.T) {
	s, _ := newTestServer(t)
	tests := []struct {
		name  string
		query string
		field string
	}{
		{"unknown section", "section=cardiac", "section"},
		{"limit not a number", "limit=ten", "limit"},
		{"negative limit", "limit=-1", "limit"},
		{"limit too large", "limit=501", "limit"},
		{"offset not a number", "offset=x", "offset"},
		{"negative offset", "offset=-5", "offset"},
		{"unknown band", "band=high", "band"},
		{"unclaimed not a boolean", "unclaimed=yes", "unclaimed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			do(t, s, "GET", "/api/v1/worklist?"+tt.query, nil).wantError(t, 400, "invalid", tt.field)
		})
	}
	t.Run("unknown section names the sections", func(t *testing.T) {
		e := do(t, s, "GET", "/api/v1/worklist?section=cardiac", nil).wantError(t, 400, "invalid", "section")
		for _, name := range []string{"cardiac", "neuro", "chest", "abdomen", "msk"} {
			if !strings.Contains(e.Message, name) {
				t.Errorf("message %q does not name %q", e.Message, name)
			}
		}
	})
}

func TestClaims(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store, "W26000101")
	const study = "/api/v1/studies/ZHWEST/W26000101"
	// The steps run in order on one study. The reader is the principal
	// of the token (as); the body names nobody.
	steps := []struct {
		name      string
		as        string
		path      string
		body      string
		status    int
		code      string // for a failure
		field     string // for a failure
		wantClaim string // for a success: who holds the claim after, "" for nobody
	}{
		{name: "claim", as: "jansen", path: study + "/claim", body: `{}`, status: 200, wantClaim: "jansen"},
		{name: "second reader refused", as: "pietersen", path: study + "/claim", body: `{}`, status: 409, code: "conflict"},
		{name: "second reader refused without override", as: "pietersen", path: study + "/claim", body: `{"override":false}`, status: 409, code: "conflict"},
		{name: "holder renews", as: "jansen", path: study + "/claim", body: `{}`, status: 200, wantClaim: "jansen"},
		{name: "override", as: "pietersen", path: study + "/claim", body: `{"override":true}`, status: 200, wantClaim: "pietersen"},
		{name: "release by the wrong reader", as: "jansen", path: study + "/release", body: `{}`, status: 409, code: "conflict"},
		{name: "release by the holder", as: "pietersen", path: study + "/release", body: `{}`, status: 200, wantClaim: ""},
		{name: "release of a free study", as: "jansen", path: study + "/release", body: `{}`, status: 200, wantClaim: ""},
		{name: "claim of an unknown study", as: "jansen", path: "/api/v1/studies/ZHWEST/W26999999/claim", body: `{}`, status: 404, code: "not_found"},
		{name: "claim at an unknown site", as: "jansen", path: "/api/v1/studies/ZHNOORD/W26000101/claim", body: `{}`, status: 404, code: "not_found"},
		{name: "release of an unknown study", as: "jansen", path: "/api/v1/studies/ZHWEST/W26999999/release", body: `{}`, status: 404, code: "not_found"},
		{name: "a reader named in the body", as: "jansen", path: study + "/claim", body: `{"by":"pietersen"}`, status: 400, code: "invalid", field: "by"},
		{name: "unknown field", as: "jansen", path: study + "/claim", body: `{"force":true}`, status: 400, code: "invalid", field: "force"},
		{name: "override not a boolean", as: "jansen", path: study + "/claim", body: `{"override":"yes"}`, status: 400, code: "invalid", field: "override"},
		{name: "not JSON", as: "jansen", path: study + "/claim", body: `override=true`, status: 400, code: "invalid"},
		{name: "empty body claims", as: "jansen", path: study + "/claim", body: ``, status: 200, wantClaim: "jansen"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before := mustGet(t, store, "ZHWEST", "W26000101")
			res := doAs(t, s, st.as, "POST", st.path, []byte(st.body))
			if st.code != "" {
				res.wantError(t, st.status, st.code, st.field)
				if after := mustGet(t, store, "ZHWEST", "W26000101"); after.Version != before.Version {
					t.Errorf("a refused request changed the study: version %d -> %d", before.Version, after.Version)
				}
				return
			}
			var got worklist.Study
			res.wantOK(t, st.status, &got)
			holder := ""
			if got.Claim != nil {
				holder = got.Claim.By
			}
			if holder != st.wantClaim {
				t.Errorf("claim held by %q, want %q", holder, st.wantClaim)
			}
			if stored := mustGet(t, store, "ZHWEST", "W26000101"); (stored.Claim == nil) != (st.wantClaim == "") ||
				(stored.Claim != nil && stored.Claim.By != st.wantClaim) {
				t.Errorf("stored claim %+v, want held by %q", stored.Claim, st.wantClaim)
			}
		})
	}
}

func TestFeedback(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store, "W26000101", "W26000103")
	postAI(t, s, "pe_positive.json")
	postAI(t, s, "pe_negative.json")
	const pe = "/api/v1/ai-results/aidoc-20261123-0001/feedback"
	body := func(fields ...string) []byte { return []byte("{" + strings.Join(fields, ",") + "}") }
	site, acc := `"site":"ZHWEST"`, `"accession":"W26000101"`
	tests := []struct {
		name   string
		as     string
		path   string
		body   []byte
		status int
		code   string // for a failure
		field  string
		want   map[string]string // for a success: the result's feedback after
	}{
		{name: "agree", as: "jansen", path: pe, body: body(site, acc, `"agree":true`), status: 200,
			want: map[string]string{"jansen": "agree"}},
		{name: "second reader disagrees", as: "pietersen", path: pe, body: body(site, acc, `"agree":false`), status: 200,
			want: map[string]string{"jansen": "agree", "pietersen": "disagree"}},
		{name: "reader changes their mind", as: "jansen", path: pe, body: body(site, acc, `"agree":false`), status: 200,
			want: map[string]string{"jansen": "disagree", "pietersen": "disagree"}},
		{name: "unknown result id", as: "jansen", path: "/api/v1/ai-results/aidoc-nope/feedback", body: body(site, acc, `"agree":true`),
			status: 404, code: "not_found"},
		{name: "result of another study", as: "jansen", path: "/api/v1/ai-results/aidoc-20261123-0002/feedback", body: body(site, acc, `"agree":true`),
			status: 404, code: "not_found"},
		{name: "unknown study", as: "jansen", path: pe, body: body(site, `"accession":"W26999999"`, `"agree":true`),
			status: 404, code: "not_found"},
		{name: "not assessable, with a note", as: "pietersen", path: pe, body: body(site, acc, `"verdict":"not-assessable"`, `"note":"motion artefacts"`), status: 200,
			want: map[string]string{"jansen": "disagree", "pietersen": "not-assessable"}},
		{name: "AIRAI accept", as: "jansen", path: pe, body: body(site, acc, `"verdict":"accept"`), status: 200,
			want: map[string]string{"jansen": "agree", "pietersen": "not-assessable"}},
		{name: "unknown verdict", as: "jansen", path: pe, body: body(site, acc, `"verdict":"maybe"`), status: 400, code: "invalid", field: "verdict"},
		{name: "missing verdict", as: "jansen", path: pe, body: body(site, acc), status: 400, code: "invalid", field: "verdict"},
		{name: "agree null", as: "jansen", path: pe, body: body(site, acc, `"agree":null`), status: 400, code: "invalid", field: "verdict"},
		{name: "agree as a string", as: "jansen", path: pe, body: body(site, acc, `"agree":"yes"`), status: 400, code: "invalid", field: "agree"},
		{name: "a reader named in the body", as: "jansen", path: pe, body: body(site, acc, `"by":"pietersen"`, `"agree":true`), status: 400, code: "invalid", field: "by"},
		{name: "missing site", as: "jansen", path: pe, body: body(acc, `"agree":true`), status: 400, code: "invalid", field: "site"},
		{name: "missing accession", as: "jansen", path: pe, body: body(site, `"agree":true`), status: 400, code: "invalid", field: "accession"},
		{name: "unknown field", as: "jansen", path: pe, body: body(site, acc, `"agree":true`, `"comment":"no"`), status: 400, code: "invalid", field: "comment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := mustGet(t, store, "ZHWEST", "W26000101")
			res := doAs(t, s, tt.as, "POST", tt.path, tt.body)
			if tt.code != "" {
				res.wantError(t, tt.status, tt.code, tt.field)
				if after := mustGet(t, store, "ZHWEST", "W26000101"); after.Version != before.Version {
					t.Errorf("a refused request changed the study: version %d -> %d", before.Version, after.Version)
				}
				return
			}
			res.wantOK(t, tt.status, nil)
			var got worklist.Study
			do(t, s, "GET", "/api/v1/studies/ZHWEST/W26000101", nil).wantOK(t, 200, &got)
			if len(got.Results) != 1 {
				t.Fatalf("%d results, want 1", len(got.Results))
			}
			if fb := got.Results[0].Feedback; !mapsEqual(fb, tt.want) {
				t.Errorf("feedback %v, want %v", fb, tt.want)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestGetStudy(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store, "W26000101")
	mustApply(t, store, completedOrder("ZHWEST", "W 2600/0199", "CT", "CTTHO", "CT thorax", "O", "R", at(9, 0, 0)))
	mustApply(t, store, completedOrder("ZHWEST", "W%41", "CT", "CTTHO", "CT thorax", "O", "R", at(9, 0, 0)))
	tests := []struct {
		name    string
		path    string
		status  int
		wantAcc string // for a success
	}{
		{name: "known", path: "/api/v1/studies/ZHWEST/W26000101", status: 200, wantAcc: "W26000101"},
		{name: "space and slash escaped", path: "/api/v1/studies/ZHWEST/W%202600%2F0199", status: 200, wantAcc: "W 2600/0199"},
		{name: "percent escaped", path: "/api/v1/studies/ZHWEST/W%2541", status: 200, wantAcc: "W%41"},
		{name: "unknown accession", path: "/api/v1/studies/ZHWEST/W26999999", status: 404},
		{name: "unknown site", path: "/api/v1/studies/ZHOOST/W26000101", status: 404},
		{name: "accession with braces", path: "/api/v1/studies/ZHWEST/%7BW26000101%7D", status: 404},
		{name: "slash unescaped is another route", path: "/api/v1/studies/ZHWEST/W 2600/0199", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, s, "GET", strings.ReplaceAll(tt.path, " ", "%20"), nil)
			if tt.status != 200 {
				res.wantError(t, tt.status, "not_found", "")
				return
			}
			var got worklist.Study
			res.wantOK(t, 200, &got)
			if got.Site != "ZHWEST" || got.Accession != tt.wantAcc {
				t.Errorf("study %s/%s, want ZHWEST/%s", got.Site, got.Accession, tt.wantAcc)
			}
		})
	}
	t.Run("claim of an escaped accession", func(t *testing.T) {
		var got worklist.Study
		doAs(t, s, "jansen", "POST", "/api/v1/studies/ZHWEST/W%202600%2F0199/claim", []byte(`{}`)).wantOK(t, 200, &got)
		if got.Accession != "W 2600/0199" || got.Claim == nil || got.Claim.By != "jansen" {
			t.Errorf("study %q claim %+v, want W 2600/0199 held by jansen", got.Accession, got.Claim)
		}
	})
}

func TestDeadLetters(t *testing.T) {
	s, store := newTestServer(t)
	for i := range 3 {
		if err := store.AddDeadLetter(context.Background(), worklist.DeadLetter{Code: "AR", Reason: fmt.Sprint("bad ", i), Message: "MSH|..."}); err != nil {
			t.Fatal(err)
		}
	}
	var got struct {
		DeadLetters []worklist.DeadLetter `json:"deadLetters"`
		Total       int64                 `json:"total"`
	}
	do(t, s, "GET", "/api/v1/dead-letters?limit=2", nil).wantOK(t, 200, &got)
	if got.Total != 3 || len(got.DeadLetters) != 2 || got.DeadLetters[0].Reason != "bad 2" {
		t.Errorf("total %d, %d letters %+v; want 3, 2, newest first", got.Total, len(got.DeadLetters), got.DeadLetters)
	}
	do(t, s, "GET", "/api/v1/dead-letters?limit=many", nil).wantError(t, 400, "invalid", "limit")
}
