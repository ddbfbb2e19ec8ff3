package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// TestAIStatus: an AI platform says it has the study, then that it could
// not process it; the study carries the algorithm's state, so nobody
// waits for a result that will not come, and a result with findings ends
// the state. The HL7 route says the same.
func TestAIStatus(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store, "W26000101")
	states := func() []worklist.AIState {
		t.Helper()
		var st worklist.Study
		do(t, s, "GET", "/api/v1/studies/ZHWEST/W26000101", nil).wantOK(t, 200, &st)
		return st.AIStates
	}
	postAI(t, s, "status/pending.json")
	if got := states(); len(got) != 1 || got[0].Status != worklist.AIPending || got[0].Algorithm.Name != "CTPA Triage" {
		t.Fatalf("after pending: states %+v", got)
	}
	postAI(t, s, "status/failed.json")
	got := states()
	if len(got) != 1 || got[0].Status != worklist.AIFailed || !strings.Contains(got[0].Reason, "slice thickness") {
		t.Fatalf("after failed: states %+v", got)
	}
	var pg page
	do(t, s, "GET", "/api/v1/worklist", nil).wantOK(t, 200, &pg)
	if len(pg.Studies) != 1 || len(pg.Studies[0].AIStates) != 1 {
		t.Errorf("the worklist does not carry the state: %+v", pg.Studies)
	}
	postAI(t, s, "pe/nordlicht.json")
	if got := states(); len(got) != 0 {
		t.Errorf("after a result with findings: states %+v, want none", got)
	}

	// Over HL7: OBR-25 X and the reason in the NTE.
	h := &ingest.Handler{Store: store, Mapping: ingest.DefaultMapping(), Logger: discard()}
	h.Mapping.AISenders = []string{"AIPLATFORM"}
	raw := readFile(t, filepath.Join("ai", "status", "failed.hl7"))
	raw = []byte(strings.Replace(string(raw), "nl-7f3a9c-failed", "nl-7f3a9c-failed-2", 1))
	if ack := string(h.ServeMLLP(context.Background(), raw)); !strings.Contains(ack, "MSA|AA") && !strings.Contains(ack, "MSA|CA") {
		t.Fatalf("ACK %q", ack)
	}
	if got := states(); len(got) != 1 || got[0].Status != worklist.AIFailed || got[0].Reason != "no contrast-enhanced series of at most 1.5 mm slice thickness" {
		t.Errorf("after the HL7 failure: states %+v", got)
	}
}

func TestAIStatusRefused(t *testing.T) {
	s, _ := newTestServer(t)
	tests := []struct{ name, body, field string }{
		{"failed without reason", `{"accession":"W1","site":"ZHWEST","algorithm":{"id":"a"},"status":"failed","producedAt":"2026-11-23T09:00:00Z"}`, "reason"},
		{"pending with findings", `{"accession":"W1","site":"ZHWEST","algorithm":{"id":"a"},"status":"pending","producedAt":"2026-11-23T09:00:00Z",
			"findings":[{"code":"PE","positive":true,"confidence":0.9}]}`, "findings"},
		{"unknown status", `{"accession":"W1","site":"ZHWEST","algorithm":{"id":"a"},"status":"maybe","producedAt":"2026-11-23T09:00:00Z"}`, "status"},
		{"complete without findings", `{"accession":"W1","site":"ZHWEST","algorithm":{"id":"a"},"producedAt":"2026-11-23T09:00:00Z"}`, "findings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			do(t, s, "POST", "/api/v1/ai-results", []byte(tt.body)).wantError(t, 400, "invalid", tt.field)
		})
	}
}

// TestDiscrepancyAfterFinalReport: a PE found after the study was finally
// reported goes to the discrepancy list, not back onto the reading list,
// and is counted for its algorithm; the reporting radiologist reviews it.
func TestDiscrepancyAfterFinalReport(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store, "W26000101", "W26000103")
	mustApply(t, store, worklist.Event{Kind: worklist.ReportFinal, Site: "ZHWEST", Accession: "W26000101", At: at(9, 30, 0),
		Source: "HIX|ZHWEST|F-W26000101", Report: &worklist.Report{Reader: "Jansen"}})
	var ans struct {
		Status        string   `json:"status"`
		Band          string   `json:"band"`
		Discrepancies []string `json:"discrepancies"`
	}
	do(t, s, "POST", "/api/v1/ai-results", readFile(t, "ai/pe_positive.json")).wantOK(t, 200, &ans)
	want := "AI: incidental PE 94% (Incidental PE v2.1) after final report by dr. Jansen — review"
	if ans.Status != "discrepancy" || ans.Band != "" || len(ans.Discrepancies) != 1 || ans.Discrepancies[0] != want {
		t.Fatalf("answer %+v, want the discrepancy %q", ans, want)
	}
	var pg page
	do(t, s, "GET", "/api/v1/worklist", nil).wantOK(t, 200, &pg)
	if got := pg.accessions(); len(got) != 1 || got[0] != "W26000103" {
		t.Errorf("worklist %v: the reported study came back", got)
	}
	// A negative result, and one for an open study, are no discrepancy.
	postAI(t, s, "pe_negative.json")

	var list struct{ Discrepancies []worklist.Discrepancy }
	do(t, s, "GET", "/api/v1/discrepancies", nil).wantOK(t, 200, &list)
	if len(list.Discrepancies) != 1 {
		t.Fatalf("discrepancies %+v, want one", list.Discrepancies)
	}
	d := list.Discrepancies[0]
	if d.Accession != "W26000101" || d.Band != triage.Critical || d.Reader != "Jansen" || d.Text != want || d.Algorithm.ID != "aidoc-pe" {
		t.Errorf("discrepancy %+v", d)
	}
	var a worklist.Algorithm
	do(t, s, "GET", "/api/v1/algorithms/aidoc-pe", nil).wantOK(t, 200, &a)
	if a.Discrepancies != 1 {
		t.Errorf("aidoc-pe counts %d discrepancies, want 1", a.Discrepancies)
	}
	// The same result again is the same one discrepancy.
	do(t, s, "POST", "/api/v1/ai-results", readFile(t, "ai/pe_positive.json")).wantOK(t, 200, nil)

	doAs(t, s, "jansen", "POST", "/api/v1/discrepancies/ZHWEST/W26000101/"+d.ResultID+"/review",
		[]byte(`{"note":"PE missed; addendum sent, clinician called"}`)).wantOK(t, 200, nil)
	do(t, s, "GET", "/api/v1/discrepancies", nil).wantOK(t, 200, &list)
	if len(list.Discrepancies) != 0 {
		t.Errorf("open discrepancies after review %+v", list.Discrepancies)
	}
	do(t, s, "GET", "/api/v1/discrepancies?all=true", nil).wantOK(t, 200, &list)
	if len(list.Discrepancies) != 1 || list.Discrepancies[0].ReviewedBy != "jansen" || list.Discrepancies[0].Note == "" {
		t.Errorf("all discrepancies %+v", list.Discrepancies)
	}
	do(t, s, "GET", "/api/v1/algorithms/aidoc-pe", nil).wantOK(t, 200, &a)
	if a.Discrepancies != 1 {
		t.Errorf("after a resend aidoc-pe counts %d discrepancies, want 1", a.Discrepancies)
	}
}
