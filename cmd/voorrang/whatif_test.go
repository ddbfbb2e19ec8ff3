package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/sim/readingroom"
)

const smallScenario = `
name: two readers
horizon: 20d
warmup: 2d
replications: 3
arrivals: {perDay: 200}
mix:
  - {share: 3, modality: CT, procedure: CT thorax, priority: R, patientClass: O, algorithms: [aidoc-pe]}
  - {share: 1, modality: CT, procedure: CT head, priority: S, patientClass: E}
reading: {CT: {median: 8m, p90: 15m}}
algorithms: [{id: aidoc-pe, finding: PE, prevalence: 0.05, sensitivity: 0.9, specificity: 0.9}]
readers: [{count: 2}]
`

// TestWhatifCommand runs `voorrang whatif` on a scenario file, with a
// rules file of its own to try: a table on standard output, the report as
// JSON in a file.
func TestWhatifCommand(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "small.yaml")
	os.WriteFile(scenario, []byte(smallScenario), 0o644)
	strict := filepath.Join(dir, "strict.yaml")
	os.WriteFile(strict, []byte("otherwise: {band: routine, within: 10m}\nrules: [{name: ed, when: {patientClass: E}, band: urgent, within: 5m}]\n"), 0o644)
	report := filepath.Join(dir, "report.json")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"whatif", "--try", strict, "--json", report, scenario},
		func(string) string { return "" }, &out, &errOut)
	if err != nil {
		t.Fatalf("whatif: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"two readers: 3 replications of 20d", "WAIT", "TURNAROUND", "flagged:", "strict ", "rules+escalation", "Δ mean"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
	var rep readingroom.Report
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Version != 1 || len(rep.Policies) != 6 || rep.Result("strict", "patient-class:E").VsBaseline == nil {
		t.Errorf("report: version %d, %d policies, want 1 and 6 with strict compared to fifo", rep.Version, len(rep.Policies))
	}
	if err := run(context.Background(), []string{"whatif"}, func(string) string { return "" }, io.Discard, io.Discard); err != errUsage {
		t.Errorf("whatif without a scenario: %v, want a usage error", err)
	}
}

// TestWhatifFromTheDemo makes a scenario of a simulated day of the demo's
// department (`voorrang scenario --demo-days 1`) and simulates it with
// `voorrang whatif`: the done-when of the what-if simulator, on a small
// scale. The scenario has the demo's hours, not the compressed ones of
// `serve --demo`.
func TestWhatifFromTheDemo(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "demo.yaml")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"scenario", "--demo-days", "1", "--seed", "3", "--out", file},
		func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("scenario --demo-days: %v\n%s", err, errOut.String())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := readingroom.ParseScenario(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Mix) < 5 || len(sc.Algorithms) == 0 || len(sc.Readers) == 0 || sc.Reading["*"].Median == 0 {
		t.Fatalf("scenario from the demo: %d kinds, %d algorithms, %d readers, reading %v", len(sc.Mix), len(sc.Algorithms), len(sc.Readers), sc.Reading)
	}
	if !strings.Contains(sc.Name, "2026-11-23 06:00 to 2026-11-24") {
		t.Errorf("scenario %q: want a day of the demo's own time", sc.Name)
	}
	sc.Horizon, sc.Warmup, sc.Replications = readingroom.Duration(5*24*time.Hour), readingroom.Duration(24*time.Hour), 3
	short, err := sc.MarshalYAMLFile("")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, short, 0o644)
	report := filepath.Join(dir, "whatif.json")
	out.Reset()
	if err := run(context.Background(), []string{"whatif", "--json", report, file}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("whatif: %v\n%s", err, errOut.String())
	}
	var rep readingroom.Report
	if data, err = os.ReadFile(report); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	flagged := rep.Result(readingroom.AIFirst, "flagged")
	if flagged.N.Value == 0 || flagged.VsBaseline.Wait.Mean == nil {
		t.Errorf("flagged studies under ai-first: %+v", flagged)
	}
}
