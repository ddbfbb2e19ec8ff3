package worklist_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

func aiBy(acc, id, algorithm, code string, positive bool) worklist.Event {
	e := ai(acc, id, positive)
	e.AI.Algorithm = triage.Algorithm{ID: algorithm, Version: "1"}
	e.AI.Findings[0].Code = code
	return e
}

// TestUpdateTurnaround: a closed study's record holds its times, its rank,
// its reader and what each algorithm said and the readers made of it; a
// change after the close makes a new record; nothing of the patient.
func TestUpdateTurnaround(t *testing.T) {
	m := time.Minute
	type input struct {
		e    worklist.Event
		edit worklist.Edit // instead of e
		at   time.Duration // received at t0 + at
	}
	tests := []struct {
		name   string
		inputs []input
		want   worklist.Turnaround // of the last input; Site, Accession, Version, Status filled in
	}{
		{
			name: "reported, flagged by one algorithm, negative for another, with feedback",
			inputs: []input{
				{e: order(worklist.ExamCompleted, "W1", t0, nil)},
				{e: aiBy("W1", "r1", "aidoc-pe", "PE", true), at: 5 * m},
				{e: aiBy("W1", "r2", "aidoc-ich", "ICH", false), at: 3 * m},
				{edit: worklist.TakeClaim("Jansen", false, 20*m), at: 7 * m},
				{edit: worklist.GiveFeedback("r1", "Jansen", worklist.VerdictAgree, ""), at: 20 * m},
				{edit: worklist.GiveFeedback("r1", "de Boer", worklist.VerdictDisagree, ""), at: 21 * m},
				{edit: worklist.GiveFeedback("r2", "Jansen", worklist.VerdictAgree, ""), at: 22 * m},
				{e: report(worklist.ReportPreliminary, "W1", t0.Add(25*m), "Jansen"), at: 25 * m},
				{e: report(worklist.ReportFinal, "W1", t0.Add(30*m), "Jansen"), at: 30 * m},
			},
			want: worklist.Turnaround{Status: worklist.StatusFinal, Modality: "CT", ProcedureCode: "CTTHAB", Priority: "R", PatientClass: "O",
				Reader: "Jansen", Band: triage.Critical, Due: t0.Add(30 * m), // 30 minutes from the exam
				OrderedAt: t0.Add(-48 * time.Hour), CompletedAt: t0, FirstAIAt: t0.Add(3 * m), FirstFlagAt: t0.Add(5 * m),
				FirstClaimedAt: t0.Add(7 * m), PreliminaryAt: t0.Add(25 * m), ReportedAt: t0.Add(30 * m),
				AI: []worklist.AIOutcome{
					{Algorithm: "aidoc-pe", Version: "1", Positive: true, Band: triage.Critical, At: t0.Add(5 * m), FlagAt: t0.Add(5 * m), Agree: 1, Disagree: 1},
					{Algorithm: "aidoc-ich", Version: "1", At: t0.Add(3 * m), Agree: 1},
				}},
		},
		{
			name: "feedback after the report makes a new record",
			inputs: []input{
				{e: order(worklist.ExamCompleted, "W1", t0, nil)},
				{e: aiBy("W1", "r1", "aidoc-pe", "PE", true), at: 5 * m},
				{e: report(worklist.ReportFinal, "W1", t0.Add(time.Hour), "Jansen"), at: time.Hour},
				{edit: worklist.GiveFeedback("r1", "Jansen", worklist.VerdictDisagree, ""), at: 2 * time.Hour},
			},
			want: worklist.Turnaround{Status: worklist.StatusFinal, Modality: "CT", ProcedureCode: "CTTHAB", Priority: "R", PatientClass: "O",
				Reader: "Jansen", Band: triage.Critical, Due: t0.Add(30 * m),
				OrderedAt: t0.Add(-48 * time.Hour), CompletedAt: t0, FirstAIAt: t0.Add(5 * m), FirstFlagAt: t0.Add(5 * m), ReportedAt: t0.Add(time.Hour),
				AI: []worklist.AIOutcome{{Algorithm: "aidoc-pe", Version: "1", Positive: true, Band: triage.Critical, At: t0.Add(5 * m), FlagAt: t0.Add(5 * m), Disagree: 1}}},
		},
		{
			name: "a positive finding after the report is a discrepancy, not a flag",
			inputs: []input{
				{e: order(worklist.ExamCompleted, "W1", t0, nil)},
				{e: aiBy("W1", "r0", "lunit-cxr", "NODULE", true), at: 2 * m},
				{e: report(worklist.ReportFinal, "W1", t0.Add(time.Hour), "Jansen"), at: time.Hour},
				{e: aiBy("W1", "r1", "aidoc-pe", "PE", true), at: 2 * time.Hour},
			},
			want: worklist.Turnaround{Status: worklist.StatusFinal, Modality: "CT", ProcedureCode: "CTTHAB", Priority: "R", PatientClass: "O",
				Reader: "Jansen", Band: triage.Routine, Due: t0.Add(72 * time.Hour),
				OrderedAt: t0.Add(-48 * time.Hour), CompletedAt: t0, FirstAIAt: t0.Add(2 * m), FirstFlagAt: t0.Add(2 * m), ReportedAt: t0.Add(time.Hour),
				AI: []worklist.AIOutcome{
					// An informational finding flags without a band.
					{Algorithm: "lunit-cxr", Version: "1", Positive: true, At: t0.Add(2 * m), FlagAt: t0.Add(2 * m)},
					{Algorithm: "aidoc-pe", Version: "1", Positive: true, Band: triage.Critical, At: t0.Add(2 * time.Hour), FlagAt: t0.Add(2 * time.Hour), Discrepancy: true},
				}},
		},
		{
			name: "cancelled",
			inputs: []input{
				{e: order(worklist.OrderPlaced, "W1", t0, func(o *worklist.Order) { o.PatientClass = "E" })},
				{e: cancel("W1", t0.Add(time.Hour)), at: time.Hour},
			},
			want: worklist.Turnaround{Status: worklist.StatusCancelled, Modality: "CT", ProcedureCode: "CTTHAB", Priority: "R", PatientClass: "E",
				Band: triage.Urgent, Due: t0.Add(-47 * time.Hour), OrderedAt: t0.Add(-48 * time.Hour), CancelledAt: t0.Add(time.Hour)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &worklist.Study{Site: "ZHWEST", Accession: "W1"}
			var tr worklist.Transition
			for i, in := range tt.inputs {
				edit := in.edit
				if edit == nil {
					edit = worklist.ApplyEvent(in.e)
				}
				var err error
				if tr, err = worklist.Update(st, nil, edit, triage.DefaultRules(), t0.Add(in.at)); err != nil {
					t.Fatalf("input %d: %v", i, err)
				}
				st.Version++
			}
			if tr.Turnaround == nil {
				t.Fatal("the last input made no turnaround record")
			}
			want := tt.want
			want.Site, want.Accession, want.Version = "ZHWEST", "W1", st.Version-1
			got, _ := json.Marshal(tr.Turnaround)
			wantJSON, _ := json.Marshal(want)
			if string(got) != string(wantJSON) {
				t.Errorf("turnaround\n got %s\nwant %s", got, wantJSON)
			}
			if strings.Contains(string(got), "Berg") || strings.Contains(string(got), "7012345") {
				t.Errorf("turnaround holds patient data: %s", got)
			}
		})
	}
}

// TestTurnaroundDueMet: met when the final report came by the due time;
// unknown for a cancelled study or one without a due time.
func TestTurnaroundDueMet(t *testing.T) {
	tests := []struct {
		name       string
		t          worklist.Turnaround
		met, known bool
	}{
		{"early", worklist.Turnaround{Status: worklist.StatusFinal, Due: t0, ReportedAt: t0.Add(-time.Second)}, true, true},
		{"on the second", worklist.Turnaround{Status: worklist.StatusFinal, Due: t0, ReportedAt: t0}, true, true},
		{"late", worklist.Turnaround{Status: worklist.StatusFinal, Due: t0, ReportedAt: t0.Add(time.Second)}, false, true},
		{"cancelled", worklist.Turnaround{Status: worklist.StatusCancelled, Due: t0, CancelledAt: t0}, false, false},
		{"no due time", worklist.Turnaround{Status: worklist.StatusFinal, ReportedAt: t0}, false, false},
	}
	for _, tt := range tests {
		met, known := tt.t.DueMet()
		if met != tt.met || known != tt.known {
			t.Errorf("%s: DueMet() = %v, %v; want %v, %v", tt.name, met, known, tt.met, tt.known)
		}
	}
}
