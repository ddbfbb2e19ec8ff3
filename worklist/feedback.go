package worklist

import (
	"context"
	"fmt"
	"time"
)

// Feedback records whether reader agrees with an AI result of a study.
// Giving feedback again replaces the reader's earlier verdict.
func (s *Store) Feedback(ctx context.Context, site, acc, resultID, reader string, agree bool) (*Study, error) {
	if reader == "" {
		return nil, fmt.Errorf("%w: feedback needs the reader's name", ErrInvalid)
	}
	verdict := "disagree"
	if agree {
		verdict = "agree"
	}
	m := mutation{site: site, acc: acc}
	m.fn = func(st *Study, now time.Time) (bool, *AuditRecord, error) {
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
			return true, &AuditRecord{At: now, Actor: reader, Action: "feedback-" + verdict, Site: site, Accession: acc}, nil
		}
		return false, nil, fmt.Errorf("%w: the study has no AI result %q", ErrNotFound, resultID)
	}
	out, err := s.mutate(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("feedback on %s: %w", resultID, err)
	}
	return out.Study, nil
}
