package worklist

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
)

// A Status is where a study is in its life.
type Status string

// Study statuses, in the order a study normally passes them.
const (
	StatusOrdered     Status = "ordered"
	StatusScheduled   Status = "scheduled"
	StatusInProgress  Status = "in-progress"
	StatusCompleted   Status = "completed" // images exist: waiting to be read
	StatusPreliminary Status = "preliminary"
	StatusFinal       Status = "final"
	StatusCancelled   Status = "cancelled"
)

var statusOrder = map[Status]int{
	StatusOrdered: 1, StatusScheduled: 2, StatusInProgress: 3, StatusCompleted: 4,
	StatusPreliminary: 5, StatusFinal: 6, StatusCancelled: 6,
}

// Closed reports whether the study is off the reading list for good.
func (s Status) Closed() bool { return s == StatusFinal || s == StatusCancelled }

// A Study is one imaging study (one accession number at one site) with
// everything Voorrang knows of it.
type Study struct {
	Site      string `json:"site"`
	Accession string `json:"accession"`
	Status    Status `json:"status"`
	// OnList is true while the study waits to be read: from exam completion
	// (or the first AI result, which proves images exist) to a final report
	// or a cancel.
	OnList bool `json:"onList"`

	Patient          Patient `json:"patient"`
	PatientClass     string  `json:"patientClass,omitempty"`
	Priority         string  `json:"priority,omitempty"`
	Modality         string  `json:"modality,omitempty"`
	ProcedureCode    string  `json:"procedureCode,omitempty"`
	ProcedureText    string  `json:"procedureText,omitempty"`
	OrderingLocation string  `json:"orderingLocation,omitempty"`
	StudyUID         string  `json:"studyUID,omitempty"`

	OrderedAt     time.Time `json:"orderedAt,omitzero"`
	CompletedAt   time.Time `json:"completedAt,omitzero"`
	FirstFlagAt   time.Time `json:"firstFlagAt,omitzero"` // first positive AI finding received
	PreliminaryAt time.Time `json:"preliminaryAt,omitzero"`
	ReportedAt    time.Time `json:"reportedAt,omitzero"`
	CorrectedAt   time.Time `json:"correctedAt,omitzero"` // last correction of the final report (OBR-25 C)
	CancelledAt   time.Time `json:"cancelledAt,omitzero"`
	Reader        string    `json:"reader,omitempty"`
	// OrderUpdatedAt is the source time of the last order message applied,
	// so that an older message arriving late does not undo a newer one.
	OrderUpdatedAt time.Time `json:"orderUpdatedAt,omitzero"`

	Results []AIResult `json:"results,omitempty"`
	// AIStates lists the algorithms whose last result for the study said
	// pending or failed; it follows from Results and is not stored.
	AIStates []AIState `json:"aiStates,omitempty"`
	Claim    *Claim    `json:"claim,omitempty"`
	// FirstClaimedAt is when a reader first claimed the study (turnaround).
	FirstClaimedAt time.Time `json:"firstClaimedAt,omitzero"`

	Rank triage.Rank `json:"rank"`
	// SortKey is the study's place in the reading order as the list holds
	// it: the Place.Key of the rank it was last written with, which a
	// re-rank for display (Rerank) keeps. Clients order studies by
	// comparing these keys as strings. It is not stored.
	SortKey   string    `json:"sortKey,omitempty"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Apply merges e into the study and reports whether anything changed.
// An event that is stale (an older order message after a newer one) or a
// repeat (an AI result already held) changes nothing. received is when
// Voorrang received the event.
func (s *Study) Apply(e Event, received time.Time) (bool, error) {
	switch e.Kind {
	case OrderPlaced, OrderChanged, OrderScheduled, ExamStarted, ExamCompleted:
		return s.applyOrder(e), nil
	case OrderCancelled:
		if s.Status.Closed() {
			return false, nil
		}
		s.mergeOrder(e, true)
		s.Status, s.CancelledAt = StatusCancelled, cmp.Or(e.At, received)
		return true, nil
	case ReportPreliminary:
		if s.Status.Closed() || s.Status == StatusPreliminary {
			return false, nil
		}
		s.Status, s.PreliminaryAt = StatusPreliminary, e.At
		s.setReader(e)
		return true, nil
	case ReportFinal, ReportCorrected:
		if s.Status == StatusFinal {
			if e.Kind != ReportCorrected {
				return false, nil
			}
			// A correction of a final report: when it came (the latest
			// one), and who signed it.
			at, reader := cmp.Or(e.At, received), s.Reader
			changed := at.After(s.CorrectedAt)
			if changed {
				s.CorrectedAt = at
			}
			s.setReader(e)
			return changed || s.Reader != reader, nil
		}
		s.Status, s.ReportedAt = StatusFinal, cmp.Or(e.At, received)
		if e.Kind == ReportCorrected {
			s.CorrectedAt = cmp.Or(e.At, received) // the final report came as a correction
		}
		s.setReader(e)
		return true, nil
	case AIResultReceived:
		return s.applyAI(e, received), nil
	case PatientUpdated:
		if e.Patient == nil || s.Patient == mergePatient(s.Patient, *e.Patient) {
			return false, nil
		}
		s.Patient = mergePatient(s.Patient, *e.Patient)
		return true, nil
	}
	return false, fmt.Errorf("unknown event kind %q", e.Kind)
}

func (s *Study) setReader(e Event) {
	if e.Report != nil && e.Report.Reader != "" {
		s.Reader = e.Report.Reader
	}
}

// applyOrder merges an order message and moves the status forward.
func (s *Study) applyOrder(e Event) bool {
	before := *s
	if !e.At.IsZero() && e.At.Before(s.OrderUpdatedAt) {
		// A late, older message: it may fill gaps but not undo anything.
		s.mergeOrder(e, false)
	} else {
		s.mergeOrder(e, true)
		if !e.At.IsZero() {
			s.OrderUpdatedAt = e.At
		}
	}
	next := map[EventKind]Status{
		OrderPlaced: StatusOrdered, OrderChanged: StatusOrdered, OrderScheduled: StatusScheduled,
		ExamStarted: StatusInProgress, ExamCompleted: StatusCompleted,
	}[e.Kind]
	switch {
	case s.Status == "":
		s.Status = next
	case s.Status == StatusCancelled && e.Kind == OrderPlaced && e.At.After(s.CancelledAt):
		// Re-ordered after the cancel. A replay of the first order (older
		// than the cancel) does not reopen the study.
		s.Status, s.CancelledAt = next, time.Time{}
	case !s.Status.Closed() && statusOrder[next] > statusOrder[s.Status]:
		s.Status = next
	}
	if e.Kind == ExamCompleted && s.CompletedAt.IsZero() {
		s.CompletedAt = e.At
		if e.Order != nil && !e.Order.CompletedAt.IsZero() {
			s.CompletedAt = e.Order.CompletedAt
		}
	}
	return !s.equal(&before)
}

// mergeOrder takes the facts of an order message: all it carries when
// overwrite is set, else only what the study lacks (a late, older message).
func (s *Study) mergeOrder(e Event, overwrite bool) {
	o := e.Order
	if o == nil {
		return
	}
	set := func(dst *string, v string) {
		if v != "" && (overwrite || *dst == "") {
			*dst = v
		}
	}
	set(&s.PatientClass, o.PatientClass)
	set(&s.Priority, o.Priority)
	set(&s.Modality, o.Modality)
	set(&s.ProcedureCode, o.ProcedureCode)
	set(&s.ProcedureText, o.ProcedureText)
	set(&s.OrderingLocation, o.OrderingLocation)
	set(&s.StudyUID, o.StudyUID)
	if overwrite {
		s.Patient = mergePatient(s.Patient, o.Patient)
	} else if s.Patient.isZero() {
		s.Patient = o.Patient
	}
	if !o.OrderedAt.IsZero() && (s.OrderedAt.IsZero() || o.OrderedAt.Before(s.OrderedAt)) {
		s.OrderedAt = o.OrderedAt
	}
}

// applyAI adds an AI result unless the study holds it already.
func (s *Study) applyAI(e Event, received time.Time) bool {
	if e.AI == nil {
		return false
	}
	for _, r := range s.Results {
		if r.ID == e.AI.ID {
			return false
		}
	}
	r := *e.AI
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = received
	}
	for i := range r.Findings {
		if r.Findings[i].Algorithm.ID == "" {
			r.Findings[i].Algorithm = r.Algorithm
		}
		if r.Findings[i].ProducedAt.IsZero() {
			r.Findings[i].ProducedAt = r.ProducedAt
		}
		if r.Findings[i].Positive && s.FirstFlagAt.IsZero() {
			s.FirstFlagAt = r.ReceivedAt
		}
	}
	s.Results = append(s.Results, r)
	if s.Status == "" {
		s.Status = StatusCompleted
	}
	return true
}

// Refresh recomputes what follows from the study's facts: whether it is
// on the reading list, and its rank at now. A closed study keeps the rank
// it had when it closed (what its turnaround record says), whatever comes
// after: a late AI finding does not re-rank a reported study.
func (s *Study) Refresh(rules *triage.Rules, now time.Time) {
	switch {
	case s.Status.Closed():
		s.OnList = false
	case s.Status == StatusCompleted || s.Status == StatusPreliminary:
		s.OnList = true
	default:
		s.OnList = len(s.Results) > 0 // images exist when an AI has read them
	}
	if !s.Status.Closed() || s.Rank.Band == 0 {
		s.Rank = rules.Rank(s.Facts(), now)
	}
	s.SortKey = s.Place().Key()
	s.AIStates = s.aiStates()
}

// aiStates returns the algorithms whose last result said pending or
// failed, in the order their results came.
func (s *Study) aiStates() []AIState {
	var states []AIState
	for _, r := range s.Results {
		i := slices.IndexFunc(states, func(st AIState) bool { return strings.EqualFold(st.Algorithm.ID, r.Algorithm.ID) })
		if r.Status == "" {
			if i >= 0 {
				states = slices.Delete(states, i, i+1)
			}
			continue
		}
		st := AIState{Algorithm: r.Algorithm, Status: r.Status, Reason: r.Reason, Since: r.ReceivedAt}
		if i >= 0 {
			states[i] = st
		} else {
			states = append(states, st)
		}
	}
	return states
}

// ReadyAt returns when the study became ready to read: the exam's
// completion, else the first AI result (which proves images exist); zero
// when neither happened.
func (s *Study) ReadyAt() time.Time {
	if !s.CompletedAt.IsZero() {
		return s.CompletedAt
	}
	var t time.Time
	for _, r := range s.Results {
		t = earliest(t, r.ReceivedAt)
	}
	return t
}

// Rerank ranks the study at now for display, so that the reasons it shows
// ("waiting 3 h") are current. Its place on the list stays: SortKey is set
// from the rank it had (as read from storage) unless it is set already.
func (s *Study) Rerank(rules *triage.Rules, now time.Time) {
	if s.SortKey == "" {
		s.SortKey = s.Place().Key()
	}
	s.Rank = rules.Rank(s.Facts(), now)
	s.AIStates = s.aiStates()
}

// Facts returns what triage ranks the study by.
func (s *Study) Facts() triage.Facts {
	f := triage.Facts{
		Site: s.Site, Priority: s.Priority, PatientClass: s.PatientClass, Modality: s.Modality,
		ProcedureCode: s.ProcedureCode, ProcedureText: s.ProcedureText,
		OrderingLocation: s.OrderingLocation, OrderedAt: s.OrderedAt, CompletedAt: s.CompletedAt,
	}
	if b, err := time.Parse(time.DateOnly, s.Patient.BirthDate); err == nil {
		f.BirthDate = b
	}
	for _, r := range s.Results {
		f.Findings = append(f.Findings, r.Findings...)
	}
	return f
}

// equal compares the facts two studies hold (not their rank or version).
func (s *Study) equal(o *Study) bool {
	a, b := *s, *o
	a.Rank, b.Rank = triage.Rank{}, triage.Rank{}
	a.SortKey, b.SortKey = "", ""
	a.AIStates, b.AIStates = nil, nil
	a.Results, b.Results = nil, nil
	a.Claim, b.Claim = nil, nil
	return reflect.DeepEqual(a, b) && len(s.Results) == len(o.Results)
}
