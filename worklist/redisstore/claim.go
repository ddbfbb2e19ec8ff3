package redisstore

import (
	"context"
	"fmt"

	"github.com/voorrang/voorrang/worklist"
)

// Claim gives the study to reader for the claim lease (Options.ClaimTTL),
// as worklist.TakeClaim says: a renewal for the holder, ErrConflict for
// anyone else unless override is set, and every override audited.
func (s *Store) Claim(ctx context.Context, site, acc, reader string, override bool) (*worklist.Study, error) {
	return s.ClaimFor(ctx, site, acc, worklist.Reader{Name: reader}, override)
}

// ClaimFor is Claim for a reader with a display name, which the claim
// carries (worklist.ClaimFor).
func (s *Store) ClaimFor(ctx context.Context, site, acc string, r worklist.Reader, override bool) (*worklist.Study, error) {
	out, err := s.mutate(ctx, mutation{site: site, acc: acc, edit: worklist.ClaimFor(r, override, s.opts.ClaimTTL)})
	if err != nil {
		return nil, fmt.Errorf("claim at %s: %w", site, err)
	}
	return out.Study, nil
}

// Release ends reader's claim, as worklist.ReleaseClaim says.
func (s *Store) Release(ctx context.Context, site, acc, reader string, override bool) (*worklist.Study, error) {
	out, err := s.mutate(ctx, mutation{site: site, acc: acc, edit: worklist.ReleaseClaim(reader, override)})
	if err != nil {
		return nil, fmt.Errorf("release at %s: %w", site, err)
	}
	return out.Study, nil
}

// Feedback records a reader's verdict (agree, disagree, not-assessable)
// on an AI result of a study, with an optional note, as
// worklist.GiveFeedback says; a new verdict also goes to its algorithm's
// feedback log in the registry, for the AI officer.
func (s *Store) Feedback(ctx context.Context, site, acc, resultID, reader, verdict, note string) (*worklist.Study, error) {
	out, err := s.mutate(ctx, mutation{site: site, acc: acc, edit: worklist.GiveFeedback(resultID, reader, verdict, note)})
	if err != nil {
		return nil, fmt.Errorf("feedback on %s: %w", resultID, err)
	}
	if out.Changed && out.Study != nil {
		if err := s.logFeedback(ctx, out.Study, resultID, reader); err != nil {
			s.opts.Logger.Warn("registry: feedback was not logged", "err", err)
		}
	}
	return out.Study, nil
}
