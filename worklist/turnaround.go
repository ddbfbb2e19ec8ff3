package worklist

import (
	"cmp"
	"slices"
	"time"

	"github.com/voorrang/voorrang/triage"
)

// A Turnaround holds the facts of a closed (reported or cancelled) study
// that the statistics need: its times, its rank when it closed, who read
// it and what the AI said. It holds no patient data. A study's record is
// written when it closes and again whenever it changes afterwards (a
// correction, feedback, an AI result after the report): the record with
// the highest Version is the study's.
type Turnaround struct {
	Site      string `json:"site"`
	Accession string `json:"accession"`
	// Version is the study's version when the record was made.
	Version int64 `json:"version"`
	// Status is final or cancelled.
	Status        Status `json:"status"`
	Modality      string `json:"modality,omitempty"`
	ProcedureCode string `json:"procedureCode,omitempty"`
	Priority      string `json:"priority,omitempty"`
	PatientClass  string `json:"patientClass,omitempty"`
	// Section is the part of the department the study belongs to (the
	// first configured section that matches it), set by the store.
	Section string `json:"section,omitempty"`
	// Reader signed the final report (OBR-32, as sent).
	Reader string `json:"reader,omitempty"`
	// Band and Due are the study's rank when it closed.
	Band triage.Band `json:"band"`
	Due  time.Time   `json:"due,omitzero"`

	OrderedAt      time.Time `json:"orderedAt,omitzero"`
	CompletedAt    time.Time `json:"completedAt,omitzero"`
	FirstAIAt      time.Time `json:"firstAIAt,omitzero"`   // first AI result received
	FirstFlagAt    time.Time `json:"firstFlagAt,omitzero"` // first positive AI result received before the final report
	FirstClaimedAt time.Time `json:"firstClaimedAt,omitzero"`
	PreliminaryAt  time.Time `json:"preliminaryAt,omitzero"`
	ReportedAt     time.Time `json:"reportedAt,omitzero"` // the final report
	CorrectedAt    time.Time `json:"correctedAt,omitzero"`
	CancelledAt    time.Time `json:"cancelledAt,omitzero"`

	// AI holds one entry per algorithm that sent a result, in the order
	// their first results came.
	AI []AIOutcome `json:"ai,omitempty"`
}

// An AIOutcome is what one algorithm said about a study and what the
// readers made of it: the facts of the AI-performance statistics.
type AIOutcome struct {
	Algorithm string `json:"algorithm"` // the algorithm's ID
	Version   string `json:"version,omitempty"`
	// Positive is true when any of its results had a positive finding.
	Positive bool `json:"positive"`
	// Band is the most urgent band its findings gave the study by the
	// triage rules (critical for a critical flag); zero when they gave
	// none (negative, display-only, below the confidence threshold).
	Band triage.Band `json:"band,omitempty"`
	// At is when its first result was received, FlagAt its first positive
	// one (zero when none).
	At     time.Time `json:"at"`
	FlagAt time.Time `json:"flagAt,omitzero"`
	// Agree, Disagree and NotAssessable count the readers' verdicts on its
	// results (each reader's last verdict on each result).
	Agree         int `json:"agree,omitempty"`
	Disagree      int `json:"disagree,omitempty"`
	NotAssessable int `json:"notAssessable,omitempty"`
	// Discrepancy is true when its first positive finding came after the
	// final report: a finding the report may have missed, for the
	// discrepancy list rather than the reading list.
	Discrepancy bool `json:"discrepancy,omitempty"`
	// Failed is true when its last result for the study said it could not
	// process it; Pending when its last result said pending, and nothing
	// came before the study closed.
	Failed  bool `json:"failed,omitempty"`
	Pending bool `json:"pending,omitempty"`
}

// Feedback verdicts on an AI result, as stored in AIResult.Feedback.
const (
	VerdictAgree         = "agree"
	VerdictDisagree      = "disagree"
	VerdictNotAssessable = "not-assessable"
)

// ClosedAt returns when the study closed: its final report, else its
// cancellation.
func (t *Turnaround) ClosedAt() time.Time { return cmp.Or(t.ReportedAt, t.CancelledAt) }

// ReadyAt returns when the study became ready to read: the exam's
// completion, else the first AI result (which proves images exist).
func (t *Turnaround) ReadyAt() time.Time { return cmp.Or(t.CompletedAt, t.FirstAIAt) }

// FlaggedBeforeReport reports whether an algorithm flagged the study
// before its final report.
func (t *Turnaround) FlaggedBeforeReport() bool { return !t.FirstFlagAt.IsZero() }

// DueMet reports whether the final report came by the due time; known is
// false for a study not reported or without a due time.
func (t *Turnaround) DueMet() (met, known bool) {
	if t.Status != StatusFinal || t.ReportedAt.IsZero() || t.Due.IsZero() {
		return false, false
	}
	return !t.ReportedAt.After(t.Due), true
}

// newTurnaround makes the record of the closed study st; rules say which
// band each algorithm's findings gave it.
func newTurnaround(st *Study, rules *triage.Rules, now time.Time) Turnaround {
	t := Turnaround{
		Site: st.Site, Accession: st.Accession, Version: st.Version, Status: st.Status,
		Modality: st.Modality, ProcedureCode: st.ProcedureCode, Priority: st.Priority, PatientClass: st.PatientClass,
		Reader: st.Reader, Band: st.Rank.Band, Due: st.Rank.Due,
		OrderedAt: st.OrderedAt, CompletedAt: st.CompletedAt, FirstClaimedAt: st.FirstClaimedAt,
		PreliminaryAt: st.PreliminaryAt, ReportedAt: st.ReportedAt, CorrectedAt: st.CorrectedAt, CancelledAt: st.CancelledAt,
	}
	for _, r := range st.Results {
		i := slices.IndexFunc(t.AI, func(a AIOutcome) bool { return a.Algorithm == r.Algorithm.ID })
		if i < 0 {
			t.AI = append(t.AI, AIOutcome{Algorithm: r.Algorithm.ID, Version: r.Algorithm.Version, At: r.ReceivedAt})
			i = len(t.AI) - 1
		}
		a := &t.AI[i]
		a.At = earliest(a.At, r.ReceivedAt)
		if slices.ContainsFunc(r.Findings, func(f triage.Finding) bool { return f.Positive }) {
			a.Positive, a.FlagAt = true, earliest(a.FlagAt, r.ReceivedAt)
		}
		for _, v := range r.Feedback {
			switch v {
			case VerdictAgree:
				a.Agree++
			case VerdictDisagree:
				a.Disagree++
			case VerdictNotAssessable:
				a.NotAssessable++
			}
		}
		t.FirstAIAt = earliest(t.FirstAIAt, r.ReceivedAt)
	}
	for _, state := range st.aiStates() {
		if i := slices.IndexFunc(t.AI, func(a AIOutcome) bool { return a.Algorithm == state.Algorithm.ID }); i >= 0 {
			t.AI[i].Failed, t.AI[i].Pending = state.Status == AIFailed, state.Status == AIPending
		}
	}
	for i := range t.AI {
		a := &t.AI[i]
		if a.Positive {
			a.Band = algorithmBand(st, a.Algorithm, rules, now)
		}
		a.Discrepancy = a.Positive && !st.ReportedAt.IsZero() && a.FlagAt.After(st.ReportedAt)
		if a.Positive && !a.Discrepancy {
			t.FirstFlagAt = earliest(t.FirstFlagAt, a.FlagAt)
		}
	}
	return t
}

// algorithmBand returns the most urgent band the findings of algorithm
// give st by rules, or zero.
func algorithmBand(st *Study, algorithm string, rules *triage.Rules, now time.Time) triage.Band {
	f := st.Facts()
	f.Findings = slices.DeleteFunc(f.Findings, func(fd triage.Finding) bool { return fd.Algorithm.ID != algorithm })
	var band triage.Band
	for _, r := range rules.Rank(f, now).Reasons {
		if r.Code == triage.ReasonAIFinding && r.Band != 0 && (band == 0 || r.Band < band) {
			band = r.Band
		}
	}
	return band
}

// earliest returns the earlier of a and b, ignoring a zero time.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
