package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/worklist"
)

// TestAuditTrail does each audited action once and finds it in the trail,
// by whom, with the study named only where the action is about it; then
// reads the trail back as an admin, page by page and as an export.
func TestAuditTrail(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.seed()
	e.apply(wsAIResult("ZHWEST", "W1", "r-1"))
	if err := e.store.AddDeadLetter(context.Background(), worklist.DeadLetter{Code: "AR", Reason: "bad", Message: "MSH|..."}); err != nil {
		t.Fatal(err)
	}
	e.addAccount("jansen", []access.Role{access.Radiologist})
	e.addAccount("beheer", []access.Role{access.Admin})
	e.addAccount("visser", []access.Role{access.Resident})
	reader, admin := e.browser(), e.browser()
	reader.signIn("jansen")
	admin.signIn("beheer")

	steps := []struct {
		b                  *browser
		method, path, body string
	}{
		{reader, "GET", "/api/v1/worklist?site=ZHWEST", ""},
		{reader, "GET", "/api/v1/studies/ZHWEST/W1", ""},
		{reader, "POST", "/api/v1/studies/ZHWEST/W1/claim", `{}`},
		{reader, "POST", "/api/v1/studies/ZHWEST/W1/release", `{}`},
		{reader, "POST", "/api/v1/ai-results/r-1/feedback", `{"site":"ZHWEST","accession":"W1","agree":false}`},
		{reader, "GET", "/api/v1/dead-letters", ""}, // refused: a reader is no admin
		{admin, "GET", "/api/v1/dead-letters", ""},
		{admin, "POST", "/api/v1/users/visser/disable", `{}`},
	}
	for _, st := range steps {
		if status, body := st.b.do(st.method, st.path, st.body); status >= 500 {
			t.Fatalf("%s %s: %d %s", st.method, st.path, status, body)
		}
	}
	c, err := reader.wsDial("site=ZHOOST")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()

	tests := []struct {
		action, actor, outcome string
		site, accession        string
		detail                 string // contained in the entry's detail
	}{
		{audit.SignIn, "jansen", audit.OK, "", "", ""},
		{audit.WorklistView, "jansen", audit.OK, "", "", "site=ZHWEST"},
		{audit.StudyView, "jansen", audit.OK, "ZHWEST", "W1", ""},
		{audit.Claim, "jansen", audit.OK, "ZHWEST", "W1", "claim"},
		{audit.Release, "jansen", audit.OK, "ZHWEST", "W1", "release"},
		{audit.Feedback, "jansen", audit.OK, "ZHWEST", "W1", "disagree"},
		{audit.AccessDenied, "jansen", audit.Denied, "", "", "GET /api/v1/dead-letters"},
		{audit.DeadLettersRead, "beheer", audit.OK, "", "", "1 of 1"},
		{audit.UserChange, "beheer", audit.OK, "", "", "disabled"},
		{audit.WorklistLive, "jansen", audit.OK, "", "", "site=ZHOOST"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			var found []audit.Entry
			for _, en := range e.entries(tt.action) {
				if en.Actor == tt.actor {
					found = append(found, en)
				}
			}
			if len(found) != 1 {
				t.Fatalf("%d entries of %s by %s, want 1: %+v", len(found), tt.action, tt.actor, e.entries(tt.action))
			}
			en := found[0]
			if en.Outcome != tt.outcome || en.Site != tt.site || en.Accession != tt.accession || !strings.Contains(en.Detail, tt.detail) {
				t.Errorf("entry %+v, want outcome %s, study %q/%q, detail with %q", en, tt.outcome, tt.site, tt.accession, tt.detail)
			}
			if en.Remote == "" || en.At.IsZero() {
				t.Errorf("entry %+v lacks the time or the client's address", en)
			}
		})
	}
	if es := e.entries(audit.UserChange); len(es) == 1 && es[0].Target != "visser" {
		t.Errorf("the user change names %q, want visser", es[0].Target)
	}

	// An admin reads it back, two at a time, and exports it.
	var all []audit.Entry
	after := ""
	for range 100 {
		status, body := admin.do("GET", "/api/v1/audit?limit=2&after="+after, "")
		if status != 200 {
			t.Fatalf("GET /api/v1/audit: %d %s", status, body)
		}
		var page struct {
			Entries []audit.Entry
			Next    string
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Entries...)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	status, body := admin.do("GET", "/api/v1/audit/export", "")
	if status != 200 {
		t.Fatalf("export: %d %s", status, body)
	}
	var exported []audit.Entry
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		var en audit.Entry
		if err := json.Unmarshal(sc.Bytes(), &en); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		exported = append(exported, en)
	}
	// The export holds what the pages held, and the reads of the pages.
	if len(all) < 12 || len(exported) < len(all) || exported[0].ID != all[0].ID {
		t.Errorf("%d entries in pages, %d exported; want at least 12, the export holding them all", len(all), len(exported))
	}
	if n := len(e.entries(audit.AuditRead)); n < 2 {
		t.Errorf("%d reads of the trail recorded, want every page and the export", n)
	}
	if status, _ := reader.do("GET", "/api/v1/audit", ""); status != 403 {
		t.Errorf("a reader reading the trail: %d, want 403", status)
	}
}
