package redisstore

import (
	"context"
	"fmt"

	"github.com/voorrang/voorrang/worklist"
)

// applyPatient applies a patient update (ADT^A08) to every open study of
// the patient at the site, found by MRN.
func (s *Store) applyPatient(ctx context.Context, e worklist.Event, ack []byte) (worklist.Outcome, error) {
	if e.Patient == nil || e.Patient.MRN == "" {
		return worklist.Outcome{}, fmt.Errorf("%w: a patient update needs the patient's MRN", worklist.ErrInvalid)
	}
	dk := ""
	if e.Source != "" {
		dk = s.keys.dedupe(e.Site, e.Source)
		if seen, err := s.rdb.Get(ctx, dk).Bytes(); err == nil {
			if err := s.replicated(ctx, dk); err != nil {
				return worklist.Outcome{}, err
			}
			return worklist.Outcome{Duplicate: true, Ack: seen}, nil
		}
	}
	accs, err := s.rdb.SMembers(ctx, s.keys.patient(e.Site, e.Patient.MRN)).Result()
	if err != nil {
		return worklist.Outcome{}, fmt.Errorf("find the patient's studies: %w", err)
	}
	out := worklist.Outcome{}
	for _, acc := range accs {
		o, err := s.mutate(ctx, mutation{site: e.Site, acc: acc, edit: worklist.ApplyEvent(e)})
		if err != nil {
			return worklist.Outcome{}, fmt.Errorf("update a study at %s: %w", e.Site, err)
		}
		out.Changed = out.Changed || o.Changed
	}
	if dk != "" {
		if len(ack) == 0 {
			ack = []byte("applied")
		}
		if err := s.rdb.SetNX(ctx, dk, ack, s.opts.DedupeTTL).Err(); err != nil {
			return worklist.Outcome{}, fmt.Errorf("record patient update: %w", err)
		}
	}
	if err := s.replicated(ctx, dk); err != nil {
		return worklist.Outcome{}, err
	}
	return out, nil
}
