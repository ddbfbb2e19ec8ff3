package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// fhirKind is what each vendor's FHIR file in testdata/ai/pe is posted
// to: Aidoc an Observation, Nordlicht a DiagnosticReport with its
// Observations contained, the in-house model a transaction Bundle.
var fhirKind = map[string]string{"aidoc": "Observation", "nordlicht": "DiagnosticReport", "umc": ""}

// decodeFHIRFile decodes a vendor's FHIR file as its route does.
func decodeFHIRFile(t *testing.T, vendor string, body []byte) (*FHIRPost, error) {
	t.Helper()
	return DecodeFHIR(fhirKind[vendor], body, time.Date(2026, 11, 23, 8, 20, 0, 0, time.UTC))
}

func TestDecodeFHIR(t *testing.T) {
	tests := []struct {
		vendor  string
		bundle  string
		entries []FHIREntry
		second  *triage.Finding // the report's second finding
	}{
		{vendor: "aidoc"},
		{vendor: "nordlicht", second: &triage.Finding{Code: "36118008", Presence: triage.Absent, Confidence: 0.04}},
		{vendor: "umc", bundle: "transaction", entries: []FHIREntry{{"Patient", -1}, {"Device", -1}, {"ImagingStudy", -1}, {"Observation", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.vendor, func(t *testing.T) {
			post, err := decodeFHIRFile(t, tt.vendor, readPE(t, tt.vendor+".fhir.json"))
			if err != nil {
				t.Fatal(err)
			}
			if post.Bundle != tt.bundle || len(post.Events) != 1 || len(post.Entries) != len(tt.entries) {
				t.Fatalf("bundle %q, %d events, entries %+v", post.Bundle, len(post.Events), post.Entries)
			}
			for i, e := range tt.entries {
				if post.Entries[i] != e {
					t.Errorf("entry %d: %+v, want %+v", i, post.Entries[i], e)
				}
			}
			e := post.Events[0]
			if msg := checkAIEvent(e); msg != "" {
				t.Fatal(msg)
			}
			if e.Source != "ai:W26000101|"+e.AI.ID {
				t.Errorf("source %q: a resend is known by accession and result ID", e.Source)
			}
			if tt.second == nil {
				if len(e.AI.Findings) != 1 {
					t.Errorf("%d findings, want 1", len(e.AI.Findings))
				}
				return
			}
			if len(e.AI.Findings) != 2 {
				t.Fatalf("%d findings, want 2", len(e.AI.Findings))
			}
			f := e.AI.Findings[1]
			if f.Code != tt.second.Code || f.Is() != tt.second.Presence || f.Confidence != tt.second.Confidence || f.Positive {
				t.Errorf("second finding %+v, want %+v", f, tt.second)
			}
			if !f.ProducedAt.Equal(e.AI.ProducedAt) {
				t.Errorf("an Observation without a time of its own: %v, want the report's %v", f.ProducedAt, e.AI.ProducedAt)
			}
		})
	}
}

// TestFHIRUnknownConcept: a finding coded in a code nobody mapped is
// taken (shown, never ranks, counted), not refused.
func TestFHIRUnknownConcept(t *testing.T) {
	body := strings.Replace(string(readPE(t, "nordlicht.fhir.json")), `"code": "36118008"`, `"code": "233604007"`, 1)
	post, err := decodeFHIRFile(t, "nordlicht", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	f := post.Events[0].AI.Findings[1]
	if c, known := approvedRules().Concept(&f); known {
		t.Errorf("233604007 read as concept %q, want unknown", c)
	}
	if f.Code != "233604007" || f.Codes[0].System != "http://snomed.info/sct" {
		t.Errorf("finding %+v, want the code as sent", f)
	}
}

func TestDecodeFHIRBroken(t *testing.T) {
	tests := []struct {
		name, vendor, old, new string
		expr, issue            string
	}{
		{"presence code is a finding code", "nordlicht", `"code": "52101004"`, `"code": "59282003"`,
			"DiagnosticReport.contained[1].valueCodeableConcept", IssueValue},
		{"presence missing", "aidoc", `"valueBoolean": true,`, ``, "Observation.value[x]", IssueRequired},
		{"presence contradicts interpretation", "umc", `"effectiveDateTime"`, `"valueBoolean": false, "effectiveDateTime"`,
			"Bundle.entry[3].resource.interpretation[0].coding[0]", IssueValue},
		{"confidence over 1", "aidoc", `"valueDecimal": 0.94`, `"valueDecimal": 1.4`, "Observation.extension[0].valueDecimal", IssueValue},
		{"confidence below 0", "umc", `"valueDecimal": 0.77`, `"valueDecimal": -0.2`, "Bundle.entry[3].resource.extension[0].valueDecimal", IssueValue},
		{"percentage over 100", "nordlicht", `"value": 91,`, `"value": 191,`, "DiagnosticReport.contained[1].extension[0].valueQuantity", IssueValue},
		{"confidence as words", "aidoc", `"valueDecimal": 0.94`, `"valueString": "high"`, "Observation.extension[0]", IssueNotSupported},
		{"confidence a string", "aidoc", `"valueDecimal": 0.94`, `"valueDecimal": "0.94"`, "Observation.extension.valueDecimal", IssueStructure},
		{"no study", "aidoc", `"partOf"`, `"x-partOf"`, "Observation.partOf", IssueRequired},
		{"accession without its site", "aidoc", `"assigner": {
          "display": "ZHWEST"
        }`, `"system": "urn:x"`, "Observation.partOf[0].identifier.assigner", IssueRequired},
		{"site with braces", "aidoc", `"assigner": {
          "display": "ZHWEST"
        }`, `"assigner": {"display": "ZH{WEST}"}`, "Observation.partOf[0].identifier.assigner", IssueValue},
		{"accession empty", "nordlicht", `"value": "W26000101"`, `"value": " "`, "DiagnosticReport.basedOn[0].identifier.value", IssueRequired},
		{"accession with braces", "nordlicht", `"value": "W26000101"`, `"value": "W2{6}"`, "DiagnosticReport.basedOn[0].identifier.value", IssueValue},
		{"study not in the bundle", "umc", `"reference": "urn:uuid:c1e4a7b2-9d3f-4e6a-b5c8-0a1f2e3d4c03"`, `"reference": "ImagingStudy/elsewhere"`,
			"Bundle.entry[3].resource.partOf", IssueRequired},
		{"device without identifier", "aidoc", `"value": "aidoc-pe"`, `"value": ""`, "Observation.contained[0].identifier", IssueRequired},
		{"device not posted", "umc", `"reference": "urn:uuid:2b7c9f8e-5a41-4d2a-8e0b-6f3d1c2a9e02"`, `"reference": "Device/umc-pe"`,
			"Bundle.entry[3].resource.device", IssueValue},
		{"device is the patient", "umc", `"device": {
          "reference": "urn:uuid:2b7c9f8e-5a41-4d2a-8e0b-6f3d1c2a9e02"`, `"device": {
          "reference": "urn:uuid:7d0f5e0e-1c55-4b8e-9d44-3f1c0a9b6a01"`, "Bundle.entry[3].resource.device.reference", IssueValue},
		{"code missing", "aidoc", `"code": {`, `"x-code": {`, "Observation.code.coding", IssueRequired},
		{"coding without code", "nordlicht", `"code": "RID4834",`, ``, "DiagnosticReport.contained[1].code.coding[1].code", IssueRequired},
		{"status entered in error", "aidoc", `"status": "final"`, `"status": "entered-in-error"`, "Observation.status", IssueNotSupported},
		{"status missing", "nordlicht", `"status": "final",
  "category"`, `"category"`, "DiagnosticReport.status", IssueRequired},
		{"time without offset", "aidoc", `"2026-11-23T09:12:04+01:00"`, `"2026-11-23T09:12:04"`, "Observation.effectiveDateTime", IssueValue},
		{"date only", "umc", `"2026-11-23T09:15:28+01:00"`, `"2026-11-23"`, "Bundle.entry[3].resource.effectiveDateTime", IssueValue},
		{"no time", "aidoc", `"effectiveDateTime"`, `"x-effective"`, "Observation.effective[x]", IssueRequired},
		{"result not contained", "nordlicht", `"reference": "#pneumothorax"`, `"reference": "Observation/pneumothorax"`,
			"DiagnosticReport.result[1].reference", IssueValue},
		{"report without results", "nordlicht", `"result": [`, `"x-result": [`, "DiagnosticReport.result", IssueRequired},
		{"contained without id", "nordlicht", `"id": "pneumothorax",`, ``, "DiagnosticReport.contained[2].id", IssueRequired},
		{"a Bundle posted as an Observation", "aidoc", `"resourceType": "Observation"`, `"resourceType": "Bundle"`, "resourceType", IssueValue},
		{"document bundle", "umc", `"type": "transaction"`, `"type": "document"`, "Bundle.type", IssueNotSupported},
		{"transaction entry without request", "umc", `"request": {
        "method": "POST",
        "url": "Observation"
      }`, `"x": {}`, "Bundle.entry[3].request", IssueRequired},
		{"transaction entry deletes", "umc", `"method": "POST",
        "url": "Device"`, `"method": "DELETE",
        "url": "Device/1"`, "Bundle.entry[1].request.method", IssueNotSupported},
		{"bundle without results", "umc", `"resourceType": "Observation",`, `"resourceType": "Basic",`, "Bundle.entry", IssueRequired},
		{"boolean as a string", "aidoc", `"valueBoolean": true`, `"valueBoolean": "true"`, "Observation.valueBoolean", IssueStructure},
		{"not JSON", "aidoc", `{`, `<`, "", IssueStructure},
		{"cut off", "nordlicht", `"result": [`, `"result": [{`, "", IssueStructure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := string(readPE(t, tt.vendor+".fhir.json"))
			if !strings.Contains(data, tt.old) {
				t.Fatalf("%s.fhir.json does not hold %q", tt.vendor, tt.old)
			}
			_, err := decodeFHIRFile(t, tt.vendor, []byte(strings.Replace(data, tt.old, tt.new, 1)))
			var fe *FHIRError
			if !errors.As(err, &fe) || !errors.Is(err, worklist.ErrInvalid) {
				t.Fatalf("error %v, want a *FHIRError", err)
			}
			if fe.Expression != tt.expr || fe.Issue != tt.issue || !strings.HasPrefix(fe.Message, tt.expr) {
				t.Errorf("%s %q: %s; want %s at %q", fe.Issue, fe.Expression, fe.Message, tt.issue, tt.expr)
			}
		})
	}
}

// TestFHIRFilesListed: every FHIR file under testdata/ai has a vendor
// and a route here.
func TestFHIRFilesListed(t *testing.T) {
	files, err := filepath.Glob("../testdata/ai/pe/*.fhir.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(fhirKind) {
		t.Errorf("%d FHIR files, %d vendors with a route", len(files), len(fhirKind))
	}
	for _, f := range files {
		if _, ok := fhirKind[strings.TrimSuffix(filepath.Base(f), ".fhir.json")]; !ok {
			t.Errorf("%s: no route for it", f)
		}
		if _, err := os.Stat(strings.Replace(f, ".fhir.json", ".json", 1)); err != nil {
			t.Errorf("%s has no JSON twin: %v", f, err)
		}
	}
}
