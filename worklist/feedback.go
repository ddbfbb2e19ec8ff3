package worklist

import (
	"fmt"
	"time"
)

// GiveFeedback returns the edit that records whether reader agrees with
// the study's AI result resultID. Giving feedback again replaces the
// reader's earlier verdict; each new verdict is audited. A result the
// study does not hold is ErrNotFound.
func GiveFeedback(resultID, reader string, agree bool) Edit {
	verdict := "disagree"
	if agree {
		verdict = "agree"
	}
	return func(st *Study, now time.Time) (bool, *AuditRecord, error) {
		if reader == "" {
			return false, nil, fmt.Errorf("%w: feedback needs the reader's name", ErrInvalid)
		}
		for i := range st.Results {
			r := &st.Results[i]
			if r.ID != resultID {
				continue
			}
			if r.Feedback[reader] == verdict {
				return false, nil, nil
			}
			if r.Feedback == nil {
				r.Feedback = map[string]string{}
			}
			r.Feedback[reader] = verdict
			return true, &AuditRecord{At: now, Actor: reader, Action: "feedback-" + verdict, Site: st.Site, Accession: st.Accession}, nil
		}
		return false, nil, fmt.Errorf("%w: the study has no AI result %q", ErrNotFound, resultID)
	}
}
