package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// approvedVendors is the built-in rules with the two PE vendors they do
// not list approved, as a department's rules file would have them.
func approvedVendors(t *testing.T) (path string, rules *triage.Rules) {
	t.Helper()
	const extra = `algorithms:
  - id: nordlicht-ctpa
    name: CTPA Triage
  - id: umc-pe
    name: PE detector (in-house)
`
	yaml := strings.Replace(string(triage.DefaultRulesYAML()), "algorithms:\n", extra, 1)
	rules, err := triage.ParseRules([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, rules
}

// TestPEFromThreeVendorsOverEveryRoute is the "done when": a PE
// finding from any of three vendors (Aidoc's own code, Nordlicht's SNOMED
// CT and RadLex, an in-house model's RadLex), arriving over JSON, HL7 and
// FHIR, lands on its study the same way: critical, due 30 minutes after
// the exam, with the vendor's reason first, and read as the concept
// pulmonary-embolism; on the real Redis, through the running service.
func TestPEFromThreeVendorsOverEveryRoute(t *testing.T) {
	rulesFile, rules := approvedVendors(t)
	srv := startService(t, func(c *serveConfig) {
		c.rulesFile = rulesFile
		c.access.tokens = "e2e:radiologist+integration:" + e2eToken
	})
	base := "http://" + srv.httpLn.Addr().String()
	mc := &mllp.Client{Addr: srv.mllpLn.Addr().String(), Timeout: 10 * time.Second}
	defer mc.Close()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("../../testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	sendHL7 := func(msg string) {
		t.Helper()
		ack, err := mc.Send(t.Context(), []byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		if code := ackCode(t, ack); code != "AA" && code != "CA" {
			t.Fatalf("ACK %s: %q", code, ack)
		}
	}
	post := func(path, contentType, body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+e2eToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 201 {
			t.Fatalf("POST %s: %s %s", path, resp.Status, b)
		}
	}
	study := func(acc string) *worklist.Study {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/v1/studies/ZHWEST/"+acc, nil)
		req.Header.Set("Authorization", "Bearer "+e2eToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st worklist.Study
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET study %s: %s %v", acc, resp.Status, err)
		}
		return &st
	}

	routes := []struct {
		name string
		send func(vendor, acc string)
	}{
		{"JSON", func(vendor, acc string) {
			post("/api/v1/ai-results", "application/json", strings.ReplaceAll(read("ai/pe/"+vendor+".json"), "W26000101", acc))
		}},
		{"HL7", func(vendor, acc string) {
			msg := strings.ReplaceAll(read("ai/pe/"+vendor+".hl7"), "W26000101", acc)
			for _, sep := range []string{"|", "#"} { // MSH-10 made unique: a resend would not be applied
				msg = strings.Replace(msg, sep+"P"+sep+"2.", "-"+acc+sep+"P"+sep+"2.", 1)
			}
			sendHL7(msg)
		}},
		{"FHIR", func(vendor, acc string) {
			path := map[string]string{"aidoc": "/fhir/Observation", "nordlicht": "/fhir/DiagnosticReport", "umc": "/fhir"}[vendor]
			post(path, "application/fhir+json", strings.ReplaceAll(read("ai/pe/"+vendor+".fhir.json"), "W26000101", acc))
		}},
	}
	order := []string{read("hl7/zhwest_orm_nw_ct_oncology.hl7"), read("hl7/zhwest_orm_sc_cm_ct_oncology.hl7")}
	var first *worklist.Study
	for vi, vendor := range []string{"aidoc", "nordlicht", "umc"} {
		var reason triage.Reason
		for ri, route := range routes {
			acc := fmt.Sprintf("W2619%d%d", vi, ri)
			for i, m := range order {
				m = strings.ReplaceAll(m, "W26000101", acc)
				sendHL7(strings.Replace(m, "|P|2.", fmt.Sprintf("-%s-%d|P|2.", acc, i), 1))
			}
			route.send(vendor, acc)
			st := study(acc)
			label := vendor + " over " + route.name
			if len(st.Results) != 1 || len(st.Results[0].Findings) == 0 {
				t.Fatalf("%s: results %+v, want the one result", label, st.Results)
			}
			f := st.Results[0].Findings[0]
			if concept, known := rules.Concept(&f); concept != "pulmonary-embolism" || !known || f.Is() != triage.Present {
				t.Errorf("%s: finding %s read as %q (known %v), want a present pulmonary-embolism", label, f.Is(), concept, known)
			}
			if first == nil {
				first = st
			}
			if st.Rank.Band != triage.Critical || !st.Rank.Due.Equal(first.Rank.Due) {
				t.Errorf("%s: band %s due %v, want critical due %v", label, st.Rank.Band, st.Rank.Due, first.Rank.Due)
			}
			r := st.Rank.Reasons[0]
			if r.Code != triage.ReasonAIFinding || r.Band != triage.Critical {
				t.Errorf("%s: first reason %+v, want the AI finding's, critical", label, r)
			}
			if ri == 0 {
				reason = r
			} else if r != reason {
				t.Errorf("%s: reason %+v, want %+v as over JSON", label, r, reason)
			}
		}
	}
	if due := time.Date(2026, 11, 23, 8, 20, 55, 0, time.UTC); !first.Rank.Due.Equal(due) {
		t.Errorf("due %v, want %v: 30 minutes after the exam completed (08:50:55 +01:00)", first.Rank.Due, due)
	}
}
