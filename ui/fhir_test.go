package ui

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// newFHIRServer is newTestServer whose rules approve the two PE vendors
// that the built-in rules do not list.
func newFHIRServer(t *testing.T) (*Server, *redisstore.Store) {
	t.Helper()
	rdb := redistest.Client(t)
	clk := &clock{t: now}
	rules := triage.DefaultRules().WithPolicies(1, map[string]triage.Policy{
		"nordlicht-ctpa": {Approved: true, Mode: triage.Prioritise},
		"umc-pe":         {Approved: true, Mode: triage.Prioritise},
	})
	store := redisstore.New(rdb, redisstore.Options{Prefix: redistest.Prefix(t, rdb), Now: clk.Now, Rules: rules})
	return New(Config{Store: store, Now: clk.Now, Logger: discard(), Version: "test", Access: testAccess()}), store
}

// doFHIR sends a FHIR request as token's holder, with contentType.
func doFHIR(t *testing.T, s *Server, token, method, target, contentType string, body []byte) response {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	req.Host = "localhost"
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+testTokens[token])
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res := send(t, s, req)
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		t.Errorf("%s %s: Content-Type %q, want application/fhir+json", method, target, ct)
	}
	return res
}

// fhirOutcome is an OperationOutcome as a client reads it.
type fhirOutcome struct {
	ResourceType string `json:"resourceType"`
	Issue        []struct {
		Severity    string   `json:"severity"`
		Code        string   `json:"code"`
		Diagnostics string   `json:"diagnostics"`
		Expression  []string `json:"expression"`
	} `json:"issue"`
}

func (o fhirOutcome) says(s string) bool {
	for _, i := range o.Issue {
		if strings.Contains(i.Diagnostics, s) {
			return true
		}
	}
	return false
}

// TestFHIRCreate: each vendor's PE on W26000101 posted to its FHIR route
// makes the study critical with the concept's reason; the same body again
// is a duplicate.
func TestFHIRCreate(t *testing.T) {
	tests := []struct {
		vendor, path, id string
		reason           string
	}{
		{"aidoc", "/fhir/Observation", "aidoc-20261123-0001", "AI: incidental PE 94%"},
		{"nordlicht", "/fhir/DiagnosticReport", "nl-7f3a9c", "AI: pulmonary embolism 91%"},
		{"umc", "/fhir", "umc-88-1", "AI: pulmonary embolism 77%"},
	}
	for _, tt := range tests {
		t.Run(tt.vendor, func(t *testing.T) {
			s, store := newFHIRServer(t)
			seed(t, store, "W26000101")
			body := readFile(t, filepath.Join("ai", "pe", tt.vendor+".fhir.json"))
			res := doFHIR(t, s, "aiplatform", "POST", tt.path, "application/fhir+json", body)
			wantStatus := 201
			if tt.path == "/fhir" {
				wantStatus = 200
			}
			if res.status != wantStatus {
				t.Fatalf("status %d, want %d: %s", res.status, wantStatus, res.body)
			}
			if tt.path == "/fhir" {
				var b struct {
					ResourceType, Type string
					Entry              []struct {
						Response struct {
							Status  string
							Outcome fhirOutcome
						}
					}
				}
				res.decode(t, &b)
				if b.ResourceType != "Bundle" || b.Type != "transaction-response" || len(b.Entry) != 4 {
					t.Fatalf("answer %s, want a transaction-response with 4 entries", res.body)
				}
				for i, want := range []string{"200 OK", "200 OK", "200 OK", "201 Created"} {
					if got := b.Entry[i].Response.Status; got != want {
						t.Errorf("entry %d: %s, want %s", i, got, want)
					}
				}
				if !b.Entry[3].Response.Outcome.says("applied: band critical") {
					t.Errorf("the Observation's outcome %+v does not say it applied", b.Entry[3].Response.Outcome)
				}
			} else {
				var o fhirOutcome
				res.decode(t, &o)
				if o.ResourceType != "OperationOutcome" || !o.says(tt.id) || !o.says("applied: band critical") {
					t.Errorf("answer %s, want an OperationOutcome saying %s applied, critical", res.body, tt.id)
				}
			}
			st := mustGet(t, store, "ZHWEST", "W26000101")
			if st.Rank.Band != triage.Critical || resultsWithID(st, tt.id) != 1 {
				t.Fatalf("band %s, result %s held %d times; want critical, once", st.Rank.Band, tt.id, resultsWithID(st, tt.id))
			}
			if r := st.Rank.Reasons[0]; r.Code != triage.ReasonAIFinding || !strings.HasPrefix(r.Text, tt.reason) {
				t.Errorf("first reason %+v, want %q", r, tt.reason)
			}

			again := doFHIR(t, s, "aiplatform", "POST", tt.path, "application/json", body)
			if again.status != 200 || !strings.Contains(string(again.body), "duplicate") {
				t.Errorf("resend: %d %s, want 200 saying duplicate", again.status, again.body)
			}
			if after := mustGet(t, store, "ZHWEST", "W26000101"); after.Version != st.Version {
				t.Errorf("the resend changed the study: version %d -> %d", st.Version, after.Version)
			}
		})
	}
}

func TestFHIRCollectionAndUnknownStudy(t *testing.T) {
	s, store := newFHIRServer(t)
	seed(t, store, "W26000101")
	// A collection of the in-house model's result, for a study Voorrang
	// has no order for yet: kept until the order comes.
	body := strings.NewReplacer(`"type": "transaction"`, `"type": "collection"`, `"value": "W26000101"`, `"value": "W26000190"`).
		Replace(string(readFile(t, "ai/pe/umc.fhir.json")))
	res := doFHIR(t, s, "aiplatform", "POST", "/fhir", "application/fhir+json", []byte(body))
	var o fhirOutcome
	res.wantOK(t, 200, &o)
	if len(o.Issue) != 1 || o.Issue[0].Severity != "information" || !o.says("W26000190: pending") {
		t.Errorf("answer %s, want one issue saying the result is pending", res.body)
	}
	// An Observation for it on its own: 202.
	obs := strings.Replace(string(readFile(t, "ai/pe/aidoc.fhir.json")), `"value": "W26000101"`, `"value": "W26000190"`, 1)
	res = doFHIR(t, s, "aiplatform", "POST", "/fhir/Observation", "application/fhir+json", []byte(obs))
	if res.status != 202 {
		t.Errorf("status %d, want 202: %s", res.status, res.body)
	}
}

func TestFHIRRefused(t *testing.T) {
	s, store := newFHIRServer(t)
	seed(t, store, "W26000101")
	aidoc := string(readFile(t, "ai/pe/aidoc.fhir.json"))
	tests := []struct {
		name, token, method, path, contentType, body string
		status                                       int
		code, expression                             string
	}{
		{"confidence out of range", "aiplatform", "POST", "/fhir/Observation", "application/fhir+json",
			strings.Replace(aidoc, `"valueDecimal": 0.94`, `"valueDecimal": 1.4`, 1), 422, "value", "Observation.extension[0].valueDecimal"},
		{"presence missing", "aiplatform", "POST", "/fhir/Observation", "application/fhir+json",
			strings.Replace(aidoc, `"valueBoolean": true,`, ``, 1), 422, "required", "Observation.value[x]"},
		{"no study", "aiplatform", "POST", "/fhir/Observation", "application/fhir+json",
			strings.Replace(aidoc, `"partOf"`, `"x-partOf"`, 1), 422, "required", "Observation.partOf"},
		{"an Observation posted as a report", "aiplatform", "POST", "/fhir/DiagnosticReport", "application/fhir+json",
			aidoc, 422, "value", "resourceType"},
		{"not JSON", "aiplatform", "POST", "/fhir/Observation", "application/fhir+json", "PE positive", 400, "structure", ""},
		{"XML", "aiplatform", "POST", "/fhir/Observation", "application/fhir+xml", "<Observation/>", 415, "not-supported", ""},
		{"no token", "", "POST", "/fhir/Observation", "application/fhir+json", aidoc, 401, "login", ""},
		{"a reader's token", "jansen", "POST", "/fhir/Observation", "application/fhir+json", aidoc, 403, "forbidden", ""},
		{"no token for metadata", "", "GET", "/fhir/metadata", "", "", 401, "login", ""},
		{"a resource type not taken", "aiplatform", "POST", "/fhir/Patient", "application/fhir+json", `{"resourceType":"Patient"}`, 404, "not-found", ""},
	}
	before := mustGet(t, store, "ZHWEST", "W26000101")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			res := doFHIR(t, s, tt.token, tt.method, tt.path, tt.contentType, body)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			var o fhirOutcome
			res.decode(t, &o)
			if o.ResourceType != "OperationOutcome" || len(o.Issue) != 1 || o.Issue[0].Severity != "error" || o.Issue[0].Code != tt.code {
				t.Fatalf("answer %s, want an OperationOutcome with one error of code %s", res.body, tt.code)
			}
			var expr []string
			if tt.expression != "" {
				expr = []string{tt.expression}
			}
			if got := o.Issue[0].Expression; strings.Join(got, ",") != strings.Join(expr, ",") {
				t.Errorf("expression %q, want %q", got, expr)
			}
			if o.Issue[0].Diagnostics == "" {
				t.Error("no diagnostics")
			}
		})
	}
	if after := mustGet(t, store, "ZHWEST", "W26000101"); after.Version != before.Version || len(after.Results) != 0 {
		t.Errorf("refused bodies changed the study: version %d -> %d, %d results", before.Version, after.Version, len(after.Results))
	}
}

func TestFHIRMetadata(t *testing.T) {
	s, _ := newFHIRServer(t)
	res := doFHIR(t, s, "aiplatform", "GET", "/fhir/metadata", "", nil)
	var cs struct {
		ResourceType, Status, Kind, FhirVersion string
		Format                                  []string
		Rest                                    []struct {
			Mode     string
			Resource []struct {
				Type        string
				Interaction []struct{ Code string }
			}
			Interaction []struct{ Code string }
		}
	}
	res.wantOK(t, 200, &cs)
	if cs.ResourceType != "CapabilityStatement" || cs.FhirVersion != "4.0.1" || cs.Kind != "instance" || len(cs.Rest) != 1 {
		t.Fatalf("answer %s", res.body)
	}
	var got []string
	for _, r := range cs.Rest[0].Resource {
		got = append(got, r.Type+":"+r.Interaction[0].Code)
	}
	if strings.Join(got, " ") != "Observation:create DiagnosticReport:create" || cs.Rest[0].Interaction[0].Code != "transaction" {
		t.Errorf("resources %v, interactions %+v; want Observation and DiagnosticReport create, and transaction", got, cs.Rest[0].Interaction)
	}
	var raw map[string]any
	if err := json.Unmarshal(res.body, &raw); err != nil || raw["date"] == "" {
		t.Errorf("date missing: %v %v", raw["date"], err)
	}
}
