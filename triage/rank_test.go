package triage

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// The study times of the tests: ordered at 08:00, completed at 10:00, ranked
// at 13:00, so "waiting 3 h".
var (
	ordered   = time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)
	completed = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	now       = time.Date(2025, 3, 4, 13, 0, 0, 0, time.UTC)
)

// Algorithms as the AI platform names them in results.
var (
	peAlgorithm       = Algorithm{ID: "aidoc-pe", Name: "Incidental PE", Version: "2.1", Vendor: "Aidoc"}
	ichAlgorithm      = Algorithm{ID: "aidoc-ich", Name: "BriefCase ICH", Version: "v5", Vendor: "Aidoc"}
	fractureAlgorithm = Algorithm{ID: "gleamer-fx", Name: "BoneView", Version: "2.3", Vendor: "Gleamer"}
	noduleAlgorithm   = Algorithm{ID: "lunit-cxr", Version: "1"} // no name: the rules' name is used
)

func pe(positive bool, confidence float64) Finding {
	return Finding{Code: "PE", Display: "Pulmonary embolism", Positive: positive, Confidence: confidence, Algorithm: peAlgorithm}
}

func ich(confidence float64) Finding {
	return Finding{Code: "ICH", Display: "Intracranial hemorrhage", Positive: true, Confidence: confidence, Algorithm: ichAlgorithm}
}

func fracture(confidence float64) Finding {
	return Finding{Code: "FX", Display: "Fracture", Positive: true, Confidence: confidence, Algorithm: fractureAlgorithm}
}

// study returns the facts of a completed study with the given priority,
// patient class and modality.
func study(priority, class, modality, procedure string, findings ...Finding) Facts {
	return Facts{
		Priority:      priority,
		PatientClass:  class,
		Modality:      modality,
		ProcedureText: procedure,
		OrderedAt:     ordered,
		CompletedAt:   completed,
		Findings:      findings,
	}
}

var waiting3h = Reason{Code: ReasonWaiting, Text: "waiting 3 h"}

func TestRankDefaults(t *testing.T) {
	oncologyCT := "CT thorax-abdomen with contrast (oncology follow-up)"
	tests := []struct {
		name    string
		facts   Facts
		band    Band
		due     time.Time
		reasons []Reason
	}{
		{
			name:    "outpatient routine",
			facts:   study("R", "O", "CT", oncologyCT),
			band:    Routine,
			due:     completed.Add(72 * time.Hour),
			reasons: []Reason{{Code: ReasonPatientClass, Text: "outpatient"}, waiting3h},
		},
		{
			name:    "inpatient",
			facts:   study("R", "I", "DX", "X thorax"),
			band:    Routine,
			due:     completed.Add(24 * time.Hour),
			reasons: []Reason{{Code: ReasonPatientClass, Text: "inpatient"}, waiting3h},
		},
		{
			name:    "ED patient",
			facts:   study("", "E", "DX", "X wrist"),
			band:    Urgent,
			due:     completed.Add(time.Hour),
			reasons: []Reason{{Code: ReasonPatientClass, Text: "ED patient"}, waiting3h},
		},
		{
			name:    "stat outpatient",
			facts:   study("S", "O", "US", "US abdomen"),
			band:    Urgent,
			due:     completed.Add(time.Hour),
			reasons: []Reason{{Code: ReasonPriority, Text: "STAT order"}, {Code: ReasonPatientClass, Text: "outpatient"}, waiting3h},
		},
		{
			name:    "stat ED patient: both reasons, most urgent rule first",
			facts:   study("s", "e", "DX", "X ankle"),
			band:    Urgent,
			due:     completed.Add(time.Hour),
			reasons: []Reason{{Code: ReasonPriority, Text: "STAT order"}, {Code: ReasonPatientClass, Text: "ED patient"}, waiting3h},
		},
		{
			name:    "timing critical",
			facts:   study("T", "I", "CT", "CT angio"),
			band:    Urgent,
			due:     completed.Add(time.Hour),
			reasons: []Reason{{Code: ReasonPriority, Text: "timing-critical order"}, {Code: ReasonPatientClass, Text: "inpatient"}, waiting3h},
		},
		{
			name:    "asap inpatient",
			facts:   study("A", "I", "MR", "MR spine"),
			band:    Urgent,
			due:     completed.Add(4 * time.Hour),
			reasons: []Reason{{Code: ReasonPriority, Text: "ASAP order"}, {Code: ReasonPatientClass, Text: "inpatient"}, waiting3h},
		},
		{
			name:    "pre-op outpatient",
			facts:   study("P", "O", "DX", "X thorax"),
			band:    Routine,
			due:     completed.Add(24 * time.Hour),
			reasons: []Reason{{Code: ReasonPriority, Text: "pre-op order"}, {Code: ReasonPatientClass, Text: "outpatient"}, waiting3h},
		},
		{
			name:    "callback priority has no rule of its own",
			facts:   study("C", "O", "DX", "X thorax"),
			band:    Routine,
			due:     completed.Add(72 * time.Hour),
			reasons: []Reason{{Code: ReasonPatientClass, Text: "outpatient"}, waiting3h},
		},
		{
			name:    "nothing known: otherwise",
			facts:   study("", "", "CT", ""),
			band:    Routine,
			due:     completed.Add(72 * time.Hour),
			reasons: []Reason{{Code: ReasonDefault, Text: "routine"}, waiting3h},
		},
		{
			name:    "CT head in ED",
			facts:   study("", "E", "CT", "CT hersenen zonder contrast"),
			band:    Urgent,
			due:     completed.Add(30 * time.Minute),
			reasons: []Reason{{Code: ReasonProcedure, Text: "CT head in ED"}, {Code: ReasonPatientClass, Text: "ED patient"}, waiting3h},
		},
		{
			name:    "CT head of an outpatient",
			facts:   study("", "O", "CT", "CT head"),
			band:    Routine,
			due:     completed.Add(72 * time.Hour),
			reasons: []Reason{{Code: ReasonPatientClass, Text: "outpatient"}, waiting3h},
		},
		{
			name:    "MR head in ED is not CT head",
			facts:   study("", "E", "MR", "MR brain"),
			band:    Urgent,
			due:     completed.Add(time.Hour),
			reasons: []Reason{{Code: ReasonPatientClass, Text: "ED patient"}, waiting3h},
		},
		{
			name:  "incidental PE on a routine outpatient oncology CT",
			facts: study("R", "O", "CT", oncologyCT, pe(true, 0.94)),
			band:  Critical,
			due:   completed.Add(30 * time.Minute),
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: incidental PE 94% (Incidental PE v2.1)"},
				{Code: ReasonPatientClass, Text: "outpatient"},
				waiting3h,
			},
		},
		{
			name:  "negative PE changes nothing",
			facts: study("R", "O", "CT", oncologyCT, pe(false, 0.97)),
			band:  Routine,
			due:   completed.Add(72 * time.Hour),
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAINegative, Text: "AI: no incidental PE (Incidental PE v2.1)"},
				waiting3h,
			},
		},
		{
			name:  "negative PE does not lower a STAT order",
			facts: study("S", "E", "CT", "CT pulmonary angiography", pe(false, 0.99)),
			band:  Urgent,
			due:   completed.Add(time.Hour),
			reasons: []Reason{
				{Code: ReasonPriority, Text: "STAT order"},
				{Code: ReasonPatientClass, Text: "ED patient"},
				{Code: ReasonAINegative, Text: "AI: no incidental PE (Incidental PE v2.1)"},
				waiting3h,
			},
		},
		{
			name:  "PE below threshold",
			facts: study("R", "O", "CT", oncologyCT, pe(true, 0.42)),
			band:  Routine,
			due:   completed.Add(72 * time.Hour),
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIBelowThreshold, Text: "AI: incidental PE 42% (Incidental PE v2.1), below 50% threshold"},
				waiting3h,
			},
		},
		{
			name:  "PE at threshold ranks",
			facts: study("R", "O", "CT", oncologyCT, pe(true, 0.5)),
			band:  Critical,
			due:   completed.Add(30 * time.Minute),
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: incidental PE 50% (Incidental PE v2.1)"},
				{Code: ReasonPatientClass, Text: "outpatient"},
				waiting3h,
			},
		},
		{
			name:  "fracture in an ED patient",
			facts: study("", "E", "DX", "X wrist", fracture(0.91)),
			band:  Urgent,
			due:   completed.Add(time.Hour),
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: fracture 91% (BoneView v2.3)"},
				{Code: ReasonPatientClass, Text: "ED patient"},
				waiting3h,
			},
		},
		{
			name:  "fracture in an outpatient is only shown",
			facts: study("", "O", "DX", "X wrist", fracture(0.91)),
			band:  Routine,
			due:   completed.Add(72 * time.Hour),
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIInfo, Text: "AI: fracture 91% (BoneView v2.3), informational"},
				waiting3h,
			},
		},
		{
			name:  "stat and ICH: most urgent band and earliest due win",
			facts: study("S", "I", "CT", "CT head", ich(0.88)),
			band:  Critical,
			due:   completed.Add(15 * time.Minute),
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: intracranial haemorrhage 88% (BriefCase ICH v5)"},
				{Code: ReasonPriority, Text: "STAT order"},
				{Code: ReasonPatientClass, Text: "inpatient"},
				waiting3h,
			},
		},
		{
			name:  "ICH and PE: the earlier critical due first",
			facts: study("", "E", "CT", "CT head and thorax", pe(true, 0.8), ich(0.9)),
			band:  Critical,
			due:   completed.Add(15 * time.Minute),
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: intracranial haemorrhage 90% (BriefCase ICH v5)"},
				{Code: ReasonAIFinding, Text: "AI: incidental PE 80% (Incidental PE v2.1)"},
				{Code: ReasonProcedure, Text: "CT head in ED"},
				{Code: ReasonPatientClass, Text: "ED patient"},
				waiting3h,
			},
		},
		{
			name: "lung nodule and bone age are informational",
			facts: study("", "O", "CT", oncologyCT,
				Finding{Code: "NODULE", Display: "Nodule 6 mm", Positive: true, Confidence: 0.88, Algorithm: noduleAlgorithm},
				Finding{Code: "BONEAGE", Display: "Bone age 11 y", Positive: true, Confidence: 0.7, Algorithm: Algorithm{ID: "gleamer-ba", Name: "BoneXpert"}},
			),
			band: Routine,
			due:  completed.Add(72 * time.Hour),
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIInfo, Text: "AI: lung nodule 88% (Lunit INSIGHT CXR v1), informational"},
				{Code: ReasonAIInfo, Text: "AI: bone age 70% (BoneXpert), informational"},
				waiting3h,
			},
		},
		{
			name: "an algorithm not approved is display-only; an unknown code is not mapped",
			facts: study("", "O", "CT", oncologyCT,
				Finding{Code: "EMPHYSEMA", Display: "Emphysema", Positive: true, Confidence: 0.6, Algorithm: Algorithm{ID: "lung-density"}},
				Finding{Code: "EFFUSION", Display: "Pleural effusion", Positive: true, Confidence: 0.75, Algorithm: peAlgorithm},
			),
			band: Routine,
			due:  completed.Add(72 * time.Hour),
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIDisplayOnly, Text: "AI: Emphysema 60% (lung-density), display only: not approved"},
				{Code: ReasonAIUnmapped, Text: "AI: Pleural effusion 75% (Incidental PE v2.1), not mapped to a known finding"},
				waiting3h,
			},
		},
		{
			name:  "not completed yet: due from the order",
			facts: Facts{Priority: "S", PatientClass: "I", Modality: "CT", OrderedAt: ordered},
			band:  Urgent,
			due:   ordered.Add(time.Hour),
			reasons: []Reason{
				{Code: ReasonPriority, Text: "STAT order"},
				{Code: ReasonPatientClass, Text: "inpatient"},
				{Code: ReasonWaiting, Text: "waiting 5 h"},
			},
		},
		{
			name:    "no times: due from now, no waiting",
			facts:   Facts{PatientClass: "O"},
			band:    Routine,
			due:     now.Add(72 * time.Hour),
			reasons: []Reason{{Code: ReasonPatientClass, Text: "outpatient"}},
		},
		{
			name: "completed in the future (clock skew): no waiting",
			facts: Facts{PatientClass: "O", CompletedAt: now.Add(time.Minute),
				Findings: []Finding{pe(true, 1)}},
			band:    Critical,
			due:     now.Add(31 * time.Minute),
			reasons: []Reason{{Code: ReasonAIFinding, Text: "AI: incidental PE 100% (Incidental PE v2.1)"}, {Code: ReasonPatientClass, Text: "outpatient"}},
		},
	}
	rules := DefaultRules()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRank(t, rules.Rank(tt.facts, now), tt.band, tt.due, tt.reasons)
		})
	}
}

func checkRank(t *testing.T, got Rank, band Band, due time.Time, reasons []Reason) {
	t.Helper()
	if got.Band != band {
		t.Errorf("band = %v, want %v", got.Band, band)
	}
	if !got.Due.Equal(due) {
		t.Errorf("due = %v, want %v", got.Due, due)
	}
	// Reasons compare by code and text; their bands are checked below.
	plain := make([]Reason, len(got.Reasons))
	for i, r := range got.Reasons {
		plain[i] = Reason{Code: r.Code, Text: r.Text}
	}
	if !slices.Equal(plain, reasons) {
		t.Errorf("reasons:\n%s\nwant:\n%s", formatReasons(got.Reasons), formatReasons(reasons))
	}
	// The reasons that placed the study carry the band they gave it, the
	// first one the study's band; the others carry none.
	for i, r := range got.Reasons {
		places := !slices.Contains([]string{ReasonAIInfo, ReasonAIBelowThreshold, ReasonAIDisplayOnly, ReasonAINegative,
			ReasonAIUnmapped, ReasonAIOutsideUse, ReasonAIIndeterminate, ReasonWaiting}, r.Code)
		if ai := strings.HasPrefix(r.Code, "ai-"); ai != (r.Finding > 0) {
			t.Errorf("reason %d %s %q refers to finding %d", i, r.Code, r.Text, r.Finding)
		}
		if places != (r.Band != 0) {
			t.Errorf("reason %d %s %q has band %v", i, r.Code, r.Text, r.Band)
		}
		if i == 0 && places && r.Band != got.Band {
			t.Errorf("first reason's band %v, the study's %v", r.Band, got.Band)
		}
	}
}

func formatReasons(rs []Reason) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "\t%s: %q\n", r.Code, r.Text)
	}
	return b.String()
}

// rulesWith returns the default rules file with old replaced by new, once.
func rulesWith(t *testing.T, old, new string) *Rules {
	t.Helper()
	data := string(DefaultRulesYAML())
	if n := strings.Count(data, old); n != 1 {
		t.Fatalf("defaults.yaml holds %q %d times, want once", old, n)
	}
	r, err := ParseRules([]byte(strings.Replace(data, old, new, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRankDisplayOnly(t *testing.T) {
	rules := rulesWith(t, "name: Incidental PE\n", "name: Incidental PE\n    mode: display-only\n")
	tests := []struct {
		name    string
		facts   Facts
		reasons []Reason
	}{
		{
			name:  "positive finding is shown, does not move the study",
			facts: study("R", "O", "CT", "CT thorax", pe(true, 0.94)),
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIDisplayOnly, Text: "AI: incidental PE 94% (Incidental PE v2.1), display only"},
				waiting3h,
			},
		},
		{
			name:  "display only comes before below threshold",
			facts: study("R", "O", "CT", "CT thorax", pe(true, 0.2)),
			reasons: []Reason{
				{Code: ReasonPatientClass, Text: "outpatient"},
				{Code: ReasonAIDisplayOnly, Text: "AI: incidental PE 20% (Incidental PE v2.1), display only"},
				waiting3h,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRank(t, rules.Rank(tt.facts, now), Routine, completed.Add(72*time.Hour), tt.reasons)
		})
	}
}

// customRules exercise the parts of the rule language the defaults do not.
const customRules = `
rules:
  - name: week
    reason: every study within a week
    band: routine
    within: 7d
  - name: stroke unit
    when: {location: ["STROKE*", "*-SU"]}
    band: urgent
    within: 2h
    from: ordered
  - name: screening
    reason: screening mammography
    when: {modality: MG, procedure: ["MAMSCR*", "*screening*"]}
    band: routine
    within: 10d
otherwise:
  band: routine
  within: 72h
algorithms:
  - id: slow-critical
    findings:
      - code: X
        band: critical
        within: 3h
`

func TestRankCustom(t *testing.T) {
	rules, err := ParseRules([]byte(customRules))
	if err != nil {
		t.Fatal(err)
	}
	week := Reason{Code: ReasonRule, Text: "every study within a week"}
	tests := []struct {
		name    string
		facts   Facts
		band    Band
		due     time.Time
		reasons []Reason
	}{
		{
			name:    "rule without conditions matches every study",
			facts:   study("", "", "MR", "MR knee"),
			band:    Routine,
			due:     completed.Add(7 * 24 * time.Hour),
			reasons: []Reason{week, waiting3h},
		},
		{
			name:    "location pattern, due from the order",
			facts:   Facts{OrderingLocation: "stroke unit 4", OrderedAt: ordered, CompletedAt: completed},
			band:    Urgent,
			due:     ordered.Add(2 * time.Hour),
			reasons: []Reason{{Code: ReasonLocation, Text: "stroke unit"}, week, waiting3h},
		},
		{
			name:    "location suffix pattern",
			facts:   Facts{OrderingLocation: "NEURO-SU", OrderedAt: ordered},
			band:    Urgent,
			due:     ordered.Add(2 * time.Hour),
			reasons: []Reason{{Code: ReasonLocation, Text: "stroke unit"}, week, {Code: ReasonWaiting, Text: "waiting 5 h"}},
		},
		{
			name:    "procedure code pattern; the earliest due is kept",
			facts:   Facts{Modality: "MG", ProcedureCode: "MAMSCR2", CompletedAt: completed},
			band:    Routine,
			due:     completed.Add(7 * 24 * time.Hour),
			reasons: []Reason{week, {Code: ReasonProcedure, Text: "screening mammography"}, waiting3h},
		},
		{
			name:    "procedure pattern needs the modality too",
			facts:   Facts{Modality: "US", ProcedureText: "US breast screening", CompletedAt: completed},
			band:    Routine,
			due:     completed.Add(7 * 24 * time.Hour),
			reasons: []Reason{week, waiting3h},
		},
		{
			name: "most urgent band with the earliest due of any band",
			facts: Facts{OrderingLocation: "STROKE", OrderedAt: ordered, CompletedAt: completed,
				Findings: []Finding{{Code: "x", Display: "Thing", Positive: true, Confidence: 0.3, Algorithm: Algorithm{ID: "SLOW-CRITICAL", Version: "V1"}}}},
			band: Critical,
			due:  ordered.Add(2 * time.Hour), // the urgent rule's, before the critical one's 13:00
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: Thing 30% (SLOW-CRITICAL V1)"},
				{Code: ReasonLocation, Text: "stroke unit"},
				week,
				waiting3h,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRank(t, rules.Rank(tt.facts, now), tt.band, tt.due, tt.reasons)
		})
	}
}

func TestRankOtherwiseDefaultReason(t *testing.T) {
	rules, err := ParseRules([]byte("otherwise: {band: urgent, within: 2h}"))
	if err != nil {
		t.Fatal(err)
	}
	got := rules.Rank(Facts{CompletedAt: completed}, completed)
	checkRank(t, got, Urgent, completed.Add(2*time.Hour),
		[]Reason{{Code: ReasonDefault, Text: "no rule matched"}, {Code: ReasonWaiting, Text: "waiting <1 min"}})
}

// TestRankStable checks that band and due do not depend on the time of
// ranking, and the waiting reason does.
func TestRankStable(t *testing.T) {
	rules := DefaultRules()
	f := study("S", "E", "CT", "CT head", pe(true, 0.9), ich(0.2))
	first := rules.Rank(f, now)
	for _, later := range []time.Duration{time.Hour, 30 * time.Hour, 400 * time.Hour} {
		got := rules.Rank(f, now.Add(later))
		if got.Band != first.Band || !got.Due.Equal(first.Due) {
			t.Errorf("at now+%v: %v %v, want %v %v", later, got.Band, got.Due, first.Band, first.Due)
		}
		if w := got.Reasons[len(got.Reasons)-1]; w.Code != ReasonWaiting || w == first.Reasons[len(first.Reasons)-1] {
			t.Errorf("at now+%v: last reason %v, want a new waiting time", later, w)
		}
	}
}

func TestWaitingText(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "waiting <1 min"},
		{59 * time.Second, "waiting <1 min"},
		{time.Minute, "waiting 1 min"},
		{59*time.Minute + 59*time.Second, "waiting 59 min"},
		{time.Hour, "waiting 1 h"},
		{3*time.Hour + 40*time.Minute, "waiting 3 h"},
		{47*time.Hour + 59*time.Minute, "waiting 47 h"},
		{48 * time.Hour, "waiting 2 d"},
		{10*24*time.Hour + 23*time.Hour, "waiting 10 d"},
	}
	for _, tt := range tests {
		if got := waitingText(tt.d); got != tt.want {
			t.Errorf("waitingText(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		c    float64
		want string
	}{
		{0, "0"}, {0.004, "0"}, {0.005, "1"}, {0.94, "94"}, {0.999, "100"}, {1, "100"},
		{-0.5, "0"}, {1.5, "100"}, {math.NaN(), "0"},
	}
	for _, tt := range tests {
		if got := percent(tt.c); got != tt.want {
			t.Errorf("percent(%v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func BenchmarkRank(b *testing.B) {
	rules := DefaultRules()
	benchmarks := []struct {
		name  string
		facts Facts
	}{
		{"routine", study("R", "O", "CT", "CT thorax-abdomen")},
		{"incidental PE", study("R", "O", "CT", "CT thorax-abdomen", pe(true, 0.94))},
		{"ED head CT with findings", study("S", "E", "CT", "CT hersenen", ich(0.9), pe(false, 0.9), fracture(0.6))},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rules.Rank(bm.facts, now)
			}
		})
	}
}
