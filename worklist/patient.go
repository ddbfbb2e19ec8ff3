package worklist

import (
	"context"
	"fmt"
	"time"
)

// applyPatient applies a patient update (ADT^A08) to every open study of
// the patient at the site, found by MRN.
func (s *Store) applyPatient(ctx context.Context, e Event, ack []byte) (Outcome, error) {
	if e.Patient == nil || e.Patient.MRN == "" {
		return Outcome{}, fmt.Errorf("%w: a patient update needs the patient's MRN", ErrInvalid)
	}
	dk := ""
	if e.Source != "" {
		dk = s.keys.dedupe(e.Site, e.Source)
		if seen, err := s.rdb.Get(ctx, dk).Bytes(); err == nil {
			return Outcome{Duplicate: true, Ack: seen}, nil
		}
	}
	accs, err := s.rdb.SMembers(ctx, s.keys.patient(e.Site, e.Patient.MRN)).Result()
	if err != nil {
		return Outcome{}, fmt.Errorf("find the patient's studies: %w", err)
	}
	out := Outcome{}
	for _, acc := range accs {
		m := mutation{site: e.Site, acc: acc}
		m.fn = func(st *Study, now time.Time) (bool, *AuditRecord, error) {
			changed, err := st.apply(e, now)
			return changed, nil, err
		}
		o, err := s.mutate(ctx, m)
		if err != nil {
			return Outcome{}, fmt.Errorf("update study %s: %w", acc, err)
		}
		out.Changed = out.Changed || o.Changed
	}
	if dk != "" {
		if len(ack) == 0 {
			ack = []byte("applied")
		}
		if err := s.rdb.SetNX(ctx, dk, ack, s.opts.DedupeTTL).Err(); err != nil {
			return Outcome{}, fmt.Errorf("record patient update: %w", err)
		}
	}
	return out, nil
}
