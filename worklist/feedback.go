package worklist

import (
	"fmt"
	"strings"
	"time"
)

// ParseVerdict reads a reader's verdict on an AI result: agree,
// disagree or not-assessable (IHE AIRAI's accept, reject and supplement
// are read as these).
func ParseVerdict(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case VerdictAgree, "accept":
		return VerdictAgree, true
	case VerdictDisagree, "reject":
		return VerdictDisagree, true
	case VerdictNotAssessable, "not assessable", "notassessable", "supplement":
		return VerdictNotAssessable, true
	}
	return "", false
}

// GiveFeedback returns the edit that records reader's verdict (agree,
// disagree, not-assessable) on the study's AI result resultID, with an
// optional note. Giving feedback again replaces the reader's earlier
// verdict and note; each new verdict is audited. A result the study does
// not hold is ErrNotFound.
func GiveFeedback(resultID, reader, verdict, note string) Edit {
	note = strings.TrimSpace(note)
	return func(st *Study, now time.Time) (bool, *AuditRecord, error) {
		if reader == "" {
			return false, nil, fmt.Errorf("%w: feedback needs the reader's name", ErrInvalid)
		}
		v, ok := ParseVerdict(verdict)
		if !ok {
			return false, nil, fmt.Errorf("%w: verdict must be agree, disagree or not-assessable", ErrInvalid)
		}
		for i := range st.Results {
			r := &st.Results[i]
			if r.ID != resultID {
				continue
			}
			if r.Feedback[reader] == v && r.Notes[reader] == note {
				return false, nil, nil
			}
			if r.Feedback == nil {
				r.Feedback = map[string]string{}
			}
			r.Feedback[reader] = v
			if note != "" {
				if r.Notes == nil {
					r.Notes = map[string]string{}
				}
				r.Notes[reader] = note
			} else {
				delete(r.Notes, reader)
			}
			return true, &AuditRecord{At: now, Actor: reader, Action: "feedback-" + v, Site: st.Site, Accession: st.Accession}, nil
		}
		return false, nil, fmt.Errorf("%w: the study has no AI result %q", ErrNotFound, resultID)
	}
}
