package triage

import (
	"strings"
	"testing"
	"time"
)

func TestCodingStandard(t *testing.T) {
	tests := []struct {
		coding Coding
		want   CodeSystem // "" for none
	}{
		{Coding{System: "http://snomed.info/sct", Code: "59282003"}, SNOMED},
		{Coding{System: "SCT", Code: "59282003"}, SNOMED},
		{Coding{System: " snomed-ct ", Code: "59282003"}, SNOMED},
		{Coding{System: "urn:oid:2.16.840.1.113883.6.96", Code: "59282003"}, SNOMED},
		{Coding{System: "http://radlex.org/", Code: "RID4834"}, RadLex},
		{Coding{System: "RADLEX", Code: "RID4834"}, RadLex},
		{Coding{Code: "rid4834"}, RadLex},
		{Coding{System: "https://radelement.org", Code: "RDES194"}, RadElement},
		{Coding{Code: "RDE1717.1"}, RadElement},
		{Coding{Code: "RDES"}, ""},
		{Coding{Code: "RID12a"}, ""},
		{Coding{Code: "59282003"}, ""}, // a bare number names no vocabulary
		{Coding{System: "AI", Code: "PE"}, ""},
		{Coding{System: "http://loinc.org", Code: "59776-5"}, ""},
	}
	for _, tt := range tests {
		got, ok := tt.coding.Standard()
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%+v.Standard() = %q, %v; want %q", tt.coding, got, ok, tt.want)
		}
	}
}

func TestPresenceOf(t *testing.T) {
	tests := []struct {
		coding Coding
		want   Presence // "" for none
	}{
		{Coding{System: "http://snomed.info/sct", Code: "52101004"}, Present},
		{Coding{System: "SCT", Code: "2667000"}, Absent},
		{Coding{System: "SCT", Code: "82334004"}, Indeterminate},
		{Coding{System: "SCT", Code: "10828004"}, Present},
		{Coding{System: "SCT", Code: "260385009"}, Absent},
		{Coding{System: "SCT", Code: "261665006"}, ""}, // unknown: no finding
		{Coding{System: "RadLex", Code: "RID28472"}, Present},
		{Coding{Code: "RID28473"}, Absent},
		{Coding{System: "http://radlex.org", Code: "RID39110"}, Indeterminate},
		{Coding{System: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", Code: "POS"}, Present},
		{Coding{System: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", Code: "NEG"}, Absent},
		{Coding{System: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", Code: "IND"}, Indeterminate},
		{Coding{Code: "A"}, Present},
		{Coding{Code: "n"}, Absent},
		{Coding{System: "SCT", Code: "59282003"}, ""}, // a finding, not a presence
		{Coding{System: "L", Code: "POS"}, ""},        // someone's local code
	}
	for _, tt := range tests {
		got, ok := PresenceOf(tt.coding)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("PresenceOf(%+v) = %q, %v; want %q", tt.coding, got, ok, tt.want)
		}
	}
}

// Three vendors' PE findings: the rules' aidoc-pe with its own code, and
// two others with standard codes only.
var (
	vendorB = Algorithm{ID: "vendor-b-ctpa", Name: "CTPA Triage", Version: "3.0", Vendor: "Vendor B"}
	vendorC = Algorithm{ID: "vendor-c-chest", Name: "Chest CT", Version: "1.2", Vendor: "Vendor C"}
)

func snomedPE(alg Algorithm, p Presence, confidence float64) Finding {
	return Finding{Code: "59282003", Codes: []Coding{{System: "http://snomed.info/sct", Code: "59282003", Display: "Pulmonary embolism"}},
		Display: "Pulmonary embolism", Presence: p, Positive: p == Present, Confidence: confidence, Algorithm: alg}
}

func radlexPE(alg Algorithm, confidence float64) Finding {
	return Finding{Code: "RID4834", Codes: []Coding{{System: "RADLEX", Code: "RID4834"}}, Display: "pulmonary embolism",
		Presence: Present, Positive: true, Confidence: confidence, Algorithm: alg}
}

func TestRankConcepts(t *testing.T) {
	approved := DefaultRules().WithPolicies(7, map[string]Policy{
		vendorB.ID: {Approved: true, Mode: Prioritise, MinConfidence: 0.6},
		vendorC.ID: {Approved: true, Mode: Prioritise, Sites: map[string]SitePolicy{"ZHOOST": {Mode: Off}}},
	})
	notYet := DefaultRules()
	ct := func(site string, findings ...Finding) Facts {
		f := study("R", "O", "CT", "CT thorax with contrast", findings...)
		f.Site = site
		return f
	}
	critical := completed.Add(30 * time.Minute)
	routine := completed.Add(72 * time.Hour)
	tests := []struct {
		name    string
		rules   *Rules
		facts   Facts
		band    Band
		due     time.Time
		reasons []Reason
	}{
		{
			name:  "a new vendor's SNOMED-coded PE is display-only until approved",
			rules: notYet, facts: ct("ZHWEST", snomedPE(vendorB, Present, 0.91)), band: Routine, due: routine,
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIDisplayOnly, Text: "AI: pulmonary embolism 91% (CTPA Triage v3.0), display only: not approved"},
				waiting3h,
			},
		},
		{
			name:  "approved, the same finding is critical",
			rules: approved, facts: ct("ZHWEST", snomedPE(vendorB, Present, 0.91)), band: Critical, due: critical,
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: pulmonary embolism 91% (CTPA Triage v3.0)"},
				{Code: ReasonPatientClass, Text: "outpatient"},
				waiting3h,
			},
		},
		{
			name:  "RadLex-coded PE of a third vendor is the same concept",
			rules: approved, facts: ct("ZHWEST", radlexPE(vendorC, 0.77)), band: Critical, due: critical,
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: pulmonary embolism 77% (Chest CT v1.2)"},
				{Code: ReasonPatientClass, Text: "outpatient"},
				waiting3h,
			},
		},
		{
			name:  "the registry's threshold applies",
			rules: approved, facts: ct("ZHWEST", snomedPE(vendorB, Present, 0.55)), band: Routine, due: routine,
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIBelowThreshold, Text: "AI: pulmonary embolism 55% (CTPA Triage v3.0), below 60% threshold"},
				waiting3h,
			},
		},
		{
			name:  "off at a site: kept but not shown",
			rules: approved, facts: ct("ZHOOST", radlexPE(vendorC, 0.95)), band: Routine, due: routine,
			reasons: []Reason{{Code: ReasonPatientClass, Text: "outpatient"}, waiting3h},
		},
		{
			name:  "coded absent never ranks",
			rules: approved, facts: ct("ZHWEST", snomedPE(vendorB, Absent, 0.97)), band: Routine, due: routine,
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAINegative, Text: "AI: no pulmonary embolism (CTPA Triage v3.0)"},
				waiting3h,
			},
		},
		{
			name:  "indeterminate is shown, never ranks",
			rules: approved, facts: ct("ZHWEST", snomedPE(vendorB, Indeterminate, 0.5)), band: Routine, due: routine,
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIIndeterminate, Text: "AI: pulmonary embolism indeterminate (CTPA Triage v3.0)"},
				waiting3h,
			},
		},
		{
			name:  "a finding without confidence does not pass a threshold",
			rules: approved, facts: ct("ZHWEST", func() Finding {
				f := snomedPE(vendorB, Present, 0)
				f.NoConfidence = true
				return f
			}()), band: Routine, due: routine,
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIBelowThreshold, Text: "AI: pulmonary embolism (CTPA Triage v3.0), below 60% threshold"},
				waiting3h,
			},
		},
		{
			name:  "a vendor code mapped to a concept takes the concept's meaning",
			rules: approved, facts: ct("ZHWEST", Finding{Code: "ICH", Display: "Bleed", Positive: true, Confidence: 0.9,
				Algorithm: Algorithm{ID: "qure-qer", Name: "qER"}}), band: Critical, due: completed.Add(15 * time.Minute),
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: intracranial haemorrhage 90% (qER)"},
				{Code: ReasonPatientClass, Text: "outpatient"},
				waiting3h,
			},
		},
		{
			name:  "an unknown SNOMED code is not mapped",
			rules: approved, facts: ct("ZHWEST", Finding{Code: "60046008", Codes: []Coding{{System: "SCT", Code: "60046008"}},
				Display: "Pleural effusion", Presence: Present, Positive: true, Confidence: 0.9, Algorithm: vendorB}), band: Routine, due: routine,
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIUnmapped, Text: "AI: Pleural effusion 90% (CTPA Triage v3.0), not mapped to a known finding"},
				waiting3h,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRank(t, tt.rules.Rank(tt.facts, now), tt.band, tt.due, tt.reasons)
		})
	}
}

func TestRankIntendedUse(t *testing.T) {
	// aidoc-pe is meant for CT of adults (defaults.yaml).
	rules := DefaultRules()
	tests := []struct {
		name     string
		modality string
		born     time.Time
		band     Band
		note     string
	}{
		{name: "adult CT", modality: "CT", born: time.Date(1958, 3, 14, 0, 0, 0, 0, time.UTC), band: Critical},
		{name: "birth date unknown", modality: "CT", band: Critical},
		{name: "a child", modality: "CT", born: time.Date(2013, 3, 5, 0, 0, 0, 0, time.UTC), band: Routine,
			note: "outside intended use: patient 11 y, under 18"},
		{name: "eighteen on the day of the exam", modality: "CT", born: time.Date(2007, 3, 4, 0, 0, 0, 0, time.UTC), band: Critical},
		{name: "an MR", modality: "MR", born: time.Date(1958, 3, 14, 0, 0, 0, 0, time.UTC), band: Routine,
			note: "outside intended use: modality MR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := study("R", "O", tt.modality, "thorax", pe(true, 0.9))
			f.BirthDate = tt.born
			got := rules.Rank(f, now)
			if got.Band != tt.band {
				t.Errorf("band %v, want %v", got.Band, tt.band)
			}
			var text string
			for _, r := range got.Reasons {
				if r.Finding == 1 {
					text = r.Text
					if tt.note != "" && r.Code != ReasonAIOutsideUse {
						t.Errorf("reason code %s, want %s", r.Code, ReasonAIOutsideUse)
					}
				}
			}
			if tt.note != "" && !strings.HasSuffix(text, ", "+tt.note) {
				t.Errorf("reason %q, want it to end with %q", text, tt.note)
			}
		})
	}
}

func TestRulesConceptAndPolicy(t *testing.T) {
	r := DefaultRules()
	tests := []struct {
		finding Finding
		concept string
		known   bool
	}{
		{pe(true, 0.9), "pulmonary-embolism", true},
		{snomedPE(vendorB, Present, 0.9), "pulmonary-embolism", true},
		{Finding{Code: "RDES194", Algorithm: vendorB}, "intracranial-haemorrhage", true},
		{Finding{Code: "SKULLFX", Algorithm: Algorithm{ID: "qure-qer"}}, "", true}, // a vendor rule of its own
		{Finding{Code: "SKULLFX", Algorithm: vendorB}, "", false},
		{Finding{Code: "X", Codes: []Coding{{System: "AI", Code: "X"}, {System: "SCT", Code: "36118008"}}, Algorithm: vendorB}, "pneumothorax", true},
	}
	for _, tt := range tests {
		if c, known := r.Concept(&tt.finding); c != tt.concept || known != tt.known {
			t.Errorf("Concept(%s of %s) = %q, %v; want %q, %v", tt.finding.Code, tt.finding.Algorithm.ID, c, known, tt.concept, tt.known)
		}
	}

	if p, known := r.Policy("aidoc-pe"); !known || !p.Approved || p.Mode != Prioritise || p.MinConfidence != 0.5 {
		t.Errorf("Policy(aidoc-pe) = %+v, %v", p, known)
	}
	if p, known := r.Policy(vendorB.ID); known || p.Approved || p.Mode != DisplayOnly {
		t.Errorf("Policy of a new algorithm = %+v, %v; want not approved, display-only", p, known)
	}
	withB := r.WithPolicies(3, map[string]Policy{"aidoc-pe": {Approved: true, Mode: Off}, vendorB.ID: {Approved: true}})
	if p, _ := withB.Policy("aidoc-pe"); p.Mode != Off {
		t.Errorf("a policy does not replace the rules file's: %+v", p)
	}
	if p, _ := r.Policy("aidoc-pe"); p.Mode != Prioritise {
		t.Error("WithPolicies changed the rules it was called on")
	}
	if withB.PoliciesVersion() != 3 || r.PoliciesVersion() != 0 {
		t.Errorf("PoliciesVersion %d and %d, want 3 and 0", withB.PoliciesVersion(), r.PoliciesVersion())
	}
	if got := len(withB.Algorithms()); got != len(r.Algorithms()) {
		t.Errorf("Algorithms lists %d, want the rules file's %d", got, len(r.Algorithms()))
	}

	f := study("R", "O", "CT", "CT thorax", pe(true, 0.9), pe(false, 0.9), snomedPE(vendorB, Present, 0.99))
	for i, want := range []bool{true, false, false} {
		if _, ranks := r.Ranks(&f, i, now); ranks != want {
			t.Errorf("Ranks(finding %d) = %v, want %v", i, ranks, want)
		}
	}
}
