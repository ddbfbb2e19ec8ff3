package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// The same PE finding on study W26000101 from three vendors
// (testdata/ai/pe), each over JSON, HL7 and FHIR: Aidoc with its own code,
// Nordlicht coded in SNOMED CT and RadLex with a coded presence, an
// in-house model in RadLex (under a generic LOINC OBX-3 in HL7).
var vendorPE = []struct {
	vendor     string
	algorithm  string
	resultID   string
	confidence float64
}{
	{"aidoc", "aidoc-pe", "aidoc-20261123-0001", 0.94},
	{"nordlicht", "nordlicht-ctpa", "nl-7f3a9c", 0.91},
	{"umc", "umc-pe", "umc-88-1", 0.77},
}

// approvedRules are the built-in rules with the two vendors that are not
// in them approved.
func approvedRules() *triage.Rules {
	return triage.DefaultRules().WithPolicies(1, map[string]triage.Policy{
		"nordlicht-ctpa": {Approved: true, Mode: triage.Prioritise},
		"umc-pe":         {Approved: true, Mode: triage.Prioritise},
	})
}

func readPE(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../testdata/ai/pe", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// decodeHL7 maps an HL7 AI result to its events.
func decodeHL7(data []byte) ([]worklist.Event, error) {
	m, err := hl7.Parse(data)
	if err != nil {
		return nil, err
	}
	n := normaliser{mapping: DefaultMapping()}
	return n.events(m)
}

func TestPEFromEveryVendor(t *testing.T) {
	rules := approvedRules()
	received := time.Date(2026, 11, 23, 8, 20, 0, 0, time.UTC)
	for _, v := range vendorPE {
		t.Run(v.vendor, func(t *testing.T) {
			fromJSON, err := DecodeAIResult(readPE(t, v.vendor+".json"), received)
			if err != nil {
				t.Fatalf("JSON: %v", err)
			}
			events, err := decodeHL7(readPE(t, v.vendor+".hl7"))
			if err != nil || len(events) != 1 {
				t.Fatalf("HL7: %d events, %v", len(events), err)
			}
			post, err := decodeFHIRFile(t, v.vendor, readPE(t, v.vendor+".fhir.json"))
			if err != nil || len(post.Events) != 1 {
				t.Fatalf("FHIR: %v", err)
			}
			fromFHIR := post.Events[0]
			for route, e := range map[string]worklist.Event{"JSON": fromJSON, "HL7": events[0], "FHIR": fromFHIR} {
				if e.Kind != worklist.AIResultReceived || e.Site != "ZHWEST" || e.Accession != "W26000101" || e.AI.ID != v.resultID {
					t.Errorf("%s: %s for %s %s result %s", route, e.Kind, e.Site, e.Accession, e.AI.ID)
				}
				f := e.AI.Findings[0]
				concept, known := rules.Concept(&f)
				if concept != "pulmonary-embolism" || !known {
					t.Errorf("%s: concept %q, want pulmonary-embolism", route, concept)
				}
				if f.Is() != triage.Present || !f.Positive || f.NoConfidence || f.Confidence != v.confidence {
					t.Errorf("%s: %s positive %v confidence %v (none %v), want present at %v", route, f.Is(), f.Positive, f.Confidence, f.NoConfidence, v.confidence)
				}
				if f.Algorithm.ID != v.algorithm || e.AI.Algorithm.ID != v.algorithm || e.AI.Algorithm.Version == "" {
					t.Errorf("%s: algorithm %+v of result %+v, want %s with a version", route, f.Algorithm, e.AI.Algorithm, v.algorithm)
				}
			}
			a := fromJSON.AI
			for route, b := range map[string]*worklist.AIResult{"HL7": events[0].AI, "FHIR": fromFHIR.AI} {
				if !a.ProducedAt.Equal(b.ProducedAt) || a.Algorithm != b.Algorithm || len(a.Findings) != len(b.Findings) {
					t.Errorf("JSON and %s differ: %+v\n%+v", route, a, b)
				}
				for i := range min(len(a.Findings), len(b.Findings)) {
					fa, fb := a.Findings[i], b.Findings[i]
					if fa.Is() != fb.Is() || fa.Confidence != fb.Confidence || fa.Location != fb.Location || fa.Code != fb.Code ||
						fa.Algorithm != fb.Algorithm {
						t.Errorf("finding %d differs:\nJSON %+v\n%-4s %+v", i, fa, route, fb)
					}
				}
			}
		})
	}
}

func TestBrokenVendorHL7(t *testing.T) {
	tests := []struct {
		name, file, old, new string
		field                int    // of the OBX at fault
		text                 string // in the error
	}{
		{"wrong presence code", "nordlicht.hl7", "52101004^Present^SCT", "59282003^Pulmonary embolism^SCT", 5, "is not a presence value"},
		{"presence missing", "nordlicht.hl7", "|1|52101004^Present^SCT|", "|1||", 5, "presence of 59282003 is missing"},
		{"a long code, cut in the error", "nordlicht.hl7", "52101004^Present^SCT", strings.Repeat("9", 200) + "^Present^SCT", 5,
			"OBX-5: " + strings.Repeat("9", 32) + "... (SCT) is not a presence value"},
		{"percentage over 100", "nordlicht.hl7", "|1|91|%|", "|1|191|%|", 5, "from 0 to 1 (or 0 to 100"},
		{"confidence over 1", "aidoc.hl7", "||0.94|", "||1.4|", 5, "from 0 to 1"},
		{"confidence not a number", "aidoc.hl7", "||0.94|", "||high|", 5, "from 0 to 1"},
		{"coded finding, flag missing", "umc.hl7", "###A###F", "######F", 5, "presence of RID4834 is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := string(readPE(t, tt.file))
			if !strings.Contains(data, tt.old) {
				t.Fatalf("%s does not hold %q", tt.file, tt.old)
			}
			_, err := decodeHL7([]byte(strings.Replace(data, tt.old, tt.new, 1)))
			var me *mapError
			if !errors.As(err, &me) {
				t.Fatalf("error %v, want a mapping error", err)
			}
			if me.Segment != "OBX" || me.Field != tt.field || !strings.Contains(me.Text, tt.text) {
				t.Errorf("error at %s-%d: %s; want OBX-%d saying %q", me.Segment, me.Field, me.Text, tt.field, tt.text)
			}
		})
	}
}

func TestBrokenVendorJSON(t *testing.T) {
	tests := []struct {
		name, file, old, new string
		field                string
	}{
		{"presence code is a finding code", "nordlicht.json", `"code": "52101004"`, `"code": "59282003"`, "findings[0].presence"},
		{"presence word unknown", "nordlicht.json", `"presence": "absent"`, `"presence": "maybe"`, "findings[1].presence"},
		{"presence missing", "umc.json", `"positive": true,`, ``, "findings[0].positive"},
		{"presence contradicts positive", "umc.json", `"positive": true,`, `"positive": false, "presence": "present",`, "findings[0].presence"},
		{"confidence out of range", "nordlicht.json", `"confidence": 0.91`, `"confidence": 91`, "findings[0].confidence"},
		{"coding without a code", "umc.json", `"code": "RID4834",`, ``, "findings[0].codes[0].code"},
		{"neither code nor codes", "umc.json", `"codes": [`, `"x": [`, "findings[0].x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := string(readPE(t, tt.file))
			if !strings.Contains(data, tt.old) {
				t.Fatalf("%s does not hold %q", tt.file, tt.old)
			}
			_, err := DecodeAIResult([]byte(strings.Replace(data, tt.old, tt.new, 1)), time.Now())
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("error %v (%+v), want one naming %s", err, fe, tt.field)
			}
		})
	}
}

// TestRadElementHL7: a vendor that codes its findings in RadElement with
// SNOMED CT as the alternate coding, and says presence twice (SNOMED CT
// and RadLex, as repetitions of OBX-5), over standard and over odd
// delimiters, with CR or LF between segments.
func TestRadElementHL7(t *testing.T) {
	data, err := os.ReadFile("../testdata/ai/ich/cerebra_rde.hl7")
	if err != nil {
		t.Fatal(err)
	}
	odd := strings.NewReplacer("^", "$", "~", "*", `\`, "!", "&", "@")
	tests := []struct {
		name string
		msg  string
		amp  string // what \T\ reads as: the subcomponent separator
	}{
		{"standard delimiters", string(data), "&"},
		{"LF between segments", strings.ReplaceAll(string(data), "\r", "\n"), "&"},
		{"odd delimiters |$*!@", odd.Replace(string(data)), "@"},
	}
	rules := triage.DefaultRules().WithPolicies(1, map[string]triage.Policy{"cerebra-ich": {Approved: true, Mode: triage.Prioritise}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := decodeHL7([]byte(tt.msg))
			if err != nil || len(events) != 1 {
				t.Fatalf("%d events, %v", len(events), err)
			}
			e := events[0]
			if e.Site != "ZHOOST" || e.Accession != "E26000201" || e.AI.ID != "crb-ich-4471" {
				t.Errorf("result %s for %s/%s, want crb-ich-4471 for ZHOOST/E26000201", e.AI.ID, e.Site, e.Accession)
			}
			want := []struct {
				concept    string
				presence   triage.Presence
				confidence float64
				location   string
			}{
				{"intracranial-haemorrhage", triage.Present, 0.96, "left frontoparietal, subdural " + tt.amp + " subarachnoid (image 31)"},
				{"cervical-spine-fracture", triage.Absent, 0.03, ""},
			}
			if len(e.AI.Findings) != len(want) {
				t.Fatalf("%d findings, want %d: %+v", len(e.AI.Findings), len(want), e.AI.Findings)
			}
			for i, w := range want {
				f := e.AI.Findings[i]
				if c, known := rules.Concept(&f); c != w.concept || !known {
					t.Errorf("finding %d: concept %q, want %s", i, c, w.concept)
				}
				if f.Is() != w.presence || f.Confidence != w.confidence || f.NoConfidence || f.Location != w.location {
					t.Errorf("finding %d: %s %v (none %v) at %q; want %s %v at %q", i, f.Is(), f.Confidence, f.NoConfidence, f.Location,
						w.presence, w.confidence, w.location)
				}
				if a := f.Algorithm; a.ID != "cerebra-ich" || a.Version != "4.2.0" || a.Vendor != "Cerebra Imaging" {
					t.Errorf("finding %d: algorithm %+v", i, a)
				}
				if url := "https://ai.example.org/cerebra/crb-ich-4471?series=3" + tt.amp + "image=31"; f.ViewerURL != url {
					t.Errorf("finding %d: viewer %q, want %q", i, f.ViewerURL, url)
				}
			}
		})
	}

	t.Run("repetitions contradict", func(t *testing.T) {
		msg := strings.Replace(string(data), "~RID28472^present^RADLEX", "~RID28473^absent^RADLEX", 1)
		_, err := decodeHL7([]byte(msg))
		var me *mapError
		if !errors.As(err, &me) || me.Segment != "OBX" || me.Sequence != 1 || me.Field != 5 || !strings.Contains(me.Text, "contradict") {
			t.Errorf("error %v, want OBX 1 field 5 saying the presence values contradict", err)
		}
	})
}
