package readingroom

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// TestFromTurnarounds makes a scenario of two weeks of records written
// by hand: CT studies completed every 20 minutes on weekdays from 08:00
// to 16:00, one an hour otherwise, each claimed 5 minutes after completion
// and reported 10 minutes later; an inpatient one in four, the PE
// algorithm reading outpatients and flagging one in ten.
func TestFromTurnarounds(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, ams) // a Monday
	var recs []worklist.Turnaround
	n := 0
	for at := start; at.Before(start.AddDate(0, 0, 14)); {
		day, hour := slot(at)
		step := time.Hour
		if day < 5 && hour >= 8 && hour < 16 {
			step = 20 * time.Minute
		}
		r := worklist.Turnaround{Site: "ZH", Accession: fmt.Sprint(n), Status: worklist.StatusFinal, Modality: "CT", ProcedureCode: "CTTHAB",
			Priority: "R", PatientClass: "O", OrderedAt: at.Add(-48 * time.Hour), CompletedAt: at.UTC(),
			FirstClaimedAt: at.Add(5 * time.Minute).UTC(), ReportedAt: at.Add(15 * time.Minute).UTC(),
			AI: []worklist.AIOutcome{{Algorithm: "aidoc-pe", At: at.Add(4 * time.Minute)}}}
		if n%4 == 0 {
			r.PatientClass, r.AI = "I", nil
		} else if n%10 == 1 {
			r.AI[0].Positive, r.AI[0].FlagAt = true, at.Add(4*time.Minute)
		}
		recs = append(recs, r)
		n++
		at = at.Add(step)
	}
	sc, err := FromTurnarounds(worklist.Facts{recs}, DeriveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Arrivals.Rates[2][9]; got != 3 {
		t.Errorf("Wednesday 09:00: %v studies an hour, want 3", got)
	}
	if got := sc.Arrivals.Rates[5][9]; got != 1 {
		t.Errorf("Saturday 09:00: %v studies an hour, want 1", got)
	}
	if r := sc.Reading["CT"]; r.Median != Duration(10*time.Minute) {
		t.Errorf("CT reading %+v, want a median of 10m", r)
	}
	if len(sc.Algorithms) != 1 || sc.Algorithms[0].Finding != "PE" || math.Abs(sc.Algorithms[0].Prevalence-0.133) > 0.01 ||
		sc.Algorithms[0].Delay != Duration(4*time.Minute) {
		t.Errorf("algorithms %+v, want aidoc-pe finding PE in about 2 of 15 outpatients, after 4m", sc.Algorithms)
	}
	if len(sc.Mix) != 2 || sc.Mix[0].PatientClass != "O" || sc.Mix[0].Share != 3*sc.Mix[1].Share || sc.Mix[0].OrderedBefore != Duration(48*time.Hour) {
		t.Errorf("mix %+v, want outpatients three times the inpatients, ordered 2 days before", sc.Mix)
	}
	// One study is read at a time: one reader, always.
	if len(sc.Readers) != 1 || sc.Readers[0].Shifts != nil {
		t.Errorf("readers %+v, want one reader always on duty", sc.Readers)
	}
	// The scenario runs.
	sc.Horizon, sc.Replications = Duration(14*24*time.Hour), 2
	rep, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Studies; math.Abs(got-float64(len(recs))) > 4*math.Sqrt(float64(len(recs))) {
		t.Errorf("%v studies a replication, want about %d as in the records", got, len(recs))
	}
}

func TestFromTurnaroundsShifts(t *testing.T) {
	// Two readers at once on weekday afternoons, one otherwise; none at night.
	base := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // Monday, 01:00 in Amsterdam
	var recs []worklist.Turnaround
	for d := range 7 {
		for h := 8; h < 18; h++ {
			at := base.AddDate(0, 0, d).Add(time.Duration(h-1) * time.Hour) // local h:00
			readers := 1
			if d < 5 && h >= 13 {
				readers = 2
			}
			for i := range readers {
				recs = append(recs, worklist.Turnaround{Status: worklist.StatusFinal, Modality: "DX", CompletedAt: at, FirstClaimedAt: at.Add(time.Minute),
					ReportedAt: at.Add(time.Duration(20+i) * time.Minute)})
			}
		}
	}
	sc, err := FromTurnarounds(worklist.Facts{recs}, DeriveOptions{Until: base.AddDate(0, 0, 7)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Readers) != 2 {
		t.Fatalf("readers %+v, want 2", sc.Readers)
	}
	if got := sc.Readers[0].Shifts; len(got) != 1 || got[0] != (Shift{Days: "Mon-Sun", From: "08:00", To: "18:00"}) {
		t.Errorf("reader 1 works %+v, want 08:00–18:00 every day", got)
	}
	if got := sc.Readers[1].Shifts; len(got) != 1 || got[0] != (Shift{Days: "Mon-Fri", From: "13:00", To: "18:00"}) {
		t.Errorf("reader 2 works %+v, want 13:00–18:00 on weekdays", got)
	}
	for mask, want := range map[uint8]string{0x7f: "Mon-Sun", 0x1f: "Mon-Fri", 0b1010101: "Mon,Wed,Fri,Sun", 0b1100011: "Mon-Tue,Sat-Sun"} {
		if got := dayList(mask); got != want {
			t.Errorf("dayList(%07b) = %q, want %q", mask, got, want)
		}
	}
}

func TestScenarioYAMLRoundTrip(t *testing.T) {
	sc := loadScenario(t, "testdata/large.yaml")
	data, err := sc.MarshalYAMLFile("a test")
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseScenario(data)
	if err != nil {
		t.Fatalf("ParseScenario of\n%s\n: %v", data, err)
	}
	if !reflect.DeepEqual(sc, back) {
		t.Errorf("round trip changed the scenario:\n%s", data)
	}
	if lines := bytes.Count(data, []byte("\n")); lines > 60 {
		t.Errorf("%d lines: want the lists compact\n%s", lines, data)
	}
}

// TestFromTurnaroundsSections: records that name their section give each
// section readers of its own, as many as it had reading at once, who read
// only that section.
func TestFromTurnaroundsSections(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	var recs []worklist.Turnaround
	for i := range 7 * 24 * 4 { // every 15 minutes for a week
		at := start.Add(time.Duration(i) * 15 * time.Minute)
		rec := func(section, modality string, claimed time.Duration) worklist.Turnaround {
			return worklist.Turnaround{Site: "ZH", Accession: fmt.Sprint(section, i), Status: worklist.StatusFinal, Modality: modality,
				Priority: "R", PatientClass: "O", Section: section, CompletedAt: at,
				FirstClaimedAt: at.Add(claimed), ReportedAt: at.Add(claimed + 10*time.Minute)}
		}
		// neuro: one at a time; chest: two at once.
		recs = append(recs, rec("neuro", "CT", time.Minute), rec("chest", "DX", time.Minute), rec("chest", "DX", 2*time.Minute))
	}
	sc, err := FromTurnarounds(worklist.Facts{recs}, DeriveOptions{TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range sc.Readers {
		got = append(got, fmt.Sprintf("%s %v %d shifts", g.Name, g.Sections, len(g.Shifts)))
	}
	want := []string{"chest reader 1 [chest] 0 shifts", "chest reader 2 [chest] 0 shifts", "neuro reader 1 [neuro] 0 shifts"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readers %q, want %q", got, want)
	}
	for _, k := range sc.Mix {
		if k.Section == "" {
			t.Errorf("kind %q has no section", k.Name)
		}
	}
}
