package redisstore

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// TestStudyCodec: studies stored by encoding/json (before the switch to
// v2) read back the same, and a field with invalid UTF-8 is stored with
// U+FFFD instead of failing the write.
func TestStudyCodec(t *testing.T) {
	cet := time.FixedZone("", 3600)
	st := &worklist.Study{Site: "ZHWEST", Accession: "W1", Status: worklist.StatusCompleted, OnList: true,
		Patient:  worklist.Patient{MRN: "7012345", Family: "van den Berg", Prefix: "van den", Surname: "Berg", BirthDate: "1958-03-14"},
		Modality: "CT", ProcedureText: "CT thorax-abdomen <met> contrast & \"ÿ\"",
		CompletedAt: time.Date(2026, 11, 23, 8, 50, 55, 0, cet), UpdatedAt: time.Date(2026, 11, 23, 7, 0, 0, 123456789, time.UTC),
		Results: []worklist.AIResult{{ID: "r1", Algorithm: triage.Algorithm{ID: "aidoc-pe"}, ProducedAt: time.Date(2026, 11, 23, 9, 12, 4, 0, cet),
			Findings: []triage.Finding{{Code: "PE", Positive: true, Confidence: 0.94}},
			Feedback: map[string]string{"jansen": "agree", "de Boer": "disagree"}}},
		Claim: &worklist.Claim{By: "jansen", At: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 23, 9, 20, 0, 0, time.UTC)},
		Rank:  triage.Rank{Band: triage.Critical, Due: time.Date(2026, 11, 23, 9, 20, 55, 0, cet)}, Version: 3}
	v1, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var got worklist.Study
	if err := unmarshalStudy(v1, &got); err != nil {
		t.Fatalf("a study written by encoding/json: %v", err)
	}
	again, err := json.Marshal(&got)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(v1) {
		t.Errorf("read back differently:\n%s\nwant\n%s", again, v1)
	}
	v2, err := marshalStudy(st)
	if err != nil {
		t.Fatal(err)
	}
	got = worklist.Study{}
	if err := unmarshalStudy(v2, &got); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(&got); string(again) != string(v1) {
		t.Errorf("round trip:\n%s\nwant\n%s", again, v1)
	}

	bad := *st
	bad.ProcedureText = "CT \xff thorax"
	data, err := marshalStudy(&bad)
	if err != nil {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	got = worklist.Study{}
	if err := unmarshalStudy(data, &got); err != nil || got.ProcedureText != "CT \uFFFD thorax" {
		t.Errorf("invalid UTF-8 read back as %q (%v), want U+FFFD in its place", got.ProcedureText, err)
	}
	if strings.Contains(string(data), "\xff") {
		t.Error("invalid UTF-8 stored as is")
	}
}
