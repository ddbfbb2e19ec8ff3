package sim

import (
	"time"

	"github.com/voorrang/voorrang/triage"
)

// A study is one simulated imaging study: the order and everything that
// happens to it, as far as the simulator has sent it.
type study struct {
	site      *site
	kind      *orderKind
	accession string
	placer    string // placer order number
	studyUID  string
	patient   patient
	priority  string
	side      string // "links", "rechts" or ""
	question  string
	location  string // PV1-3 with components, ready to encode
	ward      string // PV1-3.1
	orderedAt time.Time
	scheduled time.Time
	started   time.Time
	completed time.Time

	// AI result the platform will send, if any
	result *aiResult

	// what has been sent, and what became of it
	sentOrder, sentCompleted, sentResult bool
	closed                               bool // cancelled or finally reported
	reading                              bool // a virtual radiologist is reading it
	prelim                               bool // preliminary report sent, waiting for the final
	findings                             []triage.Finding
}

// onList reports whether the study waits to be read, as the worklist
// sees it: ordered, and images exist (the exam completed or an AI read it).
func (st *study) onList() bool {
	return !st.closed && st.sentOrder && (st.sentCompleted || st.sentResult)
}

// An aiResult is what the AI platform finds in a study.
type aiResult struct {
	alg        *algorithm
	id         string
	positive   bool
	confidence float64
	location   string
	display    string
	produced   time.Time
}

func (st *study) uid() string { return st.studyUID }

func (st *study) key() string { return st.site.id + "/" + st.accession }

// procedureText returns the procedure in words, with its side.
func (st *study) procedureText() string {
	if st.side == "" {
		return st.kind.proc.text
	}
	return sprintfSide(st.kind.proc.text, st.side)
}

// procedureCode returns the site's code for the procedure, with the side's
// letter at ZHWEST ("XPOLSL"), as HiX codes sides.
func (st *study) procedureCode() string {
	if st.site.epic {
		return st.kind.proc.east
	}
	code := st.kind.proc.west
	switch st.side {
	case "links":
		code += "L"
	case "rechts":
		code += "R"
	}
	return code
}

// facts returns what triage ranks the study by, as far as it has been sent.
func (st *study) facts() triage.Facts {
	var completed time.Time
	if st.sentCompleted {
		completed = st.completed
	}
	return triage.Facts{
		Priority: st.priority, PatientClass: st.kind.class, Modality: st.kind.proc.modality,
		ProcedureCode: st.procedureCode(), ProcedureText: st.procedureText(), OrderingLocation: st.ward,
		OrderedAt: st.orderedAt, CompletedAt: completed, Findings: st.findings,
	}
}
