package ui

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/stats"
)

// TestExportPseudonymised: the CSV export of the day's reported studies
// holds no name, no accession number and no patient identifier; a study
// and a reader keep their pseudonym from one export to the next; and the
// export is audited.
func TestExportPseudonymised(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.clk.set(now)
	s := e.srv.Server
	seedReports(t, s, e.store)
	get := func() (int, string) {
		return e.bearerDo("manager", "GET", "/api/v1/stats/export?from=2026-11-23&to=2026-11-23", "")
	}
	status, body := get()
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0][0] != "study" || rows[0][8] != "reader" {
		t.Fatalf("%d rows, header %v; want a header and the 4 reports", len(rows), rows[0])
	}
	for _, secret := range []string{"W26000101", "W26000103", "W26000107", "E26000201", "26000", "7012345",
		"Berg", "Jan", "1958", "Jansen", "jansen"} {
		if strings.Contains(body, secret) {
			t.Errorf("the export holds %q", secret)
		}
	}
	ps := stats.Pseudonyms{Key: testPseudonymKey}
	want := map[string]bool{ps.Of("study", "ZHWEST\x00W26000101"): true, ps.Of("study", "ZHOOST\x00E26000201"): true}
	for _, r := range rows[1:] {
		delete(want, r[0])
		if r[8] != ps.Of("reader", "dr. Jansen") {
			t.Errorf("reader %q, want the pseudonym of dr. Jansen", r[8])
		}
	}
	if len(want) > 0 {
		t.Errorf("pseudonyms %v not in the export", want)
	}
	if _, again := get(); again != body {
		t.Error("a second export differs from the first")
	}
	if en := e.entries(audit.StatsExport); len(en) != 2 || en[0].Actor != "manager" || en[0].Accession != "" {
		t.Errorf("audited %+v, want two exports by manager", en)
	}
}
