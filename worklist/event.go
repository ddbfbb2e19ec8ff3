package worklist

import (
	"time"

	"github.com/voorrang/voorrang/triage"
)

// An EventKind says what happened to a study.
type EventKind string

// The events Voorrang understands.
const (
	OrderPlaced       EventKind = "order-placed"    // ORC-1 NW
	OrderChanged      EventKind = "order-changed"   // ORC-1 XO
	OrderScheduled    EventKind = "order-scheduled" // ORC-1 SC, ORC-5 SC
	ExamStarted       EventKind = "exam-started"    // ORC-1 SC, ORC-5 IP
	ExamCompleted     EventKind = "exam-completed"  // ORC-1 SC, ORC-5 CM
	OrderCancelled    EventKind = "order-cancelled" // ORC-1 CA, OC, DC or ORC-5 CA
	ReportPreliminary EventKind = "report-preliminary"
	ReportFinal       EventKind = "report-final"
	ReportCorrected   EventKind = "report-corrected"
	AIResultReceived  EventKind = "ai-result"
	PatientUpdated    EventKind = "patient-updated" // ADT^A08, applied to each open study
)

// CreatesStudy reports whether an event for an unknown accession creates
// the study; other events wait for the order (an AI result or a report
// that came first is kept and merged when the order arrives).
func (k EventKind) CreatesStudy() bool {
	switch k {
	case OrderPlaced, OrderChanged, OrderScheduled, ExamStarted, ExamCompleted:
		return true
	}
	return false
}

// An Event is one normalised input for a study.
type Event struct {
	Kind      EventKind `json:"kind"`
	Site      string    `json:"site"`
	Accession string    `json:"accession"`
	// At is when it happened at the source (ORC-9, OBR-22, MSH-7 ...).
	At time.Time `json:"at"`
	// Source identifies the input for de-duplication: MSH-3|MSH-4|MSH-10
	// for HL7, the result ID for AI results.
	Source string `json:"source,omitempty"`

	Order   *Order    `json:"order,omitempty"`
	Report  *Report   `json:"report,omitempty"`
	AI      *AIResult `json:"ai,omitempty"`
	Patient *Patient  `json:"patient,omitempty"` // PatientUpdated
}

// An Order holds the facts an order message carries. Empty fields leave
// what the study has.
type Order struct {
	Patient          Patient   `json:"patient"`
	PatientClass     string    `json:"patientClass,omitempty"`
	Priority         string    `json:"priority,omitempty"`
	Modality         string    `json:"modality,omitempty"`
	ProcedureCode    string    `json:"procedureCode,omitempty"`
	ProcedureText    string    `json:"procedureText,omitempty"`
	OrderingLocation string    `json:"orderingLocation,omitempty"`
	StudyUID         string    `json:"studyUID,omitempty"`
	OrderedAt        time.Time `json:"orderedAt,omitzero"`
	CompletedAt      time.Time `json:"completedAt,omitzero"`
}

// A Report is a radiology report's status.
type Report struct {
	Reader string `json:"reader,omitempty"` // OBR-32, as sent
}

// An AIResult is one result of an AI algorithm for a study.
type AIResult struct {
	ID        string           `json:"id"`
	Algorithm triage.Algorithm `json:"algorithm"`
	// Status is empty for a result with findings; AIPending when the AI
	// platform took the study and its result is still to come, AIFailed
	// (with Reason) when it could not process it, so that nobody waits
	// for a result that will not come.
	Status     AIStatus          `json:"status,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	Findings   []triage.Finding  `json:"findings"`
	ProducedAt time.Time         `json:"producedAt"`
	ReceivedAt time.Time         `json:"receivedAt,omitzero"`
	Feedback   map[string]string `json:"feedback,omitempty"` // reader -> agree | disagree | not-assessable
	Notes      map[string]string `json:"notes,omitempty"`    // reader -> the note with their verdict
}

// An AIStatus says where an AI platform is with a study.
type AIStatus string

// The statuses of an AI result; a result with findings has none.
const (
	AIPending AIStatus = "pending"
	AIFailed  AIStatus = "failed"
)

// An AIState is where one algorithm is with a study: its last result
// said pending or failed. A result with findings after it ends the state.
type AIState struct {
	Algorithm triage.Algorithm `json:"algorithm"`
	Status    AIStatus         `json:"status"`
	Reason    string           `json:"reason,omitempty"`
	Since     time.Time        `json:"since"` // when that result was received
}
