package ui

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// aiAnswer is the JSON of POST /api/v1/ai-results.
type aiAnswer struct {
	ID        string      `json:"id"`
	Site      string      `json:"site"`
	Accession string      `json:"accession"`
	Status    string      `json:"status"`
	Band      triage.Band `json:"band"`
	Due       time.Time   `json:"due"`
}

// resultsWithID counts the results of st with the id.
func resultsWithID(st *worklist.Study, id string) int {
	n := 0
	for _, r := range st.Results {
		if r.ID == id {
			n++
		}
	}
	return n
}

// validAICase is a file of testdata/ai and what posting it does.
type validAICase struct {
	file      string
	site, acc string
	id        string
	band      triage.Band
	unchanged bool // informational or negative: the rank stays as the order made it
	findings  []triage.Finding
}

func TestPostAIResult(t *testing.T) {
	tests := []validAICase{
		{file: "pe_positive.json", site: "ZHWEST", acc: "W26000101", id: "aidoc-20261123-0001", band: triage.Critical,
			findings: []triage.Finding{{Code: "PE", Positive: true, Confidence: 0.94, Location: "right lower lobe segmental artery (image 143)",
				ViewerURL: "https://ai.example.org/viewer/aidoc-20261123-0001"}}},
		{file: "pe_negative.json", site: "ZHWEST", acc: "W26000103", id: "aidoc-20261123-0002", band: triage.Routine, unchanged: true,
			findings: []triage.Finding{{Code: "PE", Positive: false, Confidence: 0.03, ViewerURL: "https://ai.example.org/viewer/aidoc-20261123-0002"}}},
		{file: "ich_positive.json", site: "ZHOOST", acc: "E26000201", id: "aidoc-20261123-0003", band: triage.Critical,
			findings: []triage.Finding{{Code: "ICH", Positive: true, Confidence: 0.96, Location: "left frontoparietal, subdural (image 31)",
				ViewerURL: "https://ai.example.org/viewer/aidoc-20261123-0003?series=2&image=31"}}},
		{file: "fracture_positive.json", site: "ZHOOST", acc: "E26000202", id: "gleamer-20261123-0001", band: triage.Urgent,
			findings: []triage.Finding{{Code: "FX", Positive: true, Confidence: 0.91, Location: "right distal radius",
				ViewerURL: "https://ai.example.org/viewer/gleamer-20261123-0001?view=PA&box=1"}}},
		{file: "bone_age.json", site: "ZHWEST", acc: "W26000106", id: "gleamer-20261123-0002", band: triage.Routine, unchanged: true,
			findings: []triage.Finding{{Code: "BONEAGE", Positive: true, Confidence: 0.88, Location: "left hand",
				ViewerURL: "https://ai.example.org/viewer/gleamer-20261123-0002"}}},
		{file: "lung_nodule.json", site: "ZHWEST", acc: "W26000107", id: "lunit-20261123-0001", band: triage.Urgent, unchanged: true,
			findings: []triage.Finding{{Code: "NODULE", Positive: true, Confidence: 0.72, Location: "right upper zone",
				ViewerURL: "https://ai.example.org/viewer/lunit-20261123-0001"}}},
		{file: "two_findings.json", site: "ZHOOST", acc: "E26000201", id: "qure-20261123-0001", band: triage.Critical,
			findings: []triage.Finding{
				{Code: "ICH", Positive: true, Confidence: 0.97, Location: "left frontoparietal, subdural (image 31)",
					ViewerURL: "https://ai.example.org/viewer/qure-20261123-0001"},
				{Code: "SKULLFX", Positive: false, Confidence: 0.06, ViewerURL: "https://ai.example.org/viewer/qure-20261123-0001"},
			}},
	}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "ai", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if name != "no_order_yet.json" && !slices.ContainsFunc(tests, func(tt validAICase) bool { return tt.file == name }) {
			t.Errorf("testdata/ai/%s has no case here", name)
		}
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, store := newTestServer(t)
			seed(t, store)
			before := mustGet(t, store, tt.site, tt.acc)
			body := readFile(t, filepath.Join("ai", tt.file))

			var got aiAnswer
			do(t, s, "POST", "/api/v1/ai-results", body).wantOK(t, 200, &got)
			want := aiAnswer{ID: tt.id, Site: tt.site, Accession: tt.acc, Status: "applied", Band: tt.band, Due: got.Due}
			if got != want {
				t.Errorf("answer %+v, want %+v", got, want)
			}

			var st worklist.Study
			do(t, s, "GET", "/api/v1/studies/"+tt.site+"/"+tt.acc, nil).wantOK(t, 200, &st)
			if n := resultsWithID(&st, tt.id); n != 1 {
				t.Fatalf("the study holds result %s %d times, want once", tt.id, n)
			}
			if st.Rank.Band != tt.band || !st.Rank.Due.Equal(got.Due) {
				t.Errorf("study band %s due %v, want %s due %v (as answered)", st.Rank.Band, st.Rank.Due, tt.band, got.Due)
			}
			if tt.unchanged && (st.Rank.Band != before.Rank.Band || !st.Rank.Due.Equal(before.Rank.Due)) {
				t.Errorf("rank moved from %s %v to %s %v", before.Rank.Band, before.Rank.Due, st.Rank.Band, st.Rank.Due)
			}
			r := st.Results[slices.IndexFunc(st.Results, func(r worklist.AIResult) bool { return r.ID == tt.id })]
			if !r.ReceivedAt.Equal(now) {
				t.Errorf("received at %v, want the server's clock %v", r.ReceivedAt, now)
			}
			if len(r.Findings) != len(tt.findings) {
				t.Fatalf("%d findings, want %d", len(r.Findings), len(tt.findings))
			}
			for i, f := range r.Findings {
				w := tt.findings[i]
				if f.Code != w.Code || f.Positive != w.Positive || f.Confidence != w.Confidence || f.Location != w.Location || f.ViewerURL != w.ViewerURL {
					t.Errorf("finding %d: %+v\nwant %+v", i, f, w)
				}
				if f.Algorithm.ID != r.Algorithm.ID || f.Algorithm.ID == "" {
					t.Errorf("finding %d algorithm %q, want the result's %q", i, f.Algorithm.ID, r.Algorithm.ID)
				}
			}

			var again aiAnswer
			do(t, s, "POST", "/api/v1/ai-results", body).wantOK(t, 200, &again)
			if again.Status != "duplicate" || again.ID != tt.id {
				t.Errorf("resend: %+v, want status duplicate for %s", again, tt.id)
			}
			after := mustGet(t, store, tt.site, tt.acc)
			if n := resultsWithID(after, tt.id); n != 1 || after.Version != st.Version {
				t.Errorf("after the resend: result held %d times, version %d; want once, version %d", n, after.Version, st.Version)
			}
		})
	}
}

func TestPostAIResultBeforeItsOrder(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store)
	body := readFile(t, filepath.Join("ai", "no_order_yet.json"))
	const id = "aidoc-20261123-0004"

	var got aiAnswer
	do(t, s, "POST", "/api/v1/ai-results", body).wantOK(t, 202, &got)
	if want := (aiAnswer{ID: id, Site: "ZHOOST", Accession: "E26000250", Status: "pending"}); got != want {
		t.Errorf("answer %+v, want %+v", got, want)
	}
	do(t, s, "GET", "/api/v1/studies/ZHOOST/E26000250", nil).wantError(t, 404, "not_found", "")
	var p page
	do(t, s, "GET", "/api/v1/worklist", nil).wantOK(t, 200, &p)
	if slices.Contains(p.accessions(), "E26000250") {
		t.Errorf("worklist %v lists the study before its order", p.accessions())
	}

	var again aiAnswer
	do(t, s, "POST", "/api/v1/ai-results", body).wantOK(t, 200, &again)
	if again.Status != "duplicate" {
		t.Errorf("resend while pending: %+v, want status duplicate", again)
	}

	// The order arrives: a CT head for an ED patient, urgent by itself,
	// critical with the ICH.
	mustApply(t, store, completedOrder("ZHOOST", "E26000250", "CT", "CTHEAD", "CT hersenen", "E", "S", at(12, 0, 0)))
	var st worklist.Study
	do(t, s, "GET", "/api/v1/studies/ZHOOST/E26000250", nil).wantOK(t, 200, &st)
	if n := resultsWithID(&st, id); n != 1 {
		t.Fatalf("the study holds result %s %d times, want once", id, n)
	}
	if f := st.Results[0].Findings; len(f) != 1 || f[0].Code != "ICH" || f[0].Confidence != 0.89 {
		t.Errorf("findings %+v, want ICH 0.89", f)
	}
	if st.Rank.Band != triage.Critical || !st.OnList {
		t.Errorf("band %s on list %v, want critical and on the list", st.Rank.Band, st.OnList)
	}
	do(t, s, "GET", "/api/v1/worklist?band=critical", nil).wantOK(t, 200, &p)
	if got := p.accessions(); !slices.Equal(got, []string{"E26000250"}) {
		t.Errorf("critical worklist %v, want [E26000250]", got)
	}
	do(t, s, "POST", "/api/v1/ai-results", body).wantOK(t, 200, &again)
	if n := resultsWithID(mustGet(t, store, "ZHOOST", "E26000250"), id); again.Status != "duplicate" || n != 1 {
		t.Errorf("resend after the order: status %q, result held %d times; want duplicate, once", again.Status, n)
	}
}

// variant returns testdata/ai/pe_positive.json changed by mod.
func variant(t *testing.T, mod func(m map[string]any, finding map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join("ai", "pe_positive.json")), &m); err != nil {
		t.Fatal(err)
	}
	mod(m, m["findings"].([]any)[0].(map[string]any))
	return mustJSON(t, m)
}

func TestPostAIResultRefusesInvalid(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store, "W26000101")
	type invalidCase struct {
		name   string
		body   []byte
		status int
		code   string
		field  string
		// listener sends the request through a served listener: app.Test
		// returns no answer when fasthttp refuses to read a request.
		listener bool
	}
	// testdata/README.md's table: every file names its field.
	fileFields := map[string]string{
		"missing_accession.json":       "accession",
		"confidence_1_4.json":          "findings[0].confidence",
		"positive_as_string.json":      "findings[0].positive",
		"unknown_field_priority.json":  "priority",
		"empty_findings.json":          "findings",
		"produced_at_not_rfc3339.json": "producedAt",
		"algorithm_without_id.json":    "algorithm.id",
	}
	var tests []invalidCase
	files, err := filepath.Glob(filepath.Join("..", "testdata", "ai", "invalid", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		field, ok := fileFields[name]
		if !ok {
			t.Errorf("testdata/ai/invalid/%s: no field listed for it here", name)
			continue
		}
		c := invalidCase{name: name, body: readFile(t, filepath.Join("ai", "invalid", name)), status: 400, code: "invalid", field: field}
		tests = append(tests, c)
		delete(fileFields, name)
	}
	for name := range fileFields {
		t.Errorf("testdata/ai/invalid/%s is missing", name)
	}
	valid := readFile(t, filepath.Join("ai", "pe_positive.json"))
	tests = append(tests, []invalidCase{
		{name: "empty body", body: []byte{}, status: 400, code: "invalid"},
		{name: "not JSON", body: []byte("PE positive, 94%"), status: 400, code: "invalid"},
		{name: "a list", body: []byte("[]"), status: 400, code: "invalid"},
		{name: "null", body: []byte("null"), status: 400, code: "invalid", field: "accession"},
		{name: "cut off", body: valid[:len(valid)/2], status: 400, code: "invalid"},
		{name: "two objects", body: append(append([]byte{}, valid...), valid...), status: 400, code: "invalid"},
		{name: "trailing text", body: append(append([]byte{}, valid...), "ok"...), status: 400, code: "invalid"},
		{name: "over 1 MiB", body: variant(t, func(_, f map[string]any) { f["display"] = strings.Repeat("x", 1<<20) }),
			status: 413, code: "too_large", listener: true},
		{name: "confidence below 0", body: variant(t, func(_, f map[string]any) { f["confidence"] = -0.1 }),
			status: 400, code: "invalid", field: "findings[0].confidence"},
		{name: "confidence missing", body: variant(t, func(_, f map[string]any) { delete(f, "confidence") }),
			status: 400, code: "invalid", field: "findings[0].confidence"},
		{name: "positive missing", body: variant(t, func(_, f map[string]any) { delete(f, "positive") }),
			status: 400, code: "invalid", field: "findings[0].positive"},
		{name: "code missing", body: variant(t, func(_, f map[string]any) { delete(f, "code") }),
			status: 400, code: "invalid", field: "findings[0].code"},
		{name: "second finding wrong", body: variant(t, func(m, f map[string]any) {
			g := map[string]any{"code": "X", "positive": true, "confidence": 2}
			m["findings"] = []any{f, g}
		}), status: 400, code: "invalid", field: "findings[1].confidence"},
		{name: "javascript viewer link", body: variant(t, func(_, f map[string]any) { f["viewerUrl"] = "javascript:alert(1)" }),
			status: 400, code: "invalid", field: "findings[0].viewerUrl"},
		{name: "viewer link without host", body: variant(t, func(_, f map[string]any) { f["viewerUrl"] = "https:///viewer" }),
			status: 400, code: "invalid", field: "findings[0].viewerUrl"},
		{name: "ftp viewer link", body: variant(t, func(_, f map[string]any) { f["viewerUrl"] = "ftp://ai.example.org/x" }),
			status: 400, code: "invalid", field: "findings[0].viewerUrl"},
		{name: "site missing", body: variant(t, func(m, _ map[string]any) { delete(m, "site") }),
			status: 400, code: "invalid", field: "site"},
		{name: "accession with braces", body: variant(t, func(m, _ map[string]any) { m["accession"] = "{W26000101}" }),
			status: 400, code: "invalid", field: "accession"},
		{name: "accession too long", body: variant(t, func(m, _ map[string]any) { m["accession"] = strings.Repeat("W", 65) }),
			status: 400, code: "invalid", field: "accession"},
		{name: "algorithm missing", body: variant(t, func(m, _ map[string]any) { delete(m, "algorithm") }),
			status: 400, code: "invalid", field: "algorithm"},
		{name: "producedAt missing", body: variant(t, func(m, _ map[string]any) { delete(m, "producedAt") }),
			status: 400, code: "invalid", field: "producedAt"},
		{name: "id too long", body: variant(t, func(m, _ map[string]any) { m["id"] = strings.Repeat("i", 129) }),
			status: 400, code: "invalid", field: "id"},
		{name: "too many findings", body: variant(t, func(m, f map[string]any) {
			fs := make([]any, 101)
			for i := range fs {
				fs[i] = f
			}
			m["findings"] = fs
		}), status: 400, code: "invalid", field: "findings"},
	}...)

	before := mustGet(t, store, "ZHWEST", "W26000101")
	ln := serve(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res response
			if tt.listener {
				res = post(t, ln, "/api/v1/ai-results", tt.body)
			} else {
				res = do(t, s, "POST", "/api/v1/ai-results", tt.body)
			}
			if res.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", res.status, tt.status, res.body)
			}
			var b struct {
				Error apiErr `json:"error"`
			}
			res.decode(t, &b)
			if b.Error.Code != tt.code || b.Error.Message == "" {
				t.Errorf("error %+v, want code %q and a message", b.Error, tt.code)
			}
			if after := mustGet(t, store, "ZHWEST", "W26000101"); after.Version != before.Version || len(after.Results) != 0 {
				t.Errorf("the study changed: version %d -> %d, %d results", before.Version, after.Version, len(after.Results))
			}
			if b.Error.Field != tt.field {
				t.Errorf("field %q, want %q (message %q)", b.Error.Field, tt.field, b.Error.Message)
			}
			if tt.field != "" && !strings.Contains(b.Error.Message, tt.field) {
				t.Errorf("message %q does not name %s", b.Error.Message, tt.field)
			}
		})
	}

	// Nothing refused left a trace: the valid result is new, not a duplicate.
	var got aiAnswer
	do(t, s, "POST", "/api/v1/ai-results", valid).wantOK(t, 200, &got)
	if got.Status != "applied" {
		t.Errorf("the valid result after the refused ones: status %q, want applied", got.Status)
	}
}

// TestPostAIResultSameIDOtherStudy: an AI platform that reuses a result ID
// for another study still gets that result applied to it, not answered as
// a resend of the first.
func TestPostAIResultSameIDOtherStudy(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store, "W26000101", "W26000103")
	first := variant(t, func(m, _ map[string]any) { m["accession"] = "W26000101" })
	other := variant(t, func(m, _ map[string]any) { m["accession"] = "W26000103" })
	var a, b aiAnswer
	do(t, s, "POST", "/api/v1/ai-results", first).wantOK(t, 200, &a)
	do(t, s, "POST", "/api/v1/ai-results", other).wantOK(t, 200, &b)
	if a.Status != "applied" || b.Status != "applied" || a.ID != b.ID {
		t.Fatalf("answers %+v and %+v, want both applied under one ID", a, b)
	}
	if st := mustGet(t, store, "ZHWEST", "W26000103"); resultsWithID(st, b.ID) != 1 || st.Rank.Band != triage.Critical {
		t.Errorf("W26000103 holds result %s %d times, band %s; want once, critical", b.ID, resultsWithID(st, b.ID), st.Rank.Band)
	}
}
