package worklist

import (
	"time"

	"github.com/voorrang/voorrang/triage"
)

// A Turnaround records how a reported study went, for the statistics: no
// patient data, only times, the rank it had and what the AI said.
type Turnaround struct {
	Site           string      `json:"site"`
	Accession      string      `json:"accession"`
	Modality       string      `json:"modality,omitempty"`
	ProcedureCode  string      `json:"procedureCode,omitempty"`
	Priority       string      `json:"priority,omitempty"`
	PatientClass   string      `json:"patientClass,omitempty"`
	Band           triage.Band `json:"band"`
	Due            time.Time   `json:"due"`
	OrderedAt      time.Time   `json:"orderedAt,omitzero"`
	CompletedAt    time.Time   `json:"completedAt,omitzero"`
	FirstFlagAt    time.Time   `json:"firstFlagAt,omitzero"`
	FirstClaimedAt time.Time   `json:"firstClaimedAt,omitzero"`
	PreliminaryAt  time.Time   `json:"preliminaryAt,omitzero"`
	ReportedAt     time.Time   `json:"reportedAt"`
	// Flagged lists the algorithms with a positive finding.
	Flagged []string `json:"flagged,omitempty"`
	// Algorithms lists every algorithm that sent a result.
	Algorithms []string `json:"algorithms,omitempty"`
}

func newTurnaround(st *Study) Turnaround {
	t := Turnaround{
		Site: st.Site, Accession: st.Accession, Modality: st.Modality, ProcedureCode: st.ProcedureCode,
		Priority: st.Priority, PatientClass: st.PatientClass, Band: st.Rank.Band, Due: st.Rank.Due,
		OrderedAt: st.OrderedAt, CompletedAt: st.CompletedAt, FirstFlagAt: st.FirstFlagAt,
		FirstClaimedAt: st.FirstClaimedAt, PreliminaryAt: st.PreliminaryAt, ReportedAt: st.ReportedAt,
	}
	seen := map[string]bool{}
	flagged := map[string]bool{}
	for _, r := range st.Results {
		if !seen[r.Algorithm.ID] {
			seen[r.Algorithm.ID] = true
			t.Algorithms = append(t.Algorithms, r.Algorithm.ID)
		}
		for _, f := range r.Findings {
			if f.Positive && !flagged[r.Algorithm.ID] {
				flagged[r.Algorithm.ID] = true
				t.Flagged = append(t.Flagged, r.Algorithm.ID)
			}
		}
	}
	return t
}
