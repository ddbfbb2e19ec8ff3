package triage

import (
	"strings"
	"testing"
	"time"
)

// escalating are rules with an escalation for inpatients and outpatients.
const escalating = `
rules:
  - {name: stat, reason: STAT order, when: {priority: S}, band: urgent, within: 1h}
  - {name: inpatient, when: {patientClass: I}, band: routine, within: 24h}
  - {name: outpatient, when: {patientClass: O}, band: routine, within: 72h}
otherwise: {band: routine, within: 72h}
algorithms:
  - id: aidoc-pe
    findings: [{code: PE, reason: incidental PE, band: critical, within: 30m}]
escalation:
  - {name: inpatient, when: {patientClass: I}, band: routine, after: 6h}
  - {name: late, band: routine, after: 2d}
  - {name: outpatient, when: {patientClass: O}, band: [routine], after: 1d, reason: outpatient overdue a day}
`

func TestRankEscalation(t *testing.T) {
	rules, err := ParseRules([]byte(escalating))
	if err != nil {
		t.Fatal(err)
	}
	inpatientDue := completed.Add(24 * time.Hour)
	outpatientDue := completed.Add(72 * time.Hour)
	escalated := Reason{Code: ReasonEscalated, Text: "overdue 6 h: escalated"}
	inpatient := Reason{Code: ReasonPatientClass, Text: "inpatient"}
	tests := []struct {
		name        string
		facts       Facts
		at          time.Time
		band        Band
		due         time.Time
		escalatesAt time.Time
		reasons     []Reason
	}{
		{
			name:        "not yet due: says when it will escalate",
			facts:       study("R", "I", "CT", "CT abdomen"),
			at:          now,
			band:        Routine,
			due:         inpatientDue,
			escalatesAt: inpatientDue.Add(6 * time.Hour),
			reasons:     []Reason{inpatient, waiting3h},
		},
		{
			name:        "overdue, not by the limit",
			facts:       study("R", "I", "CT", "CT abdomen"),
			at:          inpatientDue.Add(6*time.Hour - time.Millisecond),
			band:        Routine,
			due:         inpatientDue,
			escalatesAt: inpatientDue.Add(6 * time.Hour),
			reasons:     []Reason{inpatient, {Code: ReasonWaiting, Text: "waiting 29 h"}},
		},
		{
			name:    "at the limit: urgent at its own due time",
			facts:   study("R", "I", "CT", "CT abdomen"),
			at:      inpatientDue.Add(6 * time.Hour),
			band:    Urgent,
			due:     inpatientDue,
			reasons: []Reason{escalated, inpatient, {Code: ReasonWaiting, Text: "waiting 30 h"}},
		},
		{
			name:    "two rules due: the first to fall due is the reason",
			facts:   study("R", "I", "CT", "CT abdomen"),
			at:      inpatientDue.Add(3 * 24 * time.Hour),
			band:    Urgent,
			due:     inpatientDue,
			reasons: []Reason{escalated, inpatient, {Code: ReasonWaiting, Text: "waiting 4 d"}},
		},
		{
			name:        "outpatient: its own rule and reason",
			facts:       study("R", "O", "MR", "MR knee"),
			at:          now,
			band:        Routine,
			due:         outpatientDue,
			escalatesAt: outpatientDue.Add(24 * time.Hour),
			reasons:     []Reason{{Code: ReasonPatientClass, Text: "outpatient"}, waiting3h},
		},
		{
			name:    "outpatient escalated",
			facts:   study("R", "O", "MR", "MR knee"),
			at:      outpatientDue.Add(25 * time.Hour),
			band:    Urgent,
			due:     outpatientDue,
			reasons: []Reason{{Code: ReasonEscalated, Text: "outpatient overdue a day"}, {Code: ReasonPatientClass, Text: "outpatient"}, {Code: ReasonWaiting, Text: "waiting 4 d"}},
		},
		{
			name:    "urgent work is not escalated",
			facts:   study("S", "E", "DX", "X wrist"),
			at:      completed.Add(30 * 24 * time.Hour),
			band:    Urgent,
			due:     completed.Add(time.Hour),
			reasons: []Reason{{Code: ReasonPriority, Text: "STAT order"}, {Code: ReasonWaiting, Text: "waiting 30 d"}},
		},
		{
			name:  "a critical finding stays critical and above every escalated study",
			facts: study("R", "I", "CT", "CT thorax", pe(true, 0.94)),
			at:    completed.Add(30 * 24 * time.Hour),
			band:  Critical,
			due:   completed.Add(30 * time.Minute),
			reasons: []Reason{
				{Code: ReasonAIFinding, Text: "AI: incidental PE 94% (Incidental PE v2.1)"},
				inpatient,
				{Code: ReasonWaiting, Text: "waiting 30 d"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rules.Rank(tt.facts, tt.at)
			checkRank(t, got, tt.band, tt.due, tt.reasons)
			if !got.EscalatesAt.Equal(tt.escalatesAt) {
				t.Errorf("escalatesAt = %v, want %v", got.EscalatesAt, tt.escalatesAt)
			}
			if got.Band == Urgent && got.Reasons[0].Code == ReasonEscalated {
				stat := Facts{Priority: "S", PatientClass: "O", OrderedAt: tt.at, CompletedAt: tt.at}
				fresh := rules.Rank(stat, tt.at)
				if Score(got) >= Score(fresh) {
					t.Errorf("escalated study scores %d, after a fresh STAT study (%d)", Score(got), Score(fresh))
				}
			}
		})
	}
}

func TestEscalationCopies(t *testing.T) {
	rules, err := ParseRules([]byte(escalating))
	if err != nil {
		t.Fatal(err)
	}
	f := study("R", "I", "CT", "CT abdomen")
	late := completed.Add(40 * time.Hour)
	if got := rules.WithoutEscalation().Rank(f, late); got.Band != Routine || !got.EscalatesAt.IsZero() || rules.WithoutEscalation().HasEscalation() {
		t.Errorf("WithoutEscalation: %v escalatesAt %v", got.Band, got.EscalatesAt)
	}
	if rules.Rank(f, late).Band != Urgent || !rules.HasEscalation() {
		t.Error("WithoutEscalation changed the rules it copied")
	}
	plain, err := ParseRules([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if got := plain.WithEscalation(rules).Rank(Facts{CompletedAt: completed}, completed.Add(6*24*time.Hour)); got.Band != Urgent {
		t.Errorf("WithEscalation: band %v, want urgent after 3 d overdue", got.Band)
	}
}

func TestParseEscalationErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"to critical", "escalation:\n  - {name: a, band: routine, after: 1h, to: critical}\n",
			`line 3: escalation "a": to critical: an escalation never places a study above a critical finding (want urgent or routine)`},
		{"not more urgent", "escalation:\n  - {name: a, band: urgent, after: 1h}\n",
			`line 3: escalation "a": band urgent: a study is escalated into a more urgent band, and urgent is not more urgent`},
		{"band missing", "escalation:\n  - {name: a, after: 1h}\n",
			`line 3: escalation "a": band is missing (the band it lifts studies out of: routine, or urgent)`},
		{"after missing", "escalation:\n  - {name: a, band: routine}\n",
			`line 3: escalation "a": after is missing (how long past its due time a study is escalated: 0m, 6h, 2d)`},
		{"after negative", "escalation:\n  - {name: a, band: routine, after: -1h}\n",
			`line 3: escalation "a": after -1h is negative`},
		{"after bad", "escalation:\n  - {name: a, band: routine, after: soon}\n",
			`line 3: escalation "a": after "soon": want a duration like 30m, 6h or 2d`},
		{"name twice", "escalation:\n  - {name: a, band: routine, after: 1h}\n  - {name: a, band: routine, after: 2h}\n",
			`line 4: escalation "a": name already used at line 3`},
		{"unknown key", "escalation:\n  - {name: a, band: routine, afer: 1h}\n",
			`line 3: escalation "a": unknown key "afer" (want name, reason, when, band, after or to)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules([]byte(minimal + tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseRules error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "overdue: escalated"},
		{45 * time.Minute, "overdue 45 min: escalated"},
		{6 * time.Hour, "overdue 6 h: escalated"},
		{90 * time.Minute, "overdue 1 h 30 min: escalated"},
		{36 * time.Hour, "overdue 36 h: escalated"},
		{4 * 24 * time.Hour, "overdue 4 d: escalated"},
		{90 * time.Second, "overdue 1m30s: escalated"},
	}
	for _, tt := range tests {
		if got := escalationText(tt.d); got != tt.want {
			t.Errorf("escalationText(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
