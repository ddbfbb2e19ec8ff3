package stats

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestWriteCSV: the export of a reported study flagged by AI, one that
// missed its due time across midnight, and a cancelled one, against the
// golden file; no accession number or reader in it.
func TestWriteCSV(t *testing.T) {
	facts := []worklist.Turnaround{
		reported("ZHWEST", "W26000101", triage.Critical, at("2026-11-23 10:00"), 40*time.Minute, func(t *worklist.Turnaround) {
			t.Reader = "dr. Jansen"
			t.FirstAIAt, t.FirstFlagAt = at("2026-11-23 10:03"), at("2026-11-23 10:03")
			t.AI = []worklist.AIOutcome{{Algorithm: "aidoc-pe", Version: "2.1", Positive: true, Band: triage.Critical,
				At: at("2026-11-23 10:03"), FlagAt: at("2026-11-23 10:03"), Agree: 1}}
		}),
		reported("ZHOOST", "E26000202", triage.Urgent, at("2026-11-23 22:30"), 3*time.Hour, func(t *worklist.Turnaround) {
			t.Reader, t.Modality = "dr. Bakker", "=HYPERLINK(\"x\")"
		}),
		{Site: "ZHWEST", Accession: "W26000199", Status: worklist.StatusCancelled, OrderedAt: at("2026-11-23 08:00"),
			CancelledAt: at("2026-11-23 09:00")},
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, worklist.Facts{facts}, Filter{}, &Calendar{}, Pseudonyms{Key: []byte("test key of the site")}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "export.csv")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("export:\n%s\nwant (%s; -update rewrites it):\n%s", got, golden, want)
	}
	for _, secret := range []string{"W26000101", "E26000202", "W26000199", "Jansen", "Bakker"} {
		if strings.Contains(b.String(), secret) {
			t.Errorf("the export holds %q", secret)
		}
	}
	if strings.Contains(b.String(), ",=HYPERLINK") || strings.Contains(b.String(), ",\"=HYPERLINK") {
		t.Error("a cell starts with =: a spreadsheet would run it")
	}
}

func TestPseudonyms(t *testing.T) {
	a, b := Pseudonyms{Key: []byte("key a")}, Pseudonyms{Key: []byte("key b")}
	if a.Of("study", "X") != a.Of("study", "X") || a.Of("study", "X") == b.Of("study", "X") ||
		a.Of("study", "X") == a.Of("reader", "X") || len(a.Of("study", "X")) != 20 || a.Of("study", "") != "" {
		t.Errorf("pseudonyms: %s %s %s", a.Of("study", "X"), b.Of("study", "X"), a.Of("reader", "X"))
	}
}
