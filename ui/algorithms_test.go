package ui

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// TestApprovalGate: a PE coded in SNOMED CT by a vendor nobody approved
// is shown and moves nothing; once an admin approves its algorithm, the
// study is critical, and the change is audited with who, why, before and
// after.
func TestApprovalGate(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.apply(corpus[0].event()) // ZHWEST W26000101, routine CT thorax-abdomen
	bandOf := func() (triage.Band, []triage.Reason) {
		t.Helper()
		status, body := e.bearerDo("jansen", "GET", "/api/v1/studies/ZHWEST/W26000101", "")
		if status != 200 {
			t.Fatalf("GET study: %d %s", status, body)
		}
		var st worklist.Study
		json.Unmarshal([]byte(body), &st)
		return st.Rank.Band, st.Rank.Reasons
	}
	if status, body := e.bearerDo("aiplatform", "POST", "/api/v1/ai-results", string(readFile(t, "ai/pe/nordlicht.json"))); status != 200 {
		t.Fatalf("post: %d %s", status, body)
	}
	// (The corpus study has waited days by the real clock: overdue, it is
	// escalated to urgent, never to critical.)
	if b, reasons := bandOf(); b == triage.Critical || !slices.ContainsFunc(reasons, func(r triage.Reason) bool {
		return r.Finding == 1 && r.Code == triage.ReasonAIDisplayOnly && strings.Contains(r.Text, "not approved")
	}) {
		t.Errorf("before approval: band %s reasons %v, want the PE shown as not approved, moving nothing", b, reasons)
	}

	status, body := e.bearerDo("beheer", "GET", "/api/v1/algorithms/nordlicht-ctpa", "")
	var a worklist.Algorithm
	json.Unmarshal([]byte(body), &a)
	if status != 200 || a.Vendor != "Nordlicht AI" || a.Results != 1 || a.PolicyFrom != "new" || a.Policy.Mode != triage.DisplayOnly {
		t.Fatalf("registry entry: %d %s", status, body)
	}

	if status, body := e.bearerDo("beheer", "POST", "/api/v1/algorithms/nordlicht-ctpa", `{"approved": true, "mode": "prioritise"}`); status != 400 || !strings.Contains(body, `"field":"why"`) {
		t.Errorf("a change without why: %d %s", status, body)
	}
	if status, body := e.bearerDo("manager", "POST", "/api/v1/algorithms/nordlicht-ctpa", `{"approved": true, "why": "x"}`); status != 403 {
		t.Errorf("a manager's change: %d %s", status, body)
	}
	approve := `{"approved": true, "mode": "prioritise", "minConfidence": 0.6, "regulatory": "CE MDR class IIa",
		"intendedUse": {"modalities": ["CT"], "minAge": 18}, "why": "local validation, 2026-11"}`
	if status, body := e.bearerDo("beheer", "POST", "/api/v1/algorithms/nordlicht-ctpa", approve); status != 200 {
		t.Fatalf("approve: %d %s", status, body)
	}
	if b, reasons := bandOf(); b != triage.Critical {
		t.Errorf("after approval: band %s reasons %v, want critical", b, reasons)
	}
	entries := e.entries(audit.AlgorithmChange)
	if len(entries) != 1 {
		t.Fatalf("audit entries %+v, want one", entries)
	}
	en := entries[0]
	var detail struct {
		Why    string
		Before *worklist.AlgorithmRecord
		After  worklist.AlgorithmRecord
	}
	json.Unmarshal([]byte(en.Detail), &detail)
	if en.Actor != "beheer" || en.Target != "nordlicht-ctpa" || detail.Why != "local validation, 2026-11" || detail.Before != nil ||
		!detail.After.Policy.Approved || detail.After.Regulatory != "CE MDR class IIa" {
		t.Errorf("audit entry %+v", en)
	}
	status, body = e.bearerDo("manager", "GET", "/api/v1/algorithms/nordlicht-ctpa/history", "")
	if status != 200 || !strings.Contains(body, `"by":"beheer"`) {
		t.Errorf("history: %d %s", status, body)
	}
}

// TestFeedbackForTheAIOfficer: a reader's verdict with its note reaches
// the algorithm's feedback log, which a manager reads; it holds no
// accession number.
func TestFeedbackForTheAIOfficer(t *testing.T) {
	s, store := newTestServer(t)
	seed(t, store, "W26000101")
	postAI(t, s, "pe_positive.json")
	doAs(t, s, "jansen", "POST", "/api/v1/ai-results/aidoc-20261123-0001/feedback",
		[]byte(`{"site":"ZHWEST","accession":"W26000101","verdict":"disagree","note":"contrast mixing artefact"}`)).wantOK(t, 200, nil)
	var got struct {
		Feedback []worklist.Feedback
		Total    int
	}
	res := doAs(t, s, "manager", "GET", "/api/v1/algorithms/aidoc-pe/feedback", nil)
	res.wantOK(t, 200, &got)
	if got.Total != 1 || len(got.Feedback) != 1 {
		t.Fatalf("feedback %s", res.body)
	}
	f := got.Feedback[0]
	if f.Reader != "jansen" || f.Verdict != "disagree" || f.Note != "contrast mixing artefact" || f.Site != "ZHWEST" ||
		len(f.Findings) != 1 || f.Findings[0] != "Pulmonary embolism 94%" || f.StudyStatus != worklist.StatusCompleted {
		t.Errorf("feedback entry %+v", f)
	}
	if strings.Contains(string(res.body), "W26000101") {
		t.Errorf("the feedback log holds the accession number: %s", res.body)
	}
}
