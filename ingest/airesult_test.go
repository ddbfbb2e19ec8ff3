package ingest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// TestAIResultOneEvent: the same AI result sent as JSON and as HL7
// ORU^R01 becomes the same event.
func TestAIResultOneEvent(t *testing.T) {
	received := time.Date(2026, 11, 23, 8, 12, 5, 0, time.UTC)
	body, err := os.ReadFile(filepath.Join("../testdata/ai/pe_positive.json"))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := DecodeAIResult(body, received)
	if err != nil {
		t.Fatal(err)
	}
	n := normaliser{mapping: DefaultMapping()}
	events, err := n.events(parseFile(t, "zhwest_oru_ai_pe_positive.hl7")[0])
	if err != nil || len(events) != 1 {
		t.Fatalf("HL7: %d events, %v", len(events), err)
	}
	fromHL7 := events[0]
	if fromJSON.Source != "ai:W26000101|aidoc-20261123-0001" {
		t.Errorf("JSON source %q: a resend is known by accession and result ID", fromJSON.Source)
	}
	if !fromJSON.AI.ReceivedAt.Equal(received) {
		t.Errorf("JSON received at %v, want %v", fromJSON.AI.ReceivedAt, received)
	}
	// The source (the HL7 handler sets the message's) and the time of
	// receipt (the store sets it for HL7) are the route's own.
	fromJSON.Source, fromJSON.AI.ReceivedAt = "", time.Time{}
	if got, want := canonical(t, fromHL7), canonical(t, fromJSON); got != want {
		t.Errorf("HL7 and JSON differ:\nHL7  %s\nJSON %s", got, want)
	}
}

// canonical is e as JSON with every time in UTC.
func canonical(t *testing.T, e worklist.Event) string {
	t.Helper()
	e.At = e.At.UTC()
	r := *e.AI
	r.ProducedAt = r.ProducedAt.UTC()
	r.Findings = append(r.Findings[:0:0], r.Findings...)
	for i := range r.Findings {
		r.Findings[i].ProducedAt = r.Findings[i].ProducedAt.UTC()
	}
	e.AI = &r
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeAIResult(t *testing.T) {
	valid := `{"accession": "W1", "site": "ZHWEST", "algorithm": {"id": "aidoc-pe"},
		"findings": [{"code": "PE", "positive": true, "confidence": 0.9, "slice": 12}], "producedAt": "2026-11-23T09:12:04+01:00"}`
	tests := []struct {
		name  string
		body  string
		field string // "": valid
		msg   string // a part of the message
	}{
		{name: "valid", body: valid},
		{name: "no body", body: ``, msg: "the body is empty"},
		{name: "an array", body: `[]`, msg: "must be an object"},
		{name: "site with a brace", body: strings.Replace(valid, `"ZHWEST"`, `"ZH{WEST}"`, 1), field: "site", msg: "without braces"},
		{name: "blank accession", body: strings.Replace(valid, `"W1"`, `"  "`, 1), field: "accession", msg: "accession is required"},
		{name: "long site", body: strings.Replace(valid, `"ZHWEST"`, `"`+strings.Repeat("Z", 300)+`"`, 1), field: "site", msg: "longer than 256"},
		{name: "no algorithm", body: strings.Replace(valid, `"algorithm": {"id": "aidoc-pe"},`, ``, 1), field: "algorithm"},
		{name: "unknown finding field", body: strings.Replace(valid, `"code": "PE"`, `"code": "PE", "urgent": true`, 1),
			field: "findings[0].urgent", msg: `unknown field "findings[0].urgent"`},
		{name: "finding not an object", body: strings.Replace(valid, `{"code": "PE", "positive": true, "confidence": 0.9, "slice": 12}`, `7`, 1),
			field: "findings[0]", msg: "findings[0]: "},
		{name: "viewer link not http", body: strings.Replace(valid, `"slice": 12`, `"viewerUrl": "javascript:alert(1)"`, 1),
			field: "findings[0].viewerUrl", msg: "http or https"},
		{name: "negative confidence", body: strings.Replace(valid, `0.9`, `-0.1`, 1), field: "findings[0].confidence"},
		{name: "long algorithm name", body: strings.Replace(valid, `{"id": "aidoc-pe"}`, `{"id": "aidoc-pe", "name": "`+strings.Repeat("n", 257)+`"}`, 1),
			field: "algorithm.name", msg: "longer than 256"},
		{name: "long algorithm version", body: strings.Replace(valid, `{"id": "aidoc-pe"}`, `{"id": "aidoc-pe", "version": "`+strings.Repeat("1", 65)+`"}`, 1),
			field: "algorithm.version", msg: "longer than 64"},
		{name: "long display", body: strings.Replace(valid, `"slice": 12`, `"display": "`+strings.Repeat("d", 257)+`"`, 1),
			field: "findings[0].display", msg: "longer than 256"},
		{name: "long location", body: strings.Replace(valid, `"slice": 12`, `"location": "`+strings.Repeat("l", 257)+`"`, 1),
			field: "findings[0].location", msg: "longer than 256"},
		{name: "long viewer link", body: strings.Replace(valid, `"slice": 12`, `"viewerUrl": "https://pacs.example/`+strings.Repeat("v", 2048)+`"`, 1),
			field: "findings[0].viewerUrl", msg: "longer than 2048"},
		{name: "long id", body: strings.Replace(valid, `{"accession"`, `{"id": "`+strings.Repeat("x", 129)+`", "accession"`, 1), field: "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := DecodeAIResult([]byte(tt.body), time.Now())
			if tt.field == "" && tt.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				f := e.AI.Findings[0]
				if e.Kind != worklist.AIResultReceived || !strings.HasPrefix(e.AI.ID, "sha256-") || f.Location != "(image 12)" ||
					f.Algorithm.ID != "aidoc-pe" || !f.ProducedAt.Equal(e.AI.ProducedAt) {
					t.Errorf("event %+v, finding %+v", e, f)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, worklist.ErrInvalid) {
				t.Fatalf("err %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.msg) {
				t.Errorf("field %q message %q; want %q and a message with %q", fe.Field, fe.Message, tt.field, tt.msg)
			}
		})
	}
}

// TestAIFailedReason: an AI platform's reason for a failed result is
// kept as sent, and one longer than any panel shows is cut, over HL7 as
// the JSON route refuses it.
func TestAIFailedReason(t *testing.T) {
	raw, err := os.ReadFile("../testdata/ai/status/failed.hl7")
	if err != nil {
		t.Fatal(err)
	}
	const reason = "no contrast-enhanced series of at most 1.5 mm slice thickness"
	long := strings.Repeat("x", 3*maxReason)
	tests := []struct {
		name, nte, want string
	}{
		{"as sent", reason, reason},
		{"too long", long, long[:maxReason] + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := decodeHL7([]byte(strings.Replace(string(raw), reason, tt.nte, 1)))
			if err != nil || len(events) != 1 {
				t.Fatalf("%d events, %v", len(events), err)
			}
			if ai := events[0].AI; ai.Status != worklist.AIFailed || ai.Reason != tt.want {
				t.Errorf("status %q, reason of %d bytes %.40q; want failed, %d bytes", ai.Status, len(ai.Reason), ai.Reason, len(tt.want))
			}
		})
	}
}

// TestAIHL7TextsCut: over HL7, a finding's location and the algorithm's
// name, version and vendor longer than a panel shows are cut, as the FHIR
// route cuts them, and a viewer link too long to be one is left out.
func TestAIHL7TextsCut(t *testing.T) {
	raw, err := os.ReadFile("../testdata/ai/pe/aidoc.hl7")
	if err != nil {
		t.Fatal(err)
	}
	long := func(c string, n int) string { return strings.Repeat(c, n) }
	msg := strings.NewReplacer(
		"right lower lobe segmental artery (image 143)", long("l", 1000),
		"aidoc-pe^Incidental PE^AI^2.1^Aidoc", "aidoc-pe^"+long("n", 1000)+"^AI^"+long("9", 100)+"^"+long("v", 1000),
		"https://ai.example.org/viewer/aidoc-20261123-0001", "https://ai.example.org/viewer/"+long("x", 3000),
	).Replace(string(raw))
	events, err := decodeHL7([]byte(msg))
	if err != nil || len(events) != 1 {
		t.Fatalf("%d events, %v", len(events), err)
	}
	f := events[0].AI.Findings[0]
	a := f.Algorithm
	if len(f.Location) != 256+3 || len(a.Name) != 256+3 || len(a.Version) != 64+3 || len(a.Vendor) != 256+3 || f.ViewerURL != "" {
		t.Errorf("location %d, name %d, version %d, vendor %d bytes, viewer %.40q; want 259, 259, 67, 259 and none",
			len(f.Location), len(a.Name), len(a.Version), len(a.Vendor), f.ViewerURL)
	}
	if f.Algorithm.ID != "aidoc-pe" {
		t.Errorf("algorithm %q, want aidoc-pe", f.Algorithm.ID)
	}
}
